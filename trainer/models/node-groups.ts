/**
 * Per-node, per-feature statistics for split search: the distinct codes present in the node in
 * increasing order with their sample count and class weights, plus the missing rows' totals. Large
 * nodes fill a histogram indexed by code and compact it; nodes much smaller than the feature's number of
 * distinct values sort their few codes instead, so small nodes never scan thousands of empty bins.
 */
import type { BinnedMatrix } from './binning.js';
import { MISSING_CODE } from './binning.js';

/** A node this many times smaller than a feature's rank count sorts its codes instead of histogramming. */
const SORT_RATIO = 8;
/** Sort keys pack code × KEY_SHIFT + position in node, exact in a float64. */
const KEY_SHIFT = 2 ** 21;

export class NodeGroups {
  /** Distinct codes present, increasing; `count`, `w0`, `w1` are aligned with it. */
  readonly code: Int32Array;
  readonly count: Int32Array;
  readonly w0: Float64Array;
  readonly w1: Float64Array;
  nMiss = 0;
  wMiss0 = 0;
  wMiss1 = 0;
  private readonly hCnt: Int32Array;
  private readonly hW0: Float64Array;
  private readonly hW1: Float64Array;
  private readonly keys: Float64Array;

  constructor(private readonly X: BinnedMatrix, maxNodeSamples: number) {
    let maxBins = 1;
    for (const v of X.values) maxBins = Math.max(maxBins, v.length);
    this.hCnt = new Int32Array(maxBins);
    this.hW0 = new Float64Array(maxBins);
    this.hW1 = new Float64Array(maxBins);
    const maxGroups = Math.min(maxBins, maxNodeSamples) + 1;
    this.code = new Int32Array(maxGroups);
    this.count = new Int32Array(maxGroups);
    this.w0 = new Float64Array(maxGroups);
    this.w1 = new Float64Array(maxGroups);
    this.keys = new Float64Array(maxNodeSamples);
  }

  /**
   * Gathers `feature` over rows samples[start:end] (w0/w1: each row's weight if it is of class 0/1, else
   * 0). Returns the number of distinct non-missing codes.
   */
  gather(feature: number, samples: Int32Array, start: number, end: number, w0: Float64Array, w1: Float64Array): number {
    const codes = this.X.codes;
    const base = feature * this.X.nRows;
    const nBins = this.X.values[feature]!.length;
    let nMiss = 0;
    let wM0 = 0;
    let wM1 = 0;
    let G = 0;
    const nNode = end - start;
    if (nNode * SORT_RATIO < nBins && nNode < KEY_SHIFT) {
      const keys = this.keys;
      let m = 0;
      for (let k = start; k < end; k++) {
        const i = samples[k]!;
        const c = codes[base + i]!;
        if (c === MISSING_CODE) {
          nMiss++;
          wM0 += w0[i]!;
          wM1 += w1[i]!;
        } else {
          keys[m++] = c * KEY_SHIFT + (k - start);
        }
      }
      const sorted = keys.subarray(0, m).sort();
      let last = -1;
      for (let t = 0; t < m; t++) {
        const key = sorted[t]!;
        const c = Math.floor(key / KEY_SHIFT);
        const i = samples[start + (key - c * KEY_SHIFT)]!;
        if (c !== last) {
          this.code[G] = c;
          this.count[G] = 0;
          this.w0[G] = 0;
          this.w1[G] = 0;
          G++;
          last = c;
        }
        this.count[G - 1]!++;
        this.w0[G - 1] = this.w0[G - 1]! + w0[i]!;
        this.w1[G - 1] = this.w1[G - 1]! + w1[i]!;
      }
    } else {
      const { hCnt, hW0, hW1 } = this;
      let lo = nBins;
      let hi = -1;
      for (let k = start; k < end; k++) {
        const i = samples[k]!;
        const c = codes[base + i]!;
        if (c === MISSING_CODE) {
          nMiss++;
          wM0 += w0[i]!;
          wM1 += w1[i]!;
          continue;
        }
        hCnt[c]!++;
        hW0[c] = hW0[c]! + w0[i]!;
        hW1[c] = hW1[c]! + w1[i]!;
        if (c < lo) lo = c;
        if (c > hi) hi = c;
      }
      for (let c = lo; c <= hi; c++) {
        const cnt = hCnt[c]!;
        if (cnt === 0) continue;
        this.code[G] = c;
        this.count[G] = cnt;
        this.w0[G] = hW0[c]!;
        this.w1[G] = hW1[c]!;
        G++;
        hCnt[c] = 0;
        hW0[c] = 0;
        hW1[c] = 0;
      }
    }
    this.nMiss = nMiss;
    this.wMiss0 = wM0;
    this.wMiss1 = wM1;
    return G;
  }
}
