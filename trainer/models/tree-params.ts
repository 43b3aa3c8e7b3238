/**
 * Tree hyperparameters: the camelCase options users pass, their scikit-learn names, validation and the
 * resolution scikit-learn's `BaseDecisionTree._fit` does (fractions → counts, "sqrt" → a number,
 * min_samples_split raised to 2 × min_samples_leaf).
 */
import type { Criterion } from './criterion.js';
import type { Params } from './classifier.js';
import type { GrowParams } from './tree-builder.js';

export type MaxFeatures = 'sqrt' | 'log2' | number | null;

export interface TreeOptions {
  criterion?: Criterion;
  /** null: grow until the other limits stop it. */
  maxDepth?: number | null;
  /** Integer ≥ 2: a count; a number in (0, 1]: a fraction of the training rows. */
  minSamplesSplit?: number;
  /** Integer ≥ 1: a count; a number in (0, 1): a fraction of the training rows. */
  minSamplesLeaf?: number;
  minWeightFractionLeaf?: number;
  minImpurityDecrease?: number;
  /** "sqrt", "log2", an integer count, a fraction in (0, 1], or null for all features. */
  maxFeatures?: MaxFeatures;
  /**
   * Seed of the feature sampling. Unlike scikit-learn, null does not mean "different every run": it uses
   * seed 0, so fits are reproducible.
   */
  randomState?: number | null;
}

export type ResolvedTreeOptions = Required<TreeOptions>;

export function treeOptionsWithDefaults(o: TreeOptions, defaults: ResolvedTreeOptions): ResolvedTreeOptions {
  const r: ResolvedTreeOptions = {
    criterion: o.criterion ?? defaults.criterion,
    maxDepth: o.maxDepth === undefined ? defaults.maxDepth : o.maxDepth,
    minSamplesSplit: o.minSamplesSplit ?? defaults.minSamplesSplit,
    minSamplesLeaf: o.minSamplesLeaf ?? defaults.minSamplesLeaf,
    minWeightFractionLeaf: o.minWeightFractionLeaf ?? defaults.minWeightFractionLeaf,
    minImpurityDecrease: o.minImpurityDecrease ?? defaults.minImpurityDecrease,
    maxFeatures: o.maxFeatures === undefined ? defaults.maxFeatures : o.maxFeatures,
    randomState: o.randomState === undefined ? defaults.randomState : o.randomState,
  };
  validateTreeOptions(r);
  return r;
}

function bad(name: string, rule: string, got: unknown): never {
  throw new RangeError(`The '${name}' parameter must be ${rule}. Got ${JSON.stringify(got)} instead.`);
}

function validateTreeOptions(o: ResolvedTreeOptions): void {
  if (!['gini', 'entropy', 'log_loss'].includes(o.criterion)) bad('criterion', "one of 'gini', 'entropy', 'log_loss'", o.criterion);
  if (o.maxDepth !== null && !(Number.isInteger(o.maxDepth) && o.maxDepth >= 1)) bad('max_depth', 'an int >= 1 or None', o.maxDepth);
  const mss = o.minSamplesSplit;
  if (!((Number.isInteger(mss) && mss >= 2) || (!Number.isInteger(mss) && mss > 0 && mss <= 1))) {
    bad('min_samples_split', 'an int >= 2 or a float in (0.0, 1.0]', mss);
  }
  const msl = o.minSamplesLeaf;
  if (!((Number.isInteger(msl) && msl >= 1) || (!Number.isInteger(msl) && msl > 0 && msl < 1))) {
    bad('min_samples_leaf', 'an int >= 1 or a float in (0.0, 1.0)', msl);
  }
  if (!(o.minWeightFractionLeaf >= 0 && o.minWeightFractionLeaf <= 0.5)) bad('min_weight_fraction_leaf', 'a float in [0.0, 0.5]', o.minWeightFractionLeaf);
  if (!(o.minImpurityDecrease >= 0)) bad('min_impurity_decrease', 'a float >= 0', o.minImpurityDecrease);
  const mf = o.maxFeatures;
  if (!(mf === null || mf === 'sqrt' || mf === 'log2' || (typeof mf === 'number' && mf > 0 && (Number.isInteger(mf) || mf <= 1)))) {
    bad('max_features', "'sqrt', 'log2', an int >= 1, a float in (0.0, 1.0] or None", mf);
  }
  if (o.randomState !== null && !(Number.isInteger(o.randomState) && o.randomState >= 0 && o.randomState <= 0xffffffff)) {
    bad('random_state', 'an int in [0, 4294967295] or None', o.randomState);
  }
}

export function resolveMaxFeatures(mf: MaxFeatures, nFeatures: number): number {
  if (mf === null) return nFeatures;
  if (mf === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (mf === 'log2') return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (Number.isInteger(mf)) {
    if (mf > nFeatures) throw new RangeError(`max_features=${mf} is larger than the ${nFeatures} features`);
    return mf;
  }
  return Math.max(1, Math.floor(mf * nFeatures));
}

/** scikit-learn's `_fit` parameter resolution for `nSamples` rows with total sample weight `weightTotal`. */
export function resolveGrowParams(o: ResolvedTreeOptions, nSamples: number, nFeatures: number, weightTotal: number): GrowParams {
  const minSamplesLeaf = Number.isInteger(o.minSamplesLeaf) ? o.minSamplesLeaf : Math.ceil(o.minSamplesLeaf * nSamples);
  let minSamplesSplit = Number.isInteger(o.minSamplesSplit)
    ? o.minSamplesSplit
    : Math.max(2, Math.ceil(o.minSamplesSplit * nSamples));
  minSamplesSplit = Math.max(minSamplesSplit, 2 * minSamplesLeaf);
  return {
    criterion: o.criterion,
    maxDepth: o.maxDepth ?? Infinity,
    minSamplesSplit,
    minSamplesLeaf,
    minWeightLeaf: o.minWeightFractionLeaf * weightTotal,
    minImpurityDecrease: o.minImpurityDecrease,
    maxFeatures: resolveMaxFeatures(o.maxFeatures, nFeatures),
  };
}

/** The tree's entries of `get_params()` (the ones our trees support at their only value included). */
export function treeParams(o: ResolvedTreeOptions): Params {
  return {
    ccp_alpha: 0,
    class_weight: null,
    criterion: o.criterion,
    max_depth: o.maxDepth,
    max_features: o.maxFeatures,
    max_leaf_nodes: null,
    min_impurity_decrease: o.minImpurityDecrease,
    min_samples_leaf: o.minSamplesLeaf,
    min_samples_split: o.minSamplesSplit,
    min_weight_fraction_leaf: o.minWeightFractionLeaf,
    monotonic_cst: null,
    random_state: o.randomState,
  };
}

/** Inverse of treeParams, for loading a model file. */
export function treeOptionsFromParams(p: Params): TreeOptions {
  return {
    criterion: p['criterion'] as Criterion,
    maxDepth: p['max_depth'] as number | null,
    minSamplesSplit: p['min_samples_split'] as number,
    minSamplesLeaf: p['min_samples_leaf'] as number,
    minWeightFractionLeaf: p['min_weight_fraction_leaf'] as number,
    minImpurityDecrease: p['min_impurity_decrease'] as number,
    maxFeatures: p['max_features'] as MaxFeatures,
    randomState: p['random_state'] as number | null,
  };
}

/** The splitter's `rand_r_state`: scikit-learn draws it as RandomState(random_state).randint(0, RAND_R_MAX). */
export const RAND_R_MAX = 0x7fffffff;
