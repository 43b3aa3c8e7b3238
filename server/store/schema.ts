// The drizzle schema Minflow shipped before it adopted MLflow's (mlflow-schema.ts): migrations/0000–0001
// are generated from it and still bring such a database up to the point where it is converted to
// MLflow 3.17.2's schema on open. New databases are MLflow's schema (docs/mlflow-database.md).
//
// The metadata schema, declared once. Table and column names follow MLflow's SQLAlchemy models
// (mlflow/store/tracking/dbmodels/models.py) so that anyone who knows MLflow's database can read ours.
// Migrations in migrations/ are generated from this file by drizzle-kit; never edit a shipped one.
import {
  sqliteTable,
  text,
  integer,
  real,
  primaryKey,
  index,
  uniqueIndex,
  foreignKey,
} from 'drizzle-orm/sqlite-core';

export const experiments = sqliteTable(
  'experiments',
  {
    experimentId: integer('experiment_id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    artifactLocation: text('artifact_location'),
    lifecycleStage: text('lifecycle_stage').notNull().default('active'),
    creationTime: integer('creation_time'),
    lastUpdateTime: integer('last_update_time'),
  },
  (t) => [
    uniqueIndex('experiments_name_unique').on(t.name),
    index('index_experiments_last_update_time').on(t.lastUpdateTime),
  ],
);

export const experimentTags = sqliteTable(
  'experiment_tags',
  {
    key: text('key').notNull(),
    value: text('value'),
    experimentId: integer('experiment_id')
      .notNull()
      .references(() => experiments.experimentId, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.experimentId, t.key] })],
);

export const runs = sqliteTable(
  'runs',
  {
    runUuid: text('run_uuid').primaryKey(),
    name: text('name'),
    sourceType: text('source_type').default('UNKNOWN'),
    sourceName: text('source_name').default(''),
    entryPointName: text('entry_point_name').default(''),
    userId: text('user_id'),
    status: text('status').notNull().default('RUNNING'),
    startTime: integer('start_time'),
    endTime: integer('end_time'),
    deletedTime: integer('deleted_time'),
    sourceVersion: text('source_version').default(''),
    lifecycleStage: text('lifecycle_stage').notNull().default('active'),
    artifactUri: text('artifact_uri'),
    experimentId: integer('experiment_id')
      .notNull()
      .references(() => experiments.experimentId),
  },
  (t) => [
    // The runs table of the UI: one experiment, active, newest first.
    index('index_runs_experiment_start').on(t.experimentId, t.lifecycleStage, t.startTime),
  ],
);

export const tags = sqliteTable(
  'tags',
  {
    key: text('key').notNull(),
    value: text('value'),
    runUuid: text('run_uuid')
      .notNull()
      .references(() => runs.runUuid, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.runUuid, t.key] }), index('index_tags_key_value').on(t.key, t.value)],
);

export const params = sqliteTable(
  'params',
  {
    key: text('key').notNull(),
    value: text('value').notNull(),
    runUuid: text('run_uuid')
      .notNull()
      .references(() => runs.runUuid, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.runUuid, t.key] }), index('index_params_key_value').on(t.key, t.value)],
);

// Full metric history. MLflow's primary key (key, timestamp, step, run_uuid, value, is_nan) makes an
// exact duplicate a no-op; we keep that identity as a unique index led by run_uuid and key, which is
// also the order get-history reads in (timestamp, step, value).
export const metrics = sqliteTable(
  'metrics',
  {
    key: text('key').notNull(),
    value: real('value').notNull(),
    timestamp: integer('timestamp').notNull(),
    step: integer('step').notNull().default(0),
    isNan: integer('is_nan', { mode: 'boolean' }).notNull().default(false),
    runUuid: text('run_uuid')
      .notNull()
      .references(() => runs.runUuid, { onDelete: 'cascade' }),
  },
  (t) => [
    uniqueIndex('metrics_identity').on(t.runUuid, t.key, t.timestamp, t.step, t.value, t.isNan),
    index('index_metrics_run_key_step').on(t.runUuid, t.key, t.step),
  ],
);

// One row per (run, key): the value with the greatest (step, timestamp, value). Maintained on every
// write so metric filters and sorts never scan the history.
export const latestMetrics = sqliteTable(
  'latest_metrics',
  {
    key: text('key').notNull(),
    value: real('value').notNull(),
    timestamp: integer('timestamp').notNull(),
    step: integer('step').notNull(),
    isNan: integer('is_nan', { mode: 'boolean' }).notNull().default(false),
    runUuid: text('run_uuid')
      .notNull()
      .references(() => runs.runUuid, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.runUuid, t.key] }),
    index('index_latest_metrics_key_value').on(t.key, t.value),
  ],
);

export const datasets = sqliteTable(
  'datasets',
  {
    datasetUuid: text('dataset_uuid').notNull(),
    experimentId: integer('experiment_id')
      .notNull()
      .references(() => experiments.experimentId, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    digest: text('digest').notNull(),
    datasetSourceType: text('dataset_source_type').notNull(),
    datasetSource: text('dataset_source').notNull(),
    datasetSchema: text('dataset_schema'),
    datasetProfile: text('dataset_profile'),
  },
  (t) => [
    primaryKey({ columns: [t.experimentId, t.name, t.digest] }),
    uniqueIndex('index_datasets_dataset_uuid').on(t.datasetUuid),
  ],
);

// Links between entities, as MLflow: ('DATASET', dataset_uuid, 'RUN', run_id),
// ('RUN_INPUT', run_id, 'MODEL_INPUT', model_id), ('RUN_OUTPUT', run_id, 'MODEL_OUTPUT', model_id).
export const inputs = sqliteTable(
  'inputs',
  {
    inputUuid: text('input_uuid').notNull(),
    sourceType: text('source_type').notNull(),
    sourceId: text('source_id').notNull(),
    destinationType: text('destination_type').notNull(),
    destinationId: text('destination_id').notNull(),
    step: integer('step').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.sourceType, t.sourceId, t.destinationType, t.destinationId] }),
    uniqueIndex('index_inputs_input_uuid').on(t.inputUuid),
    index('index_inputs_destination').on(t.destinationType, t.destinationId, t.sourceType),
  ],
);

export const inputTags = sqliteTable(
  'input_tags',
  {
    inputUuid: text('input_uuid')
      .notNull()
      .references(() => inputs.inputUuid, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.inputUuid, t.name] })],
);

// ---- MLflow 3 logged models -------------------------------------------------------------------

export const loggedModels = sqliteTable(
  'logged_models',
  {
    modelId: text('model_id').primaryKey(),
    experimentId: integer('experiment_id')
      .notNull()
      .references(() => experiments.experimentId, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    artifactLocation: text('artifact_location').notNull(),
    creationTimestampMs: integer('creation_timestamp_ms').notNull(),
    lastUpdatedTimestampMs: integer('last_updated_timestamp_ms').notNull(),
    /** LoggedModelStatus number: 0 unspecified, 1 pending, 2 ready, 3 upload failed. */
    status: integer('status').notNull(),
    lifecycleStage: text('lifecycle_stage').notNull().default('active'),
    modelType: text('model_type'),
    sourceRunId: text('source_run_id'),
    statusMessage: text('status_message'),
  },
  (t) => [
    index('index_logged_models_experiment').on(t.experimentId, t.lifecycleStage, t.creationTimestampMs),
    index('index_logged_models_source_run').on(t.sourceRunId),
  ],
);

export const loggedModelParams = sqliteTable(
  'logged_model_params',
  {
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.modelId, { onDelete: 'cascade' }),
    experimentId: integer('experiment_id').notNull(),
    paramKey: text('param_key').notNull(),
    paramValue: text('param_value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.paramKey] })],
);

export const loggedModelTags = sqliteTable(
  'logged_model_tags',
  {
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.modelId, { onDelete: 'cascade' }),
    experimentId: integer('experiment_id').notNull(),
    tagKey: text('tag_key').notNull(),
    tagValue: text('tag_value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.tagKey] })],
);

export const loggedModelMetrics = sqliteTable(
  'logged_model_metrics',
  {
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.modelId, { onDelete: 'cascade' }),
    metricName: text('metric_name').notNull(),
    metricTimestampMs: integer('metric_timestamp_ms').notNull(),
    metricStep: integer('metric_step').notNull(),
    metricValue: real('metric_value'),
    experimentId: integer('experiment_id').notNull(),
    runId: text('run_id').notNull(),
    datasetUuid: text('dataset_uuid'),
    datasetName: text('dataset_name'),
    datasetDigest: text('dataset_digest'),
  },
  (t) => [
    primaryKey({ columns: [t.modelId, t.metricName, t.metricTimestampMs, t.metricStep, t.runId] }),
    index('index_logged_model_metrics_model_name').on(t.modelId, t.metricName),
  ],
);

// ---- Model registry ----------------------------------------------------------------------------

export const registeredModels = sqliteTable(
  'registered_models',
  {
    name: text('name').primaryKey(),
    creationTime: integer('creation_time'),
    lastUpdatedTime: integer('last_updated_time'),
    description: text('description'),
  },
  (t) => [index('index_registered_models_last_updated').on(t.lastUpdatedTime)],
);

export const registeredModelTags = sqliteTable(
  'registered_model_tags',
  {
    name: text('name')
      .notNull()
      .references(() => registeredModels.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
    key: text('key').notNull(),
    value: text('value'),
  },
  (t) => [primaryKey({ columns: [t.name, t.key] })],
);

export const modelVersions = sqliteTable(
  'model_versions',
  {
    name: text('name')
      .notNull()
      .references(() => registeredModels.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
    version: integer('version').notNull(),
    creationTime: integer('creation_time'),
    lastUpdatedTime: integer('last_updated_time'),
    description: text('description'),
    userId: text('user_id'),
    /** 'None' | 'Staging' | 'Production' | 'Archived' | 'Deleted_Internal' (a soft-deleted version). */
    currentStage: text('current_stage').notNull().default('None'),
    source: text('source'),
    storageLocation: text('storage_location'),
    runId: text('run_id'),
    runLink: text('run_link'),
    status: text('status').notNull().default('READY'),
    statusMessage: text('status_message'),
    modelId: text('model_id'),
  },
  (t) => [primaryKey({ columns: [t.name, t.version] }), index('index_model_versions_run_id').on(t.runId)],
);

export const modelVersionTags = sqliteTable(
  'model_version_tags',
  {
    name: text('name').notNull(),
    version: integer('version').notNull(),
    key: text('key').notNull(),
    value: text('value'),
  },
  (t) => [
    primaryKey({ columns: [t.name, t.version, t.key] }),
    foreignKey({ columns: [t.name, t.version], foreignColumns: [modelVersions.name, modelVersions.version] })
      .onDelete('cascade')
      .onUpdate('cascade'),
  ],
);

export const registeredModelAliases = sqliteTable(
  'registered_model_aliases',
  {
    name: text('name')
      .notNull()
      .references(() => registeredModels.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
    alias: text('alias').notNull(),
    version: integer('version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.alias] })],
);
