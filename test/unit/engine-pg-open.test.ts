// Opening a PostgreSQL backend through openEngine, as every replica does at start: the database is
// classified and prepared (MLflow's schema at its head plus Minflow's additions, mlflow-schema-pg.ts)
// under one advisory lock, so replicas started together on an empty database create it exactly
// once, and anything this Minflow cannot serve is refused before a single write.
import fs from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../server/store/db.js';
import { openEngine } from '../../server/store/engine/open.js';
import { preparePostgresSchema } from '../../server/store/mlflow-schema-pg.js';
import { MINFLOW_SCHEMA_TABLE, MINFLOW_SCHEMA_VERSION, MLFLOW_HEAD, SEED_SQL, mlflowDdlFile } from '../../server/store/mlflow-schema.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const dbs: TestDatabase[] = [];
async function fresh(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  dbs.push(db);
  return db;
}
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.drop();
});

async function query<T extends pg.QueryResultRow>(uri: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Every relation, column and bookkeeping row of the database: equal before and after = nothing written. */
async function fingerprint(uri: string): Promise<string> {
  const objects = await query<{ o: string }>(
    uri,
    `SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`,
  );
  const columns = await query<{ c: string }>(
    uri,
    "SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
  );
  const rows: string[] = [];
  for (const table of ['alembic_version', MINFLOW_SCHEMA_TABLE, '__drizzle_migrations']) {
    const exists = await query<{ t: string | null }>(uri, 'SELECT to_regclass($1) AS t', [`public.${table}`]);
    if (exists[0]?.t) rows.push(JSON.stringify(await query(uri, `SELECT * FROM public.${table} ORDER BY 1`)));
  }
  return JSON.stringify({ objects: objects.map((r) => r.o), columns: columns.map((r) => r.c), rows });
}

describe('opening PostgreSQL: the schema prepared once, under the advisory lock', () => {
  it('5 engines opened at the same moment on an empty database create the schema exactly once', async () => {
    const db = await fresh();
    const opened = await Promise.all(Array.from({ length: 5 }, () => openEngine(db.uri, { poolSize: 2 })));
    try {
      for (const { engine, kind } of opened) {
        expect(kind).toBe('postgres');
        expect(await engine.values('SELECT version_num FROM alembic_version')).toEqual([[MLFLOW_HEAD]]);
      }
      expect(await query(db.uri, `SELECT version FROM ${MINFLOW_SCHEMA_TABLE}`)).toEqual([{ version: MINFLOW_SCHEMA_VERSION }]);
    } finally {
      for (const { engine } of opened) await engine.close();
    }
    // The same one level down: one of five creates, four find it ready.
    const db2 = await fresh();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => preparePostgresSchema({ connectionString: db2.uri }, packageRoot())));
    expect(outcomes.sort()).toEqual(['created', 'opened', 'opened', 'opened', 'opened']);
  });

  it('opening a prepared database again writes nothing', async () => {
    const db = await fresh();
    await (await openEngine(db.uri)).engine.close();
    const before = await fingerprint(db.uri);
    expect(await preparePostgresSchema({ connectionString: db.uri }, packageRoot())).toBe('opened');
    expect(await fingerprint(db.uri)).toBe(before);
  });

  it('an MLflow database at the head revision (as `mlflow server` leaves it) gets the additions', async () => {
    const db = await fresh();
    await query(db.uri, fs.readFileSync(mlflowDdlFile(packageRoot(), 'postgres'), 'utf8'));
    for (const s of SEED_SQL) await query(db.uri, s);
    expect(await preparePostgresSchema({ connectionString: db.uri }, packageRoot())).toBe('added');
    expect(await query(db.uri, `SELECT version FROM ${MINFLOW_SCHEMA_TABLE}`)).toEqual([{ version: MINFLOW_SCHEMA_VERSION }]);
  });

  it('refuses, before writing anything, a database a newer Minflow has opened', async () => {
    const db = await fresh();
    await (await openEngine(db.uri)).engine.close();
    await query(db.uri, `INSERT INTO ${MINFLOW_SCHEMA_TABLE} (version, applied_at) VALUES ($1, $2)`, [MINFLOW_SCHEMA_VERSION + 1, Date.now()]);
    const before = await fingerprint(db.uri);
    await expect(openEngine(db.uri)).rejects.toThrow(new RegExp(`additions version ${MINFLOW_SCHEMA_VERSION + 1}.*a newer Minflow has opened it`));
    expect(await fingerprint(db.uri)).toBe(before);
  });

  it('refuses, before writing anything, another alembic revision, foreign tables, and the unshipped drizzle schema', async () => {
    const db = await fresh();
    await query(db.uri, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('1b5f0d9ad7c1')");
    let before = await fingerprint(db.uri);
    await expect(openEngine(db.uri)).rejects.toThrow(/alembic revision 1b5f0d9ad7c1.*nothing was written/);
    expect(await fingerprint(db.uri)).toBe(before);

    const db2 = await fresh();
    await query(db2.uri, 'CREATE TABLE experiments (id int)');
    before = await fingerprint(db2.uri);
    await expect(openEngine(db2.uri)).rejects.toThrow(/neither empty nor an MLflow or Minflow database/);
    expect(await fingerprint(db2.uri)).toBe(before);

    // A database from a development build that migrated with drizzle-kit's PostgreSQL schema (its
    // bookkeeping table beside tracking tables; that schema never shipped and its files are gone).
    const db3 = await fresh();
    await query(db3.uri, 'CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint); CREATE TABLE experiments (experiment_id bigint PRIMARY KEY)');
    before = await fingerprint(db3.uri);
    await expect(openEngine(db3.uri)).rejects.toThrow(/development build of Minflow/);
    expect(await fingerprint(db3.uri)).toBe(before);
  });

  it('refuses a search_path that would put the tables outside schema public', async () => {
    const db = await fresh();
    await query(db.uri, 'CREATE SCHEMA other');
    const before = await fingerprint(db.uri);
    const uri = `${db.uri}?options=${encodeURIComponent('-c search_path=other')}`;
    await expect(openEngine(uri)).rejects.toThrow(/resolves unqualified tables to schema other/);
    expect(await fingerprint(db.uri)).toBe(before);
  });

  it('prepares the schema as a role that may only create in schema public (no CREATE on the database)', async () => {
    const db = await fresh();
    const role = `${db.name}_app`;
    await query(db.uri, `CREATE ROLE ${role} LOGIN; GRANT USAGE, CREATE ON SCHEMA public TO ${role}; REVOKE CREATE ON DATABASE ${db.name} FROM PUBLIC`);
    try {
      const url = new URL(db.uri);
      url.username = role;
      const { engine } = await openEngine(url.toString(), { poolSize: 1 });
      try {
        expect(await engine.values('SELECT version_num FROM alembic_version')).toEqual([[MLFLOW_HEAD]]);
        expect(await engine.values('SELECT tableowner FROM pg_tables WHERE tablename = ?', ['experiments'])).toEqual([[role]]);
      } finally {
        await engine.close();
      }
    } finally {
      await db.drop();
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    }
  });

  it('fails with the URI problem before connecting', async () => {
    await expect(openEngine('postgresql://postgres@127.0.0.1/x?nope=1')).rejects.toThrow(/Unsupported option 'nope'/);
  });
});
