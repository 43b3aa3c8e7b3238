/**
 * A fitted binary-classification tree as flat typed arrays (scikit-learn's `tree_` layout, trimmed).
 * Nodes are stored depth-first, so an internal node's left child is always the next node and only the
 * right child needs storing. Leaves have `feature = -1`.
 */
import type { PredictTree } from './tree-pack.js';

export interface TreeArrays {
  nodeCount: number;
  feature: Int32Array;
  threshold: Float64Array;
  right: Int32Array;
  /** 1 when a NaN goes to the left child. */
  missingLeft: Uint8Array;
  /** P(class 1) at the node, normalised as scikit-learn's predict_proba does. */
  value: Float64Array;
  /** Per-node statistics used for feature importances (not needed to predict). */
  impurity: Float64Array;
  weightedN: Float64Array;
  nSamples: Int32Array;
}

export const LEAF = -1;

/** Index of the leaf row `i` of `X` lands in. Compares float32-rounded values, as scikit-learn does. */
export function applyRow(tree: PredictTree, columns: Float64Array[], i: number): number {
  const { feature, threshold, right, missingLeft } = tree;
  let node = 0;
  for (;;) {
    const f = feature[node]!;
    if (f === LEAF) return node;
    const x = columns[f]![i]!;
    const goLeft = x !== x ? missingLeft[node] === 1 : Math.fround(x) <= threshold[node]!;
    node = goLeft ? node + 1 : right[node]!;
  }
}

/** Adds each row's P(class 1) to `out` (so a forest can accumulate in tree order). */
export function addTreeProba(tree: PredictTree, columns: Float64Array[], nRows: number, out: Float64Array): void {
  const value = tree.value;
  for (let i = 0; i < nRows; i++) out[i] = out[i]! + value[applyRow(tree, columns, i)]!;
}

/**
 * Mean decrease in impurity per feature, normalised to sum to 1 (scikit-learn's
 * `Tree.compute_feature_importances`). All zeros for a single-leaf tree.
 */
export function treeImportances(tree: TreeArrays, nFeatures: number): Float64Array {
  const imp = new Float64Array(nFeatures);
  const { feature, right, impurity, weightedN } = tree;
  for (let node = 0; node < tree.nodeCount; node++) {
    const f = feature[node]!;
    if (f === LEAF) continue;
    const l = node + 1;
    const r = right[node]!;
    imp[f] = imp[f]! + (weightedN[node]! * impurity[node]! - weightedN[l]! * impurity[l]! - weightedN[r]! * impurity[r]!);
  }
  let sum = 0;
  for (let f = 0; f < nFeatures; f++) {
    imp[f] = imp[f]! / weightedN[0]!;
    sum += imp[f]!;
  }
  if (sum > 0) for (let f = 0; f < nFeatures; f++) imp[f] = imp[f]! / sum;
  return imp;
}

/** Depth of the deepest leaf (root = 0). */
export function treeDepth(tree: PredictTree): number {
  const depth = new Int32Array(tree.nodeCount);
  let max = 0;
  for (let node = 0; node < tree.nodeCount; node++) {
    if (tree.feature[node] === LEAF) {
      max = Math.max(max, depth[node]!);
      continue;
    }
    depth[node + 1] = depth[node]! + 1;
    depth[tree.right[node]!] = depth[node]! + 1;
  }
  return max;
}

export function countLeaves(tree: PredictTree): number {
  let n = 0;
  for (let node = 0; node < tree.nodeCount; node++) if (tree.feature[node] === LEAF) n++;
  return n;
}
