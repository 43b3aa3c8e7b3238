// Entities → the objects the GraphQL schema resolves from. MLflow's resolvers return protobuf messages,
// and graphene reads their fields with getattr, so an unset field comes back as its proto default, not
// null: "" for strings, 0 for int64 (serialized "0"), [] for repeated fields, a default message for a
// message field, the first value for an enum. The UI is written against that, so we fill the same
// defaults. The only nulls are NaN metric values (graphql_schema_extensions.MlflowMetricExtension).
import type { DatasetInput, Experiment, Metric, Run, RunInfo, Tag } from '../store/entities.js';

export type GqlObject = Record<string, unknown>;
/** Called by graphql-js's default resolver as (args, context, info), only when selected. */
type Lazy<T> = (args: unknown, context?: never) => T | Promise<T>;

function tags(list: Tag[]): GqlObject[] {
  return list.map((t) => ({ key: t.key, value: t.value }));
}

/** NaN cannot be a GraphQL Float; MLflow answers null for it. */
function metricValue(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

export function experimentObject(e: Experiment): GqlObject {
  return {
    experimentId: e.experimentId,
    name: e.name,
    artifactLocation: e.artifactLocation,
    lifecycleStage: e.lifecycleStage,
    lastUpdateTime: e.lastUpdateTime ?? 0,
    creationTime: e.creationTime ?? 0,
    tags: tags(e.tags),
    // Trace archival is not supported: MLflow leaves the field unset when it is off.
    effectiveTraceArchivalRetention: '',
    workspace: 'default',
  };
}

export function metricObject(m: Metric): GqlObject {
  return {
    key: m.key,
    value: metricValue(m.value),
    timestamp: m.timestamp,
    step: m.step,
    datasetName: m.datasetName ?? '',
    datasetDigest: m.datasetDigest ?? '',
    modelId: m.modelId ?? '',
    runId: m.runId ?? '',
  };
}

export function runInfoObject(i: RunInfo): GqlObject {
  return {
    runId: i.runId,
    runUuid: i.runId,
    runName: i.runName ?? '',
    experimentId: i.experimentId,
    userId: i.userId,
    status: i.status,
    startTime: i.startTime ?? 0,
    endTime: i.endTime ?? 0,
    artifactUri: i.artifactUri ?? '',
    lifecycleStage: i.lifecycleStage,
  };
}

function datasetInputObject(d: DatasetInput): GqlObject {
  return {
    tags: tags(d.tags),
    dataset: {
      name: d.dataset.name,
      digest: d.dataset.digest,
      sourceType: d.dataset.sourceType,
      source: d.dataset.source,
      schema: d.dataset.schema ?? '',
      profile: d.dataset.profile ?? '',
    },
  };
}

export interface RunLinks {
  /** MlflowRunExtension.experiment: the run's experiment, resolved only when selected. */
  experiment: Lazy<GqlObject>;
  /** MlflowRunExtension.modelVersions: versions registered from the run, resolved only when selected. */
  modelVersions: Lazy<GqlObject[]>;
}

export function runObject(r: Run, links: RunLinks): GqlObject {
  return {
    info: runInfoObject(r.info),
    data: { metrics: r.data.metrics.map(metricObject), params: tags(r.data.params), tags: tags(r.data.tags) },
    inputs: {
      datasetInputs: r.inputs.datasetInputs.map(datasetInputObject),
      modelInputs: r.inputs.modelInputs.map((m) => ({ modelId: m.modelId })),
    },
    outputs: { modelOutputs: r.outputs.modelOutputs.map((m) => ({ modelId: m.modelId, step: m.step })) },
    // graphql-js's default resolver calls function-valued properties: these run only when queried.
    experiment: links.experiment,
    modelVersions: links.modelVersions,
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
}

/** A registry ModelVersion in MLflow's REST JSON (snake_case, unset fields left out) → MlflowModelVersion. */
export function modelVersionObject(mv: Record<string, unknown>): GqlObject {
  const job = (mv.deployment_job_state ?? {}) as Record<string, unknown>;
  return {
    name: str(mv.name),
    version: str(mv.version),
    creationTimestamp: mv.creation_timestamp ?? 0,
    lastUpdatedTimestamp: mv.last_updated_timestamp ?? 0,
    userId: str(mv.user_id),
    currentStage: str(mv.current_stage),
    description: str(mv.description),
    source: str(mv.source),
    runId: str(mv.run_id),
    status: str(mv.status) || 'PENDING_REGISTRATION',
    statusMessage: str(mv.status_message),
    tags: list(mv.tags).map((t) => ({ key: str(t.key), value: str(t.value) })),
    runLink: str(mv.run_link),
    aliases: Array.isArray(mv.aliases) ? mv.aliases.map(str) : [],
    modelId: str(mv.model_id),
    modelParams: list(mv.model_params).map((p) => ({ name: str(p.name), value: str(p.value) })),
    modelMetrics: list(mv.model_metrics).map((m) => ({
      key: str(m.key),
      value: typeof m.value === 'number' ? m.value : null,
      timestamp: m.timestamp ?? 0,
      step: m.step ?? 0,
      datasetName: str(m.dataset_name),
      datasetDigest: str(m.dataset_digest),
      modelId: str(m.model_id),
      runId: str(m.run_id),
    })),
    deploymentJobState: {
      jobId: str(job.job_id),
      runId: str(job.run_id),
      jobState: str(job.job_state) || 'DEPLOYMENT_JOB_CONNECTION_STATE_UNSPECIFIED',
      runState: str(job.run_state) || 'DEPLOYMENT_JOB_RUN_STATE_UNSPECIFIED',
      currentTaskName: str(job.current_task_name),
    },
  };
}
