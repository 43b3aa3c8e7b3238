// Histogram gradient boosting: bins that agree with raw-value thresholds, the signal it finds (ordered,
// missing and categorical), early stopping, and a model file that scores exactly as the fitted model.
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../../trainer/data/index.js';
import { evaluateBinary } from '../../../trainer/metrics/index.js';
import { HistGradientBoostingClassifier, loadClassifier } from '../../../trainer/models/index.js';
import { binOf, histBin, MAX_BINS } from '../../../trainer/models/hist-binning.js';
import { matrix, noisyTable } from './helpers.js';

describe('binning', () => {
  it('puts x in bin ≤ b exactly when x ≤ edges[b], NaN in the bin after the values', () => {
    const values = Array.from({ length: 2000 }, (_, i) => (i % 7 === 0 ? null : Math.sin(i) * 100));
    const X = matrix(values.map((v) => [v]));
    const binned = histBin(X, [0]);
    const f = binned.features[0]!;
    expect(f.nBins).toBeLessThanOrEqual(MAX_BINS);
    expect(f.nBins).toBeGreaterThan(200);
    values.forEach((v, i) => {
      const code = binned.codes[0]![i]!;
      if (v === null) return expect(code).toBe(f.nBins);
      for (const b of [0, 10, 100, f.nBins - 2]) expect(code <= b, `x=${v} b=${b}`).toBe(v <= f.edges[b]!);
      expect(binOf(f.edges, v)).toBe(code);
    });
  });

  it('gives few distinct values a bin each, categories their codes', () => {
    const X = matrix([[1, 0], [2, 2], [2, 1], [5, null]]);
    const b = histBin(X, [0, 3]);
    expect(Array.from(b.features[0]!.edges)).toEqual([1.5, 3.5]);
    expect(Array.from(b.codes[0]!)).toEqual([0, 1, 1, 2]);
    expect(b.features[1]).toMatchObject({ categorical: true, nBins: 3 });
    expect(Array.from(b.codes[1]!)).toEqual([0, 2, 1, 3]);
  });
});

describe('HistGradientBoostingClassifier', () => {
  it('learns a noisy signal with missing values', async () => {
    const { X, y } = noisyTable(1500, 3);
    const gb = new HistGradientBoostingClassifier({ maxIter: 60 });
    await gb.fit(X, y);
    const train = evaluateBinary(y, gb.predictProba(X));
    expect(train.rocAuc).toBeGreaterThan(0.85);
    const test = noisyTable(800, 4);
    expect(evaluateBinary(test.y, gb.predictProba(test.X)).rocAuc).toBeGreaterThan(0.8);
    const imp = gb.featureImportances();
    expect(imp.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('splits a text feature into a set of categories (not an order) and sends missing values their own way', () => {
    // churn for plans b and d, and for a missing plan; a and c stay: no single threshold on the sorted codes does it.
    const plans = ['a', 'b', 'c', 'd', ''];
    const lines = ['plan,noise,churn'];
    for (let i = 0; i < 500; i++) {
      const plan = plans[i % 5]!;
      lines.push(`${plan},${(i * 7919) % 13},${plan === 'b' || plan === 'd' || plan === '' ? 1 : 0}`);
    }
    const ds = parseDataset(lines.join('\n'), { target: 'churn' });
    const gb = new HistGradientBoostingClassifier({ maxIter: 20, minSamplesLeaf: 5, learningRate: 0.5 }).fitSync(ds, ds.y);
    const p = gb.predictProba(ds);
    ds.y.forEach((label, i) => expect(p[i]! > 0.5 ? 1 : 0, `row ${i}`).toBe(label));
    const json = gb.toJSON() as unknown as { trees: { categorical: string } };
    expect(Buffer.from(json.trees.categorical, 'base64').includes(1)).toBe(true);
  });

  it('stops early on the held-out rows and keeps the best round', () => {
    const { X, y } = noisyTable(3000, 5);
    const gb = new HistGradientBoostingClassifier({ maxIter: 2000, learningRate: 0.3, earlyStopping: true }).fitSync(X, y);
    const { kept, run } = gb.rounds;
    expect(run).toBeLessThan(2000);
    expect(run - kept).toBe(10); // n_iter_no_change rounds after the best
  });

  it('round-trips through its model file to the same probabilities, bit for bit', () => {
    const lines = ['plan,x,y,churn'];
    for (let i = 0; i < 400; i++) lines.push(`${['p', 'q', 'r', ''][i % 4]},${i % 9 === 0 ? 'null' : (i * 37) % 101},${(i * 13) % 17},${(i * 31) % 3 === 0 ? 1 : 0}`);
    const ds = parseDataset(lines.join('\n'), { target: 'churn' });
    const gb = new HistGradientBoostingClassifier({ maxIter: 30, minSamplesLeaf: 5, maxFeatures: 0.67 }).fitSync(ds, ds.y);
    const back = loadClassifier(JSON.stringify(gb.toJSON()));
    expect(Array.from(back.predictProba(ds))).toEqual(Array.from(gb.predictProba(ds)));
    expect(back.params()).toEqual(gb.params());
  });

  it("names its params as scikit-learn's HistGradientBoostingClassifier", () => {
    expect(Object.keys(new HistGradientBoostingClassifier().params()).sort()).toEqual([
      'categorical_features', 'class_weight', 'early_stopping', 'interaction_cst', 'l2_regularization', 'learning_rate', 'loss',
      'max_bins', 'max_depth', 'max_features', 'max_iter', 'max_leaf_nodes', 'min_samples_leaf', 'monotonic_cst', 'n_iter_no_change',
      'random_state', 'scoring', 'tol', 'validation_fraction', 'verbose', 'warm_start',
    ]);
    expect(() => new HistGradientBoostingClassifier({ learningRate: 0 })).toThrow(/learning_rate/);
  });
});
