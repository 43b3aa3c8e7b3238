/**
 * Histogram gradient boosting for binary classification, in the manner of LightGBM and scikit-learn's
 * HistGradientBoostingClassifier (whose parameter names it takes): features binned into ≤ 255 bins,
 * leaf-wise trees on the gradients of the log loss, shrinkage by learning_rate, L2 on leaf values,
 * min_samples_leaf, optional column subsampling per tree, native missing values (learned direction per
 * split) and native categories (text features, split into category sets). With early stopping, a
 * stratified validation_fraction of the training rows is held out and boosting stops once its log loss
 * has not improved by tol for n_iter_no_change rounds; the model keeps the trees up to its best round.
 *
 * Not a bit-for-bit reproduction of either library (binning and tie-breaking differ); its own Python
 * loader (mlflow-model/pyfunc) scores exactly as this file does.
 */
import type { Dataset, FeatureMatrix } from '../data/dataset.js';
import { RandomState } from '../data/random.js';
import type { Classifier, ModelJSON, Params } from './classifier.js';
import { alignColumns, NotFittedError, thresholdProba } from './classifier.js';
import { decodeArray, encodeArray } from './codec.js';
import { histBin } from './hist-binning.js';
import { HistTreeGrower, histLeaf, type HistTree } from './hist-tree.js';

export interface GradientBoostingOptions {
  learningRate?: number;
  /** Boosting rounds (trees) at most. */
  maxIter?: number;
  maxLeafNodes?: number;
  maxDepth?: number | null;
  minSamplesLeaf?: number;
  l2Regularization?: number;
  /** Fraction of the features each tree may split on (1 = all). */
  maxFeatures?: number;
  /** true, false, or 'auto' (on above 10,000 rows, as scikit-learn). */
  earlyStopping?: boolean | 'auto';
  validationFraction?: number;
  nIterNoChange?: number;
  tol?: number;
  randomState?: number;
}

type Resolved = Required<GradientBoostingOptions>;

export const GRADIENT_BOOSTING_DEFAULTS: Resolved = {
  learningRate: 0.1,
  maxIter: 100,
  maxLeafNodes: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxFeatures: 1,
  earlyStopping: 'auto',
  validationFraction: 0.1,
  nIterNoChange: 10,
  tol: 1e-7,
  randomState: 42,
};

/**
 * Rows scored after every round while fitting, for choosing the number of rounds outside the fit (by
 * cross-validation: the fold's validation rows, none of them fitted on). `onRound` gets the rows' raw
 * scores (log-odds) after round `round` (1-based) and returns false to stop boosting.
 */
export interface RoundMonitor {
  X: FeatureMatrix;
  onRound(round: number, raw: Float64Array): boolean;
}

interface Fitted {
  baseline: number;
  trees: HistTree[];
  importances: Float64Array;
  /** Rounds fitted before early stopping kept the best one (for logs). */
  roundsRun: number;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function logLossRaw(y: Uint8Array, raw: Float64Array, rows: Int32Array): number {
  let s = 0;
  for (const r of rows) {
    const z = raw[r]!;
    // log(1 + e^z) − y·z
    s += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[r] === 1 ? z : 0);
  }
  return s / rows.length;
}

/** Categories per feature, when X is a dataset whose schema says which features are text. */
function categoryCounts(X: FeatureMatrix): number[] {
  const schema = (X as Partial<Dataset>).schema;
  return X.featureNames.map((name) => {
    const f = schema?.find((s) => s.name === name);
    return f?.type === 'categorical' ? f.categories.length : 0;
  });
}

export class HistGradientBoostingClassifier implements Classifier {
  readonly kind = 'gradient_boosting' as const;
  readonly options: Resolved;
  featureNames: string[] = [];
  private model: Fitted | undefined;

  constructor(options: GradientBoostingOptions = {}) {
    const o = { ...GRADIENT_BOOSTING_DEFAULTS };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
    if (!(o.learningRate > 0)) throw new RangeError(`The 'learning_rate' parameter must be a float > 0. Got ${o.learningRate} instead.`);
    if (!(Number.isInteger(o.maxIter) && o.maxIter >= 1)) throw new RangeError(`The 'max_iter' parameter must be an int >= 1. Got ${o.maxIter} instead.`);
    if (!(Number.isInteger(o.maxLeafNodes) && o.maxLeafNodes >= 2)) throw new RangeError(`The 'max_leaf_nodes' parameter must be an int >= 2. Got ${o.maxLeafNodes} instead.`);
    if (!(Number.isInteger(o.minSamplesLeaf) && o.minSamplesLeaf >= 1)) throw new RangeError(`The 'min_samples_leaf' parameter must be an int >= 1. Got ${o.minSamplesLeaf} instead.`);
    if (!(o.l2Regularization >= 0)) throw new RangeError(`The 'l2_regularization' parameter must be a float >= 0. Got ${o.l2Regularization} instead.`);
    if (!(o.maxFeatures > 0 && o.maxFeatures <= 1)) throw new RangeError(`The 'max_features' parameter must be a float in (0, 1]. Got ${o.maxFeatures} instead.`);
    if (!(o.validationFraction > 0 && o.validationFraction < 1)) throw new RangeError(`The 'validation_fraction' parameter must be in (0, 1). Got ${o.validationFraction} instead.`);
    this.options = o;
  }

  private stratifiedHoldout(y: Uint8Array, rs: RandomState): { fit: Int32Array; valid: Int32Array } {
    const fit: number[] = [];
    const valid: number[] = [];
    for (const label of [0, 1]) {
      const rows = Int32Array.from(Array.from(y.keys()).filter((i) => y[i] === label));
      rs.shuffle(rows);
      const nValid = Math.ceil(rows.length * this.options.validationFraction);
      rows.forEach((r, k) => (k < nValid ? valid : fit).push(r));
    }
    return { fit: Int32Array.from(fit.sort((a, b) => a - b)), valid: Int32Array.from(valid.sort((a, b) => a - b)) };
  }

  async fit(X: FeatureMatrix, y: Uint8Array): Promise<void> {
    this.fitSync(X, y);
  }

  fitSync(X: FeatureMatrix, y: Uint8Array, monitor?: RoundMonitor): this {
    if (y.length !== X.nRows) throw new RangeError(`y has ${y.length} labels for ${X.nRows} rows`);
    if (X.nRows === 0) throw new RangeError('cannot fit on zero rows');
    const o = this.options;
    const n = X.nRows;
    const rs = new RandomState(o.randomState);
    const early = o.earlyStopping === 'auto' ? n > 10000 : o.earlyStopping;
    const { fit, valid } = early ? this.stratifiedHoldout(y, rs) : { fit: Int32Array.from({ length: n }, (_, i) => i), valid: new Int32Array(0) };
    // Bins come from the rows the trees are fitted on.
    const fitMatrix: FeatureMatrix = {
      featureNames: X.featureNames,
      columns: X.columns.map((c) => Float64Array.from(fit, (r) => c[r]!)),
      nRows: fit.length,
    };
    const binned = histBin(fitMatrix, categoryCounts(X));
    const yFit = Uint8Array.from(fit, (r) => y[r]!);
    let pos = 0;
    for (const v of yFit) pos += v;
    const rate = Math.min(Math.max(pos / yFit.length, 1e-15), 1 - 1e-15);
    const baseline = Math.log(rate / (1 - rate));
    const grower = new HistTreeGrower(binned, {
      maxLeafNodes: o.maxLeafNodes,
      maxDepth: o.maxDepth,
      minSamplesLeaf: o.minSamplesLeaf,
      l2: o.l2Regularization,
      minHessian: 1e-3,
    });
    const m = fit.length;
    const raw = new Float64Array(m).fill(baseline);
    const g = new Float64Array(m);
    const h = new Float64Array(m);
    const rows = new Int32Array(m);
    const validRaw = new Float64Array(n).fill(baseline);
    const monitorColumns = monitor ? alignColumns(monitor.X, X.featureNames) : [];
    const monitorRaw = new Float64Array(monitor?.X.nRows ?? 0).fill(baseline);
    const nF = X.columns.length;
    const allowed = o.maxFeatures < 1 ? new Uint8Array(nF) : null;
    const nAllowed = Math.max(1, Math.round(o.maxFeatures * nF));
    const trees: HistTree[] = [];
    const gains: Float64Array[] = [];
    let bestLoss = Infinity;
    let bestRounds = 0;
    for (let it = 0; it < o.maxIter; it++) {
      for (let i = 0; i < m; i++) {
        const p = sigmoid(raw[i]!);
        g[i] = p - yFit[i]!;
        h[i] = Math.max(p * (1 - p), 1e-16);
        rows[i] = i;
      }
      if (allowed !== null) {
        const perm = rs.permutation(nF);
        allowed.fill(0);
        for (let k = 0; k < nAllowed; k++) allowed[perm[k]!] = 1;
      }
      const grown = grower.grow(rows, g, h, o.learningRate, allowed);
      for (const leaf of grown.leaves) for (let k = leaf.start; k < leaf.end; k++) raw[rows[k]!] = raw[rows[k]!]! + leaf.value;
      trees.push(grown.tree);
      gains.push(grown.gains);
      if (grown.tree.nodeCount === 1) break; // nothing left to split: more rounds add nothing
      if (early) {
        for (const r of valid) validRaw[r] = validRaw[r]! + grown.tree.value[histLeaf(grown.tree, X.columns, r)]!;
        const loss = logLossRaw(y, validRaw, valid);
        if (loss < bestLoss - o.tol) {
          bestLoss = loss;
          bestRounds = it + 1;
        } else if (it + 1 - bestRounds >= o.nIterNoChange) break;
      } else bestRounds = it + 1;
      if (monitor) {
        for (let i = 0; i < monitorRaw.length; i++) monitorRaw[i] = monitorRaw[i]! + grown.tree.value[histLeaf(grown.tree, monitorColumns, i)]!;
        if (!monitor.onRound(it + 1, monitorRaw)) break;
      }
    }
    const roundsRun = trees.length;
    const kept = trees.slice(0, Math.max(1, bestRounds));
    const importances = new Float64Array(nF);
    for (const gn of gains.slice(0, kept.length)) for (let j = 0; j < nF; j++) importances[j] = importances[j]! + gn[j]!;
    const total = importances.reduce((s, v) => s + v, 0);
    if (total > 0) for (let j = 0; j < nF; j++) importances[j] = importances[j]! / total;
    this.model = { baseline, trees: kept, importances, roundsRun };
    this.featureNames = [...X.featureNames];
    return this;
  }

  private fitted(): Fitted {
    if (this.model === undefined) throw new NotFittedError('HistGradientBoostingClassifier');
    return this.model;
  }

  /** Trees kept, and rounds run before early stopping chose them. */
  get rounds(): { kept: number; run: number } {
    const m = this.fitted();
    return { kept: m.trees.length, run: m.roundsRun };
  }

  /** Baseline log-odds plus each tree's leaf output, in tree order, through the logistic function. */
  predictProba(X: FeatureMatrix): Float64Array {
    return this.predictProbaAt(X, Infinity);
  }

  /** The probabilities after the first `rounds` trees only (what a model stopped at that round scores). */
  predictProbaAt(X: FeatureMatrix, rounds: number): Float64Array {
    const m = this.fitted();
    const columns = alignColumns(X, this.featureNames);
    const raw = new Float64Array(X.nRows).fill(m.baseline);
    for (const t of m.trees.slice(0, rounds)) for (let i = 0; i < X.nRows; i++) raw[i] = raw[i]! + t.value[histLeaf(t, columns, i)]!;
    return raw.map(sigmoid);
  }

  predict(X: FeatureMatrix, threshold = 0.5): Uint8Array {
    return thresholdProba(this.predictProba(X), threshold);
  }

  featureImportances(): Float64Array {
    return this.fitted().importances.slice();
  }

  /** scikit-learn's HistGradientBoostingClassifier.get_params() names. */
  params(): Params {
    const o = this.options;
    return {
      categorical_features: 'from_dtype',
      class_weight: null,
      early_stopping: o.earlyStopping,
      interaction_cst: null,
      l2_regularization: o.l2Regularization,
      learning_rate: o.learningRate,
      loss: 'log_loss',
      max_bins: 255,
      max_depth: o.maxDepth,
      max_features: o.maxFeatures,
      max_iter: o.maxIter,
      max_leaf_nodes: o.maxLeafNodes,
      min_samples_leaf: o.minSamplesLeaf,
      monotonic_cst: null,
      n_iter_no_change: o.nIterNoChange,
      random_state: o.randomState,
      scoring: 'loss',
      tol: o.tol,
      validation_fraction: o.validationFraction,
      verbose: 0,
      warm_start: false,
    };
  }

  toJSON(): ModelJSON {
    const m = this.fitted();
    const cat = <T extends Int32Array | Float64Array | Uint8Array>(pick: (t: HistTree) => T, Ctor: { new (n: number): T }): T => {
      const out = new Ctor(m.trees.reduce((s, t) => s + pick(t).length, 0));
      let at = 0;
      for (const t of m.trees) {
        out.set(pick(t), at);
        at += pick(t).length;
      }
      return out;
    };
    return {
      format: 'minflow-classifier',
      version: 1,
      kind: this.kind,
      featureNames: this.featureNames,
      params: this.params(),
      baseline: m.baseline,
      roundsRun: m.roundsRun,
      importances: encodeArray(m.importances),
      trees: {
        nodeCounts: encodeArray(Int32Array.from(m.trees, (t) => t.nodeCount)),
        catByteCounts: encodeArray(Int32Array.from(m.trees, (t) => t.catBits.length)),
        feature: encodeArray(cat((t) => t.feature, Int32Array)),
        threshold: encodeArray(cat((t) => t.threshold, Float64Array)),
        categorical: encodeArray(cat((t) => t.categorical, Uint8Array)),
        missingLeft: encodeArray(cat((t) => t.missingLeft, Uint8Array)),
        left: encodeArray(cat((t) => t.left, Int32Array)),
        right: encodeArray(cat((t) => t.right, Int32Array)),
        value: encodeArray(cat((t) => t.value, Float64Array)),
        catOffset: encodeArray(cat((t) => t.catOffset, Int32Array)),
        catBits: encodeArray(cat((t) => t.catBits, Uint8Array)),
      },
    };
  }

  static fromJSON(json: ModelJSON): HistGradientBoostingClassifier {
    if (json.kind !== 'gradient_boosting') throw new Error(`not a gradient boosting model file (kind ${json.kind})`);
    const p = json.params;
    const model = new HistGradientBoostingClassifier({
      learningRate: p['learning_rate'] as number,
      maxIter: p['max_iter'] as number,
      maxLeafNodes: p['max_leaf_nodes'] as number,
      maxDepth: p['max_depth'] as number | null,
      minSamplesLeaf: p['min_samples_leaf'] as number,
      l2Regularization: p['l2_regularization'] as number,
      maxFeatures: p['max_features'] as number,
      earlyStopping: p['early_stopping'] as boolean | 'auto',
      validationFraction: p['validation_fraction'] as number,
      nIterNoChange: p['n_iter_no_change'] as number,
      tol: p['tol'] as number,
      randomState: p['random_state'] as number,
    });
    const t = json['trees'] as Record<string, string>;
    const counts = decodeArray(Int32Array, t['nodeCounts']!);
    const catCounts = decodeArray(Int32Array, t['catByteCounts']!);
    const arrays = {
      feature: decodeArray(Int32Array, t['feature']!),
      threshold: decodeArray(Float64Array, t['threshold']!),
      categorical: decodeArray(Uint8Array, t['categorical']!),
      missingLeft: decodeArray(Uint8Array, t['missingLeft']!),
      left: decodeArray(Int32Array, t['left']!),
      right: decodeArray(Int32Array, t['right']!),
      value: decodeArray(Float64Array, t['value']!),
      catOffset: decodeArray(Int32Array, t['catOffset']!),
    };
    const catBits = decodeArray(Uint8Array, t['catBits']!);
    const total = counts.reduce((s, c) => s + c, 0);
    if (Object.values(arrays).some((a) => a.length !== total)) throw new Error('corrupt model file: tree arrays do not match the node counts');
    const trees: HistTree[] = [];
    let at = 0;
    let catAt = 0;
    counts.forEach((nc, k) => {
      const cb = catCounts[k]!;
      trees.push({
        nodeCount: nc,
        feature: arrays.feature.subarray(at, at + nc),
        threshold: arrays.threshold.subarray(at, at + nc),
        categorical: arrays.categorical.subarray(at, at + nc),
        missingLeft: arrays.missingLeft.subarray(at, at + nc),
        left: arrays.left.subarray(at, at + nc),
        right: arrays.right.subarray(at, at + nc),
        value: arrays.value.subarray(at, at + nc),
        catOffset: arrays.catOffset.subarray(at, at + nc),
        catBits: catBits.subarray(catAt, catAt + cb),
      });
      at += nc;
      catAt += cb;
    });
    model.model = {
      baseline: json['baseline'] as number,
      trees,
      importances: decodeArray(Float64Array, json['importances'] as string),
      roundsRun: (json['roundsRun'] as number) ?? trees.length,
    };
    model.featureNames = [...json.featureNames];
    return model;
  }
}
