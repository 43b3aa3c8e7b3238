// The PNG artifacts of a model's run (what autolog's classifier plots show, on both splits) and of the
// parent run (every model's test ROC curve on one chart).
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
  return [
    { path: 'roc_curve.png', png: rocCurvePng([rocSeries('test', m.test), rocSeries('train', m.train)], { title: `ROC curve - ${m.estimator}` }) },
    {
      path: 'precision_recall_curve.png',
      png: prCurvePng([pr('test', m.test), pr('train', m.train)], positiveRate(m.test.y), { title: `Precision-recall curve - ${m.estimator}` }),
    },
    {
      path: 'test_confusion_matrix.png',
      png: confusionMatrixPng(m.test.report.confusion, {
        title: `Confusion matrix (test) - ${m.estimator}`,
        labels: [m.target.negativeLabel, m.target.positiveLabel],
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
