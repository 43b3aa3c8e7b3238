/**
 * The part of random-forest fitting that runs on any thread: given the binned data and a tree's seed,
 * draw its bootstrap and grow it, exactly as scikit-learn's `_parallel_build_trees` does
 * (bootstrap rows = RandomState(seed).randint(0, n, n_boot) passed as counts; splitter seed =
 * RandomState(seed).randint(0, RAND_R_MAX)). Trees are claimed from a shared atomic counter, so the main
 * thread and any workers balance the load without messages, and the result depends only on the seeds.
 */
import { RandomState } from '../data/random.js';
import type { BinnedMatrix } from './binning.js';
import { growTree } from './tree-builder.js';
import type { GrowParams } from './tree-builder.js';
import type { TreeArrays } from './tree-arrays.js';
import { treeImportances } from './tree-arrays.js';
import { RAND_R_MAX } from './tree-params.js';

export interface ForestJob {
  binned: BinnedMatrix;
  y: Uint8Array;
  seeds: Int32Array;
  grow: GrowParams;
  /** Rows drawn per tree, or null for no bootstrap (every tree sees every row). */
  nBootstrap: number | null;
}

export interface GrownTree {
  index: number;
  tree: TreeArrays;
  importances: Float64Array;
}

export function growForestTree(job: ForestJob, index: number): GrownTree {
  const { binned, y, seeds, grow, nBootstrap } = job;
  const seed = seeds[index]!;
  let weights: Float64Array | null = null;
  if (nBootstrap !== null) {
    const draw = new RandomState(seed);
    weights = new Float64Array(binned.nRows);
    for (let k = 0; k < nBootstrap; k++) weights[draw.randint(0, binned.nRows)]!++;
  }
  const tree = growTree(binned, y, weights, grow, new RandomState(seed).randint(0, RAND_R_MAX));
  return { index, tree, importances: treeImportances(tree, binned.nFeatures) };
}

/** Grows trees while the shared counter hands out indices below `seeds.length`. */
export function growClaimedTrees(job: ForestJob, counter: Int32Array): GrownTree[] {
  const out: GrownTree[] = [];
  for (;;) {
    const index = Atomics.add(counter, 0, 1);
    if (index >= job.seeds.length) return out;
    out.push(growForestTree(job, index));
  }
}
