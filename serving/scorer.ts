// A loaded model ready to score, and what scoring returns.
//
// Prediction shape: our flavor's predict returns a DataFrame with two columns, `probability`
// (P(churn), the positive label) and `prediction` (1 when probability > 0.5, else 0 — scikit-learn's
// argmax for two classes), matching the signature's outputs. MLflow's scoring server writes a DataFrame
// with `to_dict(orient="records")`, so the answer is
//   {"predictions": [{"probability": 0.71, "prediction": 1}, ...]}
// one record per input row, in input order.
import type { LoadedModel } from '../trainer/mlflow-model/format.js';
import { thresholdProba } from '../trainer/models/classifier.js';
import type { InputFrame } from './input.js';
import { columnRules, frameToMatrix, type ColumnRule } from './signature.js';

export interface ModelIdentity {
  /** Registered model name and version; null for a model loaded from a local directory. */
  name: string | null;
  version: string | null;
  /** The alias being followed, when serving models:/<name>@<alias>. */
  alias: string | null;
  runId: string | null;
  modelId: string | null;
  /** Where the files came from (the version's download URI, or the local directory). */
  source: string;
}

export interface ServedModel {
  identity: ModelIdentity;
  loadedAt: Date;
  /** The local directory the model was loaded from. */
  dir: string;
  model: LoadedModel;
  rules: ColumnRule[];
  /** Column names in signature order, for data sent without names. */
  positional: string[];
}

export interface Scores {
  probability: Float64Array;
  prediction: Uint8Array;
}

export const THRESHOLD = 0.5;

export function prepareModel(model: LoadedModel, identity: ModelIdentity, dir: string): ServedModel {
  const rules = columnRules(model.mlmodel.signature?.inputs ?? [], model.features);
  return { identity, loadedAt: new Date(), dir, model, rules, positional: rules.map((r) => r.name) };
}

export function scoreFrame(served: ServedModel, frame: InputFrame): Scores {
  const matrix = frameToMatrix(frame, served.rules, served.model.features);
  if (matrix.nRows === 0) return { probability: new Float64Array(0), prediction: new Uint8Array(0) };
  const probability = served.model.classifier.predictProba(matrix);
  return { probability, prediction: thresholdProba(probability, THRESHOLD) };
}

/** The response body, written directly: JSON.stringify of a thousand small objects costs more. */
export function predictionsJson(scores: Scores): string {
  const parts = new Array<string>(scores.probability.length);
  for (let i = 0; i < parts.length; i++) {
    const p = scores.probability[i]!;
    // A probability is finite; null keeps the document valid should a model ever return NaN.
    parts[i] = `{"probability":${Number.isFinite(p) ? p : 'null'},"prediction":${scores.prediction[i]}}`;
  }
  return `{"predictions":[${parts.join(',')}]}`;
}
