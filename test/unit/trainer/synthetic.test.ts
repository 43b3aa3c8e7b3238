import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../trainer/data/dataset.js';
import { splitDataset } from '../../../trainer/data/split.js';
import { ABT_COLUMNS, abtToCsv, generateSyntheticAbt, syntheticAbtDataset, writeAbtCsv } from '../../../trainer/data/synthetic.js';
import { rocAuc } from '../../../trainer/metrics/index.js';
import { RandomForestClassifier } from '../../../trainer/models/random-forest.js';
import { ABT_CSV } from '../../helpers/paths.js';

describe('synthetic abt generator', () => {
  const table = generateSyntheticAbt(1500, 7);

  it('has the seed header (95 columns, same names and order)', () => {
    expect(ABT_COLUMNS).toHaveLength(95);
    expect(ABT_COLUMNS.join(',')).toBe(readFileSync(ABT_CSV, 'utf8').split('\n')[0]!.trim());
    expect(table.rows).toHaveLength(1500);
    expect(table.rows.every((r) => r.length === 95)).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(abtToCsv(generateSyntheticAbt(200, 7))).toBe(abtToCsv(generateSyntheticAbt(200, 7)));
    expect(abtToCsv(generateSyntheticAbt(200, 8))).not.toBe(abtToCsv(generateSyntheticAbt(200, 7)));
  });

  it('has UUID-like ids, ISO dates, several rows per customer (at most 9)', () => {
    const perCustomer = new Map<string, number>();
    for (const r of table.rows) {
      expect(r[0]).toMatch(/^2024-\d\d-\d\d$/);
      expect(r[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      perCustomer.set(r[1] as string, (perCustomer.get(r[1] as string) ?? 0) + 1);
    }
    const counts = [...perCustomer.values()];
    expect(Math.max(...counts)).toBeLessThanOrEqual(9);
    expect(counts.filter((c) => c > 1).length).toBeGreaterThan(counts.length / 3);
  });

  it('has structural nulls: a _d7 window without activity is null in all its metrics', () => {
    const d7 = ABT_COLUMNS.map((c, j) => [c, j] as const).filter(([c]) => c.endsWith('_d7')).map(([, j]) => j);
    const q = ABT_COLUMNS.indexOf('qtd_iteracoes_d7');
    const empty = table.rows.filter((r) => r[q] === null);
    expect(empty.length / table.rows.length).toBeGreaterThan(0.25);
    for (const r of empty) for (const j of d7) expect(r[j]).toBeNull();
    // ... and inactive customers churn more, as in the seed's table.
    const rate = (rows: typeof table.rows): number => rows.filter((r) => r[94] === 1).length / rows.length;
    expect(rate(empty)).toBeGreaterThan(rate(table.rows.filter((r) => r[q] !== null)) + 0.2);
  });

  it('has a churn rate near the seed’s 0.43 and a learnable signal', async () => {
    const ds = syntheticAbtDataset(2000, 42);
    const rate = ds.y.reduce((s, v) => s + v, 0) / ds.nRows;
    expect(rate).toBeGreaterThan(0.36);
    expect(rate).toBeLessThan(0.5);
    expect(ds.layout).toBe('abt');
    const { train, test } = splitDataset(ds, 'random');
    const rf = new RandomForestClassifier({ nEstimators: 40, nJobs: 1 });
    await rf.fit(train, train.y);
    expect(rocAuc(test.y, rf.predictProba(test))).toBeGreaterThan(0.75);
  });

  it('writes a CSV the loader reads back', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'minflow-synth-')), 'abt.csv');
    await writeAbtCsv(generateSyntheticAbt(300, 3), path);
    const ds = await loadDataset(path);
    expect(ds.nRows).toBe(300);
    expect(ds.featureNames).toHaveLength(92);
  });
});
