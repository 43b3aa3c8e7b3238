/**
 * CART decision tree classifier with scikit-learn's DecisionTreeClassifier semantics (see
 * tree-builder.ts). Defaults are the seed's: min_samples_leaf=100, min_samples_split=10.
 */
import type { FeatureMatrix } from '../data/dataset.js';
import { RandomState } from '../data/random.js';
import { binMatrix } from './binning.js';
import type { Classifier, ModelJSON, Params } from './classifier.js';
import { alignColumns, NotFittedError, thresholdProba } from './classifier.js';
import { decodeArray, encodeArray } from './codec.js';
import { growTree } from './tree-builder.js';
import { addTreeProba, countLeaves, treeDepth, treeImportances } from './tree-arrays.js';
import type { PackedTrees, PredictTree } from './tree-pack.js';
import { packTrees, unpackTrees } from './tree-pack.js';
import type { ResolvedTreeOptions, TreeOptions } from './tree-params.js';
import { RAND_R_MAX, resolveGrowParams, treeOptionsFromParams, treeOptionsWithDefaults, treeParams } from './tree-params.js';

export const DECISION_TREE_DEFAULTS: ResolvedTreeOptions = {
  criterion: 'gini',
  maxDepth: null,
  minSamplesSplit: 10,
  minSamplesLeaf: 100,
  minWeightFractionLeaf: 0,
  minImpurityDecrease: 0,
  maxFeatures: null,
  randomState: null,
};

export class DecisionTreeClassifier implements Classifier {
  readonly kind = 'decision_tree' as const;
  readonly options: ResolvedTreeOptions;
  featureNames: string[] = [];
  private tree: PredictTree | undefined;
  private importances: Float64Array | undefined;

  constructor(options: TreeOptions = {}) {
    this.options = treeOptionsWithDefaults(options, DECISION_TREE_DEFAULTS);
  }

  async fit(X: FeatureMatrix, y: Uint8Array): Promise<void> {
    this.fitSync(X, y);
  }

  /** Optional `sampleWeight` as scikit-learn's fit(sample_weight=...). */
  fitSync(X: FeatureMatrix, y: Uint8Array, sampleWeight?: Float64Array): this {
    if (y.length !== X.nRows) throw new RangeError(`y has ${y.length} labels for ${X.nRows} rows`);
    if (X.nRows === 0) throw new RangeError('cannot fit on zero rows');
    const weights = sampleWeight ?? null;
    const weightTotal = weights === null ? X.nRows : weights.reduce((s, w) => s + w, 0);
    const params = resolveGrowParams(this.options, X.nRows, X.columns.length, weightTotal);
    const seed = new RandomState(this.options.randomState ?? 0).randint(0, RAND_R_MAX);
    const tree = growTree(binMatrix(X), y, weights, params, seed);
    this.tree = tree;
    this.importances = treeImportances(tree, X.columns.length);
    this.featureNames = [...X.featureNames];
    return this;
  }

  private fitted(): PredictTree {
    if (this.tree === undefined) throw new NotFittedError('DecisionTreeClassifier');
    return this.tree;
  }

  predictProba(X: FeatureMatrix): Float64Array {
    const tree = this.fitted();
    const out = new Float64Array(X.nRows);
    addTreeProba(tree, alignColumns(X, this.featureNames), X.nRows, out);
    return out;
  }

  predict(X: FeatureMatrix, threshold = 0.5): Uint8Array {
    return thresholdProba(this.predictProba(X), threshold);
  }

  featureImportances(): Float64Array {
    this.fitted();
    return this.importances!.slice();
  }

  params(): Params {
    return { ...treeParams(this.options), splitter: 'best' };
  }

  /** The fitted tree's arrays (left child of node i is i + 1; leaves have feature -1). */
  get treeArrays(): PredictTree {
    return this.fitted();
  }

  get depth(): number {
    return treeDepth(this.fitted());
  }

  get nLeaves(): number {
    return countLeaves(this.fitted());
  }

  toJSON(): ModelJSON {
    return {
      format: 'minflow-classifier',
      version: 1,
      kind: this.kind,
      featureNames: this.featureNames,
      params: this.params(),
      importances: encodeArray(this.importances ?? new Float64Array(0)),
      tree: packTrees([this.fitted()]),
    };
  }

  static fromJSON(json: ModelJSON): DecisionTreeClassifier {
    if (json.kind !== 'decision_tree') throw new Error(`not a decision tree model file (kind ${json.kind})`);
    const model = new DecisionTreeClassifier(treeOptionsFromParams(json.params));
    const trees = unpackTrees(json['tree'] as PackedTrees);
    if (trees.length !== 1) throw new Error('corrupt model file: a decision tree holds exactly one tree');
    model.tree = trees[0];
    model.importances = decodeArray(Float64Array, json['importances'] as string);
    model.featureNames = [...json.featureNames];
    return model;
  }
}
