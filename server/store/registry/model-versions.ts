// Model versions: create (version = max + 1, never reused: a deleted version stays behind as a
// tombstone), read, update, stage transitions, delete, tags, download URI and search — with
// model_registry/sqlalchemy_store.py's semantics. The source checks live in model-version-source.ts.
//
// Several replicas may create versions of one model at once. The number is computed inside the write
// transaction after the model's row is locked (UPDATE registered_models takes the row lock on
// PostgreSQL; SQLite's BEGIN IMMEDIATE excludes every other writer), so each creator sees the
// previous one's version: numbers stay unique and gap-free, and the (name, version) primary key is the
// last guard. No number is ever held in memory.
import { invalidParameter, MlflowError } from '../../errors.js';
import { compileModelVersionSearch } from '../../search/registry-sql.js';
import { createPageToken } from '../../search/index.js';
import type { SqlEngine } from '../engine/types.js';
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
import { registeredModelNotFound, type ModelVersionRow, type RegistryReader } from './reader.js';
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

const UPSERT_TAG =
  'INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (workspace, name, version, key) DO UPDATE SET value = excluded.value';

export class ModelVersionStore {
  constructor(
    private readonly db: SqlEngine,
    private readonly reader: RegistryReader,
    private readonly models: RegisteredModelStore,
    private readonly aliases: AliasStore,
    private readonly deps: ModelVersionDeps,
  ) {}

  /** A live version (validated name and version), or MLflow's not-found error. */
  async row(name: string, version: string | number): Promise<ModelVersionRow> {
    validateModelName(name);
    return this.reader.modelVersionRow(name, parseModelVersion(version));
  }

  async get(name: string, version: string | number): Promise<ModelVersion> {
    const row = await this.row(name, version);
    return (await this.reader.modelVersions([row], true))[0]!;
  }

  async create(req: CreateModelVersion): Promise<ModelVersion> {
    const checked = await checkModelVersionSource(
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
          const model = await this.deps.loggedModels.get(parsed.modelId);
          storageLocation = model.artifactLocation;
          runId = runId || (model.sourceRunId ?? '');
        } else {
          storageLocation = await this.getDownloadUri(parsed.name ?? '', parsed.version ?? '');
        }
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw internalError(`Unable to fetch model from model URI source artifact location '${source}'.Error: ${reason}`);
      }
    }
    if (!runId && modelId) runId = (await this.deps.loggedModels.get(modelId)).sourceRunId ?? '';

    const version = await this.db.transaction(async () => {
      const now = Date.now();
      // The row lock that serialises version creation per model, across replicas.
      const touched = await this.db.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, name]);
      if (touched.changes === 0) throw registeredModelNotFound(name);
      const max = await this.db.get<{ v: number | string | null }>('SELECT max(version) AS v FROM model_versions WHERE name = ?', [name]);
      const next = Number(max?.v ?? 0) + 1;
      await this.db.run(
        `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage,
           source, storage_location, run_id, run_link, status, status_message, model_id)
         VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, ?, ?, 'READY', NULL, ?)`,
        [name, next, now, now, req.description ?? '', source, storageLocation, runId, req.runLink ?? '', modelId ?? null],
      );
      for (const t of dedupeTags(req.tags)) await this.db.run(UPSERT_TAG, [name, next, t.key, t.value]);
      return next;
    });
    // MLflow links the logged model after the version is committed (tracking store set_model_versions_tags).
    if (!checked.isPrompt && modelId) await this.deps.loggedModels.addModelVersionTag(modelId, name, String(version));
    return this.reader.modelVersion(name, version, true);
  }

  /** MLflow writes the description as given, NULL included (a request without one clears it). */
  async update(name: string, version: string | number, description: string | null): Promise<ModelVersion> {
    const row = await this.writeVersion(name, version, async (r) => {
      await this.db.run('UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?', [
        description,
        Date.now(),
        r.name,
        r.version,
      ]);
    });
    return this.reader.modelVersion(row.name, row.version, true);
  }

  async transitionStage(name: string, version: string | number, stage: string, archiveExistingVersions: boolean): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw internalError(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. ` +
          `Valid stages are ['${ACTIVE_STAGES.join("', '")}']`,
      );
    }
    const row = await this.writeVersion(name, version, async (r) => {
      const now = Date.now();
      if (archiveExistingVersions) {
        await this.db.run(
          'UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version != ? AND current_stage = ?',
          [STAGE_ARCHIVED, now, r.name, r.version, target],
        );
      }
      await this.db.run('UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?', [
        target,
        now,
        r.name,
        r.version,
      ]);
      await this.db.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, r.name]);
    });
    return this.reader.modelVersion(row.name, row.version, true);
  }

  /**
   * A deleted version becomes a tombstone, as in MLflow: its number stays taken, its aliases go, and
   * what pointed outside the registry (source, run) is redacted. Its tags are kept.
   */
  async delete(name: string, version: string | number): Promise<void> {
    parseModelVersion(version); // MLflow checks the version before the name here
    await this.writeVersion(name, version, async (r) => {
      const now = Date.now();
      await this.db.run('UPDATE registered_models SET last_updated_time = ? WHERE name = ?', [now, r.name]);
      await this.db.run('DELETE FROM registered_model_aliases WHERE name = ? AND version = ?', [r.name, r.version]);
      await this.db.run(
        `UPDATE model_versions SET current_stage = ?, last_updated_time = ?, description = NULL, user_id = NULL,
           source = 'REDACTED-SOURCE-PATH', run_id = 'REDACTED-RUN-ID', run_link = 'REDACTED-RUN-LINK', status_message = NULL
         WHERE name = ? AND version = ?`,
        [STAGE_DELETED_INTERNAL, now, r.name, r.version],
      );
    });
  }

  /** Where the version's files are: the storage location (a logged model's artifacts) or the source. */
  async getDownloadUri(name: string, version: string | number): Promise<string> {
    const r = await this.row(name, version);
    return r.storage_location || r.source || '';
  }

  async setTag(name: string, version: string | number, key: string, value: string): Promise<void> {
    validateModelName(name);
    parseModelVersion(version);
    validateModelVersionTag(key, value);
    await this.writeVersion(name, version, async (r) => {
      await this.db.run(UPSERT_TAG, [r.name, r.version, key, value]);
    });
  }

  async deleteTag(name: string, version: string | number, key: string): Promise<void> {
    validateModelName(name);
    parseModelVersion(version);
    validateTagName(key);
    await this.writeVersion(name, version, async (r) => {
      await this.db.run('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?', [r.name, r.version, key]);
    });
  }

  /** Search results carry tags but no aliases, as MLflow's search_model_versions returns them. */
  async search(req: ModelVersionSearch): Promise<Page<ModelVersion>> {
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
    const query = compileModelVersionSearch({ filter: req.filter, orderBy: req.orderBy, maxResults, pageToken: req.pageToken }, this.db.dialect);
    const rows = await this.db.all<ModelVersionRow>(query.sql, query.params);
    const nextPageToken = rows.length === maxResults + 1 ? createPageToken(query.offset + maxResults) : undefined;
    return { items: await this.reader.modelVersions(rows.slice(0, maxResults)), ...(nextPageToken ? { nextPageToken } : {}) };
  }

  /**
   * A write to one live version: in one transaction, after the model's row lock (the order every
   * registry write takes its locks in), so the version cannot be deleted, renamed away or changed by
   * another replica between the check and the write.
   */
  private async writeVersion(name: string, version: string | number, write: (row: ModelVersionRow) => Promise<void>): Promise<ModelVersionRow> {
    validateModelName(name);
    const number = parseModelVersion(version);
    return this.db.transaction(async () => {
      await this.reader.lockRegisteredModel(name);
      const r = await this.reader.modelVersionRow(name, number);
      await write(r);
      return r;
    });
  }

  /** The registry lookups a `models:/<name>/...` source needs (get_model_name_and_version). */
  private registeredSources(): SourceCheckDeps['registered'] {
    return {
      isPrompt: async (name) => isPromptRequest((await this.models.get(name)).tags),
      resolveVersion: async (uri: ParsedModelUri & { name: string }) => {
        if (uri.version !== undefined) return parseModelVersion(uri.version);
        if (uri.alias !== undefined) return (await this.aliases.getModelVersion(uri.name, uri.alias)).version;
        const latest = await this.models.getLatestVersions(uri.name, uri.stage === undefined ? undefined : [uri.stage]);
        if (latest.length === 0) {
          const stage = uri.stage === undefined ? '' : ` and stage '${uri.stage}'`;
          throw internalError(`No versions of model with name '${uri.name}'${stage} found`);
        }
        return Math.max(...latest.map((mv) => mv.version));
      },
      runIdOf: async (name, version) => (await this.get(name, version)).runId,
    };
  }
}
