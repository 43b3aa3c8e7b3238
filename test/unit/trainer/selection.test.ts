// Model selection on the training rows: fold assignments, cross-validated scores (shared fits give the
// same numbers as fitting each model on its own), and the leakage check of a split.
import { describe, expect, it } from 'vitest';
import { parseDataset, splitDataset, takeRows } from '../../../trainer/data/index.js';
import { rocAuc } from '../../../trainer/metrics/index.js';
import { DecisionTreeClassifier, LogisticRegression, VotingEnsemble } from '../../../trainer/models/index.js';
import { CrossValidator, groupFolds, stratifiedFolds } from '../../../trainer/selection/cv.js';
import { findLeakage, leakageMessage } from '../../../trainer/selection/leakage.js';

/** A churn-like table with customers on several dates. */
function table(nCustomers = 120, perCustomer = 3): string {
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const lines = ['dt_ref,id_cliente,a,b,flag_churn'];
  for (let c = 0; c < nCustomers; c++) {
    const base = rand();
    for (let k = 0; k < perCustomer; k++) {
      const a = (base * 10 + rand()).toFixed(3);
      const b = rand() < 0.2 ? 'null' : (rand() * 5).toFixed(2);
      lines.push(`2024-0${k + 1}-01,cust${c},${a},${b},${base + rand() * 0.6 > 0.8 ? 1 : 0}`);
    }
  }
  return lines.join('\n');
}

describe('fold assignments', () => {
  it('stratified: every fold keeps the class balance, sizes differ by at most one', () => {
    const y = Uint8Array.from({ length: 103 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const folds = stratifiedFolds(y, 5, 42);
    const sizes = [0, 0, 0, 0, 0];
    const pos = [0, 0, 0, 0, 0];
    folds.forEach((f, i) => {
      sizes[f]!++;
      pos[f]! += y[i]!;
    });
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(Math.max(...pos) - Math.min(...pos)).toBeLessThanOrEqual(1);
    expect(stratifiedFolds(y, 5, 42)).toEqual(folds);
    expect(stratifiedFolds(y, 5, 43)).not.toEqual(folds);
  });

  it('grouped: a group never spans two folds, folds are balanced', () => {
    const groups = Array.from({ length: 200 }, (_, i) => `g${i % 37}`);
    const folds = groupFolds(groups, 4);
    const foldOf = new Map<string, number>();
    groups.forEach((g, i) => {
      if (foldOf.has(g)) expect(folds[i]).toBe(foldOf.get(g));
      foldOf.set(g, folds[i]!);
    });
    const sizes = [0, 0, 0, 0];
    for (const f of folds) sizes[f]!++;
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(6);
    expect(() => groupFolds(['a', 'b'], 3)).toThrow(/3 grouped folds from 2 groups/);
  });
});

describe('CrossValidator', () => {
  const ds = parseDataset(table());
  const folds = stratifiedFolds(ds.y, 4, 1);

  it('scores each validation fold with a model fitted on the other folds', async () => {
    const cv = new CrossValidator(ds, folds);
    const result = await cv.evaluate(new DecisionTreeClassifier({ minSamplesLeaf: 5, randomState: 1 }));
    expect(result.folds).toBe(4);
    expect(result.foldAuc).toHaveLength(4);
    // By hand for fold 2.
    const tr = takeRows(ds, Array.from(folds.keys()).filter((i) => folds[i] !== 2));
    const va = takeRows(ds, Array.from(folds.keys()).filter((i) => folds[i] === 2));
    const dt = new DecisionTreeClassifier({ minSamplesLeaf: 5, randomState: 1 }).fitSync(tr, tr.y);
    expect(result.foldAuc[2]).toBe(rocAuc(va.y, dt.predictProba(va)));
    expect(result.mean).toBeCloseTo(result.foldAuc.reduce((s, v) => s + v, 0) / 4, 15);
    expect(result.mean).toBeGreaterThan(0.6);
  });

  it('an ensemble scores as if fitted fold by fold, reusing its members’ fits', async () => {
    const make = () =>
      new VotingEnsemble({
        members: [
          { name: 'dt', model: new DecisionTreeClassifier({ minSamplesLeaf: 5, randomState: 1 }) },
          { name: 'lr', model: new LogisticRegression() },
        ],
        weights: [1, 3],
      });
    const fits: string[] = [];
    const shared = new CrossValidator(ds, folds, { onFold: (what) => fits.push(what) });
    await shared.evaluate(new DecisionTreeClassifier({ minSamplesLeaf: 5, randomState: 1 }), 'dt');
    const viaMembers = await shared.evaluate(make(), 'ensemble');
    // The tree was already fitted on these folds: only the logistic regression is.
    expect(fits).toEqual(['dt', 'dt', 'dt', 'dt', 'ensemble/lr', 'ensemble/lr', 'ensemble/lr', 'ensemble/lr']);
    const alone = await new CrossValidator(ds, folds).evaluate(make());
    expect(viaMembers.foldAuc).toEqual(alone.foldAuc);
  });
});

describe('leakage', () => {
  const ds = parseDataset(table());

  it('finds customers on both sides of a random split, and says which flag avoids it', () => {
    const { train, test } = splitDataset(ds, 'random');
    const found = findLeakage(train, test, 'random');
    expect(found.map((l) => l.column)).toEqual(['id_cliente']); // dt_ref is a date column: shared by design
    expect(found[0]!.overlappingTestRows).toBeGreaterThan(test.nRows / 2);
    expect(found[0]!.testRows).toBe(test.nRows);
    expect(leakageMessage(found[0]!)).toMatch(/^\d+ of \d+ test rows \(\d+%\) share their id_cliente with training rows: .* --split group:id_cliente\.$/);
  });

  it('is quiet for a split grouped by that column and for an out-of-time split', () => {
    const grouped = splitDataset(ds, 'group:id_cliente');
    expect(findLeakage(grouped.train, grouped.test, 'group:id_cliente')).toEqual([]);
    const timed = splitDataset(ds, 'time:dt_ref');
    expect(findLeakage(timed.train, timed.test, 'time:dt_ref')).toEqual([]);
  });

  it('ignores columns that are not id-like (unique per row, or few values)', () => {
    const lines = ['row_id,region,a,flag_churn'];
    for (let i = 0; i < 200; i++) lines.push(`r${i},${['n', 's', 'e'][i % 3]},${i % 17},${i % 2}`);
    const t = parseDataset(lines.join('\n'), { drop: ['row_id', 'region'] });
    const { train, test } = splitDataset(t, 'random');
    expect(findLeakage(train, test, 'random')).toEqual([]);
  });
});
