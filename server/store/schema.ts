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
