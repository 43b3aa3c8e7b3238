// The drizzle-kit migration runner for PostgreSQL (engine/pg-migrate.ts, migrations/postgres/ from
// schema-pg.ts). openEngine no longer uses it — Minflow's database is MLflow's schema
// (mlflow-schema-pg.ts) — but it is what made the development databases openEngine now recognises
// and refuses, and its guarantees are tested here: one migrator at a time under the advisory lock,
// later migrations applied, a newer database refused before writing, a failed migration undone whole.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresMigrationsFolder } from '../../server/store/engine/open.js';
import { MIGRATIONS_TABLE, migratePostgres, readJournal } from '../../server/store/engine/pg-migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const journal = readJournal(postgresMigrationsFolder());
const dbs: TestDatabase[] = [];
const dirs: string[] = [];
async function fresh(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  dbs.push(db);
  return db;
}
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.drop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(uri: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

const tables = async (uri: string) =>
  (await query<{ t: string }>(uri, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).map((r) => r.t);

/** A copy of migrations/postgres with one more migration on top. */
function withExtraMigration(tag: string, sql: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-migrations-'));
  dirs.push(dir);
  fs.cpSync(postgresMigrationsFolder(), dir, { recursive: true });
  const file = path.join(dir, 'meta', '_journal.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
  const last = j.entries[j.entries.length - 1]!;
  j.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag });
  fs.writeFileSync(file, JSON.stringify(j));
  fs.writeFileSync(path.join(dir, `${tag}.sql`), sql);
  return dir;
}

const config = (db: TestDatabase) => ({ connectionString: db.uri });

describe('drizzle-kit migrations for PostgreSQL (migratePostgres)', () => {
  it('5 migrators at once on an empty database: one applies the journal, four find nothing to do', async () => {
    const db = await fresh();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => migratePostgres(config(db), postgresMigrationsFolder())));
    expect(outcomes.map((o) => o.applied.length).sort()).toEqual([0, 0, 0, 0, journal.length]);
    const rows = await query<{ created_at: string }>(db.uri, `SELECT created_at FROM public.${MIGRATIONS_TABLE} ORDER BY id`);
    expect(rows.map((r) => Number(r.created_at))).toEqual(journal.map((e) => e.when));
  });

  it('applies a later migration once; the build without it then refuses the database before writing', async () => {
    const db = await fresh();
    const newer = withExtraMigration(
      '9999_later',
      'ALTER TABLE "experiments" ADD COLUMN "later" text;--> statement-breakpoint\nCREATE INDEX "index_later" ON "experiments" ("later");',
    );
    expect((await migratePostgres(config(db), postgresMigrationsFolder())).applied).toEqual(journal.map((e) => e.tag));
    expect((await migratePostgres(config(db), newer)).applied).toEqual(['9999_later']);
    expect((await migratePostgres(config(db), newer)).applied).toEqual([]);
    const before = await tables(db.uri);
    await expect(migratePostgres(config(db), postgresMigrationsFolder())).rejects.toThrow(
      /1 schema migration\(s\) this Minflow does not know .*newer Minflow/,
    );
    expect(await tables(db.uri)).toEqual(before);
  });

  it('a failing migration leaves nothing behind (one transaction)', async () => {
    const db = await fresh();
    const broken = withExtraMigration('9999_broken', 'ALTER TABLE "no_such_table" ADD COLUMN "x" text;');
    await expect(migratePostgres(config(db), broken)).rejects.toThrow(/no_such_table/);
    expect(await tables(db.uri)).toEqual([]);
  });

  it("refuses MLflow's database and foreign tables", async () => {
    const db = await fresh();
    await query(db.uri, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('1b5f0d9ad7c1')");
    await expect(migratePostgres(config(db), postgresMigrationsFolder())).rejects.toThrow(/is an MLflow database .*revision 1b5f0d9ad7c1/);
    const db2 = await fresh();
    await query(db2.uri, 'CREATE TABLE experiments (id int)');
    await expect(migratePostgres(config(db2), postgresMigrationsFolder())).rejects.toThrow(/experiments table that Minflow did not create/);
  });
});
