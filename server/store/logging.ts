// Writes to a run: metrics, params, tags, batches, inputs and outputs. Each call is one SQLite
// transaction, so a log-batch that fails anywhere leaves nothing of itself behind (MLflow itself
// commits params, metrics and tags in separate sessions).
import { randomUUID } from 'node:crypto';
import { invalidParameter } from '../errors.js';
import type { SqlEngine } from './engine/types.js';
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
/** experimentId as the runs row holds it: a number, or exact text past 2^53 (MLflow's file-store-era ids). */
export type ModelMetricSink = (runId: string, experimentId: number | string, metrics: Metric[]) => Promise<void>;

export class RunLogging {
  private readonly metricWriter: MetricWriter;
  private readonly selectParams: string;
  modelMetricSink: ModelMetricSink | null = null;

  constructor(
    private readonly db: SqlEngine,
    private readonly runs: RunStore,
  ) {
    this.metricWriter = new MetricWriter(db);
    this.selectParams = `SELECT key, value FROM params WHERE run_uuid = ? AND key IN ${db.dialect.jsonValues()}`;
  }

  /**
   * The caller checked that the key is new; another replica may have logged it since. The same value
   * is then a no-op (as when it was there before), another value MLflow's refusal.
   */
  private async insertParam(runId: string, key: string, value: string): Promise<void> {
    const { changes } = await this.db.run('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [runId, key, value]);
    if (changes > 0) return;
    const existing = await this.db.get<Tag>(this.selectParams, [runId, JSON.stringify([key])]);
    if (existing && existing.value !== value) {
      throw invalidParameter(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${existing.value}' ` +
          `for run ID='${runId}'. Attempted logging new value '${value}'.`,
      );
    }
  }

  async logMetric(runId: string, metric: Metric): Promise<void> {
    validateMetric(metric);
    await this.db.transaction(async () => {
      const run = await this.runs.activeRow(runId);
      await this.writeMetrics(runId, run.experiment_id, [metric]);
    });
  }

  async logParam(runId: string, key: string | undefined, value: string | undefined): Promise<void> {
    const param = validateParam(key, value);
    await this.db.transaction(async () => {
      await this.runs.activeRow(runId);
      const existing = await this.db.get<Tag>(this.selectParams, [runId, JSON.stringify([param.key])]);
      if (existing) {
        if (existing.value !== param.value) {
          throw invalidParameter(
            `Changing param values is not allowed. Param with key='${param.key}' was already logged with value='${existing.value}' ` +
              `for run ID='${runId}'. Attempted logging new value '${param.value}'.`,
          );
        }
        return;
      }
      await this.insertParam(runId, param.key, param.value);
    });
  }

  async logBatch(runId: string, metrics: Metric[], params: Tag[], tags: Tag[]): Promise<void> {
    validateRunId(runId);
    metrics.forEach((m, i) => validateMetric(m, `metrics[${i}]`));
    const validParams = params.map((p, i) => validateParam(p.key, p.value, `params[${i}]`));
    const validTags = tags.map((t, i) => validateRunTag(t.key, t.value, `tags[${i}]`));
    validateBatchLimits(metrics.length, validParams.length, validTags.length);
    validateParamKeysUnique(validParams);
    await this.db.transaction(async () => {
      const run = await this.runs.activeRow(runId);
      await this.writeParams(runId, validParams);
      await this.writeMetrics(runId, run.experiment_id, metrics);
      await this.runs.writeTags(runId, validTags);
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[], modelIds: string[]): Promise<void> {
    validateRunId(runId);
    validateDatasetInputs(datasets);
    await this.db.transaction(async () => {
      const run = await this.runs.activeRow(runId);
      const seen = new Set<string>();
      for (const input of datasets) {
        const key = JSON.stringify([input.dataset.name, input.dataset.digest]);
        if (seen.has(key)) continue; // MLflow keeps the first of two inputs with the same name and digest
        seen.add(key);
        const datasetUuid = await this.upsertDataset(run.experiment_id, input);
        const existing = await this.db.get(
          "SELECT 1 FROM inputs WHERE source_type = 'DATASET' AND source_id = ? AND destination_type = 'RUN' AND destination_id = ?",
          [datasetUuid, runId],
        );
        if (existing) continue;
        const inputUuid = randomUUID().replace(/-/g, '');
        await this.db.run(
          "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'DATASET', ?, 'RUN', ?, 0)",
          [inputUuid, datasetUuid, runId],
        );
        for (const tag of input.tags) {
          await this.db.run(
            'INSERT INTO input_tags (input_uuid, name, value) VALUES (?, ?, ?) ON CONFLICT (input_uuid, name) DO UPDATE SET value = excluded.value',
            [inputUuid, tag.key, tag.value],
          );
        }
      }
      for (const modelId of modelIds) {
        await this.db.run(
          "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'RUN_INPUT', ?, 'MODEL_INPUT', ?, 0) ON CONFLICT DO NOTHING",
          [randomUUID().replace(/-/g, ''), runId, modelId],
        );
      }
    });
  }

  /**
   * The legacy runs/log-model (mlflow 2.x): appends the model's summary to the run tag
   * `mlflow.log-model.history`, as SqlAlchemyStore.record_logged_model with Model.get_tags_dict.
   */
  async recordLoggedModel(runId: string, modelJson: string): Promise<void> {
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
    await this.db.transaction(async () => {
      await this.runs.activeRow(runId);
      const current = await this.db.get<{ value: string }>('SELECT value FROM tags WHERE run_uuid = ? AND key = ?', [runId, LOG_MODEL_HISTORY]);
      let history: unknown[] = [];
      try {
        const parsed: unknown = current ? JSON.parse(current.value) : [];
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        history = [];
      }
      await this.runs.writeTags(runId, [{ key: LOG_MODEL_HISTORY, value: pythonJsonDumps([...history, summary]) }]);
    });
  }

  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    await this.db.transaction(async () => {
      await this.runs.activeRow(runId);
      for (const m of models) {
        await this.db.run(
          `INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step)
           VALUES (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, ?)
           ON CONFLICT (source_type, source_id, destination_type, destination_id) DO UPDATE SET step = excluded.step`,
          [randomUUID().replace(/-/g, ''), runId, m.modelId, m.step],
        );
      }
    });
  }

  private async writeParams(runId: string, params: Tag[]): Promise<void> {
    if (params.length === 0) return;
    const existing = new Map(
      (await this.db.all<Tag>(this.selectParams, [runId, JSON.stringify(params.map((p) => p.key))])).map((p) => [p.key, p.value]),
    );
    const conflicts = params.filter((p) => existing.has(p.key) && existing.get(p.key) !== p.value);
    if (conflicts.length > 0) {
      const listed = conflicts
        .map((p) => `{'key': ${pythonRepr(p.key)}, 'old_value': ${pythonRepr(existing.get(p.key)!)}, 'new_value': ${pythonRepr(p.value)}}`)
        .join(', ');
      throw invalidParameter(`Changing param values is not allowed. Params were already logged='[${listed}]' for run ID='${runId}'.`);
    }
    for (const p of params) if (!existing.has(p.key)) await this.insertParam(runId, p.key, p.value);
  }

  private async writeMetrics(runId: string, experimentId: number | string, metrics: Metric[]): Promise<void> {
    await this.metricWriter.write(runId, metrics);
    if (this.modelMetricSink) {
      const withModel = metrics.filter((m) => m.modelId);
      if (withModel.length > 0) await this.modelMetricSink(runId, experimentId, withModel);
    }
  }

  private async upsertDataset(experimentId: number | string, input: DatasetInput): Promise<string> {
    const d = input.dataset;
    const select = 'SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?';
    const found = await this.db.get<{ dataset_uuid: string }>(select, [experimentId, d.name, d.digest]);
    if (found) return found.dataset_uuid;
    // ON CONFLICT: another replica may insert the same (experiment, name, digest) between our two statements.
    await this.db.run(
      `INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [randomUUID().replace(/-/g, ''), experimentId, d.name, d.digest, d.sourceType, d.source, d.schema ?? null, d.profile ?? null],
    );
    return (await this.db.get<{ dataset_uuid: string }>(select, [experimentId, d.name, d.digest]))!.dataset_uuid;
  }
}
