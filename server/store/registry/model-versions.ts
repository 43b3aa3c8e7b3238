// Model versions: create (version = max + 1, never reused: a deleted version stays behind as a
// tombstone), read, update, stage transitions, delete, tags, download URI and search — with
// model_registry/sqlalchemy_store.py's semantics. The source checks live in model-version-source.ts.
import { invalidParameter, MlflowError } from '../../errors.js';
import { compileModelVersionSearch } from '../../search/registry-sql.js';
import { createPageToken } from '../../search/index.js';
import type { Sqlite } from '../db.js';
import type { Tag } from '../entities.js';
import type { AliasStore } from './aliases.js';
import {
  ACTIVE_STAGES,
  STAGE_ARCHIVED,
  STAGE_DELETED_INTERNAL,
  type ModelVersion,
  type Page,
} from './entities.js';
import {
  checkModelVersionSource,
  isPromptRequest,
  parseModelUri,
  type ParsedModelUri,
  type SourceCheckDeps,
} from './model-version-source.js';
import { urlparse } from './py-url.js';
import type { RegisteredModelStore } from './registered-models.js';
import { dedupeTags } from './registered-models.js';
import { RegistryReader, type ModelVersionRow } from './reader.js';
import { canonicalStage, parseModelVersion, validateModelName, validateModelVersionTag, validateTagName } from './validation.js';

export const SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 200_000;
export const SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD = 200_000;

export interface CreateModelVersion {
  name: string;
  source: string;
  /** undefined when the request has no run_id at all: MLflow tells absent and "" apart here. */
  runId?: string;
  runLink?: string;
  description?: string;
  tags: Tag[];
  modelId?: string;
}

export interface ModelVersionSearch {
  filter?: string;
  maxResults?: number;
  orderBy?: readonly string[];
  pageToken?: string;
}

/** Runs, logged models and the trusted artifact roots: everything but the registry's own lookups. */
export type ModelVersionDeps = Omit<SourceCheckDeps, 'registered'>;

/** MLflow raises these without an error code (a 500); they are the caller's mistakes, so 400. */
function internalError(message: string): MlflowError {
  return new MlflowError('INTERNAL_ERROR', message, 400);
}

export class ModelVersionStore {
  private readonly upsertTag;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly reader: RegistryReader,
    private readonly models: RegisteredModelStore,
    private readonly aliases: AliasStore,
    private readonly deps: ModelVersionDeps,
  ) {
    this.upsertTag = sqlite.prepare(
      'INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value',
    );
  }

  /** A live version (validated name and version), or MLflow's not-found error. */
  row(name: string, version: string | number): ModelVersionRow {
    validateModelName(name);
    return this.reader.modelVersionRow(name, parseModelVersion(version));
  }

  get(name: string, version: string | number): ModelVersion {
    const row = this.row(name, version);
    return this.reader.modelVersions([row], true)[0]!;
  }

  create(req: CreateModelVersion): ModelVersion {
    const checked = checkModelVersionSource(
      { source: req.source, runId: req.runId, modelId: req.modelId, tags: req.tags },
      { ...this.deps, registered: this.registeredSources() },
    );
    const { name } = req;
    const source = checked.source;
    validateModelName(name);
    for (const t of req.tags) validateModelVersionTag(t.key, t.value);
    let runId = checked.runId ?? '';
    const modelId = checked.modelId || undefined;
    let storageLocation = source;
    if (urlparse(source).scheme === 'models') {
      // The version keeps the models:/ URI as its source; where the files are goes to storage_location.
      const parsed = parseModelUri(source);
      try {
        if (parsed === undefined) throw new Error(`Not a proper models:/ URI: ${source}.`);
        if (parsed.modelId !== undefined) {
          const model = this.deps.loggedModels.get(parsed.modelId);
          storageLocation = model.artifactLocation;
          runId = runId || (model.sourceRunId ?? '');
        } else {
          storageLocation = this.getDownloadUri(parsed.name ?? '', parsed.version ?? '');
        }
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw internalError(`Unable to fetch model from model URI source artifact location '${source}'.Error: ${reason}`);
      }
    }
    if (!runId && modelId) runId = this.deps.loggedModels.get(modelId).sourceRunId ?? '';

    const version = this.sqlite.transaction(() => {
      this.models.row(name);
      const now = Date.now();
      const max = this.sqlite.prepare('SELECT max(version) AS v FROM model_versions WHERE name = ?').get(name) as { v: number | null };
      const next = (max.v ?? 0) + 1;
      this.sqlite.prepare('UPDATE registered_models SET last_updated_time = ? WHERE name = ?').run(now, name);
      this.sqlite
        .prepare(
          `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage,
             source, storage_location, run_id, run_link, status, status_message, model_id)
           VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, ?, ?, 'READY', NULL, ?)`,
        )
        .run(name, next, now, now, req.description ?? '', source, storageLocation, runId, req.runLink ?? '', modelId ?? null);
      for (const t of dedupeTags(req.tags)) this.upsertTag.run(name, next, t.key, t.value);
      return next;
    })();
    // MLflow links the logged model after the version is committed (tracking store set_model_versions_tags).
    if (!checked.isPrompt && modelId) this.deps.loggedModels.addModelVersionTag(modelId, name, String(version));
    return this.reader.modelVersion(name, version, true);
  }

  /** MLflow writes the description as given, NULL included (a request without one clears it). */
  update(name: string, version: string | number, description: string | null): ModelVersion {
    const row = this.sqlite.transaction(() => {
      const r = this.row(name, version);
      this.sqlite
        .prepare('UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?')
        .run(description, Date.now(), r.name, r.version);
      return r;
    })();
    return this.reader.modelVersion(row.name, row.version, true);
  }

  transitionStage(name: string, version: string | number, stage: string, archiveExistingVersions: boolean): ModelVersion {
    const target = canonicalStage(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw internalError(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. ` +
          `Valid stages are ['${ACTIVE_STAGES.join("', '")}']`,
      );
    }
    const row = this.sqlite.transaction(() => {
      const now = Date.now();
      const r = this.row(name, version);
      if (archiveExistingVersions) {
        this.sqlite
          .prepare('UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version != ? AND current_stage = ?')
          .run(STAGE_ARCHIVED, now, r.name, r.version, target);
      }
      this.sqlite
        .prepare('UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?')
        .run(target, now, r.name, r.version);
      this.sqlite.prepare('UPDATE registered_models SET last_updated_time = ? WHERE name = ?').run(now, r.name);
      return r;
    })();
    return this.reader.modelVersion(row.name, row.version, true);
  }

  /**
   * A deleted version becomes a tombstone, as in MLflow: its number stays taken, its aliases go, and
   * what pointed outside the registry (source, run) is redacted. Its tags are kept.
   */
  delete(name: string, version: string | number): void {
    const number = parseModelVersion(version);
    this.sqlite.transaction(() => {
      const r = this.row(name, number);
      const now = Date.now();
      this.sqlite.prepare('UPDATE registered_models SET last_updated_time = ? WHERE name = ?').run(now, r.name);
      this.sqlite.prepare('DELETE FROM registered_model_aliases WHERE name = ? AND version = ?').run(r.name, r.version);
      this.sqlite
        .prepare(
          `UPDATE model_versions SET current_stage = ?, last_updated_time = ?, description = NULL, user_id = NULL,
             source = 'REDACTED-SOURCE-PATH', run_id = 'REDACTED-RUN-ID', run_link = 'REDACTED-RUN-LINK', status_message = NULL
           WHERE name = ? AND version = ?`,
        )
        .run(STAGE_DELETED_INTERNAL, now, r.name, r.version);
    })();
  }

  /** Where the version's files are: the storage location (a logged model's artifacts) or the source. */
  getDownloadUri(name: string, version: string | number): string {
    const r = this.row(name, version);
    return r.storage_location || r.source || '';
  }

  setTag(name: string, version: string | number, key: string, value: string): void {
    validateModelName(name);
    const number = parseModelVersion(version);
    validateModelVersionTag(key, value);
    this.sqlite.transaction(() => {
      const r = this.row(name, number);
      this.upsertTag.run(r.name, r.version, key, value);
    })();
  }

  deleteTag(name: string, version: string | number, key: string): void {
    validateModelName(name);
    const number = parseModelVersion(version);
    validateTagName(key);
    this.sqlite.transaction(() => {
      const r = this.row(name, number);
      this.sqlite.prepare('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?').run(r.name, r.version, key);
    })();
  }

  /** Search results carry tags but no aliases, as MLflow's search_model_versions returns them. */
  search(req: ModelVersionSearch): Page<ModelVersion> {
    const maxResults = req.maxResults ?? SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT;
    if (!Number.isInteger(maxResults) || maxResults < 1) {
      throw invalidParameter(`Invalid value for max_results. It must be a positive integer, but got ${maxResults}`);
    }
    if (maxResults > SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD) {
      throw invalidParameter(
        'Invalid value for request parameter max_results. It must be at most ' +
          `${SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD}, but got value ${maxResults}`,
      );
    }
    const query = compileModelVersionSearch({ filter: req.filter, orderBy: req.orderBy, maxResults, pageToken: req.pageToken });
    const rows = this.sqlite.prepare(query.sql).all(...query.params) as ModelVersionRow[];
    const nextPageToken = rows.length === maxResults + 1 ? createPageToken(query.offset + maxResults) : undefined;
    return { items: this.reader.modelVersions(rows.slice(0, maxResults)), ...(nextPageToken ? { nextPageToken } : {}) };
  }

  /** The registry lookups a `models:/<name>/...` source needs (get_model_name_and_version). */
  private registeredSources(): SourceCheckDeps['registered'] {
    return {
      isPrompt: (name) => isPromptRequest(this.models.get(name).tags),
      resolveVersion: (uri: ParsedModelUri & { name: string }) => {
        if (uri.version !== undefined) return parseModelVersion(uri.version);
        if (uri.alias !== undefined) return this.aliases.getModelVersion(uri.name, uri.alias).version;
        const latest = this.models.getLatestVersions(uri.name, uri.stage === undefined ? undefined : [uri.stage]);
        if (latest.length === 0) {
          const stage = uri.stage === undefined ? '' : ` and stage '${uri.stage}'`;
          throw internalError(`No versions of model with name '${uri.name}'${stage} found`);
        }
        return Math.max(...latest.map((mv) => mv.version));
      },
      runIdOf: (name, version) => this.get(name, version).runId,
    };
  }
}
