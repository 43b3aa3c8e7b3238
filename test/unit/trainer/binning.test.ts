import { describe, expect, it } from 'vitest';
import { binMatrix, MAX_BINS, MISSING_CODE } from '../../../trainer/models/binning.js';
import { DecisionTreeClassifier } from '../../../trainer/models/decision-tree.js';
import { decodeArray, encodeArray } from '../../../trainer/models/codec.js';
import { column, labels } from './helpers.js';

describe('binning', () => {
  it('codes are value ranks at float32 precision; NaN gets the missing code', () => {
    // 0.1 and its float32 neighbour collapse to one value, as in scikit-learn's float32 copy of X.
    const b = binMatrix(column([3, 0.1, null, Math.fround(0.1), -2, 3]));
    expect(Array.from(b.codes)).toEqual([2, 1, MISSING_CODE, 1, 0, 2]);
    expect(Array.from(b.values[0]!)).toEqual([-2, Math.fround(0.1), 3]);
    expect(b.upper[0]).toBe(b.values[0]);
    expect(Array.from(b.hasMissing)).toEqual([1]);
  });

  it('falls back to quantile bins past 65534 distinct values, keeping order and ties', () => {
    const n = 70_000;
    const values = Array.from({ length: n }, (_, i) => (i * 7919) % n); // a permutation of 0..n-1
    values[5] = values[6]!; // one tie
    const b = binMatrix(column(values));
    const codes = b.codes;
    let maxCode = 0;
    for (let i = 0; i < n; i++) maxCode = Math.max(maxCode, codes[i]!);
    expect(maxCode).toBe(MAX_BINS - 1);
    expect(codes[5]).toBe(codes[6]);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, c) => values[a]! - values[c]!);
    for (let k = 1; k < n; k++) expect(codes[order[k]!]! >= codes[order[k - 1]!]!).toBe(true);
    // Each bin spans [values[k], upper[k]] and bins do not overlap.
    const lo = b.values[0]!;
    const hi = b.upper[0]!;
    for (let k = 1; k < lo.length; k++) expect(lo[k]! > hi[k - 1]!).toBe(true);
    // A tree still splits such a feature at a threshold between two bins.
    const dt = new DecisionTreeClassifier({ minSamplesLeaf: 1, minSamplesSplit: 2, maxDepth: 1 }).fitSync(
      column(values),
      labels(values.map((v) => (v >= 35_000.5 ? 1 : 0))),
    );
    const thr = dt.treeArrays.threshold[0]!;
    expect(thr).toBeGreaterThan(34_990);
    expect(thr).toBeLessThan(35_010);
  });
});

describe('codec', () => {
  it('round-trips typed arrays through base64 bit for bit', () => {
    const a = Float64Array.from([0.1, -0, Infinity, NaN, 1e-300]);
    const back = decodeArray(Float64Array, encodeArray(a));
    expect(Object.is(back[1], -0)).toBe(true);
    expect(Array.from(back)).toEqual(Array.from(a));
    expect(Array.from(decodeArray(Int32Array, encodeArray(Int32Array.from([-1, 2 ** 31 - 1]))))).toEqual([-1, 2 ** 31 - 1]);
    expect(() => decodeArray(Float64Array, Buffer.from([1, 2, 3]).toString('base64'))).toThrow(/corrupt/);
  });
});
