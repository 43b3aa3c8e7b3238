/**
 * Train/test splits. `random` reproduces scikit-learn's `train_test_split` row for row (ShuffleSplit on a
 * numpy RandomState); `group:<col>` reproduces `GroupShuffleSplit` (a customer's rows never straddle the
 * split); `time:<col>` is out-of-time: the latest dates are the test set.
 */
import type { Dataset } from './dataset.js';
import { takeRows } from './dataset.js';
import { DataError } from './errors.js';
import { RandomState } from './random.js';

export interface SplitIndices {
  train: Int32Array;
  test: Int32Array;
}

export type SplitSpec = { kind: 'random' } | { kind: 'group'; column: string } | { kind: 'time'; column: string };

export interface SplitOptions {
  /** Fraction in (0, 1) or an absolute row (group: group) count, as scikit-learn's `test_size`. Default 0.2. */
  testSize?: number;
  /** Default 42, as the seed. */
  randomState?: number;
}

/** scikit-learn's `_validate_shuffle_split` for `train_size=None`. */
function testCount(n: number, testSize: number): number {
  const nTest = testSize < 1 ? Math.ceil(testSize * n) : testSize;
  if (!(testSize > 0) || !Number.isInteger(nTest) || nTest >= n) {
    throw new DataError('BAD_SPLIT', `test_size=${testSize} leaves no training rows out of ${n}`);
  }
  return nTest;
}

/**
 * `train_test_split(range(n), test_size, random_state)` indices: test = perm[:n_test],
 * train = perm[n_test:], both in permutation order (the order sklearn's X_train rows come in).
 */
export function shuffleSplit(n: number, options: SplitOptions = {}): SplitIndices {
  const nTest = testCount(n, options.testSize ?? 0.2);
  const perm = new RandomState(options.randomState ?? 42).permutation(n);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest) };
}

/** `GroupShuffleSplit(test_size, random_state)`: shuffle the sorted unique groups, rows keep file order. */
export function groupShuffleSplit(groups: ArrayLike<string | null>, options: SplitOptions = {}): SplitIndices {
  const unique = [...new Set(Array.from(groups, (g) => g ?? ''))].sort();
  if (unique.length < 2) throw new DataError('BAD_SPLIT', 'a grouped split needs at least two groups');
  const { test: testGroups } = shuffleSplit(unique.length, options);
  const isTest = new Set(Array.from(testGroups, (k) => unique[k]!));
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < groups.length; i++) (isTest.has(groups[i] ?? '') ? test : train).push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

function timeKeys(values: ArrayLike<string | null>, column: string): number[] {
  const raw = Array.from(values);
  if (raw.some((v) => v === null)) throw new DataError('BAD_SPLIT', `time column "${column}" has missing values`);
  const text = raw as string[];
  if (text.every((v) => Number.isFinite(Number(v)))) return text.map(Number);
  const ms = text.map((v) => Date.parse(v));
  const bad = ms.findIndex((t) => Number.isNaN(t));
  if (bad >= 0) throw new DataError('BAD_SPLIT', `time column "${column}" has a value that is not a date: "${text[bad]}"`);
  return ms;
}

/**
 * Out-of-time split: every row at or after a cutoff date is test. The cutoff is the date whose test share
 * is closest to `testSize`, keeping at least one date on each side, so whole snapshots never straddle.
 */
export function timeSplit(values: ArrayLike<string | null>, column: string, options: SplitOptions = {}): SplitIndices {
  const keys = timeKeys(values, column);
  const n = keys.length;
  const wanted = testCount(n, options.testSize ?? 0.2);
  const counts = new Map<number, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const dates = [...counts.keys()].sort((a, b) => a - b);
  if (dates.length < 2) throw new DataError('BAD_SPLIT', `time column "${column}" has a single value: nothing to hold out`);
  let cutoff = dates[dates.length - 1]!;
  let bestGap = Infinity;
  let inTest = 0;
  for (let d = dates.length - 1; d >= 1; d--) {
    inTest += counts.get(dates[d]!)!;
    const gap = Math.abs(inTest - wanted);
    if (gap < bestGap) {
      bestGap = gap;
      cutoff = dates[d]!;
    }
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < n; i++) (keys[i]! >= cutoff ? test : train).push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/** Parses `random`, `group:<col>` or `time:<col>`. */
export function parseSplitSpec(spec: string): SplitSpec {
  if (spec === 'random') return { kind: 'random' };
  const m = /^(group|time):(.+)$/.exec(spec);
  if (m === null) throw new DataError('BAD_SPLIT', `split "${spec}" is not one of random, group:<column>, time:<column>`);
  return { kind: m[1] as 'group' | 'time', column: m[2]! };
}

/** Values of a split column, whether it was kept as text (ids, dates) or is a feature. */
function splitColumn(ds: Dataset, column: string): (string | null)[] {
  const text = ds.extra.get(column);
  if (text !== undefined) return text;
  const j = ds.featureNames.indexOf(column);
  if (j < 0) throw new DataError('UNKNOWN_COLUMN', `split column "${column}" is not in the data`);
  return Array.from(ds.columns[j]!, (v) => (Number.isNaN(v) ? null : String(v)));
}

export function splitIndices(ds: Dataset, spec: SplitSpec | string, options: SplitOptions = {}): SplitIndices {
  const s = typeof spec === 'string' ? parseSplitSpec(spec) : spec;
  switch (s.kind) {
    case 'random':
      return shuffleSplit(ds.nRows, options);
    case 'group':
      return groupShuffleSplit(splitColumn(ds, s.column), options);
    case 'time':
      return timeSplit(splitColumn(ds, s.column), s.column, options);
  }
}

export function splitDataset(
  ds: Dataset,
  spec: SplitSpec | string,
  options: SplitOptions = {},
): { train: Dataset; test: Dataset; indices: SplitIndices } {
  const indices = splitIndices(ds, spec, options);
  return { train: takeRows(ds, indices.train), test: takeRows(ds, indices.test), indices };
}
