import { describe, expect, it } from 'vitest';
import { paramsAsStrings } from '../../../trainer/models/classifier.js';
import { DecisionTreeClassifier } from '../../../trainer/models/decision-tree.js';
import { loadClassifier } from '../../../trainer/models/load.js';
import { SKLEARN_SMALL } from './fixtures/sklearn-small.js';
import { column, labels, matrix, noisyTable } from './helpers.js';

const loose = { minSamplesLeaf: 1, minSamplesSplit: 2 };

describe('DecisionTreeClassifier on hand-made tables', () => {
  it('splits a perfectly separable column at the midpoint, with pure leaves', () => {
    const dt = new DecisionTreeClassifier(loose).fitSync(column([1, 2, 3, 4, 5, 6, 7, 8]), labels([0, 0, 0, 0, 1, 1, 1, 1]));
    const t = dt.treeArrays;
    expect(t.nodeCount).toBe(3);
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(4.5);
    expect(Array.from(t.value)).toEqual([0.5, 0, 1]);
    expect(Array.from(dt.predictProba(column([4.4, 4.6, -10, 100])))).toEqual([0, 1, 0, 1]);
    expect(Array.from(dt.predict(column([4.5, 4.51])))).toEqual([0, 1]);
    expect(dt.depth).toBe(1);
    expect(dt.nLeaves).toBe(2);
  });

  it('picks the informative feature and gives it all the importance', () => {
    // a is noise (each value once per class), b separates at 2.5.
    const X = matrix([[5, 1], [1, 2], [5, 3], [1, 4]]);
    const dt = new DecisionTreeClassifier(loose).fitSync(X, labels([0, 0, 1, 1]));
    expect(dt.treeArrays.feature[0]).toBe(1);
    expect(dt.treeArrays.threshold[0]).toBe(2.5);
    expect(Array.from(dt.featureImportances())).toEqual([0, 1]);
  });

  it('sends missing values right when that separates best (threshold between present values)', () => {
    const dt = new DecisionTreeClassifier(loose).fitSync(column([1, 2, 3, null, null, 6, 7, 8]), labels([0, 0, 0, 1, 1, 1, 1, 1]));
    expect(dt.treeArrays.threshold[0]).toBe(4.5);
    expect(dt.treeArrays.missingLeft[0]).toBe(0);
    expect(Array.from(dt.predictProba(column([null, 2, 7])))).toEqual([1, 0, 1]);
  });

  it('sends missing values left when the training data says so', () => {
    const dt = new DecisionTreeClassifier(loose).fitSync(column([1, 2, 3, null, null, 6, 7, 8]), labels([0, 0, 0, 0, 0, 1, 1, 1]));
    expect(dt.treeArrays.threshold[0]).toBe(4.5);
    expect(dt.treeArrays.missingLeft[0]).toBe(1);
    expect(Array.from(dt.predictProba(column([null, 2, 7])))).toEqual([0, 0, 1]);
  });

  it('splits missing from present with threshold +inf when that is the only signal', () => {
    const dt = new DecisionTreeClassifier(loose).fitSync(column([5, 5, 5, null, null, null]), labels([0, 0, 0, 1, 1, 1]));
    expect(dt.treeArrays.threshold[0]).toBe(Infinity);
    expect(Array.from(dt.predictProba(column([5, 1e9, null])))).toEqual([0, 0, 1]);
  });

  it('routes unseen missing values to the child that had more training rows', () => {
    const dt = new DecisionTreeClassifier(loose).fitSync(column([1, 2, 3, 4, 5, 6]), labels([0, 0, 1, 1, 1, 1]));
    expect(dt.treeArrays.threshold[0]).toBe(2.5);
    expect(dt.predictProba(column([null]))[0]).toBe(1);
  });

  it('makes a single leaf for a pure or constant table', () => {
    const pure = new DecisionTreeClassifier(loose).fitSync(column([1, 2, 3]), labels([1, 1, 1]));
    expect(pure.treeArrays.nodeCount).toBe(1);
    expect(Array.from(pure.featureImportances())).toEqual([0]);
    const constant = new DecisionTreeClassifier(loose).fitSync(column([7, 7, 7, 7]), labels([0, 1, 0, 1]));
    expect(constant.treeArrays.nodeCount).toBe(1);
    expect(constant.predictProba(column([7]))[0]).toBe(0.5);
  });

  it('respects min_samples_leaf, min_samples_split and max_depth', () => {
    const { X, y } = noisyTable(400, 3);
    // Training rows per leaf / per node, counted by routing every row down the fitted tree.
    const rowsPerNode = (dt: DecisionTreeClassifier): number[] => {
      const t = dt.treeArrays;
      const counts = new Array<number>(t.nodeCount).fill(0);
      for (let i = 0; i < X.nRows; i++) {
        let node = 0;
        for (;;) {
          counts[node]!++;
          if (t.feature[node] === -1) break;
          const v = X.columns[t.feature[node]!]![i]!;
          node = (Number.isNaN(v) ? t.missingLeft[node] === 1 : v <= t.threshold[node]!) ? node + 1 : t.right[node]!;
        }
      }
      return counts;
    };
    for (const msl of [1, 7, 30]) {
      const dt = new DecisionTreeClassifier({ minSamplesLeaf: msl, minSamplesSplit: 2 }).fitSync(X, y);
      const counts = rowsPerNode(dt);
      counts.forEach((c, k) => {
        if (dt.treeArrays.feature[k] === -1) expect(c).toBeGreaterThanOrEqual(msl);
      });
    }
    const split = new DecisionTreeClassifier({ minSamplesLeaf: 1, minSamplesSplit: 120 }).fitSync(X, y);
    rowsPerNode(split).forEach((c, k) => {
      if (split.treeArrays.feature[k] !== -1) expect(c).toBeGreaterThanOrEqual(120);
    });
    expect(new DecisionTreeClassifier({ ...loose, maxDepth: 2 }).fitSync(X, y).depth).toBe(2);
  });

  it('stops on min_impurity_decrease', () => {
    const { X, y } = noisyTable(300, 5);
    const full = new DecisionTreeClassifier(loose).fitSync(X, y);
    const pruned = new DecisionTreeClassifier({ ...loose, minImpurityDecrease: 0.01 }).fitSync(X, y);
    expect(pruned.treeArrays.nodeCount).toBeLessThan(full.treeArrays.nodeCount);
    expect(pruned.treeArrays.nodeCount).toBeGreaterThan(1);
  });

  it('is deterministic for a random_state', () => {
    const { X, y } = noisyTable(300, 9);
    const a = new DecisionTreeClassifier({ maxFeatures: 1, minSamplesLeaf: 5, randomState: 4 }).fitSync(X, y);
    const b = new DecisionTreeClassifier({ maxFeatures: 1, minSamplesLeaf: 5, randomState: 4 }).fitSync(X, y);
    expect(Array.from(a.treeArrays.threshold)).toEqual(Array.from(b.treeArrays.threshold));
    const c = new DecisionTreeClassifier({ maxFeatures: 1, minSamplesLeaf: 5, randomState: 5 }).fitSync(X, y);
    expect(Array.from(c.treeArrays.feature)).not.toEqual(Array.from(a.treeArrays.feature));
  });

  it('round-trips through its JSON model file with identical predictions', () => {
    const { X, y } = noisyTable(300, 2);
    const dt = new DecisionTreeClassifier({ minSamplesLeaf: 5 }).fitSync(X, y);
    const back = loadClassifier(JSON.stringify(dt.toJSON()));
    expect(back).toBeInstanceOf(DecisionTreeClassifier);
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(dt.predictProba(X)));
    expect(Array.from(back.featureImportances())).toEqual(Array.from(dt.featureImportances()));
    expect(back.params()).toEqual(dt.params());
  });

  it('matches columns by name when scoring', () => {
    const dt = new DecisionTreeClassifier(loose).fitSync(matrix([[5, 1], [1, 2], [5, 3], [1, 4]], ['a', 'b']), labels([0, 0, 1, 1]));
    expect(Array.from(dt.predictProba(matrix([[2, 9], [4, -9]], ['b', 'a'])))).toEqual([0, 1]);
    expect(() => dt.predictProba(matrix([[2]], ['a']))).toThrow(/missing feature "b"/);
  });

  it('lists every get_params() key with the seed defaults', () => {
    const p = new DecisionTreeClassifier().params();
    expect(Object.keys(p).sort()).toEqual(
      ['ccp_alpha', 'class_weight', 'criterion', 'max_depth', 'max_features', 'max_leaf_nodes', 'min_impurity_decrease', 'min_samples_leaf', 'min_samples_split', 'min_weight_fraction_leaf', 'monotonic_cst', 'random_state', 'splitter'].sort(),
    );
    expect(paramsAsStrings(p)).toMatchObject({ min_samples_leaf: '100', min_samples_split: '10', max_depth: 'None', ccp_alpha: '0.0', criterion: 'gini', splitter: 'best' });
  });

  it('validates parameters with scikit-learn-like messages', () => {
    expect(() => new DecisionTreeClassifier({ minSamplesLeaf: 0 })).toThrow(/'min_samples_leaf' parameter/);
    expect(() => new DecisionTreeClassifier({ maxDepth: 0 })).toThrow(/'max_depth'/);
    expect(() => new DecisionTreeClassifier({ maxFeatures: 'auto' as never })).toThrow(/'max_features'/);
    expect(() => new DecisionTreeClassifier().predictProba(column([1]))).toThrow(/not fitted/);
  });
});

describe('DecisionTreeClassifier against scikit-learn 1.9 (fixture)', () => {
  const X = matrix(SKLEARN_SMALL.X);
  const y = Uint8Array.from(SKLEARN_SMALL.y);
  const Xq = matrix(SKLEARN_SMALL.Xq);

  it('grows the same tree as DecisionTreeClassifier(min_samples_leaf=5, min_samples_split=10, max_depth=4, random_state=3)', () => {
    const dt = new DecisionTreeClassifier({ minSamplesLeaf: 5, minSamplesSplit: 10, maxDepth: 4, randomState: 3 }).fitSync(X, y);
    const t = dt.treeArrays;
    const want = SKLEARN_SMALL.dt;
    expect(Array.from(t.feature)).toEqual(want.feature);
    expect(Array.from(t.threshold, (v, k) => (t.feature[k] === -1 ? null : v))).toEqual(want.threshold);
    expect(Array.from(t.right)).toEqual(want.right);
    const internal = (k: number): boolean => t.feature[k] !== -1;
    expect(Array.from(t.missingLeft).filter((_, k) => internal(k))).toEqual(want.missingLeft.filter((_, k) => internal(k)));
    expect(Array.from(dt.predictProba(Xq))).toEqual(want.proba);
    Array.from(dt.featureImportances()).forEach((v, j) => expect(v).toBeCloseTo(want.importances[j]!, 12));
  });

  it('grows the same entropy tree with max_features=2', () => {
    const dt = new DecisionTreeClassifier({ criterion: 'entropy', minSamplesLeaf: 4, minSamplesSplit: 2, maxFeatures: 2, randomState: 11 }).fitSync(X, y);
    expect(Array.from(dt.treeArrays.feature)).toEqual(SKLEARN_SMALL.dtEntropy.feature);
    expect(Array.from(dt.predictProba(X))).toEqual(SKLEARN_SMALL.dtEntropy.proba);
  });
});
