// Champion/challenger: when @production moves, and how a production model trained on another table
// is fed the current test rows.
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../../trainer/data/index.js';
import type { LoadedModel } from '../../../trainer/mlflow-model/format.js';
import { DecisionTreeClassifier } from '../../../trainer/models/index.js';
import { decidePromotion } from '../../../trainer/promotion/decision.js';
import { encodeForModel, scoreLoadedModel } from '../../../trainer/promotion/production-model.js';

describe('decidePromotion', () => {
  it('makes the first registered model production', () => {
    const d = decidePromotion({ challengerScore: 0.7, production: null, minImprovement: 0 });
    expect(d).toMatchObject({ promote: true, outcome: 'first' });
  });

  it('promotes a strictly better challenger with the default min improvement 0', () => {
    const d = decidePromotion({ challengerScore: 0.8, production: { version: '3', score: 0.79 }, minImprovement: 0 });
    expect(d.promote).toBe(true);
    expect(d.outcome).toBe('promoted');
    expect(d.delta).toBeCloseTo(0.01, 12);
    expect(d.reason).toContain('version 3');
  });

  it('keeps production on a tie or a worse challenger', () => {
    for (const c of [0.79, 0.7]) {
      const d = decidePromotion({ challengerScore: c, production: { version: '1', score: 0.79 }, minImprovement: 0 });
      expect(d).toMatchObject({ promote: false, outcome: 'kept' });
      expect(d.reason).toContain('not better');
    }
  });

  it('requires the gain to reach min improvement, inclusive', () => {
    const p = { version: '1', score: 0.75 };
    expect(decidePromotion({ challengerScore: 0.755, production: p, minImprovement: 0.01 })).toMatchObject({ promote: false, outcome: 'kept' });
    expect(decidePromotion({ challengerScore: 0.755, production: p, minImprovement: 0.01 }).reason).toContain('less than the required 0.0100');
    expect(decidePromotion({ challengerScore: 0.765, production: p, minImprovement: 0.01 }).promote).toBe(true);
    expect(decidePromotion({ challengerScore: 0.75 + 0.0625, production: p, minImprovement: 0.0625 }).promote).toBe(true);
    // --min-improvement 1: nothing can gain a whole unit of ROC AUC over a model better than chance.
    expect(decidePromotion({ challengerScore: 1, production: { version: '1', score: 0.5 }, minImprovement: 1 }).promote).toBe(false);
  });

  it('never moves production when production could not be scored or scores are undefined', () => {
    const unscored = decidePromotion({ challengerScore: 0.9, production: { version: '2', error: 'no "minflow" flavor' }, minImprovement: 0 });
    expect(unscored).toMatchObject({ promote: false, outcome: 'unscored' });
    expect(unscored.reason).toContain('version 2');
    expect(unscored.reason).toContain('no "minflow" flavor');
    expect(decidePromotion({ challengerScore: NaN, production: { version: '2', score: 0.7 }, minImprovement: 0 })).toMatchObject({
      promote: false,
      outcome: 'unscored',
    });
  });
});

describe('scoring a production model on the current rows', () => {
  // Trained on a table whose categories sort differently from the one it is scored on.
  const old = parseDataset('plan,spend,flag_churn\nbasic,1,0\npro,5,1\nbasic,2,0\npro,6,1\nbasic,1.5,0\npro,4,1\n');
  const now = parseDataset('spend,plan,flag_churn\n5,pro,1\n1,basic,0\n3,enterprise,0\nnull,pro,1\n');

  it('matches columns by name and translates category codes through their text', () => {
    const m = encodeForModel(now, old.schema);
    expect(m.featureNames).toEqual(['plan', 'spend']);
    // old codes: basic=0, pro=1; current codes: basic=0, enterprise=1, pro=2. Unseen → NaN.
    expect(Array.from(m.columns[0]!)).toEqual([1, 0, NaN, 1]);
    expect(Array.from(m.columns[1]!)).toEqual([5, 1, 3, NaN]);
  });

  it('fails clearly when the model needs a column the table lacks', () => {
    const narrow = parseDataset('spend,flag_churn\n1,0\n2,1\n');
    expect(() => encodeForModel(narrow, old.schema)).toThrow('the model needs feature "plan"');
  });

  it('refuses to compare a model of another target', () => {
    const clf = new DecisionTreeClassifier({ minSamplesLeaf: 1, minSamplesSplit: 2 }).fitSync(old, old.y);
    const loaded = { classifier: clf, features: old.schema, target: { ...old.target, positiveLabel: '0', negativeLabel: '1' } } as unknown as LoadedModel;
    expect(() => scoreLoadedModel(loaded, now)).toThrow('not comparable');
    const same = { classifier: clf, features: old.schema, target: old.target } as unknown as LoadedModel;
    expect(scoreLoadedModel(same, now).accuracy).toBeGreaterThan(0);
  });
});
