// One schema, two engines: the tables drizzle-kit's migrations build on SQLite (migrations/) and on
// PostgreSQL (migrations/postgres/) are compared as the databases report them — tables, columns and
// their types, NOT NULL, defaults, primary keys, indexes, foreign keys. A change to schema.ts that is
// not made in schema-pg.ts (or the other way round) fails here. The differences the PostgreSQL schema
// makes on purpose are listed below and asserted too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/store/db.js';
import { openEngine } from '../../server/store/engine/open.js';
import type { SqlEngine } from '../../server/store/engine/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

interface Column {
  type: string;
  notNull: boolean;
  default: string | null;
}
interface Shape {
  columns: Record<string, Column>;
  primaryKey: string[];
  /** name → "UNIQUE (a, b)" or "(a, b)" */
  indexes: Record<string, string>;
  /** normalised "FOREIGN KEY (a) REFERENCES t(b) ON DELETE CASCADE" */
  foreignKeys: string[];
}
type Schema = Record<string, Shape>;

const BOOKKEEPING = '__drizzle_migrations';

/** SQLite's declared types → the type family PostgreSQL should have. */
const TYPE_FAMILY: Record<string, string[]> = {
  integer: ['bigint', 'integer'],
  real: ['double precision'],
  text: ['text'],
};

function normaliseDefault(d: string | null): string | null {
  if (d === null) return null;
  const v = d.replace(/::[a-z ]+$/i, '').trim();
  if (v === 'false') return '0';
  if (v === 'true') return '1';
  return v;
}

function sqliteSchema(): Schema {
  const db = openDatabase(':memory:');
  try {
    const q = <T>(sql: string) => db.sqlite.prepare(sql).all() as T[];
    const tables = q<{ name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '${BOOKKEEPING}' ORDER BY name`,
    );
    const out: Schema = {};
    for (const { name } of tables) {
      const info = q<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(`PRAGMA table_info('${name}')`);
      const columns: Record<string, Column> = {};
      for (const c of info) columns[c.name] = { type: c.type.toLowerCase(), notNull: c.notnull === 1, default: normaliseDefault(c.dflt_value) };
      const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const indexes: Record<string, string> = {};
      for (const ix of q<{ name: string; unique: number; origin: string }>(`PRAGMA index_list('${name}')`)) {
        if (ix.origin === 'pk') continue;
        const cols = q<{ seqno: number; name: string }>(`PRAGMA index_info('${ix.name}')`).sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
        indexes[ix.name] = `${ix.unique ? 'UNIQUE ' : ''}(${cols.join(', ')})`;
      }
      const fkRows = q<{ id: number; seq: number; table: string; from: string; to: string; on_update: string; on_delete: string }>(
        `PRAGMA foreign_key_list('${name}')`,
      );
      const byId = new Map<number, typeof fkRows>();
      for (const r of fkRows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
      const foreignKeys = [...byId.values()].map((rows) => {
        rows.sort((a, b) => a.seq - b.seq);
        const actions = [
          rows[0]!.on_update !== 'NO ACTION' ? ` ON UPDATE ${rows[0]!.on_update}` : '',
          rows[0]!.on_delete !== 'NO ACTION' ? ` ON DELETE ${rows[0]!.on_delete}` : '',
        ].join('');
        return `FOREIGN KEY (${rows.map((r) => r.from).join(', ')}) REFERENCES ${rows[0]!.table}(${rows.map((r) => r.to).join(', ')})${actions}`;
      });
      out[name] = { columns, primaryKey, indexes, foreignKeys: foreignKeys.sort() };
    }
    return out;
  } finally {
    db.close();
  }
}

async function postgresSchema(engine: SqlEngine): Promise<Schema> {
  const out: Schema = {};
  const tables = await engine.values<[string]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> ? ORDER BY 1`,
    [BOOKKEEPING],
  );
  for (const [name] of tables) {
    const cols = await engine.all<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position`,
      [name],
    );
    const columns: Record<string, Column> = {};
    for (const c of cols) columns[c.column_name] = { type: c.data_type, notNull: c.is_nullable === 'NO', default: normaliseDefault(c.column_default) };
    const primaryKey = (
      await engine.values<[string]>(
        `SELECT a.attname FROM pg_index ix JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY k(attnum, ord) ON true
         JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
         WHERE ix.indrelid = ?::regclass AND ix.indisprimary ORDER BY k.ord`,
        [`public.${name}`],
      )
    ).map((r) => r[0]);
    const indexes: Record<string, string> = {};
    const ixRows = await engine.all<{ name: string; unique: boolean; cols: string[] }>(
      `SELECT i.relname AS name, ix.indisunique AS unique,
              ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true) FROM generate_series(1, ix.indnkeyatts) k) AS cols
       FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
       WHERE ix.indrelid = ?::regclass AND NOT ix.indisprimary`,
      [`public.${name}`],
    );
    for (const ix of ixRows) indexes[ix.name] = `${ix.unique ? 'UNIQUE ' : ''}(${ix.cols.map((c) => c.replace(/"/g, '')).join(', ')})`;
    const foreignKeys = (
      await engine.values<[string]>(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ?::regclass AND contype = 'f'",
        [`public.${name}`],
      )
    ).map(([def]) => def.replace(/"/g, '').replace(/REFERENCES public\./, 'REFERENCES ').replace(/\(([^)]*)\)/g, (_, inner: string) => `(${inner.split(/,\s*/).join(', ')})`));
    out[name] = { columns, primaryKey, indexes, foreignKeys: foreignKeys.sort() };
  }
  return out;
}

/** Where the PostgreSQL schema differs on purpose (schema-pg.ts says why). */
const PG_INDEX_DIFFERENCES: Record<string, { sqlite: string; postgres: string }> = {
  index_tags_key_value: { sqlite: '(key, value)', postgres: '(key, left(value, 200))' },
  index_params_key_value: { sqlite: '(key, value)', postgres: '(key, left(value, 200))' },
};
/** PostgreSQL's insertion-order column (SQLite has rowid), on the tables read in insertion order. */
const ROW_SEQ = 'row_seq';

describe('SQLite and PostgreSQL schemas are one schema', () => {
  let db: TestDatabase;
  let engine: SqlEngine;
  let lite: Schema;
  let pg: Schema;
  beforeAll(async () => {
    db = await createTestDatabase();
    engine = (await openEngine(db.uri, { poolSize: 1 })).engine;
    lite = sqliteSchema();
    pg = await postgresSchema(engine);
  });
  afterAll(async () => {
    await engine?.close();
    await db?.drop();
  });

  it('has the same tables', () => {
    expect(Object.keys(pg).sort()).toEqual(Object.keys(lite).sort());
    expect(Object.keys(lite).length).toBeGreaterThanOrEqual(19);
  });

  it('has the same columns, NOT NULLs and defaults, with matching types (plus row_seq on PostgreSQL)', () => {
    let withRowSeq = 0;
    for (const [table, shape] of Object.entries(lite)) {
      const other = pg[table]!;
      const pgColumns = Object.keys(other.columns).filter((c) => c !== ROW_SEQ);
      if (ROW_SEQ in other.columns) {
        withRowSeq++;
        expect(shape.columns, `${table}: SQLite has no ${ROW_SEQ} (rowid serves)`).not.toHaveProperty(ROW_SEQ);
        expect(other.columns[ROW_SEQ], table).toEqual({ type: 'bigint', notNull: true, default: null });
      }
      expect(pgColumns, table).toEqual(Object.keys(shape.columns));
      for (const [column, c] of Object.entries(shape.columns)) {
        const p = other.columns[column]!;
        expect(TYPE_FAMILY[c.type], `${table}.${column}: SQLite type ${c.type}`).toContain(p.type);
        expect(p.notNull, `${table}.${column} NOT NULL`).toBe(c.notNull);
        if (!(table === 'experiments' && column === 'experiment_id')) expect(p.default, `${table}.${column} default`).toBe(c.default);
      }
    }
    expect(withRowSeq).toBeGreaterThan(0);
    // Integer flags stay integer; every other integer is int64 as on SQLite.
    expect(pg.metrics!.columns.is_nan!.type).toBe('integer');
    expect(pg.metrics!.columns.timestamp!.type).toBe('bigint');
    expect(pg.experiments!.columns.experiment_id!.type).toBe('bigint');
  });

  it('has the same primary keys', () => {
    for (const [table, shape] of Object.entries(lite)) expect(pg[table]!.primaryKey, table).toEqual(shape.primaryKey);
  });

  it('has the same indexes (names, uniqueness, columns), apart from the listed value-prefix indexes', () => {
    for (const [table, shape] of Object.entries(lite)) {
      const mine = { ...pg[table]!.indexes };
      const theirs = { ...shape.indexes };
      for (const [name, diff] of Object.entries(PG_INDEX_DIFFERENCES)) {
        if (!(name in theirs)) continue;
        expect(theirs[name]).toBe(diff.sqlite);
        expect(mine[name]).toBe(diff.postgres);
        delete theirs[name];
        delete mine[name];
      }
      expect(mine, table).toEqual(theirs);
    }
  });

  it('has the same foreign keys and actions', () => {
    for (const [table, shape] of Object.entries(lite)) expect(pg[table]!.foreignKeys, table).toEqual(shape.foreignKeys);
  });
});
