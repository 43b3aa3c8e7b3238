// Writes to a run: metrics, params, tags, batches, inputs and outputs. Each call is one SQLite
// transaction, so a log-batch that fails anywhere leaves nothing of itself behind (MLflow itself
// commits params, metrics and tags in separate sessions).
import { randomUUID } from 'node:crypto';
import { invalidParameter } from '../errors.js';
import type { Sqlite } from './db.js';
import type { DatasetInput, Metric, ModelOutput, Tag } from './entities.js';
import { MetricWriter } from './metric-writer.js';
import type { RunStore } from './runs.js';
import {
  pythonJsonDumps,
  pythonRepr,
  validateBatchLimits,
  validateDatasetInputs,
  validateMetric,
  validateParam,
  validateParamKeysUnique,
  validateRunId,
  validateRunTag,
} from './validation.js';

const LOG_MODEL_HISTORY = 'mlflow.log-model.history';

/** Observers of metric writes that carry a model_id (the logged-model store hooks in here). */
export type ModelMetricSink = (runId: string, experimentId: number, metrics: Metric[]) => void;

export class RunLogging {
  private readonly metricWriter: MetricWriter;
  private readonly selectParams;
  private readonly insertParam;
  modelMetricSink: ModelMetricSink | null = null;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly runs: RunStore,
  ) {
    this.metricWriter = new MetricWriter(sqlite);
    this.selectParams = sqlite.prepare('SELECT key, value FROM params WHERE run_uuid = ? AND key IN (SELECT value FROM json_each(?))');
    this.insertParam = sqlite.prepare('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)');
  }

  logMetric(runId: string, metric: Metric): void {
    validateMetric(metric);
    this.sqlite.transaction(() => {
      const run = this.runs.activeRow(runId);
      this.writeMetrics(runId, run.experiment_id, [metric]);
    })();
  }

  logParam(runId: string, key: string | undefined, value: string | undefined): void {
    const param = validateParam(key, value);
    this.sqlite.transaction(() => {
      this.runs.activeRow(runId);
      const existing = this.selectParams.get(runId, JSON.stringify([param.key])) as Tag | undefined;
      if (existing) {
        if (existing.value !== param.value) {
          throw invalidParameter(
            `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${existing.value}' ` +
              `for run ID='${runId}'. Attempted logging new value '${param.value}'.`,
          );
        }
        return;
      }
      this.insertParam.run(runId, param.key, param.value);
    })();
  }

  logBatch(runId: string, metrics: Metric[], params: Tag[], tags: Tag[]): void {
    validateRunId(runId);
    metrics.forEach((m, i) => validateMetric(m, `metrics[${i}]`));
    const validParams = params.map((p, i) => validateParam(p.key, p.value, `params[${i}]`));
    const validTags = tags.map((t, i) => validateRunTag(t.key, t.value, `tags[${i}]`));
    validateBatchLimits(metrics.length, validParams.length, validTags.length);
    validateParamKeysUnique(validParams);
    this.sqlite.transaction(() => {
      const run = this.runs.activeRow(runId);
      this.writeParams(runId, validParams);
      this.writeMetrics(runId, run.experiment_id, metrics);
      this.runs.writeTags(runId, validTags);
    })();
  }

  logInputs(runId: string, datasets: DatasetInput[], modelIds: string[]): void {
    validateRunId(runId);
    validateDatasetInputs(datasets);
    this.sqlite.transaction(() => {
      const run = this.runs.activeRow(runId);
      const seen = new Set<string>();
      for (const input of datasets) {
        const key = JSON.stringify([input.dataset.name, input.dataset.digest]);
        if (seen.has(key)) continue; // MLflow keeps the first of two inputs with the same name and digest
        seen.add(key);
        const datasetUuid = this.upsertDataset(run.experiment_id, input);
        const existing = this.sqlite
          .prepare(
            "SELECT 1 FROM inputs WHERE source_type = 'DATASET' AND source_id = ? AND destination_type = 'RUN' AND destination_id = ?",
          )
          .get(datasetUuid, runId);
        if (existing) continue;
        const inputUuid = randomUUID().replace(/-/g, '');
        this.sqlite
          .prepare(
            "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'DATASET', ?, 'RUN', ?, 0)",
          )
          .run(inputUuid, datasetUuid, runId);
        const tagInsert = this.sqlite.prepare('INSERT INTO input_tags (input_uuid, name, value) VALUES (?, ?, ?) ON CONFLICT (input_uuid, name) DO UPDATE SET value = excluded.value');
        for (const tag of input.tags) tagInsert.run(inputUuid, tag.key, tag.value);
      }
      const modelInsert = this.sqlite.prepare(
        "INSERT OR IGNORE INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'RUN_INPUT', ?, 'MODEL_INPUT', ?, 0)",
      );
      for (const modelId of modelIds) modelInsert.run(randomUUID().replace(/-/g, ''), runId, modelId);
    })();
  }

  /**
   * The legacy runs/log-model (mlflow 2.x): appends the model's summary to the run tag
   * `mlflow.log-model.history`, as SqlAlchemyStore.record_logged_model with Model.get_tags_dict.
   */
  recordLoggedModel(runId: string, modelJson: string): void {
    let model: unknown;
    try {
      model = JSON.parse(modelJson);
    } catch {
      throw invalidParameter(`Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
    }
    if (model === null || typeof model !== 'object' || Array.isArray(model)) {
      throw invalidParameter(`Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
    }
    const m = model as Record<string, unknown>;
    const missing = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((k) => !(k in m));
    if (missing.length > 0) {
      throw invalidParameter(`Model json is missing mandatory fields: {${missing.map(pythonRepr).join(', ')}}`);
    }
    const summary: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m)) {
      if (['run_id', 'utc_time_created', 'artifact_path', 'model_uuid'].includes(k)) summary[k] = v;
    }
    const flavors: Record<string, unknown> = {};
    for (const [name, conf] of Object.entries((m.flavors ?? {}) as Record<string, unknown>)) {
      flavors[name] =
        conf !== null && typeof conf === 'object' && !Array.isArray(conf)
          ? Object.fromEntries(Object.entries(conf).filter(([k]) => k !== 'config'))
          : conf;
    }
    summary.flavors = flavors;
    this.sqlite.transaction(() => {
      this.runs.activeRow(runId);
      const current = this.sqlite
        .prepare('SELECT value FROM tags WHERE run_uuid = ? AND key = ?')
        .get(runId, LOG_MODEL_HISTORY) as { value: string } | undefined;
      let history: unknown[] = [];
      try {
        const parsed: unknown = current ? JSON.parse(current.value) : [];
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        history = [];
      }
      this.runs.writeTags(runId, [{ key: LOG_MODEL_HISTORY, value: pythonJsonDumps([...history, summary]) }]);
    })();
  }

  logOutputs(runId: string, models: ModelOutput[]): void {
    this.sqlite.transaction(() => {
      this.runs.activeRow(runId);
      const insert = this.sqlite.prepare(
        `INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step)
         VALUES (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, ?)
         ON CONFLICT (source_type, source_id, destination_type, destination_id) DO UPDATE SET step = excluded.step`,
      );
      for (const m of models) insert.run(randomUUID().replace(/-/g, ''), runId, m.modelId, m.step);
    })();
  }

  private writeParams(runId: string, params: Tag[]): void {
    if (params.length === 0) return;
    const existing = new Map(
      (this.selectParams.all(runId, JSON.stringify(params.map((p) => p.key))) as Tag[]).map((p) => [p.key, p.value]),
    );
    const conflicts = params.filter((p) => existing.has(p.key) && existing.get(p.key) !== p.value);
    if (conflicts.length > 0) {
      const listed = conflicts
        .map((p) => `{'key': ${pythonRepr(p.key)}, 'old_value': ${pythonRepr(existing.get(p.key)!)}, 'new_value': ${pythonRepr(p.value)}}`)
        .join(', ');
      throw invalidParameter(`Changing param values is not allowed. Params were already logged='[${listed}]' for run ID='${runId}'.`);
    }
    for (const p of params) if (!existing.has(p.key)) this.insertParam.run(runId, p.key, p.value);
  }

  private writeMetrics(runId: string, experimentId: number, metrics: Metric[]): void {
    this.metricWriter.write(runId, metrics);
    if (this.modelMetricSink) {
      const withModel = metrics.filter((m) => m.modelId);
      if (withModel.length > 0) this.modelMetricSink(runId, experimentId, withModel);
    }
  }

  private upsertDataset(experimentId: number, input: DatasetInput): string {
    const d = input.dataset;
    const found = this.sqlite
      .prepare('SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?')
      .get(experimentId, d.name, d.digest) as { dataset_uuid: string } | undefined;
    if (found) return found.dataset_uuid;
    const datasetUuid = randomUUID().replace(/-/g, '');
    this.sqlite
      .prepare(
        `INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(datasetUuid, experimentId, d.name, d.digest, d.sourceType, d.source, d.schema ?? null, d.profile ?? null);
    return datasetUuid;
  }
}
