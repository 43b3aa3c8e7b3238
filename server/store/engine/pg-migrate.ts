// (openEngine now prepares MLflow's schema instead, mlflow-schema-pg.ts, under MIGRATION_LOCK_KEY below;
// this drizzle-kit runner remains for the development databases it made and its tests.)
//
// Bringing a PostgreSQL database to this Minflow's schema, safely with several replicas: every
// starting process takes one session-level advisory lock on a dedicated connection, so replicas
// started at the same moment on an empty database migrate it exactly once (the others wait, then
// find nothing to do). Before anything is written the database is checked: one migrated by a newer
// Minflow (migrations this build does not ship) or one that is MLflow's own (alembic_version) is
// refused with a message that says what was found and what to do. The migrations are drizzle-kit's
// (migrations/postgres/), read and recorded as drizzle-orm's migrator does (applyMigrations).
import fs from 'node:fs';
import path from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pg from 'pg';

/** pg_advisory_lock key of Minflow's migrations: 'MINFLOWM' read as a big-endian int64. */
export const MIGRATION_LOCK_KEY = '5569068478055274317';
/** The migrations table lives beside the tables, in schema public. */
export const MIGRATIONS_TABLE = '__drizzle_migrations';

export class SchemaRefusal extends Error {}

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

export function readJournal(migrationsFolder: string): JournalEntry[] {
  const file = path.join(migrationsFolder, 'meta', '_journal.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: JournalEntry[] }).entries;
}

export interface MigrationOutcome {
  schema: string;
  /** Tags of the migrations this call applied (empty when the database was up to date). */
  applied: string[];
}

/** Describes the database for the refusals: "database minflow (schema public) on host:port". */
function where(client: pg.Client, schema: string): string {
  return `database '${client.database}' (schema ${schema}) on ${client.host}:${client.port}`;
}

export async function migratePostgres(config: pg.ClientConfig, migrationsFolder: string): Promise<MigrationOutcome> {
  const journal = readJournal(migrationsFolder);
  const client = new pg.Client(config);
  client.on('error', () => {}); // a dead connection surfaces as the failing query's error
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      const schema = rows[0]?.schema;
      // drizzle-kit writes foreign keys as REFERENCES "public"."…": the tables must live in public.
      if (schema !== 'public') {
        throw new SchemaRefusal(
          `The PostgreSQL database '${client.database}' resolves unqualified tables to ${schema ? `schema ${schema}` : 'no existing schema'}, ` +
            "but Minflow's tables live in schema public: remove the search_path setting (options=-c search_path=…, or ALTER ROLE/DATABASE … SET search_path) " +
            'and give each Minflow its own database.',
        );
      }
      await refuseForeign(client, schema);
      const appliedBefore = await appliedMigrations(client, schema);
      const known = new Set(journal.map((e) => e.when));
      const unknown = appliedBefore.filter((m) => !known.has(m.createdAt));
      if (unknown.length > 0) {
        const newest = unknown.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
        throw new SchemaRefusal(
          `The PostgreSQL ${where(client, schema)} has ${unknown.length} schema migration(s) this Minflow does not know ` +
            `(the newest generated ${new Date(newest.createdAt).toISOString()}; this Minflow's newest is ` +
            `${journal.length ? new Date(journal[journal.length - 1]!.when).toISOString() : 'none'}): it was migrated by a newer Minflow. ` +
            'Start the newer Minflow (or upgrade this one) against it, or use another database.',
        );
      }
      return { schema, applied: await applyMigrations(client, migrationsFolder, appliedBefore) };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * drizzle's migrations, applied as drizzle-orm's PostgreSQL migrator does — drizzle's reader (SQL split
 * at its breakpoints, the same hashes), drizzle's bookkeeping table, every migration newer than the
 * last applied one in one transaction — but without its `CREATE SCHEMA IF NOT EXISTS`, which needs
 * CREATE on the whole database even when the schema exists: a role granted only CREATE on schema
 * public (PostgreSQL 15's least-privilege setup) could not start otherwise.
 */
async function applyMigrations(
  client: pg.Client,
  migrationsFolder: string,
  appliedBefore: { createdAt: number }[],
): Promise<string[]> {
  const table = `public.${quoteIdent(MIGRATIONS_TABLE)}`;
  const migrations = readMigrationFiles({ migrationsFolder });
  const tags = readJournal(migrationsFolder).map((e) => e.tag);
  const last = appliedBefore.reduce((m, a) => Math.max(m, a.createdAt), -Infinity);
  const pending = migrations.map((m, i) => ({ ...m, tag: tags[i]! })).filter((m) => m.folderMillis > last);
  if (pending.length === 0) return [];
  await client.query('BEGIN');
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
    for (const m of pending) {
      for (const statement of m.sql) if (statement.trim() !== '') await client.query(statement);
      await client.query(`INSERT INTO ${table} (hash, created_at) VALUES ($1, $2)`, [m.hash, m.folderMillis]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
  return pending.map((m) => m.tag);
}

async function appliedMigrations(client: pg.Client, schema: string): Promise<{ createdAt: number; hash: string }[]> {
  const table = `${quoteIdent(schema)}.${quoteIdent(MIGRATIONS_TABLE)}`;
  const { rows: exists } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
  if (!exists[0]?.t) return [];
  const { rows } = await client.query<{ created_at: string; hash: string }>(`SELECT created_at, hash FROM ${table}`);
  return rows.map((r) => ({ createdAt: Number(r.created_at), hash: r.hash }));
}

/** An MLflow database, or tables Minflow did not create, are not migrated over. */
async function refuseForeign(client: pg.Client, schema: string): Promise<void> {
  const q = quoteIdent(schema);
  const { rows } = await client.query<{ alembic: string | null; experiments: string | null; ours: string | null }>(
    'SELECT to_regclass($1) AS alembic, to_regclass($2) AS experiments, to_regclass($3) AS ours',
    [`${q}.alembic_version`, `${q}.experiments`, `${q}.${quoteIdent(MIGRATIONS_TABLE)}`],
  );
  const found = rows[0]!;
  if (found.alembic) {
    let revision = '';
    try {
      const r = await client.query<{ version_num: string }>(`SELECT version_num FROM ${q}.alembic_version LIMIT 1`);
      if (r.rows[0]) revision = `, revision ${r.rows[0].version_num}`;
    } catch {
      // the table's presence is what matters
    }
    throw new SchemaRefusal(
      `The PostgreSQL ${where(client, schema)} is an MLflow database (it has MLflow's alembic_version table${revision}): ` +
        'Minflow cannot open databases created by `mlflow server` yet. Point --backend-store-uri at an empty database (or another schema).',
    );
  }
  if (found.experiments && !found.ours) {
    throw new SchemaRefusal(
      `The PostgreSQL ${where(client, schema)} already has an experiments table that Minflow did not create (no ${MIGRATIONS_TABLE} table): ` +
        'point --backend-store-uri at an empty database (or another schema).',
    );
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
