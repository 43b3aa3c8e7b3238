// Scoring the model a registry alias points to, fetched the way any MLflow client would: alias →
// version → download URI → its artifacts through the server → loadModel.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MlflowClient, ModelVersion } from '../../client/index.js';
import { encodeWithSchema, type Dataset, type FeatureMatrix, type FeatureSchema } from '../data/index.js';
import { evaluateBinary, type BinaryReport } from '../metrics/index.js';
import { loadModel, type LoadedModel } from '../mlflow-model/format.js';

/** Downloads a registered version's model directory into `dir` and loads it. */
export async function downloadModelVersion(client: MlflowClient, name: string, version: string, dir: string): Promise<LoadedModel> {
  const uri = await client.registry.getModelVersionDownloadUri(name, version);
  await client.artifacts.download(uri, '', dir);
  return loadModel(dir);
}

/** The version behind `@alias` and its loaded model (downloaded to a temp dir that is removed after). */
export async function loadAliasedModel(client: MlflowClient, name: string, alias: string): Promise<{ version: ModelVersion; model: LoadedModel } | null> {
  const version = await client.registry.getModelVersionByAlias(name, alias);
  if (version === null) return null;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'minflow-registry-'));
  try {
    return { version, model: await downloadModelVersion(client, name, version.version, dir) };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

function rawValue(schema: FeatureSchema, code: number): string | number | null {
  if (Number.isNaN(code)) return null;
  return schema.type === 'categorical' ? schema.categories[code]! : code;
}

/**
 * The rows of `ds` encoded for a model saved with `features`. Numeric columns pass through; categorical
 * codes are translated through their text, because a model trained on another table numbers its
 * categories in its own sorted order.
 */
export function encodeForModel(ds: Dataset, features: readonly FeatureSchema[]): FeatureMatrix {
  const index = new Map(ds.featureNames.map((n, j) => [n, j]));
  const columns = features.map((f) => {
    const j = index.get(f.name);
    if (j === undefined) throw new Error(`the model needs feature "${f.name}", which this table does not have`);
    const own = ds.schema[j]!;
    const col = ds.columns[j]!;
    if (own.type === 'numeric' && f.type === 'numeric') return col;
    return Float64Array.from(col, (v) => encodeWithSchema(f, rawValue(own, v)));
  });
  return { featureNames: features.map((f) => f.name), columns, nRows: ds.nRows };
}

/** The loaded model's report on `ds`; throws when the model predicts another target. */
export function scoreLoadedModel(model: LoadedModel, ds: Dataset): BinaryReport {
  const t = model.target;
  if (t.name !== ds.target.name || t.positiveLabel !== ds.target.positiveLabel) {
    throw new Error(
      `it predicts ${t.name}=${t.positiveLabel}, not ${ds.target.name}=${ds.target.positiveLabel}: its scores are not comparable`,
    );
  }
  return evaluateBinary(ds.y, model.classifier.predictProba(encodeForModel(ds, model.features)));
}
