// The PostgreSQL side of mlflow-schema.ts: MLflow 3.17.2's schema at its alembic head plus Minflow's
// additions, classified before anything is written and prepared under the advisory lock every
// starting replica takes, so replicas started together on an empty database create it exactly once.
import fs from 'node:fs';
import pg from 'pg';
import {
  MINFLOW_SCHEMA_TABLE,
  MINFLOW_SCHEMA_VERSION,
  MLFLOW_HEAD,
  SEED_SQL,
  SchemaRefusal,
  additionsSql,
  missingColumns,
  mlflowDdlFile,
  refuseMissing,
  refuseNewerMinflow,
  refuseRevision,
  refuseUnknown,
  refuseWorkspaces,
} from './mlflow-schema.js';

/** pg_advisory_lock key every starting replica takes around the schema: 'MINFLOWM' read as a big-endian int64. */
const MIGRATION_LOCK_KEY = '5569068478055274317';

export type PostgresOutcome = 'created' | 'opened' | 'added';

async function inventory(client: pg.Client): Promise<Map<string, Set<string>>> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'`,
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    let set = out.get(r.table_name);
    if (!set) out.set(r.table_name, (set = new Set()));
    set.add(r.column_name);
  }
  return out;
}

export async function preparePostgresSchema(config: pg.ClientConfig, packageRoot: string): Promise<PostgresOutcome> {
  const client = new pg.Client(config);
  client.on('error', () => {}); // a dead connection surfaces as the failing query's error
  await client.connect();
  const where = `The PostgreSQL database '${client.database}' on ${client.host}:${client.port}`;
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      if (rows[0]?.schema !== 'public') {
        throw new SchemaRefusal(
          `${where} resolves unqualified tables to ${rows[0]?.schema ? `schema ${rows[0].schema}` : 'no existing schema'}, but MLflow's ` +
            'tables live in schema public: remove the search_path setting (options=-c search_path=…, or ALTER ROLE/DATABASE … SET search_path).',
        );
      }
      const tables = await inventory(client);
      if (tables.size === 0) {
        await inTransaction(client, async () => {
          await client.query(fs.readFileSync(mlflowDdlFile(packageRoot, 'postgres'), 'utf8'));
          for (const s of SEED_SQL) await client.query(s);
          await applyAdditions(client, await inventory(client));
        });
        return 'created';
      }
      if (!tables.has('alembic_version')) {
        if (tables.has('__drizzle_migrations')) {
          throw new SchemaRefusal(
            `${where} was created by a development build of Minflow whose own PostgreSQL schema never shipped; ` +
              "Minflow now uses MLflow's schema. Nothing was written; point --backend-store-uri at an empty database (or drop and recreate this one).",
          );
        }
        throw refuseUnknown(where, [...tables.keys()]);
      }
      const revisions = (await client.query<{ version_num: string }>('SELECT version_num FROM alembic_version')).rows.map((r) => r.version_num);
      if (revisions.length !== 1 || revisions[0] !== MLFLOW_HEAD) throw refuseRevision(where, revisions.join(', ') || undefined);
      const missing = missingColumns(tables);
      if (missing.length > 0) throw refuseMissing(where, missing);
      let version = 0;
      if (tables.has(MINFLOW_SCHEMA_TABLE)) {
        const r = await client.query<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${MINFLOW_SCHEMA_TABLE}`);
        version = r.rows[0]?.v ?? 0;
      }
      if (version > MINFLOW_SCHEMA_VERSION) throw refuseNewerMinflow(where, version);
      const workspaces = await client.query<{ workspace: string }>(
        "SELECT DISTINCT workspace FROM (SELECT workspace FROM experiments UNION SELECT workspace FROM registered_models) w WHERE workspace <> 'default'",
      );
      if (workspaces.rows.length > 0) throw refuseWorkspaces(where, workspaces.rows.map((r) => r.workspace));
      if (version === MINFLOW_SCHEMA_VERSION) return 'opened';
      await inTransaction(client, () => applyAdditions(client, tables));
      return 'added';
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

async function inTransaction(client: pg.Client, fn: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await fn();
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

async function applyAdditions(client: pg.Client, tables: Map<string, Set<string>>): Promise<void> {
  if (!tables.get('model_versions')?.has('model_id')) await client.query('ALTER TABLE model_versions ADD COLUMN model_id VARCHAR(36)');
  for (const s of additionsSql('postgres')) await client.query(s);
  await client.query(`CREATE TABLE IF NOT EXISTS ${MINFLOW_SCHEMA_TABLE} (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`);
  await client.query(`INSERT INTO ${MINFLOW_SCHEMA_TABLE} (version, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [MINFLOW_SCHEMA_VERSION, Date.now()]);
}
