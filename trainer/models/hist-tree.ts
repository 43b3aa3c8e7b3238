/**
 * One regression tree of histogram gradient boosting, grown leaf-wise (best-first, as LightGBM): the leaf
 * whose best split gains most is split next, until max_leaf_nodes. Split gain on gradients g and
 * hessians h with L2 penalty λ: G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ); leaf value −G/(H+λ).
 *
 * Rows of a node are a contiguous segment of one index array, partitioned in place when the node splits.
 * A node's histogram (per feature and bin: Σg, Σh, count) is built for the smaller child only; the larger
 * child's is the parent's minus it. Missing values (their own bin) go to whichever side gains more.
 * Categorical features split into a set of categories and the rest: categories sorted by Σg/(Σh + smooth)
 * and cut like an ordered feature (LightGBM's approach), so one scan finds the best set.
 */
import type { HistBinned } from './hist-binning.js';

export interface HistTreeParams {
  maxLeafNodes: number;
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2: number;
  /** Smallest Σh a child may have (LightGBM's min_sum_hessian_in_leaf). */
  minHessian: number;
}

// LightGBM's defaults for category splits: smoothing of the Σg/Σh order, an extra L2 on their gain,
// and categories with fewer rows than MIN_DATA_PER_GROUP in the node left out of the ordered scan (they
// go right, with the rest), so a split cannot isolate a handful of rows of a rare category.
const CAT_SMOOTH = 10;
const CAT_L2 = 10;
const MIN_DATA_PER_GROUP = 100;

export interface HistTree {
  nodeCount: number;
  feature: Int32Array;
  /** Numeric split: x ≤ threshold goes left. */
  threshold: Float64Array;
  /** 1 for a categorical split (left = the categories in the node's bit set). */
  categorical: Uint8Array;
  missingLeft: Uint8Array;
  /** −1 for a leaf. */
  left: Int32Array;
  right: Int32Array;
  /** Leaf output (learning rate applied). */
  value: Float64Array;
  /** Per node: offset of its 32-byte category bit set in catBits, or −1. */
  catOffset: Int32Array;
  catBits: Uint8Array;
}

interface Split {
  gain: number;
  feature: number;
  /** Numeric: last bin of the left side. */
  bin: number;
  missingLeft: boolean;
  /** Categorical: the left categories' bits. */
  bits: Uint8Array | null;
}

interface Node {
  id: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array;
  split: Split | null;
}

class NodeArrays {
  feature: number[] = [];
  threshold: number[] = [];
  categorical: number[] = [];
  missingLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  catOffset: number[] = [];
  catBits: number[] = [];

  add(value: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.categorical.push(0);
    this.missingLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(value);
    this.catOffset.push(-1);
    return this.value.length - 1;
  }

  finish(): HistTree {
    return {
      nodeCount: this.value.length,
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      categorical: Uint8Array.from(this.categorical),
      missingLeft: Uint8Array.from(this.missingLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      catOffset: Int32Array.from(this.catOffset),
      catBits: Uint8Array.from(this.catBits),
    };
  }
}

export interface GrowResult {
  tree: HistTree;
  /** Leaves as row segments of `rows`, with their output, to update the training predictions. */
  leaves: { start: number; end: number; value: number }[];
  /** Gain of each split, per feature (for importances). */
  gains: Float64Array;
}

export class HistTreeGrower {
  private readonly nFeatures: number;
  private readonly tmp: Int32Array;
  /** Where feature j's bins start in a histogram (3 numbers per bin, the missing bin last). */
  private readonly offsets: Int32Array;
  private readonly histSize: number;
  /** Histograms of finished nodes, reused (a tree needs one per leaf; allocating them costs more than filling). */
  private readonly pool: Float64Array[] = [];

  constructor(
    private readonly binned: HistBinned,
    private readonly params: HistTreeParams,
  ) {
    this.nFeatures = binned.features.length;
    this.tmp = new Int32Array(binned.nRows);
    this.offsets = new Int32Array(this.nFeatures);
    let at = 0;
    binned.features.forEach((f, j) => {
      this.offsets[j] = at;
      at += 3 * (f.nBins + 1);
    });
    this.histSize = at;
  }

  private buildHist(rows: Int32Array, start: number, end: number, g: Float64Array, h: Float64Array): Float64Array {
    const hist = this.pool.pop() ?? new Float64Array(this.histSize);
    hist.fill(0);
    for (let j = 0; j < this.nFeatures; j++) {
      const codes = this.binned.codes[j]!;
      const base = this.offsets[j]!;
      for (let k = start; k < end; k++) {
        const r = rows[k]!;
        const o = base + codes[r]! * 3;
        hist[o] = hist[o]! + g[r]!;
        hist[o + 1] = hist[o + 1]! + h[r]!;
        hist[o + 2] = hist[o + 2]! + 1;
      }
    }
    return hist;
  }

  private score(g: number, h: number): number {
    return (g * g) / (h + this.params.l2);
  }

  private bestSplit(node: Omit<Node, 'split' | 'id'>, allowed: Uint8Array | null): Split | null {
    const { minSamplesLeaf: msl, minHessian } = this.params;
    const n = node.end - node.start;
    if (n < 2 * msl) return null;
    if (this.params.maxDepth !== null && node.depth >= this.params.maxDepth) return null;
    const parent = this.score(node.g, node.h);
    let best: Split | null = null;
    const consider = (gl: number, hl: number, cl: number, feature: number, bin: number, missingLeft: boolean, bits: Uint8Array | null) => {
      const cr = n - cl;
      const hr = node.h - hl;
      if (cl < msl || cr < msl || hl < minHessian || hr < minHessian) return;
      const gain =
        bits === null
          ? this.score(gl, hl) + this.score(node.g - gl, hr) - parent
          : this.score(gl, hl + CAT_L2) + this.score(node.g - gl, hr + CAT_L2) - this.score(node.g, node.h + CAT_L2);
      if (gain > 1e-12 && (best === null || gain > best.gain)) best = { gain, feature, bin, missingLeft, bits };
    };
    for (let j = 0; j < this.nFeatures; j++) {
      if (allowed !== null && allowed[j] === 0) continue;
      const f = this.binned.features[j]!;
      const hist = node.hist;
      const base = this.offsets[j]!;
      const mo = base + f.nBins * 3;
      const mg = hist[mo]!;
      const mh = hist[mo + 1]!;
      const mc = hist[mo + 2]!;
      if (!f.categorical) {
        let gl = 0;
        let hl = 0;
        let cl = 0;
        for (let b = 0; b < f.nBins - 1; b++) {
          const o = base + b * 3;
          gl += hist[o]!;
          hl += hist[o + 1]!;
          cl += hist[o + 2]!;
          if (hist[o + 2] === 0) continue;
          if (mc > 0) {
            consider(gl, hl, cl, j, b, false, null);
            consider(gl + mg, hl + mh, cl + mc, j, b, true, null);
          } else {
            // No missing value here: at scoring time one follows the larger side.
            consider(gl, hl, cl, j, b, cl >= n - cl, null);
          }
        }
        // Missing values alone on the right.
        if (mc > 0) consider(node.g - mg, node.h - mh, n - mc, j, f.nBins - 1, false, null);
        continue;
      }
      const cats: number[] = [];
      const minGroup = Math.min(MIN_DATA_PER_GROUP, Math.max(1, Math.floor(n / 10)));
      for (let b = 0; b < f.nBins; b++) if (hist[base + b * 3 + 2]! >= minGroup) cats.push(b);
      if (cats.length < 2 && mc === 0) continue;
      const ratio = (b: number) => hist[base + b * 3]! / (hist[base + b * 3 + 1]! + CAT_SMOOTH);
      cats.sort((a, b) => ratio(a) - ratio(b) || a - b);
      let gl = 0;
      let hl = 0;
      let cl = 0;
      const bits = new Uint8Array(32);
      for (let k = 0; k < cats.length; k++) {
        const b = cats[k]!;
        gl += hist[base + b * 3]!;
        hl += hist[base + b * 3 + 1]!;
        cl += hist[base + b * 3 + 2]!;
        bits[b >> 3] = bits[b >> 3]! | (1 << (b & 7));
        const last = k === cats.length - 1;
        if (mc > 0) {
          consider(gl, hl, cl, j, -1, false, bits.slice());
          if (!last) consider(gl + mg, hl + mh, cl + mc, j, -1, true, bits.slice());
        } else if (!last) {
          consider(gl, hl, cl, j, -1, cl >= n - cl, bits.slice());
        }
      }
    }
    return best;
  }

  /**
   * Grows one tree on rows[0 … rows.length) with gradients g and hessians h; reorders `rows`.
   * @param allowed features a split may use (null: all), for column subsampling.
   */
  grow(rows: Int32Array, g: Float64Array, h: Float64Array, learningRate: number, allowed: Uint8Array | null = null): GrowResult {
    const { l2, maxLeafNodes } = this.params;
    const arrays = new NodeArrays();
    const gains = new Float64Array(this.nFeatures);
    let G = 0;
    let H = 0;
    for (const r of rows) {
      G += g[r]!;
      H += h[r]!;
    }
    const leafValue = (gs: number, hs: number) => (-gs / (hs + l2)) * learningRate;
    const root: Node = { id: arrays.add(leafValue(G, H)), start: 0, end: rows.length, depth: 0, g: G, h: H, hist: this.buildHist(rows, 0, rows.length, g, h), split: null };
    root.split = this.bestSplit(root, allowed);
    const leaves: Node[] = [root];
    while (leaves.length < maxLeafNodes) {
      let pick = -1;
      for (let k = 0; k < leaves.length; k++) {
        const s = leaves[k]!.split;
        if (s !== null && (pick < 0 || s.gain > leaves[pick]!.split!.gain)) pick = k;
      }
      if (pick < 0) break;
      const node = leaves[pick]!;
      const split = node.split!;
      const f = this.binned.features[split.feature]!;
      const codes = this.binned.codes[split.feature]!;
      // Partition the node's rows: left ones stay in front, in order.
      let l = node.start;
      let t = 0;
      for (let k = node.start; k < node.end; k++) {
        const r = rows[k]!;
        const c = codes[r]!;
        const goLeft = c === f.nBins ? split.missingLeft : split.bits !== null ? (split.bits[c >> 3]! & (1 << (c & 7))) !== 0 : c <= split.bin;
        if (goLeft) rows[l++] = r;
        else this.tmp[t++] = r;
      }
      rows.set(this.tmp.subarray(0, t), l);
      const mid = l;
      let gl = 0;
      let hl = 0;
      for (let k = node.start; k < mid; k++) {
        gl += g[rows[k]!]!;
        hl += h[rows[k]!]!;
      }
      const leftSmaller = mid - node.start <= node.end - mid;
      const small = leftSmaller ? this.buildHist(rows, node.start, mid, g, h) : this.buildHist(rows, mid, node.end, g, h);
      const large = node.hist;
      for (let i = 0; i < large.length; i++) large[i] = large[i]! - small[i]!;
      const mk = (start: number, end: number, gs: number, hs: number, hist: Float64Array): Node => {
        const child: Node = { id: arrays.add(leafValue(gs, hs)), start, end, depth: node.depth + 1, g: gs, h: hs, hist, split: null };
        child.split = this.bestSplit(child, allowed);
        return child;
      };
      const left = mk(node.start, mid, gl, hl, leftSmaller ? small : large);
      const right = mk(mid, node.end, node.g - gl, node.h - hl, leftSmaller ? large : small);
      const id = node.id;
      arrays.feature[id] = split.feature;
      arrays.missingLeft[id] = split.missingLeft ? 1 : 0;
      arrays.left[id] = left.id;
      arrays.right[id] = right.id;
      if (split.bits !== null) {
        arrays.categorical[id] = 1;
        arrays.catOffset[id] = arrays.catBits.length;
        arrays.catBits.push(...split.bits);
      } else {
        arrays.threshold[id] = split.bin < f.edges.length ? f.edges[split.bin]! : Infinity;
      }
      gains[split.feature] = gains[split.feature]! + split.gain;
      leaves.splice(pick, 1, left, right);
    }
    for (const leaf of leaves) this.pool.push(leaf.hist);
    const tree = arrays.finish();
    return { tree, leaves: leaves.map((n) => ({ start: n.start, end: n.end, value: tree.value[n.id]! })), gains };
  }
}

/** The leaf row `i` lands in, on raw feature values (categorical ones as their codes). */
export function histLeaf(tree: HistTree, columns: Float64Array[], i: number): number {
  let node = 0;
  for (;;) {
    const l = tree.left[node]!;
    if (l < 0) return node;
    const x = columns[tree.feature[node]!]![i]!;
    let goLeft: boolean;
    if (x !== x) goLeft = tree.missingLeft[node] === 1;
    else if (tree.categorical[node] === 1) {
      const c = x;
      const off = tree.catOffset[node]!;
      goLeft = Number.isInteger(c) && c >= 0 && c < 256 && (tree.catBits[off + (c >> 3)]! & (1 << (c & 7))) !== 0;
    } else goLeft = x <= tree.threshold[node]!;
    node = goLeft ? l : tree.right[node]!;
  }
}
