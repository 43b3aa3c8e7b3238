// Reads of metric history: paged per run, bulk across runs (the UI's ajax route), sampled across runs
// (the charts: sampled-history.ts), and the dataset summaries of experiments. Orders follow MLflow's SQL store.
import { int64Of, INT64_MAX, INT64_MIN, stringifyJsonExact } from '../protocol/int64.js';
import { createPageToken, parseStartOffset } from '../search/index.js';
import type { SqlEngine } from './engine/types.js';
import type { DatasetSummary, Metric } from './entities.js';
import { MLFLOW_DATASET_CONTEXT } from './entities.js';
import { fillValueMarks, pgValueJson } from './float-marks.js';
import { SampledHistory } from './sampled-history.js';
import { parseExperimentId } from './validation.js';

/** get-history's order, MLflow's SQL store's. */
const HISTORY_ORDER = 'ORDER BY timestamp, step, value';

interface MetricRow {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
  run_uuid: string;
}

function toMetric(r: MetricRow): Metric {
  return { key: r.key, value: r.is_nan ? Number.NaN : r.value, timestamp: r.timestamp, step: r.step, runId: r.run_uuid };
}

export class MetricHistory {
  private readonly sampled: SampledHistory;

  constructor(private readonly db: SqlEngine) {
    this.sampled = new SampledHistory(db);
  }

  /**
   * One page of a run's history as the text of `[metric, …]`'s items ('' when none; an unknown run has
   * none, as in MLflow). The engine writes each point's text and the values come beside it
   * (float-marks.ts): a 100,000-point history used to become 100,000 row objects, metric objects and a
   * JSON.stringify pass in the read worker (bench/ workload 6a). Steps and timestamps are the engine's
   * integer text, exact past 2^53.
   */
  async getJson(runId: string, metricKey: string, maxResults?: number, pageToken?: string): Promise<{ metrics: string; nextPageToken?: string }> {
    const offset = parseStartOffset(pageToken);
    // No portable "no limit" (SQLite's -1 is an error on PostgreSQL): the largest safe integer is one.
    const limit = maxResults === undefined ? Number.MAX_SAFE_INTEGER : maxResults;
    const page = `SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? ${HISTORY_ORDER} LIMIT ? OFFSET ?`;
    const sqlite = this.db.dialect.name === 'sqlite';
    const point = `? || CASE WHEN is_nan THEN '"NaN"' ELSE ${sqlite ? 'char(1)' : 'chr(1)'} END || ',"timestamp":' || timestamp || ',"step":' || step || '}'`;
    // SQLite aggregates in the subquery's order; PostgreSQL is told, by a row number both aggregates share.
    const sql = sqlite
      ? `SELECT group_concat(${point}, ','), json_group_array(value) FILTER (WHERE NOT is_nan) FROM (${page})`
      : `SELECT string_agg(${point}, ',' ORDER BY i), '[' || COALESCE(string_agg(${pgValueJson('value')}, ',' ORDER BY i) FILTER (WHERE NOT is_nan), '') || ']'
           FROM (SELECT *, ROW_NUMBER() OVER (${HISTORY_ORDER}) AS i FROM (${page}) rows) numbered`;
    const prefix = `{"key":${JSON.stringify(metricKey)},"value":`;
    const [template, values] = (await this.db.values<[string | null, string | null]>(sql, [prefix, runId, metricKey, limit, offset]))[0] ?? [null, null];
    const metrics = template ? fillValueMarks(template, values ?? '[]') : '';
    if (maxResults === undefined || !metrics) return { metrics };
    const next = await this.db.values(`SELECT 1 FROM metrics WHERE run_uuid = ? AND key = ? ${HISTORY_ORDER} LIMIT 1 OFFSET ?`, [runId, metricKey, offset + maxResults]);
    return next.length > 0 ? { metrics, nextPageToken: createPageToken(offset + maxResults) } : { metrics };
  }

  async bulk(runIds: string[], metricKey: string, maxResults: number): Promise<Metric[]> {
    const rows = await this.db.all<MetricRow>(
      `SELECT key, value, timestamp, step, is_nan, run_uuid FROM metrics
        WHERE key = ? AND run_uuid IN ${this.db.dialect.jsonValues()}
        ORDER BY run_uuid, timestamp, step, value LIMIT ?`,
      [metricKey, JSON.stringify(runIds), maxResults],
    );
    return rows.map(toMetric);
  }

  /** get-history-bulk-interval's points, as the text of `[metric, …]`'s items ('' when none): sampled-history.ts. */
  bulkIntervalJson(runIds: string[], metricKey: string, maxResults: number, startStep?: number, endStep?: number): Promise<string> {
    return this.sampled.json(runIds, metricKey, maxResults, startStep, endStep);
  }

  async searchDatasets(experimentIds: string[]): Promise<DatasetSummary[]> {
    // An id past int64 names no experiment (MLflow's driver would fail on it instead).
    const ids = experimentIds.map(parseExperimentId).filter((id) => id >= INT64_MIN && id <= INT64_MAX).map(int64Of);
    const rows = await this.db.all<{ experiment_id: number; name: string; digest: string; context: string | null }>(
      `SELECT DISTINCT d.experiment_id, d.name, d.digest, t.value AS context
           FROM datasets d
           JOIN inputs i ON i.source_id = d.dataset_uuid
           LEFT JOIN input_tags t ON t.input_uuid = i.input_uuid AND t.name = ?
          WHERE d.experiment_id IN ${this.db.dialect.jsonValues('integer')}
          LIMIT 1000`,
      [MLFLOW_DATASET_CONTEXT, stringifyJsonExact(ids)],
    );
    return rows.map((r) => ({ experimentId: String(r.experiment_id), name: r.name, digest: r.digest, context: r.context }));
  }
}
