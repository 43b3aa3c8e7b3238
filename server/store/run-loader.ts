// Loads whole runs (info + latest metrics + params + tags + inputs + outputs) for a list of run ids
// with one query per table, whatever the number of runs: a search page of 1000 runs costs eight
// queries, not eight thousand.
//
// The hot tables (runs, latest_metrics, params, tags) are read as raw arrays and joined to the id
// list's position (json_each's integer key) rather than to run_uuid: measured on a 1000-run search
// page and a 100-run × 300-value UI page (bench/, workload 5), most of the time went into making a row
// object and a 32-character run_uuid string per row.
import type { SqlEngine } from './engine/types.js';
import { LatestMetricsJson } from './latest-metrics-json.js';
import type { DatasetInput, Metric, ModelInput, ModelOutput, Run, RunInfo, RunStatus, LifecycleStage, Tag } from './entities.js';

export interface RunRow {
  run_uuid: string;
  name: string | null;
  user_id: string | null;
  status: RunStatus;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: LifecycleStage;
  artifact_uri: string | null;
  /** A number, or text where read as text (18-digit ids of MLflow's file-store era pass 2^53). */
  experiment_id: number | string;
}

export function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_uuid,
    runName: row.name,
    experimentId: String(row.experiment_id),
    userId: row.user_id ?? '',
    status: row.status,
    startTime: row.start_time,
    endTime: row.end_time,
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage,
  };
}

function groupBy<R extends { run_uuid: string }, T>(rows: R[], map: (r: R) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    let list = out.get(r.run_uuid);
    if (!list) out.set(r.run_uuid, (list = []));
    list.push(map(r));
  }
  return out;
}

type RunRowValues = [string, string | null, string | null, RunStatus, number | null, number | null, LifecycleStage, string | null, number];

function listsOf<T>(n: number): T[][] {
  return Array.from({ length: n }, () => []);
}

export interface LoadOptions {
  /** runs/get returns the run's model inputs; runs/search does not (as MLflow). */
  modelInputs: boolean;
  /** false: leave data.metrics empty (runs/search renders them as JSON in SQL: server/store/latest-metrics-json.ts). */
  metrics?: boolean;
}

export class RunLoader {
  private readonly sql;
  /** The page's latest metrics as JSON text, for a load with `metrics: false`. */
  readonly metricsJson: LatestMetricsJson;

  constructor(private readonly db: SqlEngine) {
    this.metricsJson = new LatestMetricsJson(db);
    const d = db.dialect;
    const ids = d.jsonValues();
    // `j.key` is the run's index in the (duplicate-free) id list; rows keep their table's insertion
    // order within each run, as MLflow returns them.
    // On PostgreSQL a LATERAL lookup per id: with statistics that lag a bulk load (no ANALYZE yet) the
    // planner hash-joined a sequential scan of latest_metrics for one run (240k rows: 70 ms against 1 ms
    // by the run_uuid index, measured on the bench's seeded database). OFFSET 0 keeps PostgreSQL from
    // flattening the LATERAL subquery back into that join.
    const byPosition = (columns: string, table: string) =>
      d.name === 'postgres'
        ? `SELECT j.key, ${columns} FROM ${d.jsonEach('j')} CROSS JOIN LATERAL (SELECT * FROM ${table} WHERE run_uuid = j.value OFFSET 0) t ORDER BY ${d.rowOrder('t')}`
        : `SELECT j.key, ${columns} FROM ${d.jsonEach('j')} JOIN ${table} t ON t.run_uuid = j.value ORDER BY ${d.rowOrder('t')}`;
    this.sql = {
      runs: `SELECT j.key, r.run_uuid, r.name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri, CAST(r.experiment_id AS TEXT)
               FROM ${d.jsonEach('j')} JOIN runs r ON r.run_uuid = j.value`,
      metrics: byPosition('t.key, t.value, t.timestamp, t.step, t.is_nan', 'latest_metrics'),
      params: byPosition('t.key, t.value', 'params'),
      tags: byPosition('t.key, t.value', 'tags'),
      datasets: `SELECT i.destination_id AS run_uuid, i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source,
                        d.dataset_schema, d.dataset_profile
                   FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
                  WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ${ids}
                  ORDER BY ${d.rowOrder('i')}`,
      inputTags: `SELECT t.input_uuid, t.name, t.value FROM input_tags t
                    JOIN inputs i ON i.input_uuid = t.input_uuid
                   WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ${ids}`,
      modelInputs: `SELECT i.source_id AS run_uuid, i.destination_id FROM inputs i
                     WHERE i.source_type = 'RUN_INPUT' AND i.destination_type = 'MODEL_INPUT' AND i.source_id IN ${ids} ORDER BY ${d.rowOrder('i')}`,
      modelOutputs: `SELECT i.source_id AS run_uuid, i.destination_id, i.step FROM inputs i
                      WHERE i.source_type = 'RUN_OUTPUT' AND i.destination_type = 'MODEL_OUTPUT' AND i.source_id IN ${ids} ORDER BY ${d.rowOrder('i')}`,
    };
  }

  /** Runs in the order of `runIds`; ids with no run are left out. */
  async load(runIds: string[], options: LoadOptions): Promise<Run[]> {
    if (runIds.length === 0) return [];
    const unique = [...new Set(runIds)];
    const n = unique.length;
    const key = JSON.stringify(unique);
    const s = this.sql;
    const db = this.db;
    const args = [key];
    const infos = new Array<RunInfo | undefined>(n);
    for (const r of await db.values<[number, ...RunRowValues]>(s.runs, args)) {
      infos[r[0]] = toRunInfo({
        run_uuid: r[1],
        name: r[2],
        user_id: r[3],
        status: r[4],
        start_time: r[5],
        end_time: r[6],
        lifecycle_stage: r[7],
        artifact_uri: r[8],
        experiment_id: r[9],
      });
    }
    const metrics = listsOf<Metric>(n);
    if (options.metrics !== false) {
      for (const r of await db.values<[number, string, number, number, number, number]>(s.metrics, args)) {
        metrics[r[0]]!.push({ key: r[1], value: r[5] ? Number.NaN : r[2], timestamp: r[3], step: r[4] });
      }
    }
    const params = listsOf<Tag>(n);
    for (const r of await db.values<[number, string, string]>(s.params, args)) params[r[0]]!.push({ key: r[1], value: r[2] });
    const tags = listsOf<Tag>(n);
    for (const r of await db.values<[number, string, string | null]>(s.tags, args)) tags[r[0]]!.push({ key: r[1], value: r[2] ?? '' });
    const datasets = await this.datasetInputs(key);
    const modelInputs = options.modelInputs
      ? groupBy(await db.all<{ run_uuid: string; destination_id: string }>(s.modelInputs, args), (r): ModelInput => ({ modelId: r.destination_id }))
      : new Map<string, ModelInput[]>();
    const modelOutputs = groupBy(
      await db.all<{ run_uuid: string; destination_id: string; step: number }>(s.modelOutputs, args),
      (r): ModelOutput => ({ modelId: r.destination_id, step: r.step }),
    );
    const position = new Map(unique.map((id, i) => [id, i]));
    const out: Run[] = [];
    for (const id of runIds) {
      const i = position.get(id)!;
      const info = infos[i];
      if (!info) continue;
      out.push({
        info,
        data: { metrics: metrics[i]!, params: params[i]!, tags: tags[i]! },
        inputs: { datasetInputs: datasets.get(id) ?? [], modelInputs: modelInputs.get(id) ?? [] },
        outputs: { modelOutputs: modelOutputs.get(id) ?? [] },
      });
    }
    return out;
  }

  private async datasetInputs(key: string): Promise<Map<string, DatasetInput[]>> {
    const tagRows = await this.db.all<{ input_uuid: string; name: string; value: string }>(this.sql.inputTags, [key]);
    const tagsByInput = new Map<string, Tag[]>();
    for (const t of tagRows) {
      let list = tagsByInput.get(t.input_uuid);
      if (!list) tagsByInput.set(t.input_uuid, (list = []));
      list.push({ key: t.name, value: t.value });
    }
    type Row = {
      run_uuid: string;
      input_uuid: string;
      name: string;
      digest: string;
      dataset_source_type: string;
      dataset_source: string;
      dataset_schema: string | null;
      dataset_profile: string | null;
    };
    return groupBy(await this.db.all<Row>(this.sql.datasets, [key]), (r) => ({
      tags: tagsByInput.get(r.input_uuid) ?? [],
      dataset: {
        name: r.name,
        digest: r.digest,
        sourceType: r.dataset_source_type,
        source: r.dataset_source,
        schema: r.dataset_schema,
        profile: r.dataset_profile,
      },
    }));
  }
}
