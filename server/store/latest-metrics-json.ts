// The latest metrics of a page of runs, rendered as MLflow's JSON by the database: one row per run,
// not one per metric. Issue 18: a runs/search page of runs with 1,000 metrics each spent most of its
// time making a JS array, a key string and an object per metric (120k metrics: ~290 ms to rows and
// JSON, against ~17 ms for SQLite to visit them); one text per run halves it.
//
// The engine writes everything of a metric but its value, whose place is marked (float-marks.ts).
import type { SqlEngine } from './engine/types.js';
import { fillValueMarks, pgValueJson } from './float-marks.js';

/** Between a run's metrics template and its values. */
const SPLIT = '\x02';

export class LatestMetricsJson {
  private readonly sql: string;

  constructor(private readonly db: SqlEngine) {
    const d = db.dialect;
    if (d.name === 'sqlite') {
      // One correlated subquery per run over MLflow's run_uuid index, whose entries are in rowid order:
      // the inner ORDER BY costs no sort, where GROUP BY with ordered aggregates sorted every row three
      // times (206 → 115 ms for 120k metrics, measured).
      const metric = `'{"key":' || json_quote(t.key) || ',"value":' || CASE WHEN t.is_nan THEN '"NaN"' ELSE char(1) END || ',"timestamp":' || COALESCE(t.timestamp, 'null') || ',"step":' || t.step || '}'`;
      this.sql = `SELECT j.key, (SELECT group_concat(m, ',') || char(2) || json_group_array(v) FILTER (WHERE n = 0)
                                   FROM (SELECT ${metric} AS m, t.value AS v, t.is_nan AS n FROM latest_metrics t
                                          WHERE t.run_uuid = j.value ORDER BY t.rowid))
                    FROM ${d.jsonEach('j')}`;
    } else {
      const order = `ORDER BY ${d.rowOrder('t')}`;
      const metric = `'{"key":' || to_json(t.key)::text || ',"value":' || CASE WHEN t.is_nan THEN '"NaN"' ELSE chr(1) END || ',"timestamp":' || COALESCE(t.timestamp::text, 'null') || ',"step":' || t.step::text || '}'`;
      const value = pgValueJson('t.value');
      // LATERAL: one run_uuid index lookup per run whatever the statistics say (see run-loader.ts).
      this.sql = `SELECT j.key, m.text FROM ${d.jsonEach('j')} CROSS JOIN LATERAL (
                    SELECT string_agg(${metric}, ',' ${order}) || chr(2) || '[' || COALESCE(string_agg(${value}, ',' ${order}) FILTER (WHERE NOT t.is_nan), '') || ']' AS text
                      FROM latest_metrics t WHERE t.run_uuid = j.value) m`;
    }
  }

  /** For each run of the duplicate-free `runIds` (by position), its metrics as a JSON array text; undefined when it has none. */
  async load(runIds: string[]): Promise<(string | undefined)[]> {
    const out = new Array<string | undefined>(runIds.length);
    if (runIds.length === 0) return out;
    for (const [position, text] of await this.db.values<[number, string | null]>(this.sql, [JSON.stringify(runIds)])) {
      if (text === null) continue;
      const split = text.lastIndexOf(SPLIT);
      out[Number(position)] = `[${fillValueMarks(text.slice(0, split), text.slice(split + 1))}]`;
    }
    return out;
  }
}
