/**
 * L2 logistic regression with the preprocessing a linear model needs on churn tables, i.e. the
 * scikit-learn pipeline SimpleImputer(strategy="median", add_indicator=True) → StandardScaler →
 * LogisticRegression(C, solver="newton-cholesky"). Missing values become the median plus a 0/1 "was
 * missing" column (the nulls carry signal), everything is standardised, and the penalised log loss
 * C·Σ loss + ½‖w‖² (intercept unpenalised) is minimised by Newton's method with a Cholesky solve.
 *
 * It is the ensemble's third member: a smooth, linear view of the data that errs differently from trees.
 */
import type { FeatureMatrix } from '../data/dataset.js';
import type { Classifier, ModelJSON, Params } from './classifier.js';
import { alignColumns, NotFittedError, thresholdProba } from './classifier.js';
import { decodeArray, encodeArray } from './codec.js';
import { choleskySolve } from './linalg.js';

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength, as scikit-learn's C. */
  C?: number;
  maxIter?: number;
  /** Stop when the largest gradient entry of the mean loss is below tol. */
  tol?: number;
}

interface Fitted {
  medians: Float64Array;
  /** Features that had missing values in training, each of which gets an indicator column. */
  indicators: Int32Array;
  /** Per design column (features then indicators): StandardScaler's mean and scale. */
  mean: Float64Array;
  scale: Float64Array;
  coef: Float64Array;
  intercept: number;
  nIter: number;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + exp(z)) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const m = values.length >> 1;
  return values.length % 2 === 1 ? values[m]! : (values[m - 1]! + values[m]!) / 2;
}

/**
 * Upper triangle of H += Zᵀ diag(s) Z, four rows at a time so each H entry is loaded and stored once
 * per four rows (the fit's hot loop: n × d² / 2 multiply-adds per Newton step).
 */
function accumulateHessian(Z: Float64Array, s: Float64Array, n: number, d1: number, H: Float64Array): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const r0 = i * d1;
    const r1 = r0 + d1;
    const r2 = r1 + d1;
    const r3 = r2 + d1;
    const s0 = s[i]!, s1 = s[i + 1]!, s2 = s[i + 2]!, s3 = s[i + 3]!;
    for (let a = 0; a < d1; a++) {
      const a0 = s0 * Z[r0 + a]!, a1 = s1 * Z[r1 + a]!, a2 = s2 * Z[r2 + a]!, a3 = s3 * Z[r3 + a]!;
      const h = a * d1;
      for (let b = a; b < d1; b++) {
        H[h + b] = H[h + b]! + a0 * Z[r0 + b]! + a1 * Z[r1 + b]! + a2 * Z[r2 + b]! + a3 * Z[r3 + b]!;
      }
    }
  }
  for (; i < n; i++) {
    const r0 = i * d1;
    for (let a = 0; a < d1; a++) {
      const a0 = s[i]! * Z[r0 + a]!;
      for (let b = a; b < d1; b++) H[a * d1 + b] = H[a * d1 + b]! + a0 * Z[r0 + b]!;
    }
  }
}

export class LogisticRegression implements Classifier {
  readonly kind = 'logistic_regression' as const;
  readonly C: number;
  readonly maxIter: number;
  readonly tol: number;
  featureNames: string[] = [];
  private model: Fitted | undefined;

  constructor(options: LogisticRegressionOptions = {}) {
    this.C = options.C ?? 1.0;
    this.maxIter = options.maxIter ?? 100;
    this.tol = options.tol ?? 1e-4;
    if (!(this.C > 0)) throw new RangeError(`The 'C' parameter must be a float > 0. Got ${this.C} instead.`);
    if (!(Number.isInteger(this.maxIter) && this.maxIter >= 1)) throw new RangeError(`The 'max_iter' parameter must be an int >= 1. Got ${this.maxIter} instead.`);
  }

  /** Row-major design matrix (imputed + indicators, standardised) with a trailing 1 for the intercept. */
  private design(columns: Float64Array[], nRows: number, m: Pick<Fitted, 'medians' | 'indicators' | 'mean' | 'scale'>): Float64Array {
    const nF = columns.length;
    const d = nF + m.indicators.length;
    const out = new Float64Array(nRows * (d + 1));
    for (let j = 0; j < nF; j++) {
      const col = columns[j]!;
      const med = m.medians[j]!;
      const mu = m.mean[j]!;
      const s = m.scale[j]!;
      for (let i = 0; i < nRows; i++) {
        const v = col[i]!;
        out[i * (d + 1) + j] = ((v !== v ? med : v) - mu) / s;
      }
    }
    for (let k = 0; k < m.indicators.length; k++) {
      const col = columns[m.indicators[k]!]!;
      const mu = m.mean[nF + k]!;
      const s = m.scale[nF + k]!;
      for (let i = 0; i < nRows; i++) out[i * (d + 1) + nF + k] = ((col[i]! !== col[i]! ? 1 : 0) - mu) / s;
    }
    for (let i = 0; i < nRows; i++) out[i * (d + 1) + d] = 1;
    return out;
  }

  private preprocess(X: FeatureMatrix): Pick<Fitted, 'medians' | 'indicators' | 'mean' | 'scale'> {
    const nF = X.columns.length;
    const n = X.nRows;
    const medians = new Float64Array(nF);
    const indicators: number[] = [];
    for (let j = 0; j < nF; j++) {
      const present: number[] = [];
      for (const v of X.columns[j]!) if (v === v) present.push(v);
      medians[j] = median(present);
      if (present.length < n) indicators.push(j);
    }
    const d = nF + indicators.length;
    const mean = new Float64Array(d);
    const scale = new Float64Array(d);
    const column = (c: number, i: number): number => {
      if (c < nF) {
        const v = X.columns[c]![i]!;
        return v !== v ? medians[c]! : v;
      }
      const v = X.columns[indicators[c - nF]!]![i]!;
      return v !== v ? 1 : 0;
    };
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += column(c, i);
      const mu = s / n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (column(c, i) - mu) ** 2;
      const sd = Math.sqrt(ss / n);
      mean[c] = mu;
      // StandardScaler leaves (near-)constant columns unscaled.
      scale[c] = sd < 10 * Number.EPSILON * Math.max(1, Math.abs(mu)) ? 1 : sd;
    }
    return { medians, indicators: Int32Array.from(indicators), mean, scale };
  }

  async fit(X: FeatureMatrix, y: Uint8Array): Promise<void> {
    this.fitSync(X, y);
  }

  fitSync(X: FeatureMatrix, y: Uint8Array): this {
    if (y.length !== X.nRows) throw new RangeError(`y has ${y.length} labels for ${X.nRows} rows`);
    const n = X.nRows;
    const pre = this.preprocess(X);
    const Z = this.design(X.columns, n, pre);
    const d1 = pre.mean.length + 1;
    const w = new Float64Array(d1);
    const C = this.C;
    const objective = (wt: Float64Array): number => {
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let z = 0;
        for (let a = 0; a < d1; a++) z += Z[i * d1 + a]! * wt[a]!;
        loss += softplus(z) - (y[i] === 1 ? z : 0);
      }
      let pen = 0;
      for (let a = 0; a < d1 - 1; a++) pen += wt[a]! * wt[a]!;
      return C * loss + 0.5 * pen;
    };
    let f = objective(w);
    let iter = 0;
    const g = new Float64Array(d1);
    const H = new Float64Array(d1 * d1);
    for (; iter < this.maxIter; iter++) {
      g.fill(0);
      H.fill(0);
      const r = new Float64Array(n);
      const sw = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const row = i * d1;
        let z = 0;
        for (let a = 0; a < d1; a++) z += Z[row + a]! * w[a]!;
        const p = sigmoid(z);
        r[i] = C * (p - y[i]!);
        sw[i] = C * p * (1 - p);
        for (let a = 0; a < d1; a++) g[a] = g[a]! + r[i]! * Z[row + a]!;
      }
      accumulateHessian(Z, sw, n, d1, H);
      for (let a = 0; a < d1 - 1; a++) {
        g[a] = g[a]! + w[a]!;
        H[a * d1 + a] = H[a * d1 + a]! + 1;
      }
      let gMax = 0;
      for (let a = 0; a < d1; a++) gMax = Math.max(gMax, Math.abs(g[a]!));
      if (gMax / (C * n) < this.tol) break;
      for (let a = 0; a < d1; a++) for (let b = 0; b < a; b++) H[a * d1 + b] = H[b * d1 + a]!;
      const step = choleskySolve(H, g, d1);
      // Backtracking: Newton steps can overshoot while the probabilities are far off.
      let t = 1;
      let improved = false;
      const trial = new Float64Array(d1);
      for (let k = 0; k < 30; k++, t /= 2) {
        for (let a = 0; a < d1; a++) trial[a] = w[a]! - t * step[a]!;
        const ft = objective(trial);
        if (ft <= f) {
          w.set(trial);
          improved = f - ft > 1e-12 * Math.max(1, Math.abs(f));
          f = ft;
          break;
        }
      }
      if (!improved) break;
    }
    this.model = { ...pre, coef: w.slice(0, d1 - 1), intercept: w[d1 - 1]!, nIter: iter };
    this.featureNames = [...X.featureNames];
    return this;
  }

  private fitted(): Fitted {
    if (this.model === undefined) throw new NotFittedError('LogisticRegression');
    return this.model;
  }

  predictProba(X: FeatureMatrix): Float64Array {
    const m = this.fitted();
    const Z = this.design(alignColumns(X, this.featureNames), X.nRows, m);
    const d1 = m.coef.length + 1;
    const out = new Float64Array(X.nRows);
    for (let i = 0; i < X.nRows; i++) {
      let z = m.intercept;
      for (let a = 0; a < d1 - 1; a++) z += Z[i * d1 + a]! * m.coef[a]!;
      out[i] = sigmoid(z);
    }
    return out;
  }

  predict(X: FeatureMatrix, threshold = 0.5): Uint8Array {
    return thresholdProba(this.predictProba(X), threshold);
  }

  /** |coefficient| on the standardised scale, a feature's indicator added to it, normalised to sum 1. */
  featureImportances(): Float64Array {
    const m = this.fitted();
    const nF = this.featureNames.length;
    const imp = new Float64Array(nF);
    for (let j = 0; j < nF; j++) imp[j] = Math.abs(m.coef[j]!);
    for (let k = 0; k < m.indicators.length; k++) imp[m.indicators[k]!] = imp[m.indicators[k]!]! + Math.abs(m.coef[nF + k]!);
    const sum = imp.reduce((s, v) => s + v, 0);
    if (sum > 0) for (let j = 0; j < nF; j++) imp[j] = imp[j]! / sum;
    return imp;
  }

  /** Standardised coefficients (features, then one per indicator) and the intercept. */
  get coefficients(): { coef: Float64Array; intercept: number; indicators: Int32Array; nIter: number } {
    const m = this.fitted();
    return { coef: m.coef.slice(), intercept: m.intercept, indicators: m.indicators.slice(), nIter: m.nIter };
  }

  params(): Params {
    return {
      C: this.C,
      class_weight: null,
      dual: false,
      fit_intercept: true,
      intercept_scaling: 1,
      l1_ratio: 0,
      max_iter: this.maxIter,
      n_jobs: null,
      // scikit-learn 1.9 deprecated `penalty` in favour of l1_ratio (0 = pure L2) and lists it like this.
      penalty: 'deprecated',
      random_state: null,
      solver: 'newton-cholesky',
      tol: this.tol,
      verbose: 0,
      warm_start: false,
    };
  }

  toJSON(): ModelJSON {
    const m = this.fitted();
    return {
      format: 'minflow-classifier',
      version: 1,
      kind: this.kind,
      featureNames: this.featureNames,
      params: this.params(),
      medians: encodeArray(m.medians),
      indicators: encodeArray(m.indicators),
      mean: encodeArray(m.mean),
      scale: encodeArray(m.scale),
      coef: encodeArray(m.coef),
      intercept: m.intercept,
      nIter: m.nIter,
    };
  }

  static fromJSON(json: ModelJSON): LogisticRegression {
    if (json.kind !== 'logistic_regression') throw new Error(`not a logistic regression model file (kind ${json.kind})`);
    const p = json.params;
    const model = new LogisticRegression({ C: p['C'] as number, maxIter: p['max_iter'] as number, tol: p['tol'] as number });
    model.model = {
      medians: decodeArray(Float64Array, json['medians'] as string),
      indicators: decodeArray(Int32Array, json['indicators'] as string),
      mean: decodeArray(Float64Array, json['mean'] as string),
      scale: decodeArray(Float64Array, json['scale'] as string),
      coef: decodeArray(Float64Array, json['coef'] as string),
      intercept: json['intercept'] as number,
      nIter: json['nIter'] as number,
    };
    model.featureNames = [...json.featureNames];
    return model;
  }
}
