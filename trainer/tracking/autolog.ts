// What MLflow's sklearn autolog would record for one fitted classifier, in its vocabulary: the
// estimator tags and the metric names. Keeping the names identical means a run logged by Minflow sorts,
// filters and compares side by side with one logged by `mlflow.sklearn.autolog()` in the UI.
import type { BinaryReport } from '../metrics/index.js';
import type { ModelKind } from '../models/index.js';

interface Estimator {
  name: string;
  /** Autolog's `estimator_class` is the class's full import path. */
  classPath: string;
}

// Tree and forest reproduce scikit-learn's estimators (same params, same trees for a seed), so they
// carry its class path; the others are our own and say so.
const ESTIMATORS: Record<ModelKind, Estimator> = {
  decision_tree: { name: 'DecisionTreeClassifier', classPath: 'sklearn.tree._classes.DecisionTreeClassifier' },
  random_forest: { name: 'RandomForestClassifier', classPath: 'sklearn.ensemble._forest.RandomForestClassifier' },
  logistic_regression: { name: 'LogisticRegression', classPath: 'minflow.trainer.models.LogisticRegression' },
  voting_ensemble: { name: 'VotingEnsemble', classPath: 'minflow.trainer.models.VotingEnsemble' },
};

export function estimatorName(kind: ModelKind): string {
  return ESTIMATORS[kind].name;
}

/** Autolog's `_get_estimator_info_tags`. */
export function estimatorTags(kind: ModelKind): { estimator_name: string; estimator_class: string } {
  return { estimator_name: ESTIMATORS[kind].name, estimator_class: ESTIMATORS[kind].classPath };
}

export type Side = 'train' | 'test';

export interface NamedMetric {
  key: string;
  value: number;
  /** Which split it was computed on, so it can carry that dataset's name and digest. */
  side: Side;
}

/**
 * Autolog's post-training metrics for a classifier on the training set (`training_score` is the
 * estimator's own `score()`, accuracy for a classifier), the seed's `acc_train` / `acc_test`, and the
 * same measures on the test set named `test_<autolog suffix>` so train and test columns line up.
 * Precision, recall and F1 are those of the positive (churn) class: what `autolog(pos_label=1)` logs;
 * autolog's default (pos_label=None) would log their support-weighted mean over both classes.
 */
export function autologMetrics(train: BinaryReport, test: BinaryReport): NamedMetric[] {
  const t = (key: string, value: number): NamedMetric => ({ key, value, side: 'train' });
  const s = (key: string, value: number): NamedMetric => ({ key, value, side: 'test' });
  return [
    t('training_accuracy_score', train.accuracy),
    t('training_precision_score', train.precision),
    t('training_recall_score', train.recall),
    t('training_f1_score', train.f1),
    t('training_roc_auc', train.rocAuc),
    t('training_log_loss', train.logLoss),
    t('training_score', train.accuracy),
    t('acc_train', train.accuracy),
    s('acc_test', test.accuracy),
    s('test_accuracy_score', test.accuracy),
    s('test_precision_score', test.precision),
    s('test_recall_score', test.recall),
    s('test_f1_score', test.f1),
    s('test_roc_auc', test.rocAuc),
    s('test_pr_auc', test.prAuc),
    s('test_log_loss', test.logLoss),
  ];
}
