// Minflow models in MLflow Model format: a directory with an `MLmodel` YAML file naming our flavor
// (`minflow`), MLflow's column-based signature, an input example, the model file and the feature schema
// the scoring side needs to encode input rows exactly as training did. The trainer writes it; the
// scoring server and batch prediction read it back.
//
//   MLmodel              artifact_path, flavors.minflow {model_file, schema_file, model_kind, target},
//                        signature {inputs, outputs}, run_id, model_id, model_uuid, utc_time_created, ...
//   model.json           Classifier.toJSON()
//   feature-schema.json  {features: FeatureSchema[], target: TargetInfo}
//   input_example.json   {"columns": [...], "data": [[...]]} (pandas "split" orient, as MLflow saves)
import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { FeatureSchema, TargetInfo } from '../data/index.js';
import { loadClassifier, type Classifier } from '../models/index.js';

export const FLAVOR = 'minflow';
export const MLMODEL_FILE = 'MLmodel';
export const MODEL_FILE = 'model.json';
export const SCHEMA_FILE = 'feature-schema.json';
export const INPUT_EXAMPLE_FILE = 'input_example.json';

/** One column of MLflow's ColSpec signature. */
export interface ColSpec {
  type: 'double' | 'long' | 'string' | 'boolean';
  name?: string;
  required: boolean;
}

export interface ModelSignature {
  inputs: ColSpec[];
  outputs: ColSpec[];
}

export interface MinflowFlavor {
  model_file: string;
  schema_file: string;
  model_kind: string;
  minflow_version: string;
  target: { name: string; positive_label: string; negative_label: string };
}

export interface MLmodel {
  artifact_path: string;
  flavors: Record<string, unknown> & { [FLAVOR]: MinflowFlavor };
  signature: ModelSignature;
  run_id?: string;
  model_id?: string;
  model_uuid: string;
  utc_time_created: string;
  mlflow_version?: string;
  saved_input_example_info?: Record<string, unknown>;
}

export interface SaveOptions {
  classifier: Classifier;
  features: readonly FeatureSchema[];
  target: TargetInfo;
  /** Up to a few rows in feature order (raw values: numbers, strings, null), saved as input_example.json. */
  example?: { columns: string[]; data: (string | number | null)[][] };
  artifactPath?: string;
  runId?: string;
  modelId?: string;
  minflowVersion?: string;
  mlflowVersion?: string;
}

export interface LoadedModel {
  mlmodel: MLmodel;
  classifier: Classifier;
  features: FeatureSchema[];
  target: TargetInfo;
}

/** MLflow's timestamp format for utc_time_created ('2026-11-27 01:02:03.456789'). */
function utcNow(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '000');
}

export function signatureFor(features: readonly FeatureSchema[]): ModelSignature {
  return {
    // Every feature may be missing (nulls carry signal in the churn table), so none is required.
    inputs: features.map((f) => ({ type: f.type === 'categorical' ? 'string' : 'double', name: f.name, required: false })),
    outputs: [
      { type: 'double', name: 'probability', required: true },
      { type: 'long', name: 'prediction', required: true },
    ],
  };
}

/** Writes the model directory; returns the MLmodel written. */
export async function saveModel(dir: string, options: SaveOptions): Promise<MLmodel> {
  await fsp.mkdir(dir, { recursive: true });
  const modelJson = JSON.stringify(options.classifier.toJSON());
  await fsp.writeFile(path.join(dir, MODEL_FILE), modelJson);
  await fsp.writeFile(path.join(dir, SCHEMA_FILE), JSON.stringify({ features: options.features, target: options.target }, null, 1));
  const signature = signatureFor(options.features);
  const mlmodel: MLmodel = {
    artifact_path: options.artifactPath ?? 'model',
    flavors: {
      [FLAVOR]: {
        model_file: MODEL_FILE,
        schema_file: SCHEMA_FILE,
        model_kind: options.classifier.kind,
        minflow_version: options.minflowVersion ?? '0.1.0',
        target: { name: options.target.name, positive_label: options.target.positiveLabel, negative_label: options.target.negativeLabel },
      },
    },
    signature,
    model_uuid: randomUUID().replace(/-/g, ''),
    utc_time_created: utcNow(),
    mlflow_version: options.mlflowVersion ?? '3.17.2',
  };
  if (options.runId) mlmodel.run_id = options.runId;
  if (options.modelId) mlmodel.model_id = options.modelId;
  if (options.example) {
    await fsp.writeFile(path.join(dir, INPUT_EXAMPLE_FILE), JSON.stringify(options.example));
    mlmodel.saved_input_example_info = { artifact_path: INPUT_EXAMPLE_FILE, type: 'dataframe', pandas_orient: 'split' };
  }
  await fsp.writeFile(path.join(dir, MLMODEL_FILE), toMlmodelYaml(mlmodel));
  return mlmodel;
}

/** MLflow stores the signature's inputs/outputs as JSON strings inside the YAML. */
export function toMlmodelYaml(m: MLmodel): string {
  const doc = {
    ...m,
    signature: { inputs: JSON.stringify(m.signature.inputs), outputs: JSON.stringify(m.signature.outputs), params: null },
  };
  return stringify(doc, { lineWidth: 0 });
}

export function parseMlmodel(text: string): MLmodel {
  const doc = parse(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new Error('MLmodel is not a YAML mapping');
  const flavors = doc.flavors as Record<string, unknown> | undefined;
  if (!flavors || !(FLAVOR in flavors)) {
    throw new Error(`this model has no "${FLAVOR}" flavor (flavors: ${Object.keys(flavors ?? {}).join(', ') || 'none'})`);
  }
  const sig = (doc.signature ?? {}) as { inputs?: string; outputs?: string };
  const signature: ModelSignature = {
    inputs: sig.inputs ? (JSON.parse(sig.inputs) as ColSpec[]) : [],
    outputs: sig.outputs ? (JSON.parse(sig.outputs) as ColSpec[]) : [],
  };
  return { ...(doc as unknown as MLmodel), signature };
}

/** Reads a model directory written by saveModel (or downloaded from the server). */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const mlmodel = parseMlmodel(await fsp.readFile(path.join(dir, MLMODEL_FILE), 'utf8'));
  const flavor = mlmodel.flavors[FLAVOR];
  const classifier = loadClassifier(await fsp.readFile(path.join(dir, flavor.model_file), 'utf8'));
  const schema = JSON.parse(await fsp.readFile(path.join(dir, flavor.schema_file), 'utf8')) as {
    features: FeatureSchema[];
    target: TargetInfo;
  };
  return { mlmodel, classifier, features: schema.features, target: schema.target };
}
