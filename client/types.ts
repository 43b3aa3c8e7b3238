// MLflow's wire types (snake_case, as the REST API speaks them). The client returns them unchanged so
// what a caller reads is what MLflow documents.

export interface KeyValue {
  key: string;
  value: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  last_update_time?: number;
  creation_time?: number;
  tags?: KeyValue[];
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage: 'active' | 'deleted';
}

export interface Metric {
  key: string;
  /** A number, or "NaN" / "Infinity" / "-Infinity" as MLflow sends non-finite values. */
  value: number | string;
  timestamp: number;
  step: number;
  run_id?: string;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags?: KeyValue[];
  dataset: Dataset;
}

export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[]; model_inputs?: { model_id: string }[] };
  outputs?: { model_outputs?: { model_id: string; step: number }[] };
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface DatasetSummary {
  experiment_id: string;
  name: string;
  digest: string;
  context?: string;
}

export type LoggedModelStatus = 'LOGGED_MODEL_STATUS_UNSPECIFIED' | 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    status: LoggedModelStatus;
    source_run_id?: string;
    model_type?: string;
    tags?: KeyValue[];
  };
  data: { params?: KeyValue[]; metrics?: Metric[] };
}

export interface ModelVersion {
  name: string;
  /** A string, as MLflow sends it. */
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  tags?: KeyValue[];
  aliases?: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
}
