/** Everything the trainer logs about a model on one data split, in one call. */
import type { ConfusionMatrix } from './confusion.js';
import { accuracyFrom, confusionMatrix, f1From, precisionFrom, recallFrom } from './confusion.js';
import { averagePrecision, logLoss, rocAuc, UndefinedMetricError } from './scores.js';

export * from './confusion.js';
export * from './curves.js';
export * from './scores.js';

export interface BinaryReport {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** NaN when the split has a single class (undefined, as sklearn says). */
  rocAuc: number;
  prAuc: number;
  logLoss: number;
  confusion: ConfusionMatrix;
}

/** Scores P(positive) predictions; labels are `proba > threshold`. */
export function evaluateBinary(yTrue: ArrayLike<number>, proba: ArrayLike<number>, threshold = 0.5): BinaryReport {
  const yPred = Array.from(proba, (p) => (p > threshold ? 1 : 0));
  const confusion = confusionMatrix(yTrue, yPred);
  let auc = NaN;
  try {
    auc = rocAuc(yTrue, proba);
  } catch (e) {
    if (!(e instanceof UndefinedMetricError)) throw e;
  }
  return {
    accuracy: accuracyFrom(confusion),
    precision: precisionFrom(confusion),
    recall: recallFrom(confusion),
    f1: f1From(confusion),
    rocAuc: auc,
    prAuc: averagePrecision(yTrue, proba),
    logLoss: logLoss(yTrue, proba),
    confusion,
  };
}

/** The report as flat MLflow metric names with a split suffix; acc_/auc_ are the seed's names (`auc_test`). */
export function reportMetrics(report: BinaryReport, split: string): Record<string, number> {
  return {
    [`acc_${split}`]: report.accuracy,
    [`precision_${split}`]: report.precision,
    [`recall_${split}`]: report.recall,
    [`f1_${split}`]: report.f1,
    [`auc_${split}`]: report.rocAuc,
    [`pr_auc_${split}`]: report.prAuc,
    [`log_loss_${split}`]: report.logLoss,
  };
}
