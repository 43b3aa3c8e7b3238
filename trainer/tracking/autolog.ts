// What MLflow's sklearn autolog would record for one fitted classifier, in its vocabulary: the metric
// names and what they mean, so a run logged by Minflow sorts, filters and compares side by side with one
// logged by `mlflow.sklearn.autolog()` in the UI. (Params and estimator tags: sklearn-params.ts.)
//
// Autolog logs two kinds of metrics (mlflow/sklearn/utils.py, mlflow/sklearn/__init__.py):
// - at fit, on the training rows, `training_<metric>`: precision, recall and F1 averaged over both
//   classes weighted by their support (`average="weighted"`, its default pos_label=None), accuracy,
//   log loss, ROC AUC, and `training_score` (the estimator's own score(), accuracy for a classifier);
//   linked to the training dataset and the logged model;
// - after fit, one metric per sklearn.metrics call (or model.score) on predictions of a named dataset,
//   `<function>_<variable name>`, e.g. `RandomForestClassifier_score_X_test`, with the function's own
//   defaults (precision_score on labels is the positive class's). Linked to the logged model only.
// The trainer logs the post-training metrics of an evaluation on the test rows held as X_test/y_test,
// each function called once, plus the seed's `acc_train` / `acc_test`.
import type { BinaryReport, ConfusionMatrix } from '../metrics/index.js';
import type { ModelKind } from '../models/index.js';

/** The run name of each model kind's run (the trainer's vocabulary; tags carry scikit-learn's). */
const RUN_NAMES: Record<ModelKind, string> = {
  decision_tree: 'DecisionTreeClassifier',
  random_forest: 'RandomForestClassifier',
  logistic_regression: 'LogisticRegression',
  voting_ensemble: 'VotingEnsemble',
  gradient_boosting: 'HistGradientBoostingClassifier',
};

export function estimatorName(kind: ModelKind): string {
  return RUN_NAMES[kind];
}

/** The variable names the post-training metrics are named after (the seed's code: X_test, y_test). */
export const TEST_DATASET_VAR = 'X_test';

export interface NamedMetric {
  key: string;
  value: number;
  /** `training`: computed at fit on the training rows (linked to the training dataset); else after fit. */
  kind: 'training' | 'post_training' | 'seed';
  /** For post-training metrics: the call autolog records in metric_info.json. */
  call?: string;
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

/** Per-class precision, recall and F1 averaged with the classes' supports as weights (sklearn's `weighted`). */
export function weightedScores(m: ConfusionMatrix): { precision: number; recall: number; f1: number } {
  const support0 = m.tn + m.fp;
  const support1 = m.tp + m.fn;
  const n = support0 + support1;
  const weighted = (v0: number, v1: number): number => (v0 * support0 + v1 * support1) / n;
  return {
    precision: weighted(ratio(m.tn, m.tn + m.fn), ratio(m.tp, m.tp + m.fp)),
    recall: weighted(ratio(m.tn, m.tn + m.fp), ratio(m.tp, m.tp + m.fn)),
    f1: weighted(ratio(2 * m.tn, 2 * m.tn + m.fn + m.fp), ratio(2 * m.tp, 2 * m.tp + m.fp + m.fn)),
  };
}

/**
 * @param sklearnName the estimator's scikit-learn class name (Pipeline for the logistic regression),
 *   which names its score() metric.
 */
export function autologMetrics(sklearnName: string, train: BinaryReport, test: BinaryReport): NamedMetric[] {
  const w = weightedScores(train.confusion);
  const t = (key: string, value: number): NamedMetric => ({ key, value, kind: 'training' });
  const ds = TEST_DATASET_VAR;
  const post = (fn: string, value: number, args: string, callee = fn): NamedMetric => ({
    key: `${fn}_${ds}`,
    value,
    kind: 'post_training',
    call: `${callee}(${args})`,
  });
  return [
    t('training_precision_score', w.precision),
    t('training_recall_score', w.recall),
    t('training_f1_score', w.f1),
    t('training_accuracy_score', train.accuracy),
    t('training_log_loss', train.logLoss),
    t('training_roc_auc', train.rocAuc),
    t('training_score', train.accuracy),
    post(`${sklearnName}_score`, test.accuracy, `X=${ds}, y=y_test`, `${sklearnName}.score`),
    post('roc_auc_score', test.rocAuc, 'y_true=y_test, y_score=y_test_proba'),
    post('average_precision_score', test.prAuc, 'y_true=y_test, y_score=y_test_proba'),
    post('log_loss', test.logLoss, 'y_true=y_test, y_pred=y_test_proba'),
    post('precision_score', test.precision, 'y_true=y_test, y_pred=y_test_predict'),
    post('recall_score', test.recall, 'y_true=y_test, y_pred=y_test_predict'),
    post('f1_score', test.f1, 'y_true=y_test, y_pred=y_test_predict'),
    { key: 'acc_train', value: train.accuracy, kind: 'seed' },
    { key: 'acc_test', value: test.accuracy, kind: 'seed' },
  ];
}

/** The metric_info.json autolog writes beside post-training metrics: key → the call, keys sorted. */
export function metricInfoJson(metrics: readonly NamedMetric[]): string {
  const entries = metrics.filter((m) => m.call !== undefined).map((m) => [m.key, m.call!] as const);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify(Object.fromEntries(entries), null, 2);
}
