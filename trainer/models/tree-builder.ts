/**
 * Grows one classification tree the way scikit-learn's DepthFirstTreeBuilder + BestSplitter do
 * (sklearn 1.9 `_tree.pyx`, `_splitter.pyx`, `_partitioner.pyx`, `_criterion.pyx`): same stopping rules,
 * same Fisher-Yates feature sampling with the same `rand_r` generator, same constant-feature
 * bookkeeping, same two-pass missing-value search, same float32 tie tolerance and midpoint thresholds.
 * With integer sample weights (bootstrap counts) the criterion sums are exact, so given the same seed
 * the trees come out identical to scikit-learn's.
 *
 * What differs is the mechanics: instead of sorting the node's float values per feature, each feature
 * is pre-binned to its value ranks (binning.ts), a node gathers per-rank class weights (node-groups.ts)
 * and the search scans ranks in order.
 */
import type { BinnedMatrix } from './binning.js';
import { MISSING_CODE } from './binning.js';
import { Criterion, impurityOf } from './criterion.js';
import { NodeGroups } from './node-groups.js';
import { NodeStore } from './node-store.js';
import type { TreeArrays } from './tree-arrays.js';

export interface GrowParams {
  criterion: Criterion;
  /** Infinity for "no limit". */
  maxDepth: number;
  /** Already raised to at least 2 × minSamplesLeaf, as scikit-learn does. */
  minSamplesSplit: number;
  minSamplesLeaf: number;
  minWeightLeaf: number;
  minImpurityDecrease: number;
  maxFeatures: number;
}

const EPSILON = 2.220446049250313e-16; // np.finfo('double').eps, the builder's purity tolerance
const FEATURE_THRESHOLD = Math.fround(1e-7); // a float32 constant in sklearn, added in float32
const RAND_R_MAX = 0x7fffffff;
const ALL_NON_MISSING = MISSING_CODE - 1;

/** scikit-learn's `our_rand_r` xorshift state. */
class RandR {
  constructor(private state: number) {}
  /** `rand_int(low, high)`: low + our_rand_r() % (high - low). */
  int(low: number, high: number): number {
    let s = this.state === 0 ? 1 : this.state;
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    this.state = s;
    return low + ((s % (RAND_R_MAX + 1)) % (high - low));
  }
}

interface Split {
  feature: number;
  /** Largest code that goes left (ALL_NON_MISSING: every non-missing value goes left). */
  leftMaxCode: number;
  threshold: number;
  missingLeft: boolean;
  nLeft: number;
  wL0: number;
  wL1: number;
}

class Grower {
  private readonly samples: Int32Array;
  private readonly features: Int32Array;
  private readonly constantFeatures: Int32Array;
  private readonly w0: Float64Array; // weight if class 0 else 0
  private readonly w1: Float64Array; // weight if class 1 else 0
  private readonly groups: NodeGroups;
  private readonly rand: RandR;
  readonly nSamples: number;
  readonly weightedNSamples: number;

  constructor(
    private readonly X: BinnedMatrix,
    y: Uint8Array,
    weights: Float64Array | null,
    private readonly p: GrowParams,
    randRSeed: number,
  ) {
    const n = X.nRows;
    this.w0 = new Float64Array(n);
    this.w1 = new Float64Array(n);
    const samples: number[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights === null ? 1 : weights[i]!;
      total += w;
      if (w === 0) continue; // scikit-learn drops zero-weight samples (out-of-bag rows)
      samples.push(i);
      if (y[i] === 1) this.w1[i] = w;
      else this.w0[i] = w;
    }
    this.samples = Int32Array.from(samples);
    this.nSamples = samples.length;
    this.weightedNSamples = total;
    this.features = Int32Array.from({ length: X.nFeatures }, (_, j) => j);
    this.constantFeatures = new Int32Array(X.nFeatures);
    this.groups = new NodeGroups(X, this.nSamples);
    this.rand = new RandR(randRSeed);
  }

  grow(): TreeArrays {
    const p = this.p;
    const store = new NodeStore(Math.max(16, 2 * Math.ceil(this.nSamples / Math.max(1, p.minSamplesLeaf))));
    // Pending nodes, depth first (sklearn pushes right then left, so the left subtree is built first):
    // their rows samples[start:end], `parent` = the node whose right child this is (-1 for a left child
    // or the root), the impurity the parent's split computed, and the count of known constant features.
    const stack: { start: number; end: number; depth: number; parent: number; impurity: number; nConstant: number }[] = [
      { start: 0, end: this.nSamples, depth: 0, parent: -1, impurity: Infinity, nConstant: 0 },
    ];
    let first = true;
    while (stack.length > 0) {
      const rec = stack.pop()!;
      const { start, end, depth } = rec;
      const nNode = end - start;
      let s0 = 0;
      let s1 = 0;
      for (let k = start; k < end; k++) {
        const i = this.samples[k]!;
        s0 += this.w0[i]!;
        s1 += this.w1[i]!;
      }
      const wNode = s0 + s1;
      let isLeaf =
        depth >= p.maxDepth || nNode < p.minSamplesSplit || nNode < 2 * p.minSamplesLeaf || wNode < 2 * p.minWeightLeaf;
      let impurity = rec.impurity;
      if (first) {
        impurity = impurityOf(p.criterion, s0, s1, wNode);
        first = false;
      }
      isLeaf = isLeaf || impurity <= EPSILON;
      let split: Split | null = null;
      let nConstant = rec.nConstant;
      let impL = 0;
      let impR = 0;
      if (!isLeaf) {
        const found = this.bestSplit(start, end, s0, s1, wNode, rec.nConstant);
        split = found.split;
        nConstant = found.nConstant;
        if (split !== null) {
          const wL = split.wL0 + split.wL1;
          const wR = wNode - wL;
          impL = impurityOf(p.criterion, split.wL0, split.wL1, wL);
          impR = impurityOf(p.criterion, s0 - split.wL0, s1 - split.wL1, wR);
          const improvement = (wNode / this.weightedNSamples) * (impurity - (wR / wNode) * impR - (wL / wNode) * impL);
          if (improvement + EPSILON < p.minImpurityDecrease) split = null;
        }
        isLeaf = split === null;
      }
      // predict_proba divides each class fraction by their sum; keep that exact rounding.
      const v0 = s0 / wNode;
      const v1 = s1 / wNode;
      const node = store.add(rec.parent, {
        feature: isLeaf ? -1 : split!.feature,
        threshold: isLeaf ? -2 : split!.threshold,
        missingLeft: isLeaf ? false : split!.missingLeft,
        value: v1 / (v0 + v1),
        impurity,
        weightedN: wNode,
        nSamples: nNode,
      });
      if (isLeaf) continue;
      const pos = this.partition(start, end, split!);
      stack.push({ start: pos, end, depth: depth + 1, parent: node, impurity: impR, nConstant });
      stack.push({ start, end: pos, depth: depth + 1, parent: -1, impurity: impL, nConstant });
    }
    return store.finish();
  }

  /** node_split_best: sample features, keep the best proxy improvement. */
  private bestSplit(
    start: number,
    end: number,
    s0: number,
    s1: number,
    wNode: number,
    nKnownConstants: number,
  ): { split: Split | null; nConstant: number } {
    const { features, constantFeatures, p } = this;
    const nNode = end - start;
    let best: Split | null = null;
    let bestProxy = -Infinity;
    let fi = this.X.nFeatures;
    let nVisited = 0;
    let nFoundConstants = 0;
    let nDrawnConstants = 0;
    let nTotalConstants = nKnownConstants;

    while (fi > nTotalConstants && (nVisited < p.maxFeatures || nVisited <= nFoundConstants + nDrawnConstants)) {
      nVisited++;
      let fj = this.rand.int(nDrawnConstants, fi - nFoundConstants);
      if (fj < nKnownConstants) {
        swap(features, nDrawnConstants, fj);
        nDrawnConstants++;
        continue;
      }
      fj += nFoundConstants;
      const feature = features[fj]!;
      const grp = this.groups;
      const G = grp.gather(feature, this.samples, start, end, this.w0, this.w1);
      const { code, count, w0: gW0, w1: gW1, nMiss } = grp;
      const values = this.X.values[feature]!;
      const upper = this.X.upper[feature]!;
      if (G === 0 || (nMiss === 0 && upper[code[G - 1]!]! <= Math.fround(values[code[0]!]! + FEATURE_THRESHOLD))) {
        swap(features, fj, nTotalConstants);
        nFoundConstants++;
        nTotalConstants++;
        continue;
      }
      fi--;
      swap(features, fi, fj);

      const passes = nMiss > 0 ? 2 : 1;
      for (let pass = 0; pass < passes; pass++) {
        const missingLeft = pass === 1;
        let nL = missingLeft ? nMiss : 0;
        let wL0 = missingLeft ? grp.wMiss0 : 0;
        let wL1 = missingLeft ? grp.wMiss1 : 0;
        for (let g = 0; g <= G; g++) {
          if (g === G && (missingLeft || nMiss === 0)) break;
          let leftMax: number;
          let threshold: number;
          if (g === G) {
            // Every non-missing value left, the missing ones right: a NaN fails `x <= inf`.
            leftMax = ALL_NON_MISSING;
            threshold = Infinity;
          } else {
            if (g === 0) {
              nL += count[0]!;
              wL0 += gW0[0]!;
              wL1 += gW1[0]!;
              continue;
            }
            const prev = upper[code[g - 1]!]!;
            const cur = values[code[g]!]!;
            if (cur <= Math.fround(prev + FEATURE_THRESHOLD)) {
              nL += count[g]!;
              wL0 += gW0[g]!;
              wL1 += gW1[g]!;
              continue;
            }
            leftMax = code[g - 1]!;
            threshold = prev / 2 + cur / 2;
          }
          const nR = nNode - nL;
          if (nL >= p.minSamplesLeaf && nR >= p.minSamplesLeaf) {
            const wL = wL0 + wL1;
            const wR = wNode - wL;
            if (wL >= p.minWeightLeaf && wR >= p.minWeightLeaf) {
              const proxy = proxyImprovement(p.criterion, wL0, wL1, wL, s0 - wL0, s1 - wL1, wR);
              if (proxy > bestProxy) {
                bestProxy = proxy;
                best = {
                  feature,
                  leftMaxCode: leftMax,
                  threshold,
                  missingLeft: nMiss === 0 ? nL > nR : missingLeft,
                  nLeft: nL,
                  wL0,
                  wL1,
                };
              }
            }
          }
          if (g < G) {
            nL += count[g]!;
            wL0 += gW0[g]!;
            wL1 += gW1[g]!;
          }
        }
      }
    }
    // Keep the known constants in their original order for siblings and children; record new ones.
    features.set(constantFeatures.subarray(0, nKnownConstants), 0);
    constantFeatures.set(features.subarray(nKnownConstants, nKnownConstants + nFoundConstants), nKnownConstants);
    return { split: best, nConstant: nTotalConstants };
  }

  /** Moves the rows going left to the front of samples[start:end]; returns the boundary. */
  private partition(start: number, end: number, split: Split): number {
    const samples = this.samples;
    const codes = this.X.codes;
    const base = split.feature * this.X.nRows;
    let a = start;
    let b = end;
    while (a < b) {
      const c = codes[base + samples[a]!]!;
      const left = c === MISSING_CODE ? split.missingLeft : c <= split.leftMaxCode;
      if (left) a++;
      else swap(samples, a, --b);
    }
    return a;
  }
}

function swap(arr: Int32Array, a: number, b: number): void {
  const t = arr[a]!;
  arr[a] = arr[b]!;
  arr[b] = t;
}

/** The criterion's proxy: −w_R·impurity_R − w_L·impurity_L (ClassificationCriterion). */
function proxyImprovement(c: Criterion, l0: number, l1: number, wL: number, r0: number, r1: number, wR: number): number {
  return -wR * impurityOf(c, r0, r1, wR) - wL * impurityOf(c, l0, l1, wL);
}

/**
 * Grows a tree on binned data. `weights` are per-row sample weights (bootstrap counts) or null for 1s;
 * `randRSeed` is the splitter's `rand_r_state` (see splitterSeed()).
 */
export function growTree(
  X: BinnedMatrix,
  y: Uint8Array,
  weights: Float64Array | null,
  params: GrowParams,
  randRSeed: number,
): TreeArrays {
  const grower = new Grower(X, y, weights, params, randRSeed);
  if (grower.nSamples === 0) throw new Error('cannot grow a tree on zero samples');
  return grower.grow();
}
