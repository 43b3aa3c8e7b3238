// Reading registry rows and turning them into entities: one query per kind of child row (tags,
// aliases, latest versions) for a whole page, never one per model. Tags come back in the order they
// were first written and aliases sorted by name, which is how MLflow's SQL store returns them.
import { notFound } from '../../errors.js';
import type { Sqlite } from '../db.js';
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

/** Bound parameters per statement stay well under SQLite's limit. */
const CHUNK = 400;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

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

const versionKey = (name: string, version: number): string => `${version}\u0000${name}`;

export function modelVersionNotFound(name: string, version: number | string): Error {
  return notFound(`Model Version (name=${name}, version=${version}) not found`);
}

export class RegistryReader {
  private readonly selectModel;
  private readonly selectVersion;
  private readonly selectAliases;

  constructor(private readonly sqlite: Sqlite) {
    this.selectModel = sqlite.prepare('SELECT * FROM registered_models WHERE name = ?');
    this.selectVersion = sqlite.prepare(
      `SELECT * FROM model_versions WHERE name = ? AND version = ? AND current_stage != '${STAGE_DELETED_INTERNAL}'`,
    );
    this.selectAliases = sqlite.prepare('SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias');
  }

  /** The model's row, or MLflow's not-found error. The name must already be validated. */
  registeredModelRow(name: string): RegisteredModelRow {
    const row = this.selectModel.get(name) as RegisteredModelRow | undefined;
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  /** A live (not deleted) version's row, or MLflow's not-found error. */
  modelVersionRow(name: string, version: number): ModelVersionRow {
    const row = this.selectVersion.get(name, version) as ModelVersionRow | undefined;
    if (!row) throw modelVersionNotFound(name, version);
    return row;
  }

  aliases(name: string): RegisteredModelAlias[] {
    return this.selectAliases.all(name) as RegisteredModelAlias[];
  }

  /** Versions with their tags; `withAliases` fills `aliases` as MLflow's get/alias/update calls do. */
  modelVersions(rows: readonly ModelVersionRow[], withAliases = false): ModelVersion[] {
    const tags = this.versionTags(rows);
    const aliasesByName = new Map<string, RegisteredModelAlias[]>();
    if (withAliases) for (const name of new Set(rows.map((r) => r.name))) aliasesByName.set(name, this.aliases(name));
    return rows.map((r) => ({
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
    }));
  }

  modelVersion(name: string, version: number, withAliases = true): ModelVersion {
    return this.modelVersions([this.modelVersionRow(name, version)], withAliases)[0]!;
  }

  registeredModels(rows: readonly RegisteredModelRow[], order: LatestVersionsOrder): RegisteredModel[] {
    const names = rows.map((r) => r.name);
    const tags = this.keyValues('registered_model_tags', names);
    const aliases = this.modelAliases(names);
    const latest = this.latestVersions(names, order);
    return rows.map((r) => ({
      name: r.name,
      creationTimestamp: r.creation_time,
      lastUpdatedTimestamp: r.last_updated_time,
      description: r.description,
      latestVersions: latest.get(r.name) ?? [],
      tags: tags.get(r.name) ?? [],
      aliases: aliases.get(r.name) ?? [],
    }));
  }

  registeredModel(name: string, order: LatestVersionsOrder = 'first-seen'): RegisteredModel {
    return this.registeredModels([this.registeredModelRow(name)], order)[0]!;
  }

  /** The highest live version of each stage, per model, in the requested stage order. */
  latestVersions(names: readonly string[], order: LatestVersionsOrder): Map<string, ModelVersion[]> {
    const rows: (ModelVersionRow & { first_version: number })[] = [];
    for (const chunk of chunks([...new Set(names)])) {
      rows.push(
        ...(this.sqlite
          .prepare(
            `SELECT * FROM (
               SELECT model_versions.*,
                 row_number() OVER (PARTITION BY name, current_stage ORDER BY version DESC) AS rn,
                 min(version) OVER (PARTITION BY name, current_stage) AS first_version
               FROM model_versions
               WHERE name IN (${chunk.map(() => '?').join(', ')}) AND current_stage != '${STAGE_DELETED_INTERNAL}'
             ) WHERE rn = 1`,
          )
          .all(...chunk) as (ModelVersionRow & { first_version: number })[]),
      );
    }
    rows.sort((a, b) =>
      order === 'by-stage'
        ? compareText(a.current_stage, b.current_stage)
        : a.first_version - b.first_version,
    );
    const versions = this.modelVersions(rows);
    return groupBy(versions, (v) => v.name);
  }

  private modelAliases(names: readonly string[]): Map<string, RegisteredModelAlias[]> {
    const rows: (RegisteredModelAlias & { name: string })[] = [];
    for (const chunk of chunks(names)) {
      rows.push(
        ...(this.sqlite
          .prepare(
            `SELECT name, alias, version FROM registered_model_aliases WHERE name IN (${chunk.map(() => '?').join(', ')}) ORDER BY name, alias`,
          )
          .all(...chunk) as (RegisteredModelAlias & { name: string })[]),
      );
    }
    const out = new Map<string, RegisteredModelAlias[]>();
    for (const [name, list] of groupBy(rows, (r) => r.name)) out.set(name, list.map((r) => ({ alias: r.alias, version: r.version })));
    return out;
  }

  private keyValues(table: 'registered_model_tags', names: readonly string[]): Map<string, Tag[]> {
    const rows: { name: string; key: string; value: string | null }[] = [];
    for (const chunk of chunks(names)) {
      rows.push(
        ...(this.sqlite
          .prepare(`SELECT name, key, value FROM ${table} WHERE name IN (${chunk.map(() => '?').join(', ')}) ORDER BY rowid`)
          .all(...chunk) as { name: string; key: string; value: string | null }[]),
      );
    }
    const out = new Map<string, Tag[]>();
    for (const [name, list] of groupBy(rows, (r) => r.name)) out.set(name, list.map((r) => ({ key: r.key, value: r.value ?? '' })));
    return out;
  }

  private versionTags(rows: readonly ModelVersionRow[]): Map<string, Tag[]> {
    const found: { name: string; version: number; key: string; value: string | null }[] = [];
    for (const chunk of chunks(rows)) {
      found.push(
        ...(this.sqlite
          .prepare(
            `SELECT name, version, key, value FROM model_version_tags
             WHERE (name, version) IN (VALUES ${chunk.map(() => '(?, ?)').join(', ')}) ORDER BY rowid`,
          )
          .all(...chunk.flatMap((r) => [r.name, r.version])) as { name: string; version: number; key: string; value: string | null }[]),
      );
    }
    const out = new Map<string, Tag[]>();
    for (const [key, list] of groupBy(found, (t) => versionKey(t.name, t.version))) {
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
