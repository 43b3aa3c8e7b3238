// Not applied by openEngine any more (Minflow's database is MLflow's schema, mlflow-schema-pg.ts);
// kept with migrations/postgres/ for the development databases they made (engine/pg-migrate.ts).
//
// The metadata schema for PostgreSQL: the same tables, columns, keys and indexes as schema.ts (SQLite),
// in drizzle's pg-core. SQLite's 64-bit INTEGER becomes bigint (read back as JS numbers, as on SQLite,
// so comparisons against any int64 value behave the same), REAL becomes double precision (NaN and
// ±Infinity are storable), integer flags (is_nan, status) stay integer. Migrations in
// migrations/postgres/ are generated from this file by `npm run db:generate:pg`; never edit one.
// A change here goes into schema.ts too (and the other way round): both engines hold one schema.
import { sql, type SQL } from 'drizzle-orm';
import { pgTable, type AnyPgColumn, text, integer, bigint, doublePrecision, primaryKey, index, unique, uniqueIndex, foreignKey } from 'drizzle-orm/pg-core';

/**
 * A PostgreSQL btree entry holds at most ~2.7 kB, and tag (8,000 chars) and param (6,000) values may
 * be longer: SQLite's (key, value) indexes become (key, left(value, 200)) here — at most 1,800 bytes
 * with a 250-char key — so every value MLflow accepts can be stored. Equality on key still uses it.
 */
function valuePrefix(column: AnyPgColumn): SQL {
  return sql`left(${column}, 200)`;
}

/**
 * Insertion order, for the tables whose rows MLflow returns in table order (tags, params, inputs…).
 * SQLite reads it from rowid, which an upsert keeps; PostgreSQL's physical order (ctid) moves a row
 * on every UPDATE, so these tables carry an identity column the upsert leaves alone
 * (engine/dialect.ts rowOrder). Nothing else reads or writes it.
 */
const rowSeq = () => bigint('row_seq', { mode: 'number' }).generatedAlwaysAsIdentity();

export const experiments = pgTable(
  'experiments',
  {
    // Identity BY DEFAULT: experiment 0 (Default) is inserted with its id, as MLflow does; the sequence
    // starts at 1, so generated ids never meet it. No other id is ever inserted explicitly.
    experimentId: bigint('experiment_id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity({ startWith: 1 }),
    name: text('name').notNull(),
    artifactLocation: text('artifact_location'),
    lifecycleStage: text('lifecycle_stage').notNull().default('active'),
    creationTime: bigint('creation_time', { mode: 'number' }),
    lastUpdateTime: bigint('last_update_time', { mode: 'number' }),
  },
  (t) => [
    uniqueIndex('experiments_name_unique').on(t.name),
    index('index_experiments_last_update_time').on(t.lastUpdateTime),
  ],
);

export const experimentTags = pgTable(
  'experiment_tags',
  {
    rowSeq: rowSeq(),
    key: text('key').notNull(),
    value: text('value'),
    experimentId: bigint('experiment_id', { mode: 'number' })
      .notNull()
      .references(() => experiments.experimentId, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.experimentId, t.key] })],
);

export const runs = pgTable(
  'runs',
  {
    runUuid: text('run_uuid').primaryKey(),
    name: text('name'),
    sourceType: text('source_type').default('UNKNOWN'),
    sourceName: text('source_name').default(''),
    entryPointName: text('entry_point_name').default(''),
    userId: text('user_id'),
    status: text('status').notNull().default('RUNNING'),
    startTime: bigint('start_time', { mode: 'number' }),
    endTime: bigint('end_time', { mode: 'number' }),
    deletedTime: bigint('deleted_time', { mode: 'number' }),
    sourceVersion: text('source_version').default(''),
    lifecycleStage: text('lifecycle_stage').notNull().default('active'),
    artifactUri: text('artifact_uri'),
    experimentId: bigint('experiment_id', { mode: 'number' })
      .notNull()
      .references(() => experiments.experimentId),
  },
  (t) => [
    // The runs table of the UI: one experiment, active, newest first.
    index('index_runs_experiment_start').on(t.experimentId, t.lifecycleStage, t.startTime),
  ],
);

export const tags = pgTable(
  'tags',
  {
    rowSeq: rowSeq(),
    key: text('key').notNull(),
    value: text('value'),
    runUuid: text('run_uuid')
      .notNull()
      .references(() => runs.runUuid, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.runUuid, t.key] }), index('index_tags_key_value').on(t.key, valuePrefix(t.value))],
);

export const params = pgTable(
  'params',
  {
    rowSeq: rowSeq(),
    key: text('key').notNull(),
    value: text('value').notNull(),
    runUuid: text('run_uuid')
      .notNull()
      .references(() => runs.runUuid, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.runUuid, t.key] }), index('index_params_key_value').on(t.key, valuePrefix(t.value))],
);

// Full metric history. MLflow's primary key (key, timestamp, step, run_uuid, value, is_nan) makes an
// exact duplicate a no-op; we keep that identity as a unique index led by run_uuid and key, which is
// also the order get-history reads in (timestamp, step, value).
export const metrics = pgTable(
  'metrics',
  {
    key: text('key').notNull(),
    value: doublePrecision('value').notNull(),
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
    step: bigint('step', { mode: 'number' }).notNull().default(0),
    isNan: integer('is_nan').notNull().default(0),
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
export const latestMetrics = pgTable(
  'latest_metrics',
  {
    rowSeq: rowSeq(),
    key: text('key').notNull(),
    value: doublePrecision('value').notNull(),
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
    step: bigint('step', { mode: 'number' }).notNull(),
    isNan: integer('is_nan').notNull().default(0),
    runUuid: text('run_uuid')
      .notNull()
      .references(() => runs.runUuid, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.runUuid, t.key] }),
    index('index_latest_metrics_key_value').on(t.key, t.value),
  ],
);

export const datasets = pgTable(
  'datasets',
  {
    datasetUuid: text('dataset_uuid').notNull(),
    experimentId: bigint('experiment_id', { mode: 'number' })
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
export const inputs = pgTable(
  'inputs',
  {
    rowSeq: rowSeq(),
    inputUuid: text('input_uuid').notNull(),
    sourceType: text('source_type').notNull(),
    sourceId: text('source_id').notNull(),
    destinationType: text('destination_type').notNull(),
    destinationId: text('destination_id').notNull(),
    step: bigint('step', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.sourceType, t.sourceId, t.destinationType, t.destinationId] }),
    // A unique constraint (SQLite: a unique index of this name), created with the table: input_tags'
    // foreign key refers to it, and drizzle-kit adds foreign keys before indexes.
    unique('index_inputs_input_uuid').on(t.inputUuid),
    index('index_inputs_destination').on(t.destinationType, t.destinationId, t.sourceType),
  ],
);

export const inputTags = pgTable(
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

export const loggedModels = pgTable(
  'logged_models',
  {
    modelId: text('model_id').primaryKey(),
    experimentId: bigint('experiment_id', { mode: 'number' })
      .notNull()
      .references(() => experiments.experimentId, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    artifactLocation: text('artifact_location').notNull(),
    creationTimestampMs: bigint('creation_timestamp_ms', { mode: 'number' }).notNull(),
    lastUpdatedTimestampMs: bigint('last_updated_timestamp_ms', { mode: 'number' }).notNull(),
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

export const loggedModelParams = pgTable(
  'logged_model_params',
  {
    rowSeq: rowSeq(),
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.modelId, { onDelete: 'cascade' }),
    experimentId: bigint('experiment_id', { mode: 'number' }).notNull(),
    paramKey: text('param_key').notNull(),
    paramValue: text('param_value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.paramKey] })],
);

export const loggedModelTags = pgTable(
  'logged_model_tags',
  {
    rowSeq: rowSeq(),
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.modelId, { onDelete: 'cascade' }),
    experimentId: bigint('experiment_id', { mode: 'number' }).notNull(),
    tagKey: text('tag_key').notNull(),
    tagValue: text('tag_value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.tagKey] })],
);

export const loggedModelMetrics = pgTable(
  'logged_model_metrics',
  {
    rowSeq: rowSeq(),
    modelId: text('model_id')
      .notNull()
      .references(() => loggedModels.modelId, { onDelete: 'cascade' }),
    metricName: text('metric_name').notNull(),
    metricTimestampMs: bigint('metric_timestamp_ms', { mode: 'number' }).notNull(),
    metricStep: bigint('metric_step', { mode: 'number' }).notNull(),
    metricValue: doublePrecision('metric_value'),
    experimentId: bigint('experiment_id', { mode: 'number' }).notNull(),
    runId: text('run_id').notNull(),
    datasetUuid: text('dataset_uuid'),
    datasetName: text('dataset_name'),
    datasetDigest: text('dataset_digest'),
  },
  (t) => [
    // Named: the generated name (83 characters) is over PostgreSQL's 63-character identifier limit.
    primaryKey({ name: 'logged_model_metrics_pk', columns: [t.modelId, t.metricName, t.metricTimestampMs, t.metricStep, t.runId] }),
    index('index_logged_model_metrics_model_name').on(t.modelId, t.metricName),
  ],
);

// ---- Model registry ----------------------------------------------------------------------------

export const registeredModels = pgTable(
  'registered_models',
  {
    name: text('name').primaryKey(),
    creationTime: bigint('creation_time', { mode: 'number' }),
    lastUpdatedTime: bigint('last_updated_time', { mode: 'number' }),
    description: text('description'),
  },
  (t) => [index('index_registered_models_last_updated').on(t.lastUpdatedTime)],
);

export const registeredModelTags = pgTable(
  'registered_model_tags',
  {
    rowSeq: rowSeq(),
    name: text('name')
      .notNull()
      .references(() => registeredModels.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
    key: text('key').notNull(),
    value: text('value'),
  },
  (t) => [primaryKey({ columns: [t.name, t.key] })],
);

export const modelVersions = pgTable(
  'model_versions',
  {
    name: text('name')
      .notNull()
      .references(() => registeredModels.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
    version: bigint('version', { mode: 'number' }).notNull(),
    creationTime: bigint('creation_time', { mode: 'number' }),
    lastUpdatedTime: bigint('last_updated_time', { mode: 'number' }),
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

export const modelVersionTags = pgTable(
  'model_version_tags',
  {
    rowSeq: rowSeq(),
    name: text('name').notNull(),
    version: bigint('version', { mode: 'number' }).notNull(),
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

export const registeredModelAliases = pgTable(
  'registered_model_aliases',
  {
    name: text('name')
      .notNull()
      .references(() => registeredModels.name, { onDelete: 'cascade', onUpdate: 'cascade' }),
    alias: text('alias').notNull(),
    version: bigint('version', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.alias] })],
);
