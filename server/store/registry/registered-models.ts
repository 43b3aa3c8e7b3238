// Registered models: create, read, rename (the schema's ON UPDATE CASCADE carries versions, tags and
// aliases along), update, delete (ON DELETE CASCADE removes everything under the model), tags, the
// latest version per stage, and search — with model_registry/sqlalchemy_store.py's semantics.
import { alreadyExists, invalidParameter } from '../../errors.js';
import { compileRegisteredModelSearch } from '../../search/registry-sql.js';
import { createPageToken } from '../../search/index.js';
import type { Sqlite } from '../db.js';
import type { Tag } from '../entities.js';
import { pythonRepr } from '../validation.js';
import { ALL_STAGES, IS_PROMPT_TAG_KEY, type ModelVersion, type Page, type RegisteredModel } from './entities.js';
import { RegistryReader, type RegisteredModelRow } from './reader.js';
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

export class RegisteredModelStore {
  private readonly upsertTag;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly reader: RegistryReader,
  ) {
    this.upsertTag = sqlite.prepare(
      'INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET value = excluded.value',
    );
  }

  create(name: string, tags: readonly Tag[], description: string | null): RegisteredModel {
    validateModelName(name);
    for (const t of tags) validateRegisteredModelTag(t.key, t.value);
    this.sqlite.transaction(() => {
      const existing = this.sqlite.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name);
      if (existing) throw nameTaken(name, hasPromptTag(this.reader.registeredModel(name).tags), hasPromptTag(tags));
      const now = Date.now();
      this.sqlite
        .prepare('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)')
        .run(name, now, now, description);
      for (const t of dedupeTags(tags)) this.upsertTag.run(name, t.key, t.value);
    })();
    return this.reader.registeredModel(name);
  }

  get(name: string): RegisteredModel {
    validateModelName(name);
    return this.reader.registeredModel(name);
  }

  /** The row of an existing model (validated name): the precondition of every change to a model. */
  row(name: string): RegisteredModelRow {
    validateModelName(name);
    return this.reader.registeredModelRow(name);
  }

  update(name: string, description: string | null): RegisteredModel {
    this.sqlite.transaction(() => {
      this.row(name);
      this.sqlite
        .prepare('UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?')
        .run(description, Date.now(), name);
    })();
    return this.reader.registeredModel(name);
  }

  rename(name: string, newName: string): RegisteredModel {
    validateModelRenaming(newName);
    this.sqlite.transaction(() => {
      this.row(name);
      const now = Date.now();
      if (newName !== name && this.sqlite.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(newName)) {
        // MLflow appends the database driver's IntegrityError text; ours names the same constraint.
        throw alreadyExists(
          `Registered Model (name=${newName}) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: registered_models.name`,
        );
      }
      // Versions, their tags, the model's tags and aliases follow through ON UPDATE CASCADE.
      this.sqlite.prepare('UPDATE registered_models SET name = ?, last_updated_time = ? WHERE name = ?').run(newName, now, name);
      this.sqlite.prepare('UPDATE model_versions SET last_updated_time = ? WHERE name = ?').run(now, newName);
    })();
    return this.reader.registeredModel(newName);
  }

  delete(name: string): void {
    this.sqlite.transaction(() => {
      this.row(name);
      // Versions (tombstones included), their tags, the model's tags and aliases go by ON DELETE CASCADE.
      this.sqlite.prepare('DELETE FROM registered_models WHERE name = ?').run(name);
    })();
  }

  setTag(name: string, key: string, value: string): void {
    validateModelName(name);
    validateRegisteredModelTag(key, value);
    this.sqlite.transaction(() => {
      this.row(name);
      this.upsertTag.run(name, key, value);
    })();
  }

  /** Deleting a tag the model does not have is not an error in MLflow. */
  deleteTag(name: string, key: string): void {
    validateModelName(name);
    validateTagName(key);
    this.sqlite.transaction(() => {
      this.row(name);
      this.sqlite.prepare('DELETE FROM registered_model_tags WHERE name = ? AND key = ?').run(name, key);
    })();
  }

  /** The latest live version of each requested stage (all stages when none are given), with aliases. */
  getLatestVersions(name: string, stages?: readonly string[]): ModelVersion[] {
    const model = this.get(name);
    const wanted = new Set<string>((stages && stages.length > 0 ? stages : ALL_STAGES).map(canonicalStage));
    const aliases = model.aliases;
    return model.latestVersions
      .filter((mv) => wanted.has(mv.currentStage))
      .map((mv) => ({ ...mv, aliases: aliases.filter((a) => a.version === mv.version).map((a) => a.alias) }));
  }

  search(req: RegisteredModelSearch): Page<RegisteredModel> {
    const maxResults = req.maxResults ?? SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT;
    if (maxResults > SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD) {
      throw invalidParameter(
        'Invalid value for request parameter max_results. It must be at most ' +
          `${SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD}, but got value ${maxResults}`,
      );
    }
    const query = compileRegisteredModelSearch({ filter: req.filter, orderBy: req.orderBy, maxResults, pageToken: req.pageToken });
    const rows = this.sqlite.prepare(query.sql).all(...query.params) as RegisteredModelRow[];
    // MLflow fetches max_results + 1 rows and slices in Python; the arithmetic (and its oddities for
    // max_results <= 0) is kept as is.
    const nextPageToken = rows.length === maxResults + 1 ? createPageToken(query.offset + maxResults) : undefined;
    const page = rows.slice(0, maxResults);
    return { items: this.reader.registeredModels(page, 'by-stage'), ...(nextPageToken ? { nextPageToken } : {}) };
  }
}
