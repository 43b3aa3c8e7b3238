// Loads whole runs (info + latest metrics + params + tags + inputs + outputs) for a list of run ids
// with one query per table, whatever the number of runs: a search page of 1000 runs costs six
// queries, not six thousand.
import type { Sqlite } from './db.js';
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
  experiment_id: number;
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

export interface LoadOptions {
  /** runs/get returns the run's model inputs; runs/search does not (as MLflow). */
  modelInputs: boolean;
}

export class RunLoader {
  private readonly statements;

  constructor(private readonly sqlite: Sqlite) {
    const ids = '(SELECT value FROM json_each(?))';
    this.statements = {
      runs: sqlite.prepare(`SELECT * FROM runs WHERE run_uuid IN ${ids}`),
      metrics: sqlite.prepare(
        `SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN ${ids} ORDER BY rowid`,
      ),
      params: sqlite.prepare(`SELECT run_uuid, key, value FROM params WHERE run_uuid IN ${ids} ORDER BY rowid`),
      tags: sqlite.prepare(`SELECT run_uuid, key, value FROM tags WHERE run_uuid IN ${ids} ORDER BY rowid`),
      datasets: sqlite.prepare(
        `SELECT i.destination_id AS run_uuid, i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source,
                d.dataset_schema, d.dataset_profile
           FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
          WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ${ids}
          ORDER BY i.rowid`,
      ),
      inputTags: sqlite.prepare(
        `SELECT t.input_uuid, t.name, t.value FROM input_tags t
           JOIN inputs i ON i.input_uuid = t.input_uuid
          WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ${ids}`,
      ),
      modelInputs: sqlite.prepare(
        `SELECT source_id AS run_uuid, destination_id FROM inputs
          WHERE source_type = 'RUN_INPUT' AND destination_type = 'MODEL_INPUT' AND source_id IN ${ids} ORDER BY rowid`,
      ),
      modelOutputs: sqlite.prepare(
        `SELECT source_id AS run_uuid, destination_id, step FROM inputs
          WHERE source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT' AND source_id IN ${ids} ORDER BY rowid`,
      ),
    };
  }

  /** Runs in the order of `runIds`; ids with no run are left out. */
  load(runIds: string[], options: LoadOptions): Run[] {
    if (runIds.length === 0) return [];
    const key = JSON.stringify(runIds);
    const s = this.statements;
    const rows = new Map((s.runs.all(key) as RunRow[]).map((r) => [r.run_uuid, r]));
    const metrics = groupBy(
      s.metrics.all(key) as { run_uuid: string; key: string; value: number; timestamp: number; step: number; is_nan: number }[],
      (r): Metric => ({ key: r.key, value: r.is_nan ? Number.NaN : r.value, timestamp: r.timestamp, step: r.step }),
    );
    const params = groupBy(s.params.all(key) as (Tag & { run_uuid: string })[], (r): Tag => ({ key: r.key, value: r.value }));
    const tags = groupBy(s.tags.all(key) as (Tag & { run_uuid: string })[], (r): Tag => ({ key: r.key, value: r.value ?? '' }));
    const datasets = this.datasetInputs(key);
    const modelInputs = options.modelInputs
      ? groupBy(s.modelInputs.all(key) as { run_uuid: string; destination_id: string }[], (r): ModelInput => ({ modelId: r.destination_id }))
      : new Map<string, ModelInput[]>();
    const modelOutputs = groupBy(
      s.modelOutputs.all(key) as { run_uuid: string; destination_id: string; step: number }[],
      (r): ModelOutput => ({ modelId: r.destination_id, step: r.step }),
    );
    const out: Run[] = [];
    for (const id of runIds) {
      const row = rows.get(id);
      if (!row) continue;
      out.push({
        info: toRunInfo(row),
        data: { metrics: metrics.get(id) ?? [], params: params.get(id) ?? [], tags: tags.get(id) ?? [] },
        inputs: { datasetInputs: datasets.get(id) ?? [], modelInputs: modelInputs.get(id) ?? [] },
        outputs: { modelOutputs: modelOutputs.get(id) ?? [] },
      });
    }
    return out;
  }

  private datasetInputs(key: string): Map<string, DatasetInput[]> {
    const tagRows = this.statements.inputTags.all(key) as { input_uuid: string; name: string; value: string }[];
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
    return groupBy(this.statements.datasets.all(key) as Row[], (r) => ({
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
