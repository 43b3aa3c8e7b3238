// Model-registry entities in MLflow's vocabulary (mlflow/entities/model_registry), camelCase inside the
// server; protocol/registry-wire.ts turns them into MLflow's JSON.
import type { Tag } from '../entities.js';

export const STAGE_NONE = 'None';
export const STAGE_STAGING = 'Staging';
export const STAGE_PRODUCTION = 'Production';
export const STAGE_ARCHIVED = 'Archived';
/** A deleted version keeps its row (so its number is never reused) under this stage. */
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';

export const ALL_STAGES = [STAGE_NONE, STAGE_STAGING, STAGE_PRODUCTION, STAGE_ARCHIVED] as const;
export type Stage = (typeof ALL_STAGES)[number];
/** The stages archive_existing_versions may be used with (DEFAULT_STAGES_FOR_GET_LATEST_VERSIONS). */
export const ACTIVE_STAGES: readonly Stage[] = [STAGE_STAGING, STAGE_PRODUCTION];

/** The tag that makes a registered model a prompt (mlflow/prompt/constants.py). */
export const IS_PROMPT_TAG_KEY = 'mlflow.prompt.is_prompt';
export const PROMPT_TEXT_TAG_KEY = 'mlflow.prompt.text';
/** The placeholders MLflow's own senders use as a prompt version's source. */
export const PROMPT_SOURCE_PLACEHOLDERS: readonly string[] = ['dummy-source', 'prompt-template'];

export interface RegisteredModelAlias {
  alias: string;
  version: number;
}

export interface ModelVersion {
  name: string;
  version: number;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  description: string | null;
  userId: string | null;
  currentStage: string;
  source: string | null;
  storageLocation: string | null;
  runId: string | null;
  runLink: string | null;
  status: string;
  statusMessage: string | null;
  /** The logged model the version was registered from; stored, but not on the wire (MLflow's to_proto). */
  modelId: string | null;
  tags: Tag[];
  /** Aliases pointing at this version; MLflow fills them only where it says so (get, alias, create...). */
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  description: string | null;
  /** The highest non-deleted version of each stage. */
  latestVersions: ModelVersion[];
  tags: Tag[];
  aliases: RegisteredModelAlias[];
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}
