// An MLflow-3 logged model for a fitted classifier, in the order mlflow.<flavor>.log_model goes:
// create it (PENDING) with the run's params, link it as the run's output, save the MLflow Model
// directory locally, upload it to the model's own artifact_uri, then finalize it READY (UPLOAD_FAILED
// when the upload breaks, so the UI never shows a half-uploaded model as usable).
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KeyValue, LoggedModel, MlflowClient } from '../../client/index.js';
import type { Dataset } from '../data/index.js';
import { saveModel } from '../mlflow-model/format.js';
import type { Classifier } from '../models/index.js';
import type { ProgressSink } from './progress-sink.js';

const EXAMPLE_ROWS = 5;

/** The first rows as the raw values a caller would send (categories as text, missing as null). */
export function inputExample(ds: Dataset, rows = EXAMPLE_ROWS): { columns: string[]; data: (string | number | null)[][] } {
  const n = Math.min(rows, ds.nRows);
  const data: (string | number | null)[][] = [];
  for (let i = 0; i < n; i++) {
    data.push(
      ds.schema.map((f, j) => {
        const v = ds.columns[j]![i]!;
        if (Number.isNaN(v)) return null;
        return f.type === 'categorical' ? f.categories[v]! : v;
      }),
    );
  }
  return { columns: [...ds.featureNames], data };
}

export interface LogModelOptions {
  experimentId: string;
  runId: string;
  /** The logged model's name (the UI lists models by it). */
  name: string;
  classifier: Classifier;
  /** Training rows: the feature schema, target and input example come from them. */
  train: Dataset;
  params: KeyValue[];
  tags: KeyValue[];
  progress?: ProgressSink;
}

async function filesUnder(dir: string, rel = ''): Promise<{ rel: string; size: number }[]> {
  const out: { rel: string; size: number }[] = [];
  for (const e of await fsp.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else out.push({ rel: r, size: (await fsp.stat(path.join(dir, r))).size });
  }
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

export async function logModel(client: MlflowClient, o: LogModelOptions): Promise<LoggedModel> {
  const created = await client.loggedModels.create(o.experimentId, { name: o.name, sourceRunId: o.runId, params: o.params, tags: o.tags });
  const modelId = created.info.model_id;
  await client.logOutputs(o.runId, [{ modelId, step: 0 }]);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'minflow-model-'));
  try {
    await saveModel(dir, {
      classifier: o.classifier,
      features: o.train.schema,
      target: o.train.target,
      // Read from the whole file, so every split pandas makes of it has the same int64 columns.
      integerFeatures: o.train.int64Features,
      example: inputExample(o.train),
      runId: o.runId,
      modelId,
    });
    const files = await filesUnder(dir);
    const total = files.reduce((s, f) => s + f.size, 0);
    o.progress?.phase(`uploading ${o.name} (${formatBytes(total)})`, total);
    for (const f of files) {
      await client.artifacts.logArtifact(created.info.artifact_uri, path.join(dir, f.rel), f.rel);
      o.progress?.advance(f.size);
    }
    return await client.loggedModels.finalize(modelId, 'LOGGED_MODEL_READY');
  } catch (e) {
    await client.loggedModels.finalize(modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined);
    throw e;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
