// MetricWriter (multi-row inserts, one latest_metrics upsert per key; on PostgreSQL one array insert and
// one array upsert) must leave the same rows as writing and upserting every metric one by one, MLflow's
// way: checked on random batches full of ties (same step and timestamp, NaN next to 0, ±Inf, exact
// duplicates, steps past 2^53) against that reference.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/store/db.js';
import type { Metric } from '../../server/store/entities.js';
import { MetricWriter } from '../../server/store/metric-writer.js';
import { openEngine } from '../../server/store/engine/open.js';
import { SqliteEngine } from '../../server/store/engine/sqlite.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { rng } from '../helpers/rng.js';

const RUN = '0123456789abcdef0123456789abcdef';
let fast: Db;
let reference: Db;

function open(): Db {
  const db = openDatabase(':memory:');
  db.sqlite.prepare("INSERT INTO experiments (experiment_id, name, lifecycle_stage) VALUES (1, 'e', 'active')").run();
  db.sqlite
    .prepare("INSERT INTO runs (run_uuid, name, status, lifecycle_stage, experiment_id, user_id, source_type, source_name, entry_point_name, source_version) VALUES (?, 'r', 'RUNNING', 'active', 1, '', 'UNKNOWN', '', '', '')")
    .run(RUN);
  return db;
}

/** The row-by-row writes the MetricWriter replaced. */
function writeOneByOne(db: Db, metrics: Metric[]): void {
  const insert = db.sqlite.prepare('INSERT OR IGNORE INTO metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)');
  const upsert = db.sqlite.prepare(
    `INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_uuid, key) DO UPDATE SET
       value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
     WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
  );
  db.sqlite.transaction(() => {
    for (const m of metrics) {
      const isNan = Number.isNaN(m.value) ? 1 : 0;
      const value = isNan ? 0 : m.value === Infinity ? 1.7976931348623157e308 : m.value === -Infinity ? -1.7976931348623157e308 : m.value;
      insert.run(RUN, m.key, value, m.timestamp, m.step, isNan);
      upsert.run(RUN, m.key, value, m.timestamp, m.step, isNan);
    }
  })();
}

function rows(db: Db) {
  return {
    metrics: db.sqlite.prepare('SELECT rowid, * FROM metrics ORDER BY rowid').all(),
    latest: db.sqlite.prepare('SELECT rowid, * FROM latest_metrics ORDER BY rowid').all(),
  };
}

const VALUES = [0, 0, 1, -1, 0.5, Number.NaN, Number.NaN, Infinity, -Infinity, 1e308, -0];
/** Ties on (step, timestamp, value) between NaN (stored as 0) and 0: which row wins is visible in is_nan. */
const TIES = [0, Number.NaN, -0, -Infinity];

beforeEach(() => {
  fast = open();
  reference = open();
});
afterEach(() => {
  fast.close();
  reference.close();
});

/** Random batches of every size, full of ties; steps past 2^53 in some (bigints, as the API hands them). */
function* randomBatches(count: number): Generator<Metric[]> {
  const random = rng(7);
  for (let b = 0; b < count; b++) {
    const size = [1, 3, 9, 10, 11, 99, 100, 101, 250, 1000][b % 10]!;
    const values = b % 3 === 0 ? TIES : VALUES;
    yield Array.from({ length: size }, () => {
      const step = Math.floor(random() * 3) + (b % 7 === 0 ? -1 : 0);
      return {
        // Every other batch logs new keys, whose latest value is decided within the batch alone.
        key: b % 2 === 0 ? `k${Math.floor(random() * 4)}` : `b${b}-${Math.floor(random() * 4)}`,
        value: values[Math.floor(random() * values.length)]!,
        timestamp: Math.floor(random() * 3),
        step: b % 11 === 5 ? 2n ** 53n + BigInt(step + 1) : step,
      };
    });
  }
}

describe('MetricWriter', () => {
  it('leaves the rows of one-by-one writes, over 300 random batches of every size', async () => {
    const engine = new SqliteEngine(fast.sqlite);
    const writer = new MetricWriter(engine);
    for (const batch of randomBatches(300)) {
      await engine.transaction(() => writer.write(RUN, batch));
      writeOneByOne(reference, batch);
    }
    const got = rows(fast);
    expect(got.metrics.length).toBeGreaterThan(100);
    expect(got).toEqual(rows(reference));
  });

  it('leaves the same rows on PostgreSQL (arrays through unnest), keys with quotes and backslashes included', async () => {
    const database = await createTestDatabase();
    const { engine } = await openEngine(database.uri);
    try {
      await engine.run("INSERT INTO experiments (experiment_id, name, lifecycle_stage) VALUES (1, 'e', 'active')");
      await engine.run(
        "INSERT INTO runs (run_uuid, name, status, lifecycle_stage, experiment_id, user_id, source_type, source_name, entry_point_name, source_version) VALUES (?, 'r', 'RUNNING', 'active', 1, '', 'UNKNOWN', '', '', '')",
        [RUN],
      );
      const writer = new MetricWriter(engine);
      const odd = ['a"b', 'c\\d', '{e,f}', 'NULL', 'ü ñ'];
      for (const [b, batch] of [...randomBatches(120)].entries()) {
        const keyed = b % 4 === 3 ? batch.map((m, i) => ({ ...m, key: odd[i % odd.length]! })) : batch;
        await engine.transaction(() => writer.write(RUN, keyed));
        writeOneByOne(reference, keyed);
      }
      // Byte order on both (SQLite's BINARY, PostgreSQL's "C"), not the database's locale.
      const order = (collate: string) => `ORDER BY key${collate}, timestamp, step, value, is_nan`;
      const columns = 'key, value, timestamp, step, CASE WHEN is_nan THEN 1 ELSE 0 END AS is_nan';
      const pgRows = async (table: string) => engine.all(`SELECT ${columns} FROM ${table} ${order(' COLLATE "C"')}`);
      const sqliteRows = (table: string) => reference.sqlite.prepare(`SELECT key, value, timestamp, step, is_nan FROM ${table} ${order('')}`).safeIntegers(true).all();
      // Compared as text: SQLite's rows here are all bigints, PostgreSQL's numbers until 2^53.
      const asText = (list: unknown[]) => JSON.stringify(list, (_k, v: unknown) => (typeof v === 'bigint' || typeof v === 'number' ? String(v) : v));
      expect((await pgRows('metrics')).length).toBeGreaterThan(100);
      expect(asText(await pgRows('metrics'))).toBe(asText(sqliteRows('metrics')));
      expect(asText(await pgRows('latest_metrics'))).toBe(asText(sqliteRows('latest_metrics')));
    } finally {
      await engine.close();
      await database.drop();
    }
  });
});
