// The PNG artifacts of a model's run and of the parent run (every model's test ROC curve on one chart).
// A model's run has autolog's three classifier plots of the training rows under autolog's names
// (training_confusion_matrix.png, training_roc_curve.png, training_precision_recall_curve.png), then the
// test side: both splits' ROC and precision-recall curves, the test confusion matrix, importances.
import type { TargetInfo } from '../data/index.js';
import type { BinaryReport } from '../metrics/index.js';
import { precisionRecallCurve, rocCurve } from '../metrics/index.js';
import { confusionMatrixPng, featureImportancePng, prCurvePng, rocCurvePng } from '../plots/index.js';

export interface Scored {
  y: Uint8Array;
  proba: Float64Array;
  report: BinaryReport;
}

export interface PlotFile {
  path: string;
  png: Buffer;
}

function positiveRate(y: Uint8Array): number {
  let n = 0;
  for (const v of y) n += v;
  return y.length === 0 ? 0 : n / y.length;
}

function rocSeries(label: string, s: Scored) {
  const c = rocCurve(s.y, s.proba);
  return { label, fpr: c.fpr, tpr: c.tpr, auc: s.report.rocAuc };
}

export interface ModelPlotInput {
  estimator: string;
  target: TargetInfo;
  featureNames: readonly string[];
  importances: Float64Array;
  train: Scored;
  test: Scored;
}

/** ROC and precision-recall curves (test first, train for the overfitting gap), confusion matrix, importances. */
export function modelPlots(m: ModelPlotInput): PlotFile[] {
  const pr = (label: string, s: Scored) => {
    const c = precisionRecallCurve(s.y, s.proba);
    return { label, recall: c.recall, precision: c.precision, ap: s.report.prAuc };
  };
  const labels = [m.target.negativeLabel, m.target.positiveLabel] as [string, string];
  return [
    {
      path: 'training_confusion_matrix.png',
      png: confusionMatrixPng(m.train.report.confusion, { title: `Confusion matrix (train) - ${m.estimator}`, labels }),
    },
    { path: 'training_roc_curve.png', png: rocCurvePng([rocSeries('train', m.train)], { title: `ROC curve (train) - ${m.estimator}` }) },
    {
      path: 'training_precision_recall_curve.png',
      png: prCurvePng([pr('train', m.train)], positiveRate(m.train.y), { title: `Precision-recall curve (train) - ${m.estimator}` }),
    },
    { path: 'roc_curve.png', png: rocCurvePng([rocSeries('test', m.test), rocSeries('train', m.train)], { title: `ROC curve - ${m.estimator}` }) },
    {
      path: 'precision_recall_curve.png',
      png: prCurvePng([pr('test', m.test), pr('train', m.train)], positiveRate(m.test.y), { title: `Precision-recall curve - ${m.estimator}` }),
    },
    {
      path: 'test_confusion_matrix.png',
      png: confusionMatrixPng(m.test.report.confusion, {
        title: `Confusion matrix (test) - ${m.estimator}`,
        labels,
      }),
    },
    {
      path: 'feature_importance.png',
      png: featureImportancePng(m.featureNames, m.importances, { title: `Top feature importances - ${m.estimator}` }),
    },
  ];
}

/** One test ROC curve per model, for the parent run. */
export function comparisonPlot(models: readonly { estimator: string; test: Scored }[]): PlotFile {
  return { path: 'roc_curves.png', png: rocCurvePng(models.map((m) => rocSeries(m.estimator, m.test)), { title: 'ROC curves (test)' }) };
}
