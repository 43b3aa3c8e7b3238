// get-history-bulk-interval's sampling: up to n points per run, the rows MLflow's
// `_sample_rows_with_window_functions` keeps (NTILE(n) over the run's rows in (step, timestamp, value,
// is_nan) order, the first row of each tile), always ending on the last row. Answered as the JSON text
// of the points, written once.
//
// The rows kept are known from the row count alone: NTILE's first (N mod n) tiles hold q+1 rows and the
// rest q (q = N div n), so tiles start at 0, q+1, … up to r(q+1), then every q-th; the last tile starts
// at N - q, and MLflow puts the last row in its place when that is not the last row itself.
//
// How the rows are fetched depends on the engine (issue 18, 10 runs × 10,000 points, 2,500 kept each):
// - SQLite reads the run's steps in order from the covering index (one JSON text), picks the kept
//   positions here, and fetches only the rows of those steps (~100 ms of window function → ~35 ms).
//   Steps beyond 2^53 (possible in a database MLflow wrote) do not survive a JS number, so such a run
//   takes the window query instead.
// - PostgreSQL numbers the rows with ROW_NUMBER and writes the kept ones as one text, so no row reaches
//   the driver.
// Either costs the engine a pass over every row of the run (6–10 ms per 10,000 on PostgreSQL, which then
// bounds the whole server). Metric rows are only ever inserted (MLflow has no update or delete of a
// metric; a run's are removed only with the run), so a run's row count for (key, range) changes
// whenever its rows do: the answer is kept by that count and served again while a COUNT(*) in the same
// snapshot still finds it (sampled-cache.ts).
import { pythonFloatText } from '../protocol/float-text.js';
import type { SqlEngine } from './engine/types.js';
import { fillValueMarks, pgValueJson } from './float-marks.js';
import { SampledCache } from './sampled-cache.js';

const ORDER = 'ORDER BY step, timestamp, value, is_nan';

/** The tiles of `total` rows in `n`: keep position i when it starts a tile (but `lastStart`), or is the last row. */
export interface TilePlan {
  /** Positions below `big` are in the tiles of q+1 rows. */
  big: number;
  q: number;
  /** The last tile's start, which the last row replaces (-1: every row is kept). */
  lastStart: number;
  last: number;
}

export function tilePlan(total: number, n: number): TilePlan {
  if (total <= n) return { big: 0, q: 1, lastStart: -1, last: total - 1 };
  const q = Math.floor(total / n);
  return { big: (total % n) * (q + 1), q, lastStart: total - q, last: total - 1 };
}

/** The kept positions, ascending. */
export function sampledPositions(total: number, n: number): number[] {
  const { big, q, lastStart, last } = tilePlan(total, n);
  const out: number[] = [];
  for (let i = 0; i < big; i += q + 1) out.push(i);
  for (let i = big; i < total; i += q) if (i !== lastStart) out.push(i);
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

type Point = [value: number, timestamp: number, step: number, isNan: number];

export class SampledHistory {
  private readonly cache = new SampledCache();

  constructor(private readonly db: SqlEngine) {}

  /** The points of each run, as the text of `[metric, …]`'s items (key, value, timestamp, step, run_id); '' when none. */
  async json(runIds: string[], metricKey: string, maxResults: number, startStep?: number, endStep?: number): Promise<string> {
    const n = Math.max(1, maxResults);
    const hasRange = startStep !== undefined && endStep !== undefined;
    const range = hasRange ? 'AND step >= ? AND step <= ?' : '';
    const rangeArgs = hasRange ? [startStep, endStep] : [];
    const parts: string[] = [];
    for (const runId of runIds) {
      const text = await this.run(runId, metricKey, n, range, [runId, metricKey, ...rangeArgs]);
      if (text) parts.push(text);
    }
    return parts.join(',');
  }

  private async run(runId: string, key: string, n: number, range: string, args: (string | number)[]): Promise<string> {
    const total = Number((await this.db.values<[number]>(`SELECT COUNT(*) FROM metrics WHERE run_uuid = ? AND key = ? ${range}`, args))[0]?.[0] ?? 0);
    if (total === 0) return '';
    const cacheKey = JSON.stringify([n, ...args]);
    const cached = this.cache.get(cacheKey, total);
    if (cached !== undefined) return cached;
    const prefix = `{"key":${JSON.stringify(key)},"value":`;
    const suffix = `,"run_id":${JSON.stringify(runId)}}`;
    const text =
      this.db.dialect.name === 'sqlite' ? await this.sqliteRun(prefix, suffix, n, range, args, total) : await this.windowRun(prefix, suffix, n, range, args, total);
    this.cache.set(cacheKey, total, text);
    return text;
  }

  private async sqliteRun(prefix: string, suffix: string, n: number, range: string, args: (string | number)[], total: number): Promise<string> {
    const where = `FROM metrics WHERE run_uuid = ? AND key = ? ${range}`;
    const text = (await this.db.values<[string]>(`SELECT json_group_array(step) FROM (SELECT step ${where} ${ORDER})`, args))[0]?.[0] ?? '[]';
    const steps = JSON.parse(text) as number[];
    // One snapshot with the count (a read transaction), so they agree.
    if (steps.length !== total) throw new Error(`sampled history: ${steps.length} steps for ${total} rows`);
    // Steps beyond 2^53 come back rounded, and their rows would not be found by them.
    if (!Number.isSafeInteger(steps[0]) || !Number.isSafeInteger(steps[total - 1])) return this.windowRun(prefix, suffix, n, range, args, total);
    // Each kept position as (its step, its rank among the rows of that step).
    const positions = sampledPositions(total, n);
    const keptSteps: number[] = [];
    const ranks: number[] = [];
    let groupStart = 0;
    for (const p of positions) {
      while (steps[groupStart] !== steps[p]) groupStart += 1;
      if (keptSteps[keptSteps.length - 1] !== steps[p]) keptSteps.push(steps[p]!);
      ranks.push(p - groupStart);
    }
    const rows = await this.db.values<Point>(
      `SELECT value, timestamp, step, is_nan ${where} AND step IN (SELECT value FROM json_each(?)) ${ORDER}`,
      [...args, JSON.stringify(keptSteps)],
    );
    // Where each step's rows begin among those fetched (in the same order as the scan).
    const firstRow = new Map<number, number>();
    rows.forEach((r, i) => {
      if (!firstRow.has(r[2])) firstRow.set(r[2], i);
    });
    const out = new Array<string>(positions.length);
    positions.forEach((p, k) => {
      const [value, timestamp, step, isNan] = rows[firstRow.get(steps[p]!)! + ranks[k]!]!;
      out[k] = `${prefix}${isNan ? '"NaN"' : pythonFloatText(value)},"timestamp":${timestamp},"step":${step}${suffix}`;
    });
    return out.join(',');
  }

  /** The kept rows numbered and written as text by the engine; the values' places marked (float-marks.ts). */
  private async windowRun(prefix: string, suffix: string, n: number, range: string, args: (string | number)[], total: number): Promise<string> {
    const where = `FROM metrics WHERE run_uuid = ? AND key = ? ${range}`;
    const plan = tilePlan(total, n);
    const numbered = `SELECT value, timestamp, step, is_nan, ROW_NUMBER() OVER (${ORDER}) - 1 AS i ${where}`;
    const kept = '(CASE WHEN i < ? THEN i % ? = 0 ELSE (i - ?) % ? = 0 END AND i <> ?) OR i = ?';
    const keptArgs = [plan.big, plan.q + 1, plan.big, plan.q, plan.lastStart, plan.last];
    const sqlite = this.db.dialect.name === 'sqlite';
    const mark = sqlite ? 'char(1)' : 'chr(1)';
    const point = `? || CASE WHEN is_nan THEN '"NaN"' ELSE ${mark} END || ',"timestamp":' || timestamp || ',"step":' || step || ?`;
    // SQLite aggregates in the subquery's order; PostgreSQL is told.
    const sql = sqlite
      ? `SELECT group_concat(${point}, ','), json_group_array(value) FILTER (WHERE NOT is_nan)
           FROM (SELECT * FROM (${numbered}) WHERE ${kept} ORDER BY i)`
      : `SELECT string_agg(${point}, ',' ORDER BY i), '[' || COALESCE(string_agg(${pgValueJson('value')}, ',' ORDER BY i) FILTER (WHERE NOT is_nan), '') || ']'
           FROM (${numbered}) numbered WHERE ${kept}`;
    const [template, values] = (await this.db.values<[string | null, string | null]>(sql, [prefix, suffix, ...args, ...keptArgs]))[0] ?? [null, null];
    return template ? fillValueMarks(template, values ?? '[]') : '';
  }
}
