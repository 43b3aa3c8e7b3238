// Reads of metric history: paged per run, bulk across runs (the UI's ajax route), sampled across runs
// (the charts: sampled-history.ts), and the dataset summaries of experiments. Orders follow MLflow's SQL store.
import { createPageToken, parseStartOffset } from '../search/index.js';
import type { SqlEngine } from './engine/types.js';
import type { DatasetSummary, Metric, Page } from './entities.js';
import { MLFLOW_DATASET_CONTEXT } from './entities.js';
import { SampledHistory } from './sampled-history.js';
import { parseExperimentId } from './validation.js';

interface MetricRow {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
  run_uuid: string;
}

function toMetric(r: MetricRow, withRunId: boolean): Metric {
  const m: Metric = { key: r.key, value: r.is_nan ? Number.NaN : r.value, timestamp: r.timestamp, step: r.step };
  if (withRunId) m.runId = r.run_uuid;
  return m;
}

export class MetricHistory {
  private readonly sampled: SampledHistory;

  constructor(private readonly db: SqlEngine) {
    this.sampled = new SampledHistory(db);
  }

  /** MLflow returns an empty history for an unknown run rather than an error. */
  async get(runId: string, metricKey: string, maxResults?: number, pageToken?: string): Promise<Page<Metric>> {
    const offset = parseStartOffset(pageToken);
    // No portable "no limit" (SQLite's -1 is an error on PostgreSQL): the largest safe integer is one.
    const limit = maxResults === undefined ? Number.MAX_SAFE_INTEGER : maxResults + 1;
    const rows = await this.db.all<MetricRow>(
      `SELECT key, value, timestamp, step, is_nan, run_uuid FROM metrics
        WHERE run_uuid = ? AND key = ? ORDER BY timestamp, step, value LIMIT ? OFFSET ?`,
      [runId, metricKey, limit, offset],
    );
    const more = maxResults !== undefined && rows.length === maxResults + 1;
    return {
      items: (more ? rows.slice(0, maxResults) : rows).map((r) => toMetric(r, false)),
      nextPageToken: more ? createPageToken(offset + maxResults!) : undefined,
    };
  }

  async bulk(runIds: string[], metricKey: string, maxResults: number): Promise<Metric[]> {
    const rows = await this.db.all<MetricRow>(
      `SELECT key, value, timestamp, step, is_nan, run_uuid FROM metrics
        WHERE key = ? AND run_uuid IN ${this.db.dialect.jsonValues()}
        ORDER BY run_uuid, timestamp, step, value LIMIT ?`,
      [metricKey, JSON.stringify(runIds), maxResults],
    );
    return rows.map((r) => toMetric(r, true));
  }

  /** get-history-bulk-interval's points, as the text of `[metric, …]`'s items ('' when none): sampled-history.ts. */
  bulkIntervalJson(runIds: string[], metricKey: string, maxResults: number, startStep?: number, endStep?: number): Promise<string> {
    return this.sampled.json(runIds, metricKey, maxResults, startStep, endStep);
  }

  async searchDatasets(experimentIds: string[]): Promise<DatasetSummary[]> {
    const ids = experimentIds.map(parseExperimentId);
    const rows = await this.db.all<{ experiment_id: number; name: string; digest: string; context: string | null }>(
      `SELECT DISTINCT d.experiment_id, d.name, d.digest, t.value AS context
           FROM datasets d
           JOIN inputs i ON i.source_id = d.dataset_uuid
           LEFT JOIN input_tags t ON t.input_uuid = i.input_uuid AND t.name = ?
          WHERE d.experiment_id IN ${this.db.dialect.jsonValues('integer')}
          LIMIT 1000`,
      [MLFLOW_DATASET_CONTEXT, JSON.stringify(ids)],
    );
    return rows.map((r) => ({ experimentId: String(r.experiment_id), name: r.name, digest: r.digest, context: r.context }));
  }
}
