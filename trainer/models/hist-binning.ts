/**
 * Feature binning for histogram gradient boosting (LightGBM / HistGradientBoosting style): each numeric
 * feature is cut into at most 255 bins at edges between its training values (every distinct value its
 * own bin when there are few, quantiles otherwise); a categorical feature's bins are its category codes.
 * Missing values get their own bin, right after the feature's value bins (code nBins), whose rows each
 * split sends to the side that gains most.
 *
 * Bin k of a numeric feature holds the values in (edges[k-1], edges[k]], so "bin ≤ b" is "x ≤ edges[b]":
 * a split learned on bins is applied to raw values with a plain comparison, with no rounding in between.
 */
import type { FeatureMatrix } from '../data/dataset.js';

export const MAX_BINS = 255;

export interface FeatureBins {
  categorical: boolean;
  /** Bins holding values (codes 0 … nBins − 1); code nBins is the missing values' bin. */
  nBins: number;
  /** Numeric features: the nBins − 1 upper edges. */
  edges: Float64Array;
}

export interface HistBinned {
  nRows: number;
  features: FeatureBins[];
  /** Per feature, one code per row (nBins of the feature for NaN). */
  codes: Uint8Array[];
}

function numericEdges(col: Float64Array): Float64Array {
  const present = Float64Array.from(col.filter((v) => v === v)).sort();
  const distinct: number[] = [];
  for (let i = 0; i < present.length; i++) if (i === 0 || present[i] !== present[i - 1]) distinct.push(present[i]!);
  if (distinct.length <= MAX_BINS) {
    const edges = new Float64Array(Math.max(0, distinct.length - 1));
    for (let k = 0; k < edges.length; k++) edges[k] = distinct[k]! + (distinct[k + 1]! - distinct[k]!) / 2;
    return edges;
  }
  // Quantile edges: midpoints between order statistics, deduplicated and below the largest value.
  const out: number[] = [];
  const n = present.length;
  for (let k = 1; k < MAX_BINS; k++) {
    const at = Math.floor((k * n) / MAX_BINS);
    const lo = present[Math.max(0, at - 1)]!;
    const hi = present[at]!;
    const e = lo === hi ? lo : lo + (hi - lo) / 2;
    if (e < present[n - 1]! && (out.length === 0 || e > out[out.length - 1]!)) out.push(e);
  }
  return Float64Array.from(out);
}

/** First k with x ≤ edges[k], else edges.length (binary search). */
export function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * @param categorical per feature: its number of categories when it is categorical with at most 255 of
 *   them (codes 0 … k − 1), else 0 (numeric; a wider categorical column is binned as ordinal codes).
 */
export function histBin(X: FeatureMatrix, categorical: readonly number[]): HistBinned {
  const features: FeatureBins[] = [];
  const codes: Uint8Array[] = [];
  X.columns.forEach((col, j) => {
    const k = categorical[j] ?? 0;
    const out = new Uint8Array(X.nRows);
    if (k > 0 && k <= MAX_BINS) {
      for (let i = 0; i < X.nRows; i++) {
        const v = col[i]!;
        out[i] = v === v && v >= 0 && v < k ? v : k;
      }
      features.push({ categorical: true, nBins: k, edges: new Float64Array(0) });
    } else {
      const edges = numericEdges(col);
      const missing = edges.length + 1;
      for (let i = 0; i < X.nRows; i++) {
        const v = col[i]!;
        out[i] = v === v ? binOf(edges, v) : missing;
      }
      features.push({ categorical: false, nBins: edges.length + 1, edges });
    }
    codes.push(out);
  });
  return { nRows: X.nRows, features, codes };
}
