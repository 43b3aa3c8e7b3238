// The metric names a training logs under, and what they mean, which must be MLflow sklearn autolog's
// for the UI to line runs up with the seed's. Expected weighted scores are scikit-learn 1.9.1's
// precision_score / recall_score / f1_score(average="weighted") on the same labels.
// test/compat/trainer-autolog.test.ts compares a whole training with a real autolog run.
import { describe, expect, it } from 'vitest';
import { confusionMatrix, evaluateBinary } from '../../../trainer/metrics/index.js';
import type { ModelKind } from '../../../trainer/models/index.js';
import { autologMetrics, estimatorName, metricInfoJson, weightedScores } from '../../../trainer/tracking/autolog.js';

describe('run names', () => {
  it.each<[ModelKind, string]>([
    ['decision_tree', 'DecisionTreeClassifier'],
    ['random_forest', 'RandomForestClassifier'],
    ['logistic_regression', 'LogisticRegression'],
    ['voting_ensemble', 'VotingEnsemble'],
  ])('%s → %s', (kind, name) => expect(estimatorName(kind)).toBe(name));
});

describe('weighted precision, recall, F1 (autolog’s training_* with pos_label=None)', () => {
  it.each([
    [[0, 0, 1, 1, 1], [0, 1, 0, 1, 1], [0.6, 0.6, 0.6]],
    [[1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [0.8888888888888888, 0.8333333333333334, 0.8380952380952381]],
    // No positive prediction: the positive class's precision is 0 (zero_division), as sklearn.
    [[0, 0, 0, 1], [0, 0, 0, 0], [0.5625, 0.75, 0.6428571428571428]],
  ])('%j vs %j', (yTrue, yPred, [p, r, f]) => {
    const w = weightedScores(confusionMatrix(yTrue, yPred));
    expect(w.precision).toBeCloseTo(p!, 15);
    expect(w.recall).toBeCloseTo(r!, 15);
    expect(w.f1).toBeCloseTo(f!, 15);
  });
});

describe('autolog metric names', () => {
  const train = evaluateBinary([0, 0, 1, 1, 1], [0.1, 0.6, 0.4, 0.8, 0.9]);
  const test = evaluateBinary([1, 0, 1, 0], [0.7, 0.2, 0.3, 0.6]);
  const metrics = autologMetrics('RandomForestClassifier', train, test);
  const byKey = Object.fromEntries(metrics.map((m) => [m.key, m]));

  it("names them as autolog does: training_* at fit, <function>_X_test after, plus the seed's acc_train / acc_test", () => {
    expect(metrics.filter((m) => m.kind === 'training').map((m) => m.key)).toEqual([
      'training_precision_score',
      'training_recall_score',
      'training_f1_score',
      'training_accuracy_score',
      'training_log_loss',
      'training_roc_auc',
      'training_score',
    ]);
    expect(metrics.filter((m) => m.kind === 'post_training').map((m) => m.key)).toEqual([
      'RandomForestClassifier_score_X_test',
      'roc_auc_score_X_test',
      'average_precision_score_X_test',
      'log_loss_X_test',
      'precision_score_X_test',
      'recall_score_X_test',
      'f1_score_X_test',
    ]);
    expect(metrics.filter((m) => m.kind === 'seed').map((m) => m.key)).toEqual(['acc_train', 'acc_test']);
    expect(new Set(metrics.map((m) => m.key)).size).toBe(metrics.length);
  });

  it('maps each name to the right number of the right split', () => {
    const w = weightedScores(train.confusion);
    expect(byKey.training_precision_score!.value).toBe(w.precision);
    expect(byKey.training_recall_score!.value).toBe(w.recall);
    expect(byKey.training_f1_score!.value).toBe(w.f1);
    expect(byKey.training_accuracy_score!.value).toBe(train.accuracy);
    expect(byKey.training_score!.value).toBe(train.accuracy);
    expect(byKey.training_roc_auc!.value).toBe(train.rocAuc);
    expect(byKey.training_log_loss!.value).toBe(train.logLoss);
    expect(byKey.acc_train!.value).toBe(train.accuracy);
    expect(byKey.acc_test!.value).toBe(test.accuracy);
    expect(byKey.RandomForestClassifier_score_X_test!.value).toBe(test.accuracy);
    expect(byKey.roc_auc_score_X_test!.value).toBe(test.rocAuc);
    expect(byKey.average_precision_score_X_test!.value).toBe(test.prAuc);
    expect(byKey.log_loss_X_test!.value).toBe(test.logLoss);
    // precision_score(y_test, y_pred) with its defaults: the positive class.
    expect(byKey.precision_score_X_test!.value).toBe(test.precision);
    expect(byKey.recall_score_X_test!.value).toBe(test.recall);
    expect(byKey.f1_score_X_test!.value).toBe(test.f1);
    expect(train.accuracy).toBe(0.6);
    expect(test.accuracy).toBe(0.5);
  });

  it('writes metric_info.json as autolog does: each post-training metric’s call, keys sorted, indent 2', () => {
    const info = JSON.parse(metricInfoJson(metrics)) as Record<string, string>;
    expect(Object.keys(info)).toEqual([...Object.keys(info)].sort());
    expect(Object.keys(info)).toHaveLength(7);
    expect(info.RandomForestClassifier_score_X_test).toBe('RandomForestClassifier.score(X=X_test, y=y_test)');
    expect(info.roc_auc_score_X_test).toBe('roc_auc_score(y_true=y_test, y_score=y_test_proba)');
    expect(metricInfoJson(metrics)).toMatch(/^\{\n {2}"RandomForestClassifier_score_X_test": /);
  });
});
