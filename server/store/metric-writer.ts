// Writes a run's metric values: the history rows and the latest_metrics upsert, inside the caller's
// transaction. Measured on a 1000-metric log-batch (bench/, workload 3): one statement per row and one
// upsert per row cost ~2000 statement executions; multi-row INSERTs of up to 100 rows and one upsert
// per distinct key (the batch's winner, picked the way the row-by-row upserts would pick it) do the
// same writes in ~20.
import type { SqlEngine, SqlParam } from './engine/types.js';
import type { Metric } from './entities.js';
import type { Int64 } from '../protocol/int64.js';

/** SQL cannot hold ±Inf portably, so MLflow stores them as ±DBL_MAX, and NaN as 0 with is_nan. */
const DBL_MAX = 1.7976931348623157e308;

interface Row {
  key: string;
  value: number;
  timestamp: Int64;
  step: Int64;
  isNan: 0 | 1;
}

function toRow(m: Metric): Row {
  let value = m.value;
  let isNan: 0 | 1 = 0;
  if (Number.isNaN(value)) {
    value = 0;
    isNan = 1;
  } else if (value === Number.POSITIVE_INFINITY) value = DBL_MAX;
  else if (value === Number.NEGATIVE_INFINITY) value = -DBL_MAX;
  return { key: m.key, value, timestamp: m.timestamp, step: m.step, isNan };
}

/** (step, timestamp, value) of `a` strictly greater than `b`'s: the latest_metrics upsert's WHERE. */
function newer(a: Row, b: Row): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/** Chunk sizes of the cached multi-row INSERTs, largest first; every size down to 1 is reachable. */
const CHUNKS = [100, 10, 1] as const;

// An exact duplicate (key, timestamp, step, value, is_nan) is silently ignored, as MLflow does.
const insertSql = (n: number) =>
  `INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`;
const INSERTS = new Map(CHUNKS.map((n) => [n, insertSql(n)]));

// latest_metrics keeps the greatest (step, timestamp, value), MLflow's _update_latest_metrics_if_necessary.
const UPSERT_LATEST = `INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)
   ON CONFLICT (run_uuid, key) DO UPDATE SET
     value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
   WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`;

// PostgreSQL takes a whole batch as six arrays: one statement of six parameters however many rows,
// where multi-row VALUES bind 600 parameters per 100 rows (bench/ workload 3: 10 inserts + 10 upserts
// a request became 2). unnest keeps the arrays' order.
const PG_ROWS = `unnest(?::text[], ?::double precision[], ?::bigint[], ?::bigint[], ?::boolean[]) AS r(key, value, timestamp, step, is_nan)`;
const PG_INSERT = `INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
   SELECT ?, r.key, r.value, r.timestamp, r.step, r.is_nan FROM ${PG_ROWS} ON CONFLICT DO NOTHING`;
const PG_UPSERT_LATEST = `INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
   SELECT ?, r.key, r.value, r.timestamp, r.step, r.is_nan FROM ${PG_ROWS}
   ON CONFLICT (run_uuid, key) DO UPDATE SET
     value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
   WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`;

/** The batch's columns as arrays (node-postgres writes each as an array literal). */
function pgColumns(runId: string, rows: readonly Row[]): SqlParam[] {
  const column = <T>(pick: (r: Row) => T) => rows.map(pick) as unknown as SqlParam;
  return [runId, column((r) => r.key), column((r) => r.value), column((r) => r.timestamp), column((r) => r.step), column((r) => r.isNan === 1)];
}

export class MetricWriter {
  constructor(private readonly db: SqlEngine) {}

  /** Caller holds the transaction. Rows go in in the request's order, as they did one by one. */
  async write(runId: string, metrics: readonly Metric[]): Promise<void> {
    const rows = metrics.map(toRow);
    // One metric (log-metric) goes in as one row: the arrays measured slower there (-12% on workload 4).
    if (this.db.dialect.name === 'postgres' && rows.length > 1) {
      await this.db.run(PG_INSERT, pgColumns(runId, rows));
      await this.db.run(PG_UPSERT_LATEST, pgColumns(runId, [...latestOfEachKey(rows).values()]));
      return;
    }
    let i = 0;
    for (const size of CHUNKS) {
      const insert = INSERTS.get(size)!;
      while (rows.length - i >= size) {
        const args: SqlParam[] = new Array(size * 6);
        for (let j = 0; j < size; j++) {
          const r = rows[i + j]!;
          const o = j * 6;
          args[o] = runId;
          args[o + 1] = r.key;
          args[o + 2] = r.value;
          args[o + 3] = r.timestamp;
          args[o + 4] = r.step;
          args[o + 5] = r.isNan;
        }
        await this.db.run(insert, args);
        i += size;
      }
    }
    for (const r of latestOfEachKey(rows).values()) await this.db.run(UPSERT_LATEST, [runId, r.key, r.value, r.timestamp, r.step, r.isNan]);
  }
}

/**
 * Upserting every row in order leaves, per key, the first row of the batch with the greatest
 * (step, timestamp, value) if it beats the stored one: so just that row is upserted.
 */
function latestOfEachKey(rows: readonly Row[]): Map<string, Row> {
  const winners = new Map<string, Row>();
  for (const r of rows) {
    const best = winners.get(r.key);
    if (best === undefined || newer(r, best)) winners.set(r.key, r);
  }
  return winners;
}
