// Registered models: create, read, rename (the schema's ON UPDATE CASCADE carries versions, tags and
// aliases along), update, delete (ON DELETE CASCADE removes everything under the model), tags, the
// latest version per stage, and search — with model_registry/sqlalchemy_store.py's semantics.
// Every write locks the model's row first (RegistryReader.lockRegisteredModel), so replicas sharing
// one database apply writes to one model one at a time; names are unique by the primary key alone.
import { alreadyExists, invalidParameter } from '../../errors.js';
import { compileRegisteredModelSearch } from '../../search/registry-sql.js';
import { createPageToken } from '../../search/index.js';
import { isUniqueViolation, type SqlEngine } from '../engine/types.js';
import type { Tag } from '../entities.js';
import { pythonRepr } from '../validation.js';
import { ALL_STAGES, IS_PROMPT_TAG_KEY, type ModelVersion, type Page, type RegisteredModel } from './entities.js';
import type { RegistryReader, RegisteredModelRow, RowOptions } from './reader.js';
import { canonicalStage, validateModelName, validateModelRenaming, validateRegisteredModelTag, validateTagName } from './validation.js';

export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT = 100;
export const SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD = 1000;

export interface RegisteredModelSearch {
  filter?: string;
  maxResults?: number;
  orderBy?: readonly string[];
  pageToken?: string;
}

/** Tags as a dict would hold them: the last value of a key wins, keys keep their first position. */
export function dedupeTags(tags: readonly Tag[]): Tag[] {
  const byKey = new Map<string, string>();
  for (const t of tags) byKey.set(t.key, t.value);
  return [...byKey].map(([key, value]) => ({ key, value }));
}

function hasPromptTag(tags: readonly Tag[]): boolean {
  return tags.some((t) => t.key === IS_PROMPT_TAG_KEY);
}

/** registry_utils.handle_resource_already_exist_error: a prompt and a model may not share a name. */
function nameTaken(name: string, existingIsPrompt: boolean, newIsPrompt: boolean): Error {
  const oldEntity = existingIsPrompt ? 'Prompt' : 'Registered Model';
  const newEntity = newIsPrompt ? 'Prompt' : 'Registered Model';
  if (oldEntity !== newEntity) {
    return alreadyExists(
      `Tried to create a ${newEntity.toLowerCase()} with name ${pythonRepr(name)}, but the name is already taken by a ` +
        `${oldEntity.toLowerCase()}. MLflow does not allow creating a model and a prompt with the same name.`,
    );
  }
  return alreadyExists(`${newEntity} (name=${name}) already exists.`);
}

/** MLflow appends the database driver's IntegrityError text; ours names the same constraint, on every engine. */
function renameTargetTaken(newName: string): Error {
  return alreadyExists(
    `Registered Model (name=${newName}) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: registered_models.name`,
  );
}

const UPSERT_TAG =
  'INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT (workspace, name, key) DO UPDATE SET value = excluded.value';

export class RegisteredModelStore {
  constructor(
    private readonly db: SqlEngine,
    private readonly reader: RegistryReader,
  ) {}

  async create(name: string, tags: readonly Tag[], description: string | null): Promise<RegisteredModel> {
    validateModelName(name);
    for (const t of tags) validateRegisteredModelTag(t.key, t.value);
    try {
      await this.db.transaction(async () => {
        if (await this.db.get('SELECT 1 FROM registered_models WHERE name = ?', [name])) {
          throw nameTaken(name, hasPromptTag((await this.reader.registeredModel(name)).tags), hasPromptTag(tags));
        }
        const now = Date.now();
        await this.db.run('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)', [
          name,
          now,
          now,
          description,
        ]);
        for (const t of dedupeTags(tags)) await this.db.run(UPSERT_TAG, [name, t.key, t.value]);
      });
    } catch (e) {
      // Another replica created the name between our check and our insert: the same answer as the check's.
      if (!isUniqueViolation(e) || this.db.inTransaction()) throw e;
      const existing = await this.reader.registeredModel(name).catch(() => undefined);
      throw nameTaken(name, existing !== undefined && hasPromptTag(existing.tags), hasPromptTag(tags));
    }
    return this.reader.registeredModel(name);
  }

  async get(name: string): Promise<RegisteredModel> {
    validateModelName(name);
    return this.reader.registeredModel(name);
  }

  /** The row of an existing model (validated name): the precondition of every change to a model. */
  async row(name: string, options: RowOptions = {}): Promise<RegisteredModelRow> {
    validateModelName(name);
    return this.reader.registeredModelRow(name, options);
  }

  async update(name: string, description: string | null): Promise<RegisteredModel> {
    await this.db.transaction(async () => {
      await this.row(name, { lock: true });
      await this.db.run('UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?', [description, Date.now(), name]);
    });
    return this.reader.registeredModel(name);
  }

  /** One transaction: the model, its versions, their tags, the model's tags and aliases move together. */
  async rename(name: string, newName: string): Promise<RegisteredModel> {
    validateModelRenaming(newName);
    try {
      await this.db.transaction(async () => {
        await this.row(name, { lock: true });
        const now = Date.now();
        if (newName !== name && (await this.db.get('SELECT 1 FROM registered_models WHERE name = ?', [newName]))) {
          throw renameTargetTaken(newName);
        }
        // Versions, their tags, the model's tags and aliases follow through ON UPDATE CASCADE.
        await this.db.run('UPDATE registered_models SET name = ?, last_updated_time = ? WHERE name = ?', [newName, now, name]);
        await this.db.run('UPDATE model_versions SET last_updated_time = ? WHERE name = ?', [now, newName]);
      });
    } catch (e) {
      // A model created under the new name by another replica after our check.
      if (isUniqueViolation(e)) throw renameTargetTaken(newName);
      throw e;
    }
    return this.reader.registeredModel(newName);
  }

  async delete(name: string): Promise<void> {
    await this.db.transaction(async () => {
      await this.row(name, { lock: true });
      // Versions (tombstones included), their tags, the model's tags and aliases: MLflow's foreign keys
      // do not cascade deletes (its ORM deletes the children), so neither may we rely on them.
      for (const table of ['model_version_tags', 'registered_model_aliases', 'model_versions', 'registered_model_tags', 'registered_models']) {
        await this.db.run(`DELETE FROM ${table} WHERE name = ?`, [name]);
      }
    });
  }

  async setTag(name: string, key: string, value: string): Promise<void> {
    validateModelName(name);
    validateRegisteredModelTag(key, value);
    await this.db.transaction(async () => {
      await this.row(name, { lock: true });
      await this.db.run(UPSERT_TAG, [name, key, value]);
    });
  }

  /** Deleting a tag the model does not have is not an error in MLflow. */
  async deleteTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateTagName(key);
    await this.db.transaction(async () => {
      await this.row(name, { lock: true });
      await this.db.run('DELETE FROM registered_model_tags WHERE name = ? AND key = ?', [name, key]);
    });
  }

  /** The latest live version of each requested stage (all stages when none are given), with aliases. */
  async getLatestVersions(name: string, stages?: readonly string[]): Promise<ModelVersion[]> {
    const model = await this.get(name);
    const wanted = new Set<string>((stages && stages.length > 0 ? stages : ALL_STAGES).map(canonicalStage));
    const aliases = model.aliases;
    return model.latestVersions
      .filter((mv) => wanted.has(mv.currentStage))
      .map((mv) => ({ ...mv, aliases: aliases.filter((a) => a.version === mv.version).map((a) => a.alias) }));
  }

  async search(req: RegisteredModelSearch): Promise<Page<RegisteredModel>> {
    const maxResults = req.maxResults ?? SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT;
    if (maxResults > SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD) {
      throw invalidParameter(
        'Invalid value for request parameter max_results. It must be at most ' +
          `${SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD}, but got value ${maxResults}`,
      );
    }
    const query = compileRegisteredModelSearch(
      { filter: req.filter, orderBy: req.orderBy, maxResults, pageToken: req.pageToken },
      this.db.dialect,
    );
    const rows = await this.db.all<RegisteredModelRow>(query.sql, query.params);
    // MLflow fetches max_results + 1 rows and slices in Python; the arithmetic (and its oddities for
    // max_results <= 0) is kept as is.
    const nextPageToken = rows.length === maxResults + 1 ? createPageToken(query.offset + maxResults) : undefined;
    const page = rows.slice(0, maxResults);
    return { items: await this.reader.registeredModels(page, 'by-stage'), ...(nextPageToken ? { nextPageToken } : {}) };
  }
}
