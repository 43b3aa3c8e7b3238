import { describe, expect, it } from 'vitest';
import { paramsAsStrings } from '../../../trainer/models/classifier.js';
import { loadClassifier } from '../../../trainer/models/load.js';
import { RandomForestClassifier } from '../../../trainer/models/random-forest.js';
import { SKLEARN_SMALL } from './fixtures/sklearn-small.js';
import { matrix, noisyTable } from './helpers.js';

describe('RandomForestClassifier', () => {
  const { X, y } = noisyTable(300, 11);

  it('grows the same forest as scikit-learn for the same random_state (fixture)', () => {
    const Xs = matrix(SKLEARN_SMALL.X);
    const rf = new RandomForestClassifier({ nEstimators: 7, minSamplesLeaf: 3, randomState: 1, nJobs: 1 });
    rf.fitSync(Xs, Uint8Array.from(SKLEARN_SMALL.y));
    expect(rf.estimators.map((t) => t.nodeCount)).toEqual(SKLEARN_SMALL.rf.nodeCounts);
    expect(Array.from(rf.predictProba(Xs))).toEqual(SKLEARN_SMALL.rf.probaTrain);
    expect(Array.from(rf.predictProba(matrix(SKLEARN_SMALL.Xq)))).toEqual(SKLEARN_SMALL.rf.proba);
    Array.from(rf.featureImportances()).forEach((v, j) => expect(v).toBeCloseTo(SKLEARN_SMALL.rf.importances[j]!, 12));
  });

  it('soft-votes: probabilities are the mean of the trees', () => {
    const rf = new RandomForestClassifier({ nEstimators: 5, minSamplesLeaf: 5, nJobs: 1 }).fitSync(X, y);
    const p = rf.predictProba(X);
    for (const v of p) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    // Each tree's leaf value is a fraction; five of them average to a multiple of 1/5 only by accident.
    expect(new Set(Array.from(p)).size).toBeGreaterThan(5);
  });

  it('is deterministic for a random_state and changes with it', () => {
    const a = new RandomForestClassifier({ nEstimators: 10, randomState: 3, nJobs: 1 }).fitSync(X, y).predictProba(X);
    const b = new RandomForestClassifier({ nEstimators: 10, randomState: 3, nJobs: 1 }).fitSync(X, y).predictProba(X);
    const c = new RandomForestClassifier({ nEstimators: 10, randomState: 4, nJobs: 1 }).fitSync(X, y).predictProba(X);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('gives the same forest on worker threads as on one thread', async () => {
    const one = new RandomForestClassifier({ nEstimators: 24, minSamplesLeaf: 3, nJobs: 1 });
    await one.fit(X, y);
    const two = new RandomForestClassifier({ nEstimators: 24, minSamplesLeaf: 3, nJobs: 2 });
    await two.fit(X, y);
    expect(two.lastFitWorkerErrors).toEqual([]);
    expect(two.lastFitThreads).toBe(2);
    expect(Array.from(two.predictProba(X))).toEqual(Array.from(one.predictProba(X)));
  });

  it('without bootstrap and with all features every tree is the same tree', () => {
    const rf = new RandomForestClassifier({ nEstimators: 3, bootstrap: false, maxFeatures: null, minSamplesLeaf: 5, nJobs: 1 }).fitSync(X, y);
    const [t0, t1] = rf.estimators;
    expect(Array.from(t1!.value)).toEqual(Array.from(t0!.value));
  });

  it('uses max_samples for smaller bootstraps (coarser trees)', () => {
    const full = new RandomForestClassifier({ nEstimators: 5, minSamplesLeaf: 2, nJobs: 1 }).fitSync(X, y);
    const half = new RandomForestClassifier({ nEstimators: 5, minSamplesLeaf: 2, maxSamples: 0.3, nJobs: 1 }).fitSync(X, y);
    const nodes = (rf: RandomForestClassifier): number => rf.estimators.reduce((s, t) => s + t.nodeCount, 0);
    expect(nodes(half)).toBeLessThan(nodes(full));
    expect(() => new RandomForestClassifier({ maxSamples: 1000, nJobs: 1 }).fitSync(X, y)).toThrow(/max_samples/);
  });

  it('has importances that sum to 1', () => {
    const imp = new RandomForestClassifier({ nEstimators: 10, nJobs: 1 }).fitSync(X, y).featureImportances();
    expect(imp.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(imp[0]).toBeGreaterThan(imp[2]!); // feature 0 drives the label, feature 2 is noise
  });

  it('round-trips through a compact JSON model file', () => {
    const rf = new RandomForestClassifier({ nEstimators: 20, minSamplesLeaf: 3, nJobs: 1 }).fitSync(X, y);
    const text = JSON.stringify(rf.toJSON());
    const back = loadClassifier(text);
    expect(back).toBeInstanceOf(RandomForestClassifier);
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(rf.predictProba(X)));
    expect(back.params()).toEqual(rf.params());
    const nodes = rf.estimators.reduce((s, t) => s + t.nodeCount, 0);
    expect(text.length / nodes).toBeLessThan(40); // ~25 bytes of arrays per node, base64
  });

  it('lists every get_params() key with the seed defaults', () => {
    const p = new RandomForestClassifier().params();
    expect(Object.keys(p).sort()).toEqual(
      ['bootstrap', 'ccp_alpha', 'class_weight', 'criterion', 'max_depth', 'max_features', 'max_leaf_nodes', 'max_samples', 'min_impurity_decrease', 'min_samples_leaf', 'min_samples_split', 'min_weight_fraction_leaf', 'monotonic_cst', 'n_estimators', 'n_jobs', 'oob_score', 'random_state', 'verbose', 'warm_start'].sort(),
    );
    expect(paramsAsStrings(p)).toMatchObject({ n_estimators: '500', min_samples_leaf: '35', random_state: '42', max_features: 'sqrt', bootstrap: 'True', n_jobs: 'None' });
  });

  it('validates its own parameters', () => {
    expect(() => new RandomForestClassifier({ nEstimators: 0 })).toThrow(/'n_estimators'/);
    expect(() => new RandomForestClassifier({ nJobs: 0 })).toThrow(/'n_jobs'/);
    expect(() => new RandomForestClassifier({ maxSamples: 1.5 })).toThrow(/'max_samples'/);
  });
});
