// MLflow 3 logged models: a model's own record (id `m-<uuid hex>`, artifacts under
// `<experiment artifact location>/models/<id>/artifacts`), its params, tags and the metrics logged with
// its model_id, with the SqlAlchemyStore's semantics (soft delete, PENDING → READY on finalize).
import { randomUUID } from 'node:crypto';
import { invalidParameter, notFound } from '../errors.js';
import { appendToUriPath } from '../artifacts/uri.js';
import { compileLoggedModelSearch, type LoggedModelSearchRequest } from '../search/logged-models-sql.js';
import type { SqlEngine } from './engine/types.js';
import type { Metric, Tag } from './entities.js';
import type { ExperimentStore } from './experiments.js';
import { randomRunName } from './run-names.js';
import { pythonJsonDumps, pythonRepr } from './validation.js';

export const LOGGED_MODEL_STATUSES = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  status: LoggedModelStatus;
  lifecycleStage: 'active' | 'deleted';
  modelType: string | null;
  sourceRunId: string | null;
  statusMessage: string | null;
  tags: Tag[];
  params: Tag[];
  metrics: Metric[];
}

interface Row {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: number;
  lifecycle_stage: 'active' | 'deleted';
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}

export interface CreateLoggedModel {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params: Tag[];
  tags: Tag[];
}

const BAD_NAME_CHARS = ['/', ':', '.', '%', '"', "'"];

function validateLoggedModelName(name: string | undefined): void {
  if (name === undefined) return;
  if (!name || BAD_NAME_CHARS.some((c) => name.includes(c))) {
    throw invalidParameter(
      `Invalid model name (${pythonRepr(name)}) provided. Model name must be a non-empty string ` +
        `and cannot contain the following characters: (${BAD_NAME_CHARS.map(pythonRepr).join(', ')})`,
    );
  }
}

const UPSERT_PARAM =
  'INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, param_key) DO UPDATE SET param_value = excluded.param_value';
const UPSERT_TAG =
  'INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value';

export class LoggedModelStore {
  constructor(
    private readonly db: SqlEngine,
    private readonly experiments: ExperimentStore,
  ) {}

  async create(req: CreateLoggedModel): Promise<LoggedModel> {
    validateLoggedModelName(req.name);
    const modelId = `m-${randomUUID().replace(/-/g, '')}`;
    await this.db.transaction(async () => {
      const experiment = await this.experiments.row(req.experimentId, ['active', 'deleted']);
      this.experiments.assertActive(experiment);
      const now = Date.now();
      await this.db.run(
        `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms,
           last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message)
         VALUES (?, ?, ?, ?, ?, ?, 1, 'active', ?, ?, NULL)`,
        [
          modelId,
          experiment.experiment_id,
          req.name || randomRunName(),
          appendToUriPath(experiment.artifact_location ?? '', 'models', modelId, 'artifacts'),
          now,
          now,
          req.modelType || null,
          req.sourceRunId || null,
        ],
      );
      for (const p of req.params) await this.db.run(UPSERT_PARAM, [modelId, experiment.experiment_id, p.key, p.value]);
      for (const t of req.tags) await this.db.run(UPSERT_TAG, [modelId, experiment.experiment_id, t.key, t.value]);
    });
    return this.get(modelId);
  }

  async get(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const row = await this.row(modelId, allowDeleted);
    return (await this.hydrate([row]))[0]!;
  }

  async logParams(modelId: string, params: Tag[]): Promise<void> {
    await this.db.transaction(async () => {
      const row = await this.row(modelId, true);
      for (const p of params) await this.db.run(UPSERT_PARAM, [modelId, row.experiment_id, p.key, p.value]);
    });
  }

  async finalize(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    await this.row(modelId, true);
    await this.db.run('UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?', [
      LOGGED_MODEL_STATUSES.indexOf(status),
      Date.now(),
      modelId,
    ]);
    return this.get(modelId, true);
  }

  async delete(modelId: string): Promise<void> {
    await this.row(modelId, true);
    await this.db.run("UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE model_id = ?", [Date.now(), modelId]);
  }

  async setTags(modelId: string, tags: Tag[]): Promise<void> {
    await this.db.transaction(async () => {
      const row = await this.row(modelId, true);
      for (const t of tags) await this.db.run(UPSERT_TAG, [modelId, row.experiment_id, t.key, t.value]);
    });
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.db.transaction(async () => {
      await this.row(modelId, true);
      const info = await this.db.run('DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?', [modelId, key]);
      if (info.changes === 0) {
        throw notFound(`No tag with key ${pythonRepr(key)} found for model with ID ${pythonRepr(modelId)}.`);
      }
    });
  }

  /** Registering a version appends {"name", "version"} to the model's mlflow.modelVersions tag (abstract_store.py). */
  addModelVersionTag(modelId: string, name: string, version: string): Promise<void> {
    return this.db.transaction(async () => {
      // Locked: two replicas registering versions of one model must not both append to the list they read.
      const row = await this.row(modelId, true, true);
      const current = await this.db.get<{ tag_value: string }>('SELECT tag_value FROM logged_model_tags WHERE model_id = ? AND tag_key = ?', [
        modelId,
        MODEL_VERSIONS_TAG,
      ]);
      let list: unknown[] = [];
      try {
        const parsed: unknown = current ? JSON.parse(current.tag_value) : [];
        if (Array.isArray(parsed)) list = parsed;
      } catch {
        list = [];
      }
      list.push({ name, version: Number(version) });
      // Python's json.dumps spacing, so the tag reads the same as one the official server wrote.
      await this.db.run(UPSERT_TAG, [modelId, row.experiment_id, MODEL_VERSIONS_TAG, pythonJsonDumps(list)]);
    });
  }

  /** Metrics logged with a model_id also land in logged_model_metrics (unknown model ids are skipped). */
  async recordMetrics(runId: string, experimentId: number | string, metrics: Metric[]): Promise<void> {
    const known = new Map<string, boolean>();
    for (const m of metrics) {
      const modelId = m.modelId!;
      let exists = known.get(modelId);
      if (exists === undefined) {
        exists = (await this.db.get('SELECT 1 FROM logged_models WHERE model_id = ?', [modelId])) !== undefined;
        known.set(modelId, exists);
      }
      if (!exists) continue;
      const value = Number.isNaN(m.value) ? 0 : Math.max(-1.7976931348623157e308, Math.min(1.7976931348623157e308, m.value));
      await this.db.run(
        `INSERT INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, metric_value,
           experiment_id, run_id, dataset_uuid, dataset_name, dataset_digest)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING`,
        [modelId, m.key, m.timestamp, m.step, value, experimentId, runId, m.datasetName ?? null, m.datasetDigest ?? null],
      );
    }
  }

  /** search_logged_models: one page of models, and whether there is another. */
  async search(req: LoggedModelSearchRequest): Promise<{ items: LoggedModel[]; more: boolean }> {
    const compiled = compileLoggedModelSearch(req, this.db.dialect);
    const maxResults = req.maxResults;
    const ids = (await this.db.all<{ model_id: string }>(compiled.sql, compiled.params)).map((r) => r.model_id);
    const page = ids.slice(0, maxResults);
    const rows = await this.rowsByIds(page);
    return { items: await this.hydrate(rows), more: ids.length > maxResults };
  }

  private async row(modelId: string, allowDeleted: boolean, forUpdate = false): Promise<Row> {
    const lock = forUpdate ? this.db.dialect.forUpdate : '';
    const row = await this.db.get<Row>(`SELECT * FROM logged_models WHERE model_id = ?${lock}`, [modelId]);
    if (!row || (!allowDeleted && row.lifecycle_stage === 'deleted')) {
      throw notFound(`Logged model with ID '${modelId}' not found.`);
    }
    return row;
  }

  private async rowsByIds(ids: string[]): Promise<Row[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.all<Row>(`SELECT * FROM logged_models WHERE model_id IN ${this.db.dialect.jsonValues()}`, [JSON.stringify(ids)]);
    const byId = new Map(rows.map((r) => [r.model_id, r]));
    return ids.map((id) => byId.get(id)!).filter(Boolean);
  }

  private async hydrate(rows: Row[]): Promise<LoggedModel[]> {
    if (rows.length === 0) return [];
    const key = [JSON.stringify(rows.map((r) => r.model_id))];
    const d = this.db.dialect;
    const ids = d.jsonValues();
    const group = <T>(list: (T & { model_id: string })[]) => {
      const m = new Map<string, T[]>();
      for (const item of list) {
        let l = m.get(item.model_id);
        if (!l) m.set(item.model_id, (l = []));
        l.push(item);
      }
      return m;
    };
    const tags = group(
      await this.db.all<{ model_id: string; tag_key: string; tag_value: string }>(
        `SELECT t.model_id, t.tag_key, t.tag_value FROM logged_model_tags t WHERE t.model_id IN ${ids} ORDER BY ${d.rowOrder('t')}`,
        key,
      ),
    );
    const params = group(
      await this.db.all<{ model_id: string; param_key: string; param_value: string }>(
        `SELECT t.model_id, t.param_key, t.param_value FROM logged_model_params t WHERE t.model_id IN ${ids} ORDER BY ${d.rowOrder('t')}`,
        key,
      ),
    );
    const metrics = group(
      await this.db.all<{
        model_id: string;
        metric_name: string;
        metric_timestamp_ms: number;
        metric_step: number;
        metric_value: number | null;
        run_id: string;
        dataset_name: string | null;
        dataset_digest: string | null;
      }>(
        `SELECT t.model_id, t.metric_name, t.metric_timestamp_ms, t.metric_step, t.metric_value, t.run_id, t.dataset_name, t.dataset_digest
           FROM logged_model_metrics t WHERE t.model_id IN ${ids} ORDER BY ${d.rowOrder('t')}`,
        key,
      ),
    );
    return rows.map((r) => ({
      modelId: r.model_id,
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      creationTimestampMs: r.creation_timestamp_ms,
      lastUpdatedTimestampMs: r.last_updated_timestamp_ms,
      status: LOGGED_MODEL_STATUSES[r.status] ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED',
      lifecycleStage: r.lifecycle_stage,
      modelType: r.model_type,
      sourceRunId: r.source_run_id,
      statusMessage: r.status_message,
      tags: (tags.get(r.model_id) ?? []).map((t) => ({ key: t.tag_key, value: t.tag_value })),
      params: (params.get(r.model_id) ?? []).map((p) => ({ key: p.param_key, value: p.param_value })),
      metrics: (metrics.get(r.model_id) ?? []).map((m) => ({
        key: m.metric_name,
        value: m.metric_value ?? Number.NaN,
        timestamp: m.metric_timestamp_ms,
        step: m.metric_step,
        runId: m.run_id,
        modelId: m.model_id,
        datasetName: m.dataset_name ?? undefined,
        datasetDigest: m.dataset_digest ?? undefined,
      })),
    }));
  }
}
