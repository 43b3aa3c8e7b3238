// Minflow models in MLflow Model format: a directory with an `MLmodel` YAML file naming our flavor
// (`minflow`) and MLflow's `python_function` flavor, MLflow's column-based signature, an input example,
// the model file and the feature schema the scoring side needs to encode input rows exactly as training
// did. The trainer writes it; the scoring server and batch prediction read it back, and so does the
// official client (`mlflow.pyfunc.load_model`, `mlflow models serve`) through the Python loader shipped
// in code/ (numpy and pandas only, no Minflow install needed).
//
//   MLmodel              artifact_path, flavors.minflow {model_file, schema_file, model_kind, target},
//                        flavors.python_function {loader_module, code, env, python_version},
//                        signature {inputs, outputs}, run_id, model_id, model_uuid, utc_time_created, ...
//   model.json           Classifier.toJSON()
//   feature-schema.json  {features: FeatureSchema[], target: TargetInfo}
//   input_example.json   {"columns": [...], "data": [[...]]} (pandas "split" orient, as MLflow saves)
//   code/minflow_pyfunc.py            the python_function loader (reads model.json + feature-schema.json)
//   requirements.txt, python_env.yaml, conda.yaml   its environment, as MLflow writes them
import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { FeatureSchema, TargetInfo } from '../data/index.js';
import { loadClassifier, type Classifier } from '../models/index.js';
import { PYFUNC_LOADER_SOURCE } from './pyfunc/source.js';

export const FLAVOR = 'minflow';
export const MLMODEL_FILE = 'MLmodel';
export const MODEL_FILE = 'model.json';
export const SCHEMA_FILE = 'feature-schema.json';
export const INPUT_EXAMPLE_FILE = 'input_example.json';
export const PYFUNC_FLAVOR = 'python_function';
export const PYFUNC_LOADER_MODULE = 'minflow_pyfunc';
export const PYFUNC_CODE_DIR = 'code';
/**
 * The Python the loader was tested with. MLflow only compares major.minor and warns on a mismatch; the
 * loader itself runs on any Python 3 that has numpy and pandas.
 */
export const PYFUNC_PYTHON_VERSION = '3.11';
/** The loader's imports (mlflow itself is what loads it). Unpinned: any recent version scores the same. */
export const PYFUNC_REQUIREMENTS = ['mlflow', 'numpy', 'pandas'];

/** MLflow's `python_function` flavor configuration (mlflow.pyfunc.add_to_model). */
export interface PyfuncFlavor {
  loader_module: string;
  code: string;
  env: { conda: string; virtualenv: string };
  python_version: string;
}

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
  flavors: Record<string, unknown> & { [FLAVOR]: MinflowFlavor; [PYFUNC_FLAVOR]?: PyfuncFlavor };
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
  /** Numeric features typed `long` in the signature (see signatureFor). */
  integerFeatures?: readonly string[];
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

/**
 * @param integerFeatures numeric features whose every value in the table is an integer and none is
 *   missing: pandas reads such a column as int64, which MLflow's schema check refuses to convert to a
 *   `double` column ("Can not safely convert int64 to float64"), so they are `long`, as MLflow's
 *   infer_signature types them for a scikit-learn model trained on the same table.
 */
export function signatureFor(features: readonly FeatureSchema[], integerFeatures: Iterable<string> = []): ModelSignature {
  const integers = new Set(integerFeatures);
  return {
    // Every feature may be missing (nulls carry signal in the churn table), so none is required.
    inputs: features.map((f) => ({
      type: f.type === 'categorical' ? 'string' : integers.has(f.name) ? 'long' : 'double',
      name: f.name,
      required: false,
    })),
    outputs: [
      { type: 'double', name: 'probability', required: true },
      { type: 'long', name: 'prediction', required: true },
    ],
  };
}

/** The loader module and the environment files MLflow reads (`mlflow models serve --env-manager virtualenv|conda`). */
async function writePyfuncFiles(dir: string): Promise<PyfuncFlavor> {
  await fsp.mkdir(path.join(dir, PYFUNC_CODE_DIR), { recursive: true });
  await fsp.writeFile(path.join(dir, PYFUNC_CODE_DIR, `${PYFUNC_LOADER_MODULE}.py`), PYFUNC_LOADER_SOURCE);
  await fsp.writeFile(path.join(dir, 'requirements.txt'), `${PYFUNC_REQUIREMENTS.join('\n')}\n`);
  const yaml11 = { lineWidth: 0, version: '1.1' } as const;
  await fsp.writeFile(
    path.join(dir, 'python_env.yaml'),
    stringify({ python: PYFUNC_PYTHON_VERSION, build_dependencies: ['pip'], dependencies: ['-r requirements.txt'] }, yaml11),
  );
  await fsp.writeFile(
    path.join(dir, 'conda.yaml'),
    stringify(
      { channels: ['conda-forge'], dependencies: [`python=${PYFUNC_PYTHON_VERSION}`, 'pip', { pip: PYFUNC_REQUIREMENTS }], name: 'mlflow-env' },
      yaml11,
    ),
  );
  return {
    loader_module: PYFUNC_LOADER_MODULE,
    code: PYFUNC_CODE_DIR,
    env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
    python_version: PYFUNC_PYTHON_VERSION,
  };
}

/** Writes the model directory; returns the MLmodel written. */
export async function saveModel(dir: string, options: SaveOptions): Promise<MLmodel> {
  await fsp.mkdir(dir, { recursive: true });
  const pyfunc = await writePyfuncFiles(dir);
  const modelJson = JSON.stringify(options.classifier.toJSON());
  await fsp.writeFile(path.join(dir, MODEL_FILE), modelJson);
  await fsp.writeFile(path.join(dir, SCHEMA_FILE), JSON.stringify({ features: options.features, target: options.target }, null, 1));
  const signature = signatureFor(options.features, options.integerFeatures);
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
      [PYFUNC_FLAVOR]: pyfunc,
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

/**
 * MLflow stores the signature's inputs/outputs as JSON strings inside the YAML. Written under YAML 1.1
 * rules, which PyYAML (the official client) reads by: text that 1.1 would resolve as something else
 * (`Yes`/`no`/`on` as booleans, `2026-11-27 01:02:03` as a timestamp, `1:20` as a number) is quoted.
 */
export function toMlmodelYaml(m: MLmodel): string {
  const doc = {
    ...m,
    signature: { inputs: JSON.stringify(m.signature.inputs), outputs: JSON.stringify(m.signature.outputs), params: null },
  };
  return stringify(doc, { lineWidth: 0, version: '1.1' });
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
