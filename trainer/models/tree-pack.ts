/**
 * Many trees ⇄ one set of concatenated typed arrays (base64 in JSON). A forest of 500 trees becomes six
 * strings instead of 3,000, and decoding is a handful of copies.
 */
import { decodeArray, encodeArray } from './codec.js';
import type { TreeArrays } from './tree-arrays.js';

/** What prediction needs from a tree (a loaded model carries no training statistics). */
export type PredictTree = Pick<TreeArrays, 'nodeCount' | 'feature' | 'threshold' | 'right' | 'missingLeft' | 'value'>;

export interface PackedTrees {
  /** Node count of each tree (Int32, base64); the other arrays are these trees back to back. */
  nodeCounts: string;
  feature: string;
  threshold: string;
  right: string;
  missingLeft: string;
  value: string;
}

export function packTrees(trees: readonly PredictTree[]): PackedTrees {
  const total = trees.reduce((s, t) => s + t.nodeCount, 0);
  const nodeCounts = Int32Array.from(trees, (t) => t.nodeCount);
  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const right = new Int32Array(total);
  const missingLeft = new Uint8Array(total);
  const value = new Float64Array(total);
  let at = 0;
  for (const t of trees) {
    feature.set(t.feature.subarray(0, t.nodeCount), at);
    threshold.set(t.threshold.subarray(0, t.nodeCount), at);
    right.set(t.right.subarray(0, t.nodeCount), at);
    missingLeft.set(t.missingLeft.subarray(0, t.nodeCount), at);
    value.set(t.value.subarray(0, t.nodeCount), at);
    at += t.nodeCount;
  }
  return {
    nodeCounts: encodeArray(nodeCounts),
    feature: encodeArray(feature),
    threshold: encodeArray(threshold),
    right: encodeArray(right),
    missingLeft: encodeArray(missingLeft),
    value: encodeArray(value),
  };
}

export function unpackTrees(p: PackedTrees): PredictTree[] {
  const nodeCounts = decodeArray(Int32Array, p.nodeCounts);
  const feature = decodeArray(Int32Array, p.feature);
  const threshold = decodeArray(Float64Array, p.threshold);
  const right = decodeArray(Int32Array, p.right);
  const missingLeft = decodeArray(Uint8Array, p.missingLeft);
  const value = decodeArray(Float64Array, p.value);
  const total = nodeCounts.reduce((s, n) => s + n, 0);
  if ([feature, threshold, right, missingLeft, value].some((a) => a.length !== total)) {
    throw new Error('corrupt model file: tree arrays do not match the node counts');
  }
  const trees: PredictTree[] = [];
  let at = 0;
  for (const n of nodeCounts) {
    trees.push({
      nodeCount: n,
      feature: feature.subarray(at, at + n),
      threshold: threshold.subarray(at, at + n),
      right: right.subarray(at, at + n),
      missingLeft: missingLeft.subarray(at, at + n),
      value: value.subarray(at, at + n),
    });
    at += n;
  }
  return trees;
}
