// Reading registry rows and turning them into entities: one query per kind of child row (tags,
// aliases, latest versions) for a whole page, never one per model; id lists go in as one JSON
// parameter (db.dialect), so there is no chunking and no placeholder limit. Tags come back in the
// table's physical order (the order they were first written on SQLite, as MLflow returns them) and
// aliases sorted by name, which is how MLflow's SQL store returns them.
import { notFound } from '../../errors.js';
import type { SqlEngine } from '../engine/types.js';
import type { Tag } from '../entities.js';
import { STAGE_DELETED_INTERNAL, type ModelVersion, type RegisteredModel, type RegisteredModelAlias } from './entities.js';

export interface RegisteredModelRow {
  name: string;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
}

export interface ModelVersionRow {
  name: string;
  version: number;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
  user_id: string | null;
  current_stage: string;
  source: string | null;
  storage_location: string | null;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  model_id: string | null;
}

/**
 * The order of a registered model's latest_versions. `get` builds it by walking the versions in order
 * and keeping the first-seen order of stages; `search` gets it from a window query partitioned by
 * stage, so stages come out sorted by name. Clients that compare JSON notice, so both are kept.
 */
export type LatestVersionsOrder = 'first-seen' | 'by-stage';

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/** Chunk sizes of the (name, version) lists; the largest keeps a statement well under SQLite's 32,766 parameters. */
const PAIR_CHUNKS = [1, 8, 64, 512] as const;

const versionKey = (name: string, version: number): string => `${version}\u0000${name}`;

/** Integer columns as numbers: PostgreSQL drivers may hand bigint (and window counts) back as text. */
function int(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function intOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : int(value);
}

function modelRow(r: RegisteredModelRow): RegisteredModelRow {
  return { ...r, creation_time: intOrNull(r.creation_time), last_updated_time: intOrNull(r.last_updated_time) };
}

function versionRow<R extends ModelVersionRow>(r: R): R {
  return { ...r, version: int(r.version), creation_time: intOrNull(r.creation_time), last_updated_time: intOrNull(r.last_updated_time) };
}

export function modelVersionNotFound(name: string, version: number | string): Error {
  return notFound(`Model Version (name=${name}, version=${version}) not found`);
}

export function registeredModelNotFound(name: string): Error {
  return notFound(`Registered Model with name=${name} not found`);
}

/** `lock`: hold the row until the transaction ends (PostgreSQL FOR UPDATE; SQLite's writer lock). */
export interface RowOptions {
  lock?: boolean;
}

export class RegistryReader {
  constructor(private readonly db: SqlEngine) {}

  /** The model's row, or MLflow's not-found error. The name must already be validated. */
  async registeredModelRow(name: string, options: RowOptions = {}): Promise<RegisteredModelRow> {
    const row = await this.db.get<RegisteredModelRow>(
      `SELECT * FROM registered_models WHERE name = ?${options.lock ? this.db.dialect.forUpdate : ''}`,
      [name],
    );
    if (!row) throw registeredModelNotFound(name);
    return modelRow(row);
  }

  /**
   * Locks the model's row for the rest of the write transaction, if the model exists. Every registry
   * write takes this lock first, so writes to one model (and its versions, tags and aliases) queue up
   * behind each other in one order, whichever replica they come from, and never deadlock.
   */
  async lockRegisteredModel(name: string): Promise<boolean> {
    const row = await this.db.get(`SELECT name FROM registered_models WHERE name = ?${this.db.dialect.forUpdate}`, [name]);
    return row !== undefined;
  }

  /** A live (not deleted) version's row, or MLflow's not-found error. */
  async modelVersionRow(name: string, version: number): Promise<ModelVersionRow> {
    const row = await this.db.get<ModelVersionRow>(
      `SELECT * FROM model_versions WHERE name = ? AND version = ? AND current_stage != '${STAGE_DELETED_INTERNAL}'`,
      [name, version],
    );
    if (!row) throw modelVersionNotFound(name, version);
    return versionRow(row);
  }

  async aliases(name: string): Promise<RegisteredModelAlias[]> {
    const rows = await this.db.all<RegisteredModelAlias>(
      `SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias${this.db.dialect.textOrder}`,
      [name],
    );
    return rows.map((r) => ({ alias: r.alias, version: int(r.version) }));
  }

  /** Versions with their tags; `withAliases` fills `aliases` as MLflow's get/alias/update calls do. */
  async modelVersions(rows: readonly ModelVersionRow[], withAliases = false): Promise<ModelVersion[]> {
    const tags = await this.versionTags(rows);
    const aliasesByName = new Map<string, RegisteredModelAlias[]>();
    if (withAliases) for (const name of new Set(rows.map((r) => r.name))) aliasesByName.set(name, await this.aliases(name));
    return rows.map((raw) => {
      const r = versionRow(raw);
      return {
        name: r.name,
        version: r.version,
        creationTimestamp: r.creation_time,
        lastUpdatedTimestamp: r.last_updated_time,
        description: r.description,
        userId: r.user_id,
        currentStage: r.current_stage,
        source: r.source,
        storageLocation: r.storage_location,
        runId: r.run_id,
        runLink: r.run_link,
        status: r.status,
        statusMessage: r.status_message,
        modelId: r.model_id,
        tags: tags.get(versionKey(r.name, r.version)) ?? [],
        aliases: (aliasesByName.get(r.name) ?? []).filter((a) => a.version === r.version).map((a) => a.alias),
      };
    });
  }

  async modelVersion(name: string, version: number, withAliases = true): Promise<ModelVersion> {
    return (await this.modelVersions([await this.modelVersionRow(name, version)], withAliases))[0]!;
  }

  async registeredModels(rows: readonly RegisteredModelRow[], order: LatestVersionsOrder): Promise<RegisteredModel[]> {
    if (rows.length === 0) return [];
    const names = rows.map((r) => r.name);
    const tags = await this.modelTags(names);
    const aliases = await this.modelAliases(names);
    const latest = await this.latestVersions(names, order);
    return rows.map((raw) => {
      const r = modelRow(raw);
      return {
        name: r.name,
        creationTimestamp: r.creation_time,
        lastUpdatedTimestamp: r.last_updated_time,
        description: r.description,
        latestVersions: latest.get(r.name) ?? [],
        tags: tags.get(r.name) ?? [],
        aliases: aliases.get(r.name) ?? [],
      };
    });
  }

  async registeredModel(name: string, order: LatestVersionsOrder = 'first-seen'): Promise<RegisteredModel> {
    return (await this.registeredModels([await this.registeredModelRow(name)], order))[0]!;
  }

  /** The highest live version of each stage, per model, in the requested stage order. */
  async latestVersions(names: readonly string[], order: LatestVersionsOrder): Promise<Map<string, ModelVersion[]>> {
    const found = await this.db.all<ModelVersionRow & { first_version: number }>(
      `SELECT * FROM (
         SELECT model_versions.*,
           row_number() OVER (PARTITION BY name, current_stage ORDER BY version DESC) AS rn,
           min(version) OVER (PARTITION BY name, current_stage) AS first_version
         FROM model_versions
         WHERE name IN ${this.db.dialect.jsonValues()} AND current_stage != '${STAGE_DELETED_INTERNAL}'
       ) latest WHERE rn = 1`,
      [JSON.stringify([...new Set(names)])],
    );
    const rows = found.map((r) => ({ ...versionRow(r), first_version: int(r.first_version) }));
    rows.sort((a, b) =>
      order === 'by-stage'
        ? compareText(a.current_stage, b.current_stage)
        : a.first_version - b.first_version,
    );
    const versions = await this.modelVersions(rows);
    return groupBy(versions, (v) => v.name);
  }

  private async modelAliases(names: readonly string[]): Promise<Map<string, RegisteredModelAlias[]>> {
    const { dialect } = this.db;
    const rows = await this.db.all<RegisteredModelAlias & { name: string }>(
      `SELECT name, alias, version FROM registered_model_aliases WHERE name IN ${dialect.jsonValues()}
       ORDER BY name${dialect.textOrder}, alias${dialect.textOrder}`,
      [JSON.stringify(names)],
    );
    const out = new Map<string, RegisteredModelAlias[]>();
    for (const [name, list] of groupBy(rows, (r) => r.name)) out.set(name, list.map((r) => ({ alias: r.alias, version: int(r.version) })));
    return out;
  }

  private async modelTags(names: readonly string[]): Promise<Map<string, Tag[]>> {
    const rows = await this.db.all<{ name: string; key: string; value: string | null }>(
      `SELECT name, key, value FROM registered_model_tags t WHERE name IN ${this.db.dialect.jsonValues()} ORDER BY ${this.db.dialect.rowOrder('t')}`,
      [JSON.stringify(names)],
    );
    const out = new Map<string, Tag[]>();
    for (const [name, list] of groupBy(rows, (r) => r.name)) out.set(name, list.map((r) => ({ key: r.key, value: r.value ?? '' })));
    return out;
  }

  /**
   * The tags of (name, version) pairs: a row-value IN over the primary key, in chunks padded to a few
   * fixed sizes (a repeated pair matches nothing new), so there are four statement texts, not one per
   * page size. The CAST types the VALUES column for PostgreSQL, which would read it as text.
   */
  private async versionTags(rows: readonly ModelVersionRow[]): Promise<Map<string, Tag[]>> {
    const out = new Map<string, Tag[]>();
    const pairs = [...new Map(rows.map((r) => [versionKey(r.name, int(r.version)), [r.name, int(r.version)] as const])).values()];
    const found: { name: string; version: number | string; key: string; value: string | null }[] = [];
    for (let i = 0; i < pairs.length; i += PAIR_CHUNKS[PAIR_CHUNKS.length - 1]!) {
      const chunk = pairs.slice(i, i + PAIR_CHUNKS[PAIR_CHUNKS.length - 1]!);
      const size = PAIR_CHUNKS.find((n) => n >= chunk.length)!;
      const params = chunk.flatMap(([name, version]) => [name, version]);
      const [lastName, lastVersion] = chunk[chunk.length - 1]!;
      for (let k = chunk.length; k < size; k++) params.push(lastName, lastVersion);
      found.push(
        ...(await this.db.all<(typeof found)[number]>(
          `SELECT t.name, t.version, t.key, t.value FROM model_version_tags t
           WHERE (t.name, t.version) IN (VALUES ${Array.from({ length: size }, () => '(?, CAST(? AS bigint))').join(', ')})
           ORDER BY ${this.db.dialect.rowOrder('t')}`,
          params,
        )),
      );
    }
    for (const [key, list] of groupBy(found, (t) => versionKey(t.name, int(t.version)))) {
      out.set(key, list.map((t) => ({ key: t.key, value: t.value ?? '' })));
    }
    return out;
  }
}

/** SQLite's BINARY collation on UTF-8 text (code point order), which MLflow's ORDER BY uses. */
export function compareText(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}
