// Model selection beyond plain k-fold scores: the boosting's rounds chosen by the folds (fits scored every
// round, the chosen count's fold probabilities cached for the ensembles), and ensemble selection's
// weights, whose CV score never uses the fold it scores.
import { describe, expect, it } from 'vitest';
import { parseDataset, type Dataset } from '../../../trainer/data/index.js';
import { rocAuc } from '../../../trainer/metrics/index.js';
import { DecisionTreeClassifier, HistGradientBoostingClassifier, LogisticRegression, VotingEnsemble } from '../../../trainer/models/index.js';
import { cvRounds } from '../../../trainer/selection/boosting-rounds.js';
import { CrossValidator, stratifiedFolds } from '../../../trainer/selection/cv.js';
import { ensembleSelection, selectWeights } from '../../../trainer/selection/ensemble-selection.js';
import { noisyTable } from './helpers.js';

function dataset(n: number, seed: number): Dataset {
  const { X, y } = noisyTable(n, seed);
  const lines = ['a,b,c,churn'];
  for (let i = 0; i < n; i++) lines.push([...X.columns.map((c) => (Number.isNaN(c[i]) ? 'null' : String(c[i]))), String(y[i])].join(','));
  return parseDataset(lines.join('\n'), { target: 'churn' });
}

const gb = (maxIter: number) => new HistGradientBoostingClassifier({ maxIter, learningRate: 0.3, earlyStopping: false, randomState: 1 });

describe('cvRounds', () => {
  const ds = dataset(1200, 3);
  const folds = stratifiedFolds(ds.y, 4, 1);

  it('chooses the round count with the best mean fold AUC, and scores the folds as a model of that many rounds', async () => {
    const v = new CrossValidator(ds, folds);
    const r = await cvRounds(v, gb, { maxRounds: 300 });
    expect(r.rounds).toBeGreaterThanOrEqual(1);
    expect(r.rounds).toBeLessThan(300); // the folds stopped once they no longer improved
    // The same scores as cross-validating a model fitted with exactly that many rounds.
    const direct = await new CrossValidator(ds, folds).evaluate(gb(r.rounds));
    expect(r.cv.foldAuc).toEqual(direct.foldAuc);
    // No other round count up to the chosen one does better on average.
    for (const k of [1, Math.max(1, r.rounds >> 1)]) expect((await new CrossValidator(ds, folds).evaluate(gb(k))).mean).toBeLessThanOrEqual(r.cv.mean);
  });

  it('leaves the chosen model’s fold probabilities in the cache, so an ensemble with it fits nothing again', async () => {
    const fits: string[] = [];
    const v = new CrossValidator(ds, folds, { onFold: (what) => fits.push(what) });
    const r = await cvRounds(v, gb, { maxRounds: 200 });
    expect(fits).toEqual(['gradient_boosting', 'gradient_boosting', 'gradient_boosting', 'gradient_boosting']);
    await v.evaluate(gb(r.rounds), 'again');
    expect(fits).toHaveLength(4);
  });
});

describe('ensemble selection', () => {
  it('weights the better member more and drops one that adds nothing', () => {
    // Member 0 ranks the rows right, member 1 is noise, member 2 is member 0 slightly worse.
    const labels = [Uint8Array.from([0, 0, 1, 1, 0, 1]), Uint8Array.from([1, 0, 1, 0, 0, 1])];
    const good = labels.map((y) => Float64Array.from(y, (v, i) => v * 0.6 + 0.1 * (i % 2)));
    const noise = labels.map((y) => Float64Array.from(y, (_, i) => ((i * 7) % 5) / 5));
    const w = selectWeights([good, noise, good.map((p) => p.map((v) => v * 0.5))], labels, [0, 1]);
    expect(w.reduce((s, v) => s + v, 0)).toBe(20);
    expect(w[0]).toBeGreaterThan(0);
    expect(w[1]).toBe(0);
  });

  it('scores fold f with weights chosen on the other folds only', async () => {
    const ds = dataset(800, 9);
    const v = new CrossValidator(ds, stratifiedFolds(ds.y, 4, 2));
    const proba = [
      await v.foldProba(new DecisionTreeClassifier({ minSamplesLeaf: 10, randomState: 1 })),
      await v.foldProba(new LogisticRegression()),
    ];
    const sel = ensembleSelection(v, proba);
    const labels = [0, 1, 2, 3].map((f) => v.fold(f).valid.y);
    for (const f of [0, 1, 2, 3]) {
      const w = selectWeights(proba, labels, [0, 1, 2, 3].filter((g) => g !== f));
      const total = w[0]! + w[1]!;
      const blended = proba[0]![f]!.map((p, i) => (w[0]! / total) * p + (w[1]! / total) * proba[1]![f]![i]!);
      expect(sel.cv.foldAuc[f]).toBe(rocAuc(labels[f]!, blended));
    }
    expect(sel.weights).toEqual(selectWeights(proba, labels, [0, 1, 2, 3]));
  });
});

describe('VotingEnsemble with prefit members', () => {
  it('keeps a member fitted elsewhere as it is and scores like one that fitted it itself', async () => {
    const ds = dataset(600, 4);
    const lr = new LogisticRegression();
    await lr.fit(ds, ds.y);
    const prefit = new VotingEnsemble({ members: [{ name: 'lr', model: lr, prefit: true }, { name: 'dt', model: new DecisionTreeClassifier({ randomState: 1 }) }], weights: [3, 1] });
    await prefit.fit(ds, ds.y);
    expect(prefit.members[0]!.model).toBe(lr);
    const own = new VotingEnsemble({ members: [{ name: 'lr', model: new LogisticRegression() }, { name: 'dt', model: new DecisionTreeClassifier({ randomState: 1 }) }], weights: [3, 1] });
    await own.fit(ds, ds.y);
    expect(prefit.predictProba(ds)).toEqual(own.predictProba(ds));
  });
});
