/** Probability-based scores with scikit-learn's definitions. */
import { precisionRecallCurve, rocCurve, trapezoidArea } from './curves.js';

export class UndefinedMetricError extends Error {
  override readonly name = 'UndefinedMetricError';
}

function bothClasses(yTrue: ArrayLike<number>, what: string): void {
  let pos = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === 1) pos++;
  if (pos === 0 || pos === yTrue.length) {
    throw new UndefinedMetricError(`Only one class present in y_true. ${what} is not defined in that case.`);
  }
}

/**
 * roc_auc_score: area under the ROC curve. Tied scores form one diagonal step, which is the same as
 * counting a tied positive/negative pair as half a win.
 */
export function rocAuc(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): number {
  bothClasses(yTrue, 'ROC AUC score');
  const { fpr, tpr } = rocCurve(yTrue, yScore);
  return trapezoidArea(fpr, tpr);
}

/**
 * average_precision_score (PR AUC without interpolation): Σ (R_k − R_{k−1}) · P_k over thresholds.
 * With no positives, recall is 1 everywhere and the score is 0 (sklearn warns and returns that too).
 */
export function averagePrecision(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): number {
  const { precision, recall } = precisionRecallCurve(yTrue, yScore);
  let s = 0;
  for (let k = 0; k < recall.length - 1; k++) s -= (recall[k + 1]! - recall[k]!) * precision[k]!;
  return Math.max(0, s);
}

const EPS = Number.EPSILON; // np.finfo(float64).eps: log_loss clips probabilities to [eps, 1 - eps]

/** log_loss for P(positive) scores: mean of −log(p) for positives and −log(1 − p) for negatives. */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>): number {
  if (yTrue.length !== proba.length) throw new RangeError(`inputs have different lengths (${yTrue.length} vs ${proba.length})`);
  if (yTrue.length === 0) throw new RangeError('inputs are empty');
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = proba[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} at index ${i} is outside [0, 1]`);
    const q = yTrue[i] === 1 ? p : 1 - p;
    s -= Math.log(Math.min(Math.max(q, EPS), 1 - EPS));
  }
  return s / yTrue.length;
}
