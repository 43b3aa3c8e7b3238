// Issue 18's yardstick: how close Minflow gets to its engine's own speed. The same rows a read returns,
// read by a plain script on the same engine (better-sqlite3 or pg, one connection, rows as objects):
// the page's run ids in the search's order, then the runs, latest metrics, params and tags of that page;
// for bulk-interval, MLflow's own NTILE sampling query and its last-point query per run. Beside each,
// Minflow's answer to one client at a time over HTTP (the median of `repeat` requests, after one warm-up),
// taken while the server runs; the script runs after it has stopped.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Pool } from 'undici';
import { send, type BenchRequest } from './load.js';

export interface RawRead {
  id: string;
  label: string;
  /** Median ms of the plain script. */
  rawMs: number;
  /** Median ms of Minflow's answer to one client. */
  minflowMs: number;
}

/** One read to compare: its HTTP request, and the SQL the plain script runs for it. */
export interface RawReadSpec {
  id: string;
  label: string;
  request: BenchRequest;
  /** Statements run in order; `?` placeholders (translated to $n for PostgreSQL). `answer`: Minflow's (parsed) for the same request. */
  statements: (engine: 'sqlite' | 'postgres', answer: unknown) => { sql: string; params: unknown[] }[];
}

/** Minflow's one-client figure for a spec, with its answer, waiting for the script's. */
export interface MinflowRead {
  spec: RawReadSpec;
  ms: number;
  answer: unknown;
}

/** Times each spec on the running server, one request at a time. */
export async function timeMinflowReads(pool: Pool, specs: RawReadSpec[], repeat: number, log: (m: string) => void): Promise<MinflowRead[]> {
  const out: MinflowRead[] = [];
  for (const spec of specs) {
    const { ms, answer } = await timeMinflow(pool, spec.request, repeat);
    log(`  raw ${spec.id}: Minflow, one client: ${ms.toFixed(1)} ms (median of ${repeat})`);
    out.push({ spec, ms, answer });
  }
  return out;
}

/** The script's figures beside Minflow's. */
export async function compareRawReads(store: { sqliteFile?: string; postgresUri?: string }, reads: MinflowRead[], repeat: number, log: (m: string) => void): Promise<RawRead[]> {
  const raw = await timeRawReads(store, reads, repeat);
  return reads.map((r) => {
    const rawMs = raw.get(r.spec.id)!;
    log(`  raw ${r.spec.id}: plain SQL script ${rawMs.toFixed(1)} ms, Minflow ${r.ms.toFixed(1)} ms = ${(r.ms / rawMs).toFixed(2)}×`);
    return { id: r.spec.id, label: r.spec.label, rawMs, minflowMs: r.ms };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Minflow, one request at a time: the median ms, and the warm-up's answer (the ids the script reads). */
export async function timeMinflow(pool: Pool, request: BenchRequest, repeat: number): Promise<{ ms: number; answer: unknown }> {
  const first = await send(pool, request, true);
  if (!first.ok) throw new Error(`${request.path}: ${first.status} ${first.error ?? first.text.slice(0, 200)}`);
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const res = await send(pool, request, false);
    times.push(performance.now() - t0);
    if (!res.ok) throw new Error(`${request.path}: ${res.status} ${res.error ?? ''}`);
  }
  return { ms: median(times), answer: JSON.parse(first.text) };
}

const toPg = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** The plain script: each spec's statements, `repeat` times after one warm-up, on a SQLite file or a PostgreSQL URI. */
async function timeRawReads(store: { sqliteFile?: string; postgresUri?: string }, reads: MinflowRead[], repeat: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (store.sqliteFile) {
    const db = new Database(store.sqliteFile, { readonly: true });
    try {
      for (const { spec, answer } of reads) {
        const statements = spec.statements('sqlite', answer).map((s) => ({ stmt: db.prepare(s.sql), params: s.params }));
        const once = () => {
          let rows = 0;
          for (const s of statements) rows += s.stmt.all(...s.params).length;
          return rows;
        };
        once();
        const times: number[] = [];
        for (let i = 0; i < repeat; i++) {
          const t0 = performance.now();
          once();
          times.push(performance.now() - t0);
        }
        out.set(spec.id, median(times));
      }
    } finally {
      db.close();
    }
    return out;
  }
  const client = new pg.Client({ connectionString: store.postgresUri });
  await client.connect();
  try {
    for (const { spec, answer } of reads) {
      const statements = spec.statements('postgres', answer).map((s, i) => ({ name: `raw_${spec.id}_${i}`, text: toPg(s.sql), values: s.params }));
      const once = async () => {
        for (const s of statements) await client.query(s);
      };
      await once();
      const times: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        await once();
        times.push(performance.now() - t0);
      }
      out.set(spec.id, median(times));
    }
  } finally {
    await client.end();
  }
  return out;
}

const pageRows = (engine: 'sqlite' | 'postgres', ids: string): { sql: string; params: unknown[] }[] => {
  const list = engine === 'sqlite' ? '(SELECT value FROM json_each(?))' : '(SELECT json_array_elements_text(?::json))';
  return [
    { sql: `SELECT * FROM runs WHERE run_uuid IN ${list}`, params: [ids] },
    { sql: `SELECT key, value, timestamp, step, is_nan, run_uuid FROM latest_metrics WHERE run_uuid IN ${list}`, params: [ids] },
    { sql: `SELECT key, value, run_uuid FROM params WHERE run_uuid IN ${list}`, params: [ids] },
    { sql: `SELECT key, value, run_uuid FROM tags WHERE run_uuid IN ${list}`, params: [ids] },
  ];
};

/** A search page ordered by a metric: the ids query, then the page's rows (the ids are the ones the server returned). */
export function searchPageStatements(experimentId: string, metricKey: string, limit: number) {
  return (engine: 'sqlite' | 'postgres', answer: unknown) => [
    {
      sql: `SELECT r.run_uuid FROM runs r LEFT JOIN latest_metrics m ON m.run_uuid = r.run_uuid AND m.key = ?
             WHERE r.experiment_id = ? AND r.lifecycle_stage = 'active'
             ORDER BY m.value IS NULL, m.value DESC, r.start_time DESC, r.run_uuid LIMIT ?`,
      params: [metricKey, Number(experimentId), limit],
    },
    ...pageRows(engine, JSON.stringify(((answer as { runs?: { info: { run_id: string } }[] }).runs ?? []).map((r) => r.info.run_id))),
  ];
}

export function runRowsStatements(runId: string) {
  return (engine: 'sqlite' | 'postgres') => pageRows(engine, JSON.stringify([runId]));
}

/** MLflow's _sample_rows_with_window_functions and its last-point query, per run. */
export function bulkIntervalStatements(runIds: string[], metricKey: string, maxResults: number) {
  return () =>
    runIds.flatMap((runId) => [
      {
        sql: `WITH b AS (SELECT key, value, timestamp, step, is_nan, run_uuid, NTILE(?) OVER (ORDER BY step, timestamp, value, is_nan) AS tile
                           FROM metrics WHERE run_uuid = ? AND key = ?),
                   r AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY tile ORDER BY step, timestamp, value, is_nan) AS rn FROM b)
              SELECT key, value, timestamp, step, is_nan, run_uuid FROM r WHERE rn = 1 ORDER BY step, timestamp, value, is_nan`,
        params: [maxResults, runId, metricKey],
      },
      {
        sql: `SELECT key, value, timestamp, step, is_nan, run_uuid FROM metrics WHERE run_uuid = ? AND key = ?
               ORDER BY step DESC, timestamp DESC, value DESC, is_nan DESC LIMIT 1`,
        params: [runId, metricKey],
      },
    ]);
}
