import { describe, expect, it } from 'vitest';
import type { Classifier } from '../../../trainer/models/classifier.js';
import { DecisionTreeClassifier } from '../../../trainer/models/decision-tree.js';
import { VotingEnsemble } from '../../../trainer/models/ensemble.js';
import { loadClassifier } from '../../../trainer/models/load.js';
import { LogisticRegression } from '../../../trainer/models/logistic-regression.js';
import { RandomForestClassifier } from '../../../trainer/models/random-forest.js';
import { SKLEARN_SMALL } from './fixtures/sklearn-small.js';
import { column, labels, matrix, noisyTable } from './helpers.js';

describe('LogisticRegression (median impute + indicator → scale → L2 logistic)', () => {
  it('matches the scikit-learn pipeline on the fixture table', () => {
    const lr = new LogisticRegression().fitSync(matrix(SKLEARN_SMALL.X), Uint8Array.from(SKLEARN_SMALL.y));
    const p = lr.predictProba(matrix(SKLEARN_SMALL.Xq));
    p.forEach((v, i) => expect(v).toBeCloseTo(SKLEARN_SMALL.lr.proba[i]!, 7));
    lr.predictProba(matrix(SKLEARN_SMALL.X)).forEach((v, i) => expect(v).toBeCloseTo(SKLEARN_SMALL.lr.probaTrain[i]!, 7));
  });

  it('learns a monotone relation and uses the missing indicator', () => {
    // Larger x → positive; a missing x is always positive.
    const lr = new LogisticRegression().fitSync(column([1, 2, 3, 4, 5, 6, null, null]), labels([0, 0, 0, 1, 1, 1, 1, 1]));
    const [low, high, missing] = lr.predictProba(column([1, 6, null]));
    expect(low!).toBeLessThan(0.5);
    expect(high!).toBeGreaterThan(0.5);
    expect(missing!).toBeGreaterThan(0.5);
    expect(lr.coefficients.indicators).toEqual(Int32Array.from([0]));
  });

  it('regularises more with a smaller C', () => {
    const { X, y } = noisyTable(200, 4);
    const norm = (C: number): number => new LogisticRegression({ C }).fitSync(X, y).coefficients.coef.reduce((s, v) => s + v * v, 0);
    expect(norm(0.01)).toBeLessThan(norm(1));
  });

  it('round-trips exactly and lists get_params() keys', () => {
    const { X, y } = noisyTable(200, 4);
    const lr = new LogisticRegression().fitSync(X, y);
    const back = loadClassifier(JSON.stringify(lr.toJSON()));
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(lr.predictProba(X)));
    expect(Object.keys(lr.params()).sort()).toEqual(
      ['C', 'class_weight', 'dual', 'fit_intercept', 'intercept_scaling', 'l1_ratio', 'max_iter', 'n_jobs', 'penalty', 'random_state', 'solver', 'tol', 'verbose', 'warm_start'].sort(),
    );
  });
});

describe('VotingEnsemble', () => {
  const { X, y } = noisyTable(300, 8);
  const members = (): { name: string; model: Classifier }[] => [
    { name: 'dt', model: new DecisionTreeClassifier({ minSamplesLeaf: 10 }) },
    { name: 'rf', model: new RandomForestClassifier({ nEstimators: 15, minSamplesLeaf: 5, nJobs: 1 }) },
    { name: 'lr', model: new LogisticRegression() },
  ];

  it('averages its members’ probabilities (weighted)', async () => {
    const ens = new VotingEnsemble({ members: members(), weights: [1, 2, 1] });
    await ens.fit(X, y);
    const parts = ens.memberProba(X);
    const p = ens.predictProba(X);
    for (let i = 0; i < X.nRows; i++) {
      expect(p[i]).toBeCloseTo((parts['dt']![i]! + 2 * parts['rf']![i]! + parts['lr']![i]!) / 4, 12);
    }
    expect(ens.featureImportances().reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
  });

  it('round-trips through loadClassifier with identical probabilities', async () => {
    const ens = new VotingEnsemble({ members: members() });
    await ens.fit(X, y);
    const back = loadClassifier(JSON.parse(JSON.stringify(ens.toJSON())));
    expect(back).toBeInstanceOf(VotingEnsemble);
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(ens.predictProba(X)));
  });

  it('reports VotingClassifier-style nested params', () => {
    const p = new VotingEnsemble().params();
    expect(p).toMatchObject({ voting: 'soft', weights: null, dt__min_samples_leaf: 100, rf__n_estimators: 500, lr__C: 1 });
    expect(p['estimators']).toBe('["dt","rf","lr"]');
  });

  it('rejects bad member lists and weights', () => {
    expect(() => new VotingEnsemble({ members: [] })).toThrow(/at least one/);
    expect(() => new VotingEnsemble({ weights: [1, 1] })).toThrow(/weights/);
    expect(() => loadClassifier('{"format":"other"}')).toThrow(/not a minflow model file/);
  });
});
