// MLflow's REST JSON (as the read jobs in server/reads/ produce it, on a worker or the event loop)
// back to the entities the GraphQL shapers take, so that GraphQL's heavy reads go through the same
// jobs as REST's and never run a large SQL read on the event loop.
import type { DatasetInput, Metric, Run, RunStatus, LifecycleStage, Tag } from '../store/entities.js';
import type { JsonText } from '../protocol/wire.js';
import { parseJsonExact, type Int64 } from '../protocol/int64.js';

type Json = Record<string, unknown>;

/** A job's answer: the worker's JSON text, or the object an inline job built. */
export function jobBody(answer: Json | JsonText): Json {
  return 'text' in answer && typeof answer.text === 'string' ? (parseJsonExact(answer.text) as Json) : (answer as Json);
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** An int64 field: a bigint past 2^53 (parseJsonExact), kept as it is. */
function int64(v: unknown): Int64 | null {
  return typeof v === 'number' || typeof v === 'bigint' ? v : null;
}

function tags(v: unknown): Tag[] {
  return list(v).map((t) => ({ key: str(t.key), value: str(t.value) }));
}

/** metricValueJson reversed: "NaN" and the infinities travel as strings. */
function metricValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

export function metricFromJson(m: Json): Metric {
  const out: Metric = { key: str(m.key), value: metricValue(m.value), timestamp: int64(m.timestamp) ?? 0, step: int64(m.step) ?? 0 };
  if (typeof m.run_id === 'string') out.runId = m.run_id;
  if (typeof m.model_id === 'string') out.modelId = m.model_id;
  if (typeof m.dataset_name === 'string') out.datasetName = m.dataset_name;
  if (typeof m.dataset_digest === 'string') out.datasetDigest = m.dataset_digest;
  return out;
}

function datasetInputFromJson(d: Json): DatasetInput {
  const ds = (d.dataset ?? {}) as Json;
  return {
    tags: tags(d.tags),
    dataset: {
      name: str(ds.name),
      digest: str(ds.digest),
      sourceType: str(ds.source_type),
      source: str(ds.source),
      schema: typeof ds.schema === 'string' ? ds.schema : null,
      profile: typeof ds.profile === 'string' ? ds.profile : null,
    },
  };
}

export function runFromJson(r: Json): Run {
  const info = (r.info ?? {}) as Json;
  const data = (r.data ?? {}) as Json;
  const inputs = (r.inputs ?? {}) as Json;
  const outputs = (r.outputs ?? {}) as Json;
  return {
    info: {
      runId: str(info.run_id) || str(info.run_uuid),
      runName: typeof info.run_name === 'string' ? info.run_name : null,
      experimentId: str(info.experiment_id),
      userId: str(info.user_id),
      status: str(info.status) as RunStatus,
      startTime: int64(info.start_time),
      endTime: int64(info.end_time),
      artifactUri: typeof info.artifact_uri === 'string' ? info.artifact_uri : null,
      lifecycleStage: str(info.lifecycle_stage) as LifecycleStage,
    },
    data: { metrics: list(data.metrics).map(metricFromJson), params: tags(data.params), tags: tags(data.tags) },
    inputs: {
      datasetInputs: list(inputs.dataset_inputs).map(datasetInputFromJson),
      modelInputs: list(inputs.model_inputs).map((m) => ({ modelId: str(m.model_id) })),
    },
    outputs: { modelOutputs: list(outputs.model_outputs).map((m) => ({ modelId: str(m.model_id), step: Number(m.step ?? 0) })) },
  };
}
