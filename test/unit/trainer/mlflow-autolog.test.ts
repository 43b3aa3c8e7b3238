// The names a training logs under, which must be MLflow sklearn autolog's for the UI to line runs up.
import { describe, expect, it } from 'vitest';
import { evaluateBinary } from '../../../trainer/metrics/index.js';
import type { ModelKind } from '../../../trainer/models/index.js';
import { autologMetrics, estimatorName, estimatorTags } from '../../../trainer/tracking/autolog.js';

describe('estimator tags', () => {
  it.each<[ModelKind, string, string]>([
    ['decision_tree', 'DecisionTreeClassifier', 'sklearn.tree._classes.DecisionTreeClassifier'],
    ['random_forest', 'RandomForestClassifier', 'sklearn.ensemble._forest.RandomForestClassifier'],
    ['logistic_regression', 'LogisticRegression', 'minflow.trainer.models.LogisticRegression'],
    ['voting_ensemble', 'VotingEnsemble', 'minflow.trainer.models.VotingEnsemble'],
  ])('%s → %s (%s)', (kind, name, classPath) => {
    expect(estimatorTags(kind)).toEqual({ estimator_name: name, estimator_class: classPath });
    expect(estimatorName(kind)).toBe(name);
  });
});

describe('autolog metric names', () => {
  const train = evaluateBinary([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.8, 0.9]);
  const test = evaluateBinary([1, 0, 1, 0], [0.7, 0.2, 0.3, 0.6]);
  const metrics = autologMetrics(train, test);
  const byKey = Object.fromEntries(metrics.map((m) => [m.key, m]));

  it("names the training side as sklearn autolog does, plus the seed's acc_train / acc_test", () => {
    expect(metrics.filter((m) => m.side === 'train').map((m) => m.key)).toEqual([
      'training_accuracy_score',
      'training_precision_score',
      'training_recall_score',
      'training_f1_score',
      'training_roc_auc',
      'training_log_loss',
      'training_score',
      'acc_train',
    ]);
    expect(metrics.filter((m) => m.side === 'test').map((m) => m.key)).toEqual([
      'acc_test',
      'test_accuracy_score',
      'test_precision_score',
      'test_recall_score',
      'test_f1_score',
      'test_roc_auc',
      'test_pr_auc',
      'test_log_loss',
    ]);
    expect(new Set(metrics.map((m) => m.key)).size).toBe(metrics.length);
  });

  it('maps each name to the right number of the right split', () => {
    expect(byKey.training_accuracy_score!.value).toBe(train.accuracy);
    expect(byKey.training_score!.value).toBe(train.accuracy);
    expect(byKey.acc_train!.value).toBe(train.accuracy);
    expect(byKey.training_precision_score!.value).toBe(train.precision);
    expect(byKey.training_recall_score!.value).toBe(train.recall);
    expect(byKey.training_f1_score!.value).toBe(train.f1);
    expect(byKey.training_roc_auc!.value).toBe(train.rocAuc);
    expect(byKey.training_log_loss!.value).toBe(train.logLoss);
    expect(byKey.acc_test!.value).toBe(test.accuracy);
    expect(byKey.test_accuracy_score!.value).toBe(test.accuracy);
    expect(byKey.test_precision_score!.value).toBe(test.precision);
    expect(byKey.test_recall_score!.value).toBe(test.recall);
    expect(byKey.test_f1_score!.value).toBe(test.f1);
    expect(byKey.test_roc_auc!.value).toBe(test.rocAuc);
    expect(byKey.test_pr_auc!.value).toBe(test.prAuc);
    expect(byKey.test_log_loss!.value).toBe(test.logLoss);
    // Hand-checked: 3 of 5 training rows right at 0.5, 2 of 4 test rows.
    expect(train.accuracy).toBe(0.6);
    expect(test.accuracy).toBe(0.5);
  });
});
