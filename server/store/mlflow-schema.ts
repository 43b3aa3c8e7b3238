// Minflow's database is MLflow's: the tables of MLflow 3.17.2 at its alembic head, created from the
// DDL MLflow itself emits (migrations/mlflow/<engine>-<revision>.sql, dumped from a database
// `mlflow server` made), plus a few additions MLflow ignores (indexes for Minflow's queries, one
// nullable column, PostgreSQL insertion-order columns), recorded in minflow_schema. So `mlflow server`
// and Minflow can take turns on one database (docs/mlflow-database.md).
//
// Opening classifies the database before anything is written:
//   empty                      → MLflow's schema at head + the additions, in one transaction
//   MLflow's, at the known head → the additions, if this Minflow has not added them yet
//   Minflow's drizzle schema   → (SQLite only: what Minflow shipped before) converted in place
//   anything else              → refused with what was found and what to do
// This module holds what both engines share and the SQLite side (synchronous, better-sqlite3);
// mlflow-schema-pg.ts is the PostgreSQL side.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';

/** MLflow 3.17.2's alembic head: the only revision this Minflow serves. */
export const MLFLOW_HEAD = 'dc11669786a5';
export const MLFLOW_VERSION = '3.17.2';
/** Version of Minflow's additions (minflow_schema.version); a database with a greater one is refused. */
export const MINFLOW_SCHEMA_VERSION = 2;
export const MINFLOW_SCHEMA_TABLE = 'minflow_schema';

export class SchemaRefusal extends Error {
  override name = 'SchemaRefusal';
}

/** The MLflow tables and columns Minflow reads and writes: a database without them is not MLflow's head. */
export const REQUIRED_COLUMNS: Record<string, readonly string[]> = {
  experiments: ['experiment_id', 'name', 'artifact_location', 'lifecycle_stage', 'creation_time', 'last_update_time', 'workspace'],
  experiment_tags: ['key', 'value', 'experiment_id'],
  runs: ['run_uuid', 'name', 'source_type', 'source_name', 'entry_point_name', 'user_id', 'status', 'start_time', 'end_time',
    'deleted_time', 'source_version', 'lifecycle_stage', 'artifact_uri', 'experiment_id'],
  tags: ['key', 'value', 'run_uuid'],
  params: ['key', 'value', 'run_uuid'],
  metrics: ['key', 'value', 'timestamp', 'step', 'is_nan', 'run_uuid'],
  latest_metrics: ['key', 'value', 'timestamp', 'step', 'is_nan', 'run_uuid'],
  datasets: ['dataset_uuid', 'experiment_id', 'name', 'digest', 'dataset_source_type', 'dataset_source', 'dataset_schema', 'dataset_profile'],
  inputs: ['input_uuid', 'source_type', 'source_id', 'destination_type', 'destination_id', 'step'],
  input_tags: ['input_uuid', 'name', 'value'],
  logged_models: ['model_id', 'experiment_id', 'name', 'artifact_location', 'creation_timestamp_ms', 'last_updated_timestamp_ms',
    'status', 'lifecycle_stage', 'model_type', 'source_run_id', 'status_message'],
  logged_model_params: ['model_id', 'experiment_id', 'param_key', 'param_value'],
  logged_model_tags: ['model_id', 'experiment_id', 'tag_key', 'tag_value'],
  logged_model_metrics: ['model_id', 'metric_name', 'metric_timestamp_ms', 'metric_step', 'metric_value', 'experiment_id', 'run_id',
    'dataset_uuid', 'dataset_name', 'dataset_digest'],
  registered_models: ['name', 'creation_time', 'last_updated_time', 'description', 'workspace'],
  registered_model_tags: ['key', 'value', 'name', 'workspace'],
  model_versions: ['name', 'version', 'creation_time', 'last_updated_time', 'description', 'user_id', 'current_stage', 'source',
    'storage_location', 'run_id', 'run_link', 'status', 'status_message', 'workspace'],
  model_version_tags: ['key', 'value', 'name', 'version', 'workspace'],
  registered_model_aliases: ['alias', 'version', 'name', 'workspace'],
};

/**
 * Minflow's additions, version 2 (version 1 had the (run_uuid, key, step) metrics index, which version 2
 * widens to cover the sampled history's order; re-running the list upgrades a version 1 database). MLflow's SQLAlchemy models name every column they insert and never
 * look at indexes, so neither server notices the other's extras. model_id keeps the logged model a
 * model version was registered from (MLflow 3.17.2's SQL store does not persist it).
 * Indexes: MLflow's registry keys lead with workspace; Minflow serves the default workspace and looks
 * rows up by name, so those get name-led indexes; the rest serve Minflow's search and history reads.
 */
export function additionsSql(engine: 'sqlite' | 'postgres'): string[] {
  const valueKey = (col: string) => (engine === 'postgres' ? `left(${col}, 200)` : col); // a PostgreSQL btree entry holds at most ~2.7 kB; tag values may be longer
  const statements = [
    'CREATE INDEX IF NOT EXISTS minflow_experiments_name ON experiments (name)',
    'CREATE INDEX IF NOT EXISTS minflow_experiments_last_update_time ON experiments (last_update_time)',
    'CREATE INDEX IF NOT EXISTS minflow_runs_experiment_start ON runs (experiment_id, lifecycle_stage, start_time)',
    `CREATE INDEX IF NOT EXISTS minflow_tags_key_value ON tags (key, ${valueKey('value')})`,
    `CREATE INDEX IF NOT EXISTS minflow_params_key_value ON params (key, ${valueKey('value')})`,
    'CREATE INDEX IF NOT EXISTS minflow_tags_run_key ON tags (run_uuid, key)',
    'CREATE INDEX IF NOT EXISTS minflow_params_run_key ON params (run_uuid, key)',
    'CREATE INDEX IF NOT EXISTS minflow_latest_metrics_key_value ON latest_metrics (key, value)',
    'CREATE INDEX IF NOT EXISTS minflow_latest_metrics_run_key ON latest_metrics (run_uuid, key)',
    'CREATE INDEX IF NOT EXISTS minflow_metrics_run_key_history ON metrics (run_uuid, key, timestamp, step, value, is_nan)',
    // Covering, in get-history-bulk-interval's order: its sampling reads the index alone, with no sort.
    'DROP INDEX IF EXISTS minflow_metrics_run_key_step',
    'CREATE INDEX IF NOT EXISTS minflow_metrics_run_key_step_order ON metrics (run_uuid, key, step, timestamp, value, is_nan)',
    'CREATE INDEX IF NOT EXISTS minflow_experiment_tags_experiment ON experiment_tags (experiment_id, key)',
    'CREATE INDEX IF NOT EXISTS minflow_logged_models_experiment ON logged_models (experiment_id, lifecycle_stage, creation_timestamp_ms)',
    'CREATE INDEX IF NOT EXISTS minflow_logged_models_source_run ON logged_models (source_run_id)',
    'CREATE INDEX IF NOT EXISTS minflow_logged_model_metrics_model_name ON logged_model_metrics (model_id, metric_name)',
    'CREATE INDEX IF NOT EXISTS minflow_registered_models_name ON registered_models (name)',
    'CREATE INDEX IF NOT EXISTS minflow_registered_models_last_updated ON registered_models (last_updated_time)',
    'CREATE INDEX IF NOT EXISTS minflow_registered_model_tags_name ON registered_model_tags (name, key)',
    'CREATE INDEX IF NOT EXISTS minflow_model_versions_name_version ON model_versions (name, version)',
    'CREATE INDEX IF NOT EXISTS minflow_model_versions_run_id ON model_versions (run_id)',
    'CREATE INDEX IF NOT EXISTS minflow_model_version_tags_name_version ON model_version_tags (name, version, key)',
    'CREATE INDEX IF NOT EXISTS minflow_registered_model_aliases_name ON registered_model_aliases (name, alias)',
  ];
  if (engine === 'postgres') {
    // Insertion order for the tables MLflow returns in table order (dialect.ts rowOrder): ctid moves on UPDATE.
    for (const table of ROW_ORDER_TABLES) {
      statements.push(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS row_seq bigint GENERATED BY DEFAULT AS IDENTITY`);
    }
  }
  return statements;
}

/** The tables whose rows are read in insertion order (tags, params, inputs…): row_seq on PostgreSQL. */
export const ROW_ORDER_TABLES = [
  'experiment_tags', 'tags', 'params', 'latest_metrics', 'inputs', 'logged_model_params', 'logged_model_tags',
  'logged_model_metrics', 'registered_model_tags', 'model_version_tags',
] as const;

/** The rows MLflow's migrations insert besides the schema (alembic_version, the default workspace). */
export const SEED_SQL = [
  `INSERT INTO alembic_version (version_num) VALUES ('${MLFLOW_HEAD}')`,
  "INSERT INTO workspaces (name, description) VALUES ('default', 'Default workspace for legacy resources')",
];

export function mlflowDdlFile(packageRoot: string, engine: 'sqlite' | 'postgres'): string {
  return path.join(packageRoot, 'migrations', 'mlflow', `${engine}-${MLFLOW_HEAD}.sql`);
}

// ---- the refusals, shared by both engines -------------------------------------------------------

export function refuseRevision(where: string, revision: string | undefined): SchemaRefusal {
  return new SchemaRefusal(
    `${where} is an MLflow database at alembic revision ${revision ?? '(none: alembic_version is empty)'}, but this Minflow serves ` +
      `MLflow ${MLFLOW_VERSION}'s schema (revision ${MLFLOW_HEAD}) only; nothing was written. If the database is older, back it up and run ` +
      `\`mlflow db upgrade <uri>\` with MLflow ${MLFLOW_VERSION}; if a newer MLflow migrated it, use a Minflow release that supports that MLflow.`,
  );
}

export function refuseNewerMinflow(where: string, version: number): SchemaRefusal {
  return new SchemaRefusal(
    `${where} carries Minflow schema additions version ${version}; this Minflow knows up to version ${MINFLOW_SCHEMA_VERSION}: ` +
      'a newer Minflow has opened it. Nothing was written; start that newer Minflow (or upgrade this one) against it.',
  );
}

export function refuseMissing(where: string, missing: string[]): SchemaRefusal {
  return new SchemaRefusal(
    `${where} says it is at MLflow revision ${MLFLOW_HEAD}, but its schema is not MLflow's: missing ${missing.slice(0, 8).join(', ')}` +
      `${missing.length > 8 ? ` and ${missing.length - 8} more` : ''}. Nothing was written; restore it from a backup or point --backend-store-uri elsewhere.`,
  );
}

export function refuseUnknown(where: string, tables: string[]): SchemaRefusal {
  return new SchemaRefusal(
    `${where} is neither empty nor an MLflow or Minflow database (no alembic_version table; it has ${tables.slice(0, 8).join(', ')}` +
      `${tables.length > 8 ? ` and ${tables.length - 8} more tables` : ''}). Nothing was written; point --backend-store-uri at an empty database or an MLflow ${MLFLOW_VERSION} one.`,
  );
}

export function refuseWorkspaces(where: string, names: string[]): SchemaRefusal {
  return new SchemaRefusal(
    `${where} holds experiments or models in MLflow workspaces other than 'default' (${names.join(', ')}); Minflow serves the ` +
      "default workspace only and would mix them. Nothing was written; serve this database with `mlflow server --enable-workspaces`.",
  );
}

/** Which required tables/columns a {table: columns} inventory lacks, as "table" or "table.column". */
export function missingColumns(inventory: Map<string, Set<string>>): string[] {
  const missing: string[] = [];
  for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
    const have = inventory.get(table);
    if (!have) missing.push(table);
    else for (const c of columns) if (!have.has(c)) missing.push(`${table}.${c}`);
  }
  return missing;
}

// ---- SQLite -------------------------------------------------------------------------------------

type Sqlite = Database.Database;

/** The tables of Minflow's drizzle schema (migrations/0000–0001, shipped before this one). */
const LEGACY_TABLES = [
  'experiments', 'experiment_tags', 'runs', 'tags', 'params', 'metrics', 'latest_metrics', 'datasets', 'inputs', 'input_tags',
  'logged_models', 'logged_model_params', 'logged_model_tags', 'logged_model_metrics', 'registered_models', 'registered_model_tags',
  'model_versions', 'model_version_tags', 'registered_model_aliases',
];

function sqliteInventory(sqlite: Sqlite): Map<string, Set<string>> {
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .pluck()
    .all() as string[];
  const inventory = new Map<string, Set<string>>();
  for (const t of tables) {
    const cols = sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(t) as string[];
    inventory.set(t, new Set(cols));
  }
  return inventory;
}

export interface SqliteSchemaOptions {
  /** Describes the file in refusals ("The SQLite database /x/mlflow.db"). */
  where: string;
  packageRoot: string;
  /** Applies Minflow's drizzle migrations (migrations/0000–0001) to a database Minflow made before. */
  migrateLegacy: () => void;
  /** How many drizzle migrations this Minflow ships (more recorded = a newer Minflow's database). */
  legacyMigrationCount: number;
}

export type SqliteOutcome = 'created' | 'opened' | 'added' | 'converted';

/**
 * Brings an SQLite connection's database to MLflow's head plus Minflow's additions, or throws a
 * SchemaRefusal having written nothing. Expects foreign_keys ON; leaves it ON.
 */
export function prepareSqliteSchema(sqlite: Sqlite, options: SqliteSchemaOptions): SqliteOutcome {
  const inventory = sqliteInventory(sqlite);
  const { where } = options;
  if (inventory.size === 0) {
    transaction(sqlite, () => {
      sqlite.exec(fs.readFileSync(mlflowDdlFile(options.packageRoot, 'sqlite'), 'utf8'));
      for (const s of SEED_SQL) sqlite.exec(s);
      applyAdditions(sqlite, sqliteInventory(sqlite));
    });
    return 'created';
  }
  if (inventory.has('alembic_version')) {
    const revisions = sqlite.prepare('SELECT version_num FROM alembic_version').pluck().all() as string[];
    if (revisions.length !== 1 || revisions[0] !== MLFLOW_HEAD) throw refuseRevision(where, revisions.join(', ') || undefined);
    const missing = missingColumns(inventory);
    if (missing.length > 0) throw refuseMissing(where, missing);
    const version = inventory.has(MINFLOW_SCHEMA_TABLE)
      ? ((sqlite.prepare(`SELECT MAX(version) FROM ${MINFLOW_SCHEMA_TABLE}`).pluck().get() as number | null) ?? 0)
      : 0;
    if (version > MINFLOW_SCHEMA_VERSION) throw refuseNewerMinflow(where, version);
    const workspaces = sqlite
      .prepare("SELECT DISTINCT workspace FROM (SELECT workspace FROM experiments UNION SELECT workspace FROM registered_models) WHERE workspace <> 'default'")
      .pluck()
      .all() as string[];
    if (workspaces.length > 0) throw refuseWorkspaces(where, workspaces);
    if (version === MINFLOW_SCHEMA_VERSION) return 'opened';
    transaction(sqlite, () => applyAdditions(sqlite, inventory));
    return 'added';
  }
  if (inventory.has('__drizzle_migrations') && [...inventory.keys()].every((t) => t === '__drizzle_migrations' || LEGACY_TABLES.includes(t))) {
    const recorded = sqlite.prepare('SELECT COUNT(*) FROM __drizzle_migrations').pluck().get() as number;
    if (recorded > options.legacyMigrationCount) {
      throw new SchemaRefusal(
        `${where} was migrated by a newer Minflow (${recorded} drizzle migrations; this Minflow ships ${options.legacyMigrationCount}). ` +
          'Nothing was written; start the newer Minflow against it.',
      );
    }
    options.migrateLegacy();
    convertLegacy(sqlite, options.packageRoot);
    return 'converted';
  }
  throw refuseUnknown(where, [...inventory.keys()]);
}

function transaction(sqlite: Sqlite, fn: () => void): void {
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    fn();
    sqlite.exec('COMMIT');
  } catch (e) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw e;
  }
}

function applyAdditions(sqlite: Sqlite, inventory: Map<string, Set<string>>): void {
  if (!inventory.get('model_versions')?.has('model_id')) sqlite.exec('ALTER TABLE model_versions ADD COLUMN model_id VARCHAR(36)');
  for (const s of additionsSql('sqlite')) sqlite.exec(s);
  sqlite.exec(`CREATE TABLE IF NOT EXISTS ${MINFLOW_SCHEMA_TABLE} (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`);
  sqlite.prepare(`INSERT INTO ${MINFLOW_SCHEMA_TABLE} (version, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING`).run(MINFLOW_SCHEMA_VERSION, Date.now());
}

/**
 * A database of the Minflow releases before this one (drizzle schema: the same table and column names)
 * becomes MLflow's schema in one transaction: the old tables are renamed aside, MLflow's are created,
 * the rows copied over column by column, the old tables dropped. Foreign keys are off meanwhile (the
 * copy order would otherwise matter) and checked before the commit.
 */
function convertLegacy(sqlite: Sqlite, packageRoot: string): void {
  const old = sqliteInventory(sqlite);
  sqlite.pragma('foreign_keys = OFF');
  try {
    transaction(sqlite, () => {
      for (const t of LEGACY_TABLES) {
        if (!old.has(t)) continue;
        const indexes = sqlite
          .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
          .pluck()
          .all(t) as string[];
        for (const i of indexes) sqlite.exec(`DROP INDEX "${i}"`);
        sqlite.exec(`ALTER TABLE "${t}" RENAME TO "minflow_legacy_${t}"`);
      }
      sqlite.exec(fs.readFileSync(mlflowDdlFile(packageRoot, 'sqlite'), 'utf8'));
      for (const s of SEED_SQL) sqlite.exec(s);
      applyAdditions(sqlite, sqliteInventory(sqlite));
      const fresh = sqliteInventory(sqlite);
      for (const t of LEGACY_TABLES) {
        const from = old.get(t);
        if (!from) continue;
        const cols = [...fresh.get(t)!].filter((c) => from.has(c)).map((c) => `"${c}"`).join(', ');
        sqlite.exec(`INSERT INTO "${t}" (${cols}) SELECT ${cols} FROM "minflow_legacy_${t}"`);
      }
      for (const t of LEGACY_TABLES) if (old.has(t)) sqlite.exec(`DROP TABLE "minflow_legacy_${t}"`);
      sqlite.exec('DROP TABLE __drizzle_migrations');
      const broken = sqlite.prepare('PRAGMA foreign_key_check').all();
      if (broken.length > 0) throw new Error(`converting Minflow's database to MLflow's schema left ${broken.length} broken foreign keys`);
    });
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
}
