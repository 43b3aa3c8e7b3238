/**
 * Random forest classifier with scikit-learn's RandomForestClassifier semantics: per-tree seeds drawn
 * from RandomState(random_state), bootstrap as sample counts, max_features sampled per split, soft vote
 * (mean of the trees' probabilities). Given the same random_state it grows the same trees scikit-learn
 * does. Defaults are the seed's: n_estimators=500, min_samples_leaf=35, random_state=42.
 */
import { availableParallelism } from 'node:os';
import type { FeatureMatrix } from '../data/dataset.js';
import { RandomState } from '../data/random.js';
import { binMatrix } from './binning.js';
import type { Classifier, ModelJSON, Params } from './classifier.js';
import { alignColumns, NotFittedError, thresholdProba } from './classifier.js';
import { decodeArray, encodeArray } from './codec.js';
import type { ForestJob, GrownTree } from './forest-fit.js';
import { growClaimedTrees } from './forest-fit.js';
import { runForestJob } from './forest-pool.js';
import { addTreeProba } from './tree-arrays.js';
import type { PackedTrees, PredictTree } from './tree-pack.js';
import { packTrees, unpackTrees } from './tree-pack.js';
import type { ResolvedTreeOptions, TreeOptions } from './tree-params.js';
import { resolveGrowParams, treeOptionsFromParams, treeOptionsWithDefaults, treeParams } from './tree-params.js';

export interface RandomForestOptions extends TreeOptions {
  nEstimators?: number;
  bootstrap?: boolean;
  /** Rows per bootstrap: null = all, an integer count, or a fraction in (0, 1]. */
  maxSamples?: number | null;
  /**
   * Threads: 1 = main thread only, k = k threads, -1 = all cores. null (default) = all cores when the
   * forest is big enough for worker start-up to pay off, else 1 (scikit-learn's None means 1).
   */
  nJobs?: number | null;
}

type ResolvedForestOptions = ResolvedTreeOptions & Required<Omit<RandomForestOptions, keyof TreeOptions>>;

export const RANDOM_FOREST_DEFAULTS: ResolvedForestOptions = {
  criterion: 'gini',
  maxDepth: null,
  minSamplesSplit: 2,
  minSamplesLeaf: 35,
  minWeightFractionLeaf: 0,
  minImpurityDecrease: 0,
  maxFeatures: 'sqrt',
  randomState: 42,
  nEstimators: 500,
  bootstrap: true,
  maxSamples: null,
  nJobs: null,
};

const MAX_INT = 2147483647; // np.iinfo(np.int32).max: the range of per-tree seeds
/**
 * Auto threading (n_jobs=None) starts workers only when the forest's work (trees × rows × √features)
 * is large enough to repay their start-up. Measured on the 2-vCPU build machine with the seed's
 * 500-tree forest (work 1.6e7, ~1.0 s on one thread, see bench/TRAINER.md): as built JS, main + 1
 * worker took 0.64 s when the second vCPU was free and about the same as one thread when it was busy
 * (a worker starts in tens of ms, so trying costs little). Under tsx each worker first loads the
 * TypeScript loader (~0.3 s), and two threads ranged from 10% slower to 30% faster on that forest, so
 * there the bar is twice its size.
 */
const AUTO_THREADS_MIN_WORK = import.meta.url.endsWith('.ts') ? 3e7 : 5e6;

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export class RandomForestClassifier implements Classifier {
  readonly kind = 'random_forest' as const;
  readonly options: ResolvedForestOptions;
  featureNames: string[] = [];
  private trees: PredictTree[] | undefined;
  private importances: Float64Array | undefined;
  /** Threads the last fit used (for benchmarks and logs). */
  lastFitThreads = 1;
  /** Why worker threads failed to start in the last fit, if they did (the fit still completes). */
  lastFitWorkerErrors: string[] = [];

  constructor(options: RandomForestOptions = {}) {
    const tree = treeOptionsWithDefaults(options, RANDOM_FOREST_DEFAULTS);
    const o: ResolvedForestOptions = {
      ...tree,
      nEstimators: options.nEstimators ?? RANDOM_FOREST_DEFAULTS.nEstimators,
      bootstrap: options.bootstrap ?? RANDOM_FOREST_DEFAULTS.bootstrap,
      maxSamples: options.maxSamples === undefined ? RANDOM_FOREST_DEFAULTS.maxSamples : options.maxSamples,
      nJobs: options.nJobs === undefined ? RANDOM_FOREST_DEFAULTS.nJobs : options.nJobs,
    };
    if (!(Number.isInteger(o.nEstimators) && o.nEstimators >= 1)) {
      throw new RangeError(`The 'n_estimators' parameter must be an int >= 1. Got ${o.nEstimators} instead.`);
    }
    const ms = o.maxSamples;
    if (ms !== null && !(ms > 0 && (Number.isInteger(ms) || ms <= 1))) {
      throw new RangeError(`The 'max_samples' parameter must be None, an int >= 1 or a float in (0.0, 1.0]. Got ${ms} instead.`);
    }
    if (o.nJobs !== null && !(Number.isInteger(o.nJobs) && o.nJobs !== 0)) {
      throw new RangeError(`The 'n_jobs' parameter must be a non-zero int or None. Got ${o.nJobs} instead.`);
    }
    this.options = o;
  }

  private nBootstrap(n: number): number | null {
    const { bootstrap, maxSamples } = this.options;
    if (!bootstrap) return null;
    if (maxSamples === null) return n;
    if (Number.isInteger(maxSamples)) {
      if (maxSamples > n) throw new RangeError(`max_samples must be <= n_samples=${n}, got ${maxSamples}`);
      return maxSamples;
    }
    return Math.max(roundHalfEven(n * maxSamples), 1);
  }

  private threads(work: number): number {
    const { nJobs } = this.options;
    const cores = availableParallelism();
    if (nJobs === null) return work >= AUTO_THREADS_MIN_WORK ? cores : 1;
    if (nJobs < 0) return Math.max(1, cores + 1 + nJobs); // joblib: -1 = all, -2 = all but one
    return nJobs;
  }

  private job(X: FeatureMatrix, y: Uint8Array, shared: boolean): ForestJob {
    if (y.length !== X.nRows) throw new RangeError(`y has ${y.length} labels for ${X.nRows} rows`);
    if (X.nRows === 0) throw new RangeError('cannot fit on zero rows');
    const o = this.options;
    const nBootstrap = this.nBootstrap(X.nRows);
    const grow = resolveGrowParams(o, X.nRows, X.columns.length, nBootstrap ?? X.nRows);
    const rs = new RandomState(o.randomState ?? 0);
    const seeds = Int32Array.from({ length: o.nEstimators }, () => rs.randint(0, MAX_INT));
    const buffer = shared ? new SharedArrayBuffer(2 * X.nRows * X.columns.length) : undefined;
    return { binned: binMatrix(X, buffer), y, seeds, grow, nBootstrap };
  }

  async fit(X: FeatureMatrix, y: Uint8Array): Promise<void> {
    const work = this.options.nEstimators * X.nRows * Math.max(1, X.columns.length ** 0.5);
    const threads = Math.min(this.threads(work), this.options.nEstimators);
    if (threads <= 1) {
      this.fitSync(X, y);
      return;
    }
    const job = this.job(X, y, true);
    const run = await runForestJob(job, threads);
    this.finishFit(X, run.trees, run.threads);
    this.lastFitWorkerErrors = run.workerErrors;
  }

  /** Fits on the calling thread only. */
  fitSync(X: FeatureMatrix, y: Uint8Array): this {
    const job = this.job(X, y, false);
    const counter = new Int32Array(1);
    this.finishFit(X, growClaimedTrees(job, counter), 1);
    this.lastFitWorkerErrors = [];
    return this;
  }

  private finishFit(X: FeatureMatrix, grown: GrownTree[], threads: number): void {
    this.trees = grown.map((g) => g.tree);
    // scikit-learn: mean of the per-tree importances over trees that split at all, renormalised.
    const nF = X.columns.length;
    const imp = new Float64Array(nF);
    let used = 0;
    for (const g of grown) {
      if (g.tree.nodeCount <= 1) continue;
      used++;
      for (let f = 0; f < nF; f++) imp[f] = imp[f]! + g.importances[f]!;
    }
    if (used > 0) {
      let sum = 0;
      for (let f = 0; f < nF; f++) sum += (imp[f] = imp[f]! / used);
      if (sum > 0) for (let f = 0; f < nF; f++) imp[f] = imp[f]! / sum;
    }
    this.importances = imp;
    this.featureNames = [...X.featureNames];
    this.lastFitThreads = threads;
  }

  private fitted(): PredictTree[] {
    if (this.trees === undefined) throw new NotFittedError('RandomForestClassifier');
    return this.trees;
  }

  /** Soft vote: the trees' probabilities summed in tree order, then divided by their count (as sklearn). */
  predictProba(X: FeatureMatrix): Float64Array {
    const trees = this.fitted();
    const columns = alignColumns(X, this.featureNames);
    const out = new Float64Array(X.nRows);
    for (const tree of trees) addTreeProba(tree, columns, X.nRows, out);
    for (let i = 0; i < X.nRows; i++) out[i] = out[i]! / trees.length;
    return out;
  }

  predict(X: FeatureMatrix, threshold = 0.5): Uint8Array {
    return thresholdProba(this.predictProba(X), threshold);
  }

  featureImportances(): Float64Array {
    this.fitted();
    return this.importances!.slice();
  }

  get estimators(): readonly PredictTree[] {
    return this.fitted();
  }

  params(): Params {
    const o = this.options;
    return {
      ...treeParams(o),
      bootstrap: o.bootstrap,
      max_samples: o.maxSamples,
      n_estimators: o.nEstimators,
      n_jobs: o.nJobs,
      oob_score: false,
      verbose: 0,
      warm_start: false,
    };
  }

  toJSON(): ModelJSON {
    return {
      format: 'minflow-classifier',
      version: 1,
      kind: this.kind,
      featureNames: this.featureNames,
      params: this.params(),
      importances: encodeArray(this.importances ?? new Float64Array(0)),
      trees: packTrees(this.fitted()),
    };
  }

  static fromJSON(json: ModelJSON): RandomForestClassifier {
    if (json.kind !== 'random_forest') throw new Error(`not a random forest model file (kind ${json.kind})`);
    const p = json.params;
    const model = new RandomForestClassifier({
      ...treeOptionsFromParams(p),
      nEstimators: p['n_estimators'] as number,
      bootstrap: p['bootstrap'] as boolean,
      maxSamples: p['max_samples'] as number | null,
      nJobs: p['n_jobs'] as number | null,
    });
    model.trees = unpackTrees(json['trees'] as PackedTrees);
    model.importances = decodeArray(Float64Array, json['importances'] as string);
    model.featureNames = [...json.featureNames];
    return model;
  }
}
