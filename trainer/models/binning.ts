/**
 * Pre-binned features for tree growing. Every feature value is rounded to float32 (scikit-learn trees
 * work on float32 copies of X, so thresholds and ties only make sense at that precision) and replaced by
 * its rank among the feature's distinct training values. Ranks fit in a uint16 as long as a feature has
 * fewer than 65535 distinct values, which makes split search exact (the same candidate thresholds as
 * sort-and-scan) while a node's histogram is just an array indexed by code.
 *
 * A feature with more distinct values than that (only possible beyond 65k rows) is cut into 65534
 * quantile bins instead, never splitting a run of equal values; a bin then spans [lower, upper] and
 * thresholds fall between one bin's upper and the next bin's lower value, so splits stay valid, just
 * with fewer candidates than an exact search.
 */
import type { FeatureMatrix } from '../data/dataset.js';

/** Code of a missing (NaN) cell. */
export const MISSING_CODE = 0xffff;
/** Bins per feature (codes 0 … MAX_BINS − 1; MISSING_CODE is reserved). */
export const MAX_BINS = 0xffff;

export interface BinnedMatrix {
  nRows: number;
  nFeatures: number;
  /** Column-major codes: `codes[j * nRows + i]`. */
  codes: Uint16Array;
  /** Per feature: smallest float32 value of each bin, increasing (code k ↔ bin k). */
  values: Float64Array[];
  /** Per feature: largest value of each bin; the same array as `values` when bins are exact. */
  upper: Float64Array[];
  /** Per feature: 1 when some training row is NaN (scikit-learn's missing_values_in_feature_mask). */
  hasMissing: Uint8Array;
}

/**
 * Bins a feature matrix. Codes live in `buffer` when one is given, so a SharedArrayBuffer can be handed
 * to worker threads without copying.
 */
export function binMatrix(X: FeatureMatrix, buffer?: ArrayBufferLike): BinnedMatrix {
  const { nRows } = X;
  const nFeatures = X.columns.length;
  const codes = buffer === undefined ? new Uint16Array(nRows * nFeatures) : new Uint16Array(buffer, 0, nRows * nFeatures);
  const values: Float64Array[] = [];
  const upper: Float64Array[] = [];
  const hasMissing = new Uint8Array(nFeatures);
  const f32 = new Float32Array(nRows);
  const order = new Uint32Array(nRows);
  for (let j = 0; j < nFeatures; j++) {
    const col = X.columns[j]!;
    let nonMissing = 0;
    for (let i = 0; i < nRows; i++) {
      const v = col[i]!;
      if (Number.isNaN(v)) continue;
      f32[nonMissing] = v;
      order[nonMissing++] = i;
    }
    hasMissing[j] = nonMissing < nRows ? 1 : 0;
    // Sort row ids by value, then walk runs of equal values.
    const ids = order.subarray(0, nonMissing);
    const vals = f32;
    const idx = Uint32Array.from({ length: nonMissing }, (_, k) => k);
    idx.sort((a, b) => vals[a]! - vals[b]!);
    const base = j * nRows;
    codes.fill(MISSING_CODE, base, base + nRows);
    // Runs of equal values, in increasing order.
    const runStart: number[] = [];
    for (let k = 0; k < nonMissing; k++) if (k === 0 || vals[idx[k]!] !== vals[idx[k - 1]!]) runStart.push(k);
    const nRuns = runStart.length;
    const lower: number[] = [];
    const upperValues: number[] = [];
    // Exact: one bin per run. Otherwise: close a bin once it holds its share of rows.
    const perBin = nRuns <= MAX_BINS ? 0 : nonMissing / MAX_BINS;
    let bin = -1;
    let binEndsAt = 0;
    for (let r = 0; r < nRuns; r++) {
      const from = runStart[r]!;
      const to = r + 1 < nRuns ? runStart[r + 1]! : nonMissing;
      const remainingRuns = nRuns - r;
      const binsLeft = MAX_BINS - (bin + 1);
      if (bin < 0 || perBin === 0 || from >= binEndsAt || remainingRuns <= binsLeft) {
        bin++;
        binEndsAt = Math.round((bin + 1) * perBin);
        lower.push(vals[idx[from]!]!);
        upperValues.push(vals[idx[from]!]!);
      }
      upperValues[bin] = vals[idx[to - 1]!]!;
      for (let k = from; k < to; k++) codes[base + ids[idx[k]!]!] = bin;
    }
    const lo = Float64Array.from(lower);
    values.push(lo);
    upper.push(perBin === 0 ? lo : Float64Array.from(upperValues));
  }
  return { nRows, nFeatures, codes, values, upper, hasMissing };
}
