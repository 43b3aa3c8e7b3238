/**
 * The one interface every learner implements, shaped for what the MLflow side needs: fit on a
 * columnar matrix, score rows, describe itself with scikit-learn parameter names, and round-trip through
 * a JSON model file (stored as an artifact, loaded by the scoring server).
 */
import type { FeatureMatrix } from '../data/dataset.js';

export type ParamValue = string | number | boolean | null;
/** Hyperparameters under scikit-learn's names, as `get_params()` lists them. */
export type Params = Record<string, ParamValue>;

export type ModelKind = 'decision_tree' | 'random_forest' | 'logistic_regression' | 'voting_ensemble' | 'gradient_boosting';

/** Every model file starts with these fields; the rest is the kind's own payload. */
export interface ModelJSONHeader {
  format: 'minflow-classifier';
  version: 1;
  kind: ModelKind;
  featureNames: string[];
  params: Params;
}

export type ModelJSON = ModelJSONHeader & Record<string, unknown>;

export interface Classifier {
  readonly kind: ModelKind;
  /** Names of the columns the model was fitted on (empty before fit). */
  readonly featureNames: readonly string[];
  /** Fits on `X` (columns in featureNames order) and labels `y` (1 = positive). */
  fit(X: FeatureMatrix, y: Uint8Array): Promise<void>;
  /** P(positive) for each row. Columns are matched by name, so order may differ from training. */
  predictProba(X: FeatureMatrix): Float64Array;
  /** 1 where P(positive) > threshold (default 0.5, scikit-learn's argmax for two classes). */
  predict(X: FeatureMatrix, threshold?: number): Uint8Array;
  /** One value per feature, summing to 1 (or all zeros when the model never split). */
  featureImportances(): Float64Array;
  params(): Params;
  toJSON(): ModelJSON;
}

export class NotFittedError extends Error {
  override readonly name = 'NotFittedError';
  constructor(what: string) {
    super(`${what} is not fitted yet: call fit() first`);
  }
}

/**
 * Reorders `X`'s columns to the training order, by name. Throws when a training feature is absent, so a
 * scoring request with a missing column fails loudly instead of scoring garbage.
 */
export function alignColumns(X: FeatureMatrix, featureNames: readonly string[]): Float64Array[] {
  if (X.featureNames.length === featureNames.length && X.featureNames.every((n, j) => n === featureNames[j])) return X.columns;
  const index = new Map(X.featureNames.map((n, j) => [n, j]));
  return featureNames.map((name) => {
    const j = index.get(name);
    if (j === undefined) throw new Error(`input is missing feature "${name}" the model was trained on`);
    return X.columns[j]!;
  });
}

export function thresholdProba(proba: Float64Array, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(proba.length);
  for (let i = 0; i < proba.length; i++) out[i] = proba[i]! > threshold ? 1 : 0;
  return out;
}

/** Parameters scikit-learn types as float, so they print as "0.0" rather than "0". */
const FLOAT_PARAMS = new Set(['ccp_alpha', 'min_impurity_decrease', 'min_weight_fraction_leaf', 'C', 'tol', 'l1_ratio', 'learning_rate', 'l2_regularization', 'validation_fraction']);

/**
 * Params as Python's `str()` renders them (what MLflow's sklearn autolog stores): None, True/False,
 * floats with a decimal point. Nested `a__b` names keep their type from the last segment.
 */
export function paramsAsStrings(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(params)) {
    const leaf = name.split('__').pop()!;
    if (v === null) out[name] = 'None';
    else if (typeof v === 'boolean') out[name] = v ? 'True' : 'False';
    else if (typeof v === 'number' && FLOAT_PARAMS.has(leaf) && Number.isInteger(v)) out[name] = v.toFixed(1);
    else out[name] = String(v);
  }
  return out;
}
