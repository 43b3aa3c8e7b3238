// Entities → MLflow's JSON (message_to_json): snake_case, int64 as numbers, enums as names, empty
// repeated fields and unset optional fields left out, NaN metric values as the string "NaN".
import { stringifyJsonExact } from './int64.js';
import type { DatasetInput, Experiment, Metric, Run, RunInfo, Tag, DatasetSummary } from '../store/entities.js';

type Json = Record<string, unknown>;

/** Sets `key` only when the value is present: proto2 leaves unset fields out of the JSON. */
function put(out: Json, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value) && value.length === 0) return;
  out[key] = value;
}

export function tagsJson(tags: Tag[]): Json[] {
  return tags.map((t) => ({ key: t.key, value: t.value }));
}

export function metricValueJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

export function metricJson(m: Metric): Json {
  const out: Json = { key: m.key, value: metricValueJson(m.value), timestamp: m.timestamp, step: m.step };
  put(out, 'dataset_name', m.datasetName || undefined);
  put(out, 'dataset_digest', m.datasetDigest || undefined);
  put(out, 'model_id', m.modelId || undefined);
  put(out, 'run_id', m.runId || undefined);
  return out;
}

export function experimentJson(e: Experiment): Json {
  const out: Json = {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
  };
  put(out, 'last_update_time', e.lastUpdateTime || undefined);
  put(out, 'creation_time', e.creationTime || undefined);
  put(out, 'tags', tagsJson(e.tags));
  // MLflow 3.x reports the workspace of every experiment; without --enable-workspaces it is "default".
  out.workspace = 'default';
  return out;
}

export function runInfoJson(i: RunInfo): Json {
  const out: Json = { run_uuid: i.runId };
  put(out, 'run_name', i.runName);
  out.experiment_id = i.experimentId;
  out.user_id = i.userId;
  out.status = i.status;
  put(out, 'start_time', i.startTime);
  put(out, 'end_time', i.endTime || undefined);
  put(out, 'artifact_uri', i.artifactUri || undefined);
  out.lifecycle_stage = i.lifecycleStage;
  out.run_id = i.runId;
  return out;
}

function datasetInputJson(d: DatasetInput): Json {
  const dataset: Json = { name: d.dataset.name, digest: d.dataset.digest, source_type: d.dataset.sourceType, source: d.dataset.source };
  put(dataset, 'schema', d.dataset.schema);
  put(dataset, 'profile', d.dataset.profile);
  const out: Json = {};
  put(out, 'tags', tagsJson(d.tags));
  out.dataset = dataset;
  return out;
}

/** `outputs: false` for runs/create, whose response MLflow builds without RunOutputs. */
export function runJson(r: Run, options: { outputs?: boolean } = {}): Json {
  const data: Json = {};
  put(data, 'metrics', r.data.metrics.map(metricJson));
  put(data, 'params', tagsJson(r.data.params));
  put(data, 'tags', tagsJson(r.data.tags));
  const inputs: Json = {};
  put(inputs, 'dataset_inputs', r.inputs.datasetInputs.map(datasetInputJson));
  put(inputs, 'model_inputs', r.inputs.modelInputs.map((m) => ({ model_id: m.modelId })));
  const outputs: Json = {};
  put(outputs, 'model_outputs', r.outputs.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step })));
  const out: Json = { info: runInfoJson(r.info), data, inputs };
  if (options.outputs !== false) out.outputs = outputs;
  return out;
}

export function datasetSummaryJson(s: DatasetSummary): Json {
  const out: Json = { experiment_id: s.experimentId, name: s.name, digest: s.digest };
  put(out, 'context', s.context);
  return out;
}

/** Adds next_page_token only when there is another page: the UI tests `!== undefined`. */
export function withPageToken(body: Json, token: string | undefined): Json {
  if (token) body.next_page_token = token;
  return body;
}

/**
 * runJson's text with `data.metrics` given as JSON text already (server/store/latest-metrics-json.ts),
 * in the same key order; the run's own `data.metrics` is not read.
 */
export function runJsonText(r: Run, metricsJson: string | undefined, options: { outputs?: boolean } = {}): string {
  const run = runJson({ ...r, data: { ...r.data, metrics: [] } }, options);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(run)) {
    if (key !== 'data') {
      parts.push(`${JSON.stringify(key)}:${stringifyJsonExact(value)}`);
      continue;
    }
    const data = Object.entries(value as Json).map(([k, v]) => `${JSON.stringify(k)}:${stringifyJsonExact(v)}`);
    if (metricsJson) data.unshift(`"metrics":${metricsJson}`);
    parts.push(`"data":{${data.join(',')}}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * A response already serialized (by a read worker, server/reads/): sent as it is. `pythonFloats`: its
 * metric values are Python floats already (withPythonFloatValues has run, or it was built so).
 */
export class JsonText {
  constructor(
    readonly text: string,
    readonly pythonFloats = false,
  ) {}
}
