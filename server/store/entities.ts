// Domain entities in MLflow's vocabulary (mlflow/entities), camelCase inside the server. The
// protocol layer turns them into MLflow's snake_case wire format.

import type { Int64 } from '../protocol/int64.js';
export type LifecycleStage = 'active' | 'deleted';
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: Int64 | null;
  lastUpdateTime: Int64 | null;
  tags: Tag[];
}

export interface RunInfo {
  runId: string;
  runName: string | null;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: Int64 | null;
  endTime: Int64 | null;
  artifactUri: string | null;
  lifecycleStage: LifecycleStage;
}

/** A metric value as logged. `value` is NaN for NaN metrics (stored as 0 + is_nan, as MLflow). */
export interface Metric {
  key: string;
  value: number;
  timestamp: Int64;
  step: Int64;
  runId?: string;
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string | null;
  profile?: string | null;
}

export interface DatasetInput {
  tags: Tag[];
  dataset: Dataset;
}

export interface ModelInput {
  modelId: string;
}

export interface ModelOutput {
  modelId: string;
  step: Int64;
}

export interface Run {
  info: RunInfo;
  data: { metrics: Metric[]; params: Tag[]; tags: Tag[] };
  inputs: { datasetInputs: DatasetInput[]; modelInputs: ModelInput[] };
  outputs: { modelOutputs: ModelOutput[] };
}

export interface DatasetSummary {
  experimentId: string;
  name: string;
  digest: string;
  context: string | null;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export const MLFLOW_RUN_NAME = 'mlflow.runName';
export const MLFLOW_DATASET_CONTEXT = 'mlflow.data.context';
