/**
 * Pre-binned features for tree growing. Every feature value is rounded to float32 (scikit-learn trees
 * work on float32 copies of X, so thresholds and ties only make sense at that precision) and replaced by
 * its rank among the feature's distinct training values. Ranks fit in a uint16 as long as a feature has
 * fewer than 65535 distinct values, which makes split search exact (the same candidate thresholds as
 * sort-and-scan) while a node's histogram is just an array indexed by code.
 */
import type { FeatureMatrix } from '../data/dataset.js';

/** Code of a missing (NaN) cell. */
export const MISSING_CODE = 0xffff;
export const MAX_DISTINCT = 0xffff;

export interface BinnedMatrix {
  nRows: number;
  nFeatures: number;
  /** Column-major codes: `codes[j * nRows + i]`. */
  codes: Uint16Array;
  /** Per feature: the distinct float32 values in increasing order (code k ↔ value k). */
  values: Float64Array[];
  /** Per feature: 1 when some training row is NaN (scikit-learn's missing_values_in_feature_mask). */
  hasMissing: Uint8Array;
}

export class TooManyDistinctValuesError extends Error {
  override readonly name = 'TooManyDistinctValuesError';
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
    const distinct: number[] = [];
    const base = j * nRows;
    codes.fill(MISSING_CODE, base, base + nRows);
    for (let k = 0; k < nonMissing; k++) {
      const v = vals[idx[k]!]!;
      if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
      codes[base + ids[idx[k]!]!] = distinct.length - 1;
    }
    if (distinct.length > MAX_DISTINCT - 1) {
      throw new TooManyDistinctValuesError(
        `feature "${X.featureNames[j]}" has ${distinct.length} distinct values; at most ${MAX_DISTINCT - 1} are supported`,
      );
    }
    values.push(Float64Array.from(distinct));
  }
  return { nRows, nFeatures, codes, values, hasMissing };
}
