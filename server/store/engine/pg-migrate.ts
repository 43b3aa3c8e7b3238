// Bringing a PostgreSQL database to this Minflow's schema, safely with several replicas: every
// starting process takes one session-level advisory lock on a dedicated connection, so replicas
// started at the same moment on an empty database migrate it exactly once (the others wait, then
// find nothing to do). Before anything is written the database is checked: one migrated by a newer
// Minflow (migrations this build does not ship) or one that is MLflow's own (alembic_version) is
// refused with a message that says what was found and what to do.
import fs from 'node:fs';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
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
      const done = new Set(appliedBefore.map((m) => m.createdAt));
      // drizzle's migrator applies, in one transaction, every journal entry newer than the last applied one.
      await migrate(drizzle({ client }), { migrationsFolder, migrationsSchema: schema, migrationsTable: MIGRATIONS_TABLE });
      return { schema, applied: journal.filter((e) => !done.has(e.when)).map((e) => e.tag) };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
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
