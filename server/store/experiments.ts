// Experiments and their tags, with MLflow's SqlAlchemyStore semantics: experiment 0 "Default" exists
// from the first start, names are unique across active and deleted experiments, delete/restore also
// flips the lifecycle of every run, and a deleted experiment cannot be renamed or tagged.
import { alreadyExists, invalidParameter, MlflowError, notFound } from '../errors.js';
import { compileExperimentSearch, createPageToken, parseStartOffset } from '../search/index.js';
import { appendToUriPath } from '../artifacts/uri.js';
import { resolveUriIfLocal } from './local-uri.js';
import type { SqlEngine } from './engine/types.js';
import { isUniqueViolation } from './engine/types.js';
import type { Experiment, LifecycleStage, Page, Tag, ViewType } from './entities.js';
import {
  parseExperimentId,
  validateArtifactLocation,
  validateExperimentName,
  validateExperimentTag,
} from './validation.js';

interface ExperimentRow {
  /** As text: ids from MLflow's file-store era have 18 digits, past a JS number's 2^53. */
  experiment_id: string;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: LifecycleStage;
  creation_time: number | null;
  last_update_time: number | null;
}

export const DEFAULT_EXPERIMENT_ID = '0';

/** The experiment columns, the id as text (compared with the INTEGER column, text converts exactly). */
const EXPERIMENT_COLUMNS = 'CAST(experiment_id AS TEXT) AS experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

export interface ExperimentSearch {
  viewType: ViewType;
  maxResults: number;
  filter?: string;
  orderBy?: string[];
  pageToken?: string;
}

export class ExperimentStore {
  constructor(
    private readonly db: SqlEngine,
    private readonly defaultArtifactRoot: string,
  ) {}

  /** MLflow inserts experiment 0 explicitly when it initialises a database. */
  async ensureDefaultExperiment(): Promise<void> {
    const exists = await this.db.get('SELECT 1 FROM experiments WHERE experiment_id = 0');
    if (exists) return;
    const now = Date.now();
    // Replicas starting together on an empty database race here: the first insert wins, the rest do nothing.
    await this.db.run(
      `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
       VALUES (0, ?, ?, 'active', ?, ?) ON CONFLICT DO NOTHING`,
      [DEFAULT_EXPERIMENT_NAME, appendToUriPath(this.defaultArtifactRoot, DEFAULT_EXPERIMENT_ID), now, now],
    );
  }

  async create(name: unknown, artifactLocation: string | undefined, tags: Tag[]): Promise<string> {
    const validName = validateExperimentName(name);
    if (artifactLocation) {
      validateArtifactLocation(artifactLocation);
      // MLflow's store resolves a relative local location against its working directory, then checks the length.
      artifactLocation = resolveUriIfLocal(artifactLocation);
      validateArtifactLocation(artifactLocation);
    }
    const validTags = tags.map((t) => validateExperimentTag(t.key, t.value));
    const now = Date.now();
    try {
      return await this.db.transaction(async () => {
        const taken = await this.db.get('SELECT 1 FROM experiments WHERE name = ?', [validName]);
        if (taken) throw experimentNameTaken(validName);
        // SQLite gives max(id) + 1 (MLflow's table has no AUTOINCREMENT): after an 18-digit id, another one, read as text.
        const inserted = await this.db.get<{ experiment_id: string }>(
          `INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time)
           VALUES (?, ?, 'active', ?, ?) RETURNING CAST(experiment_id AS TEXT) AS experiment_id`,
          [validName, artifactLocation || null, now, now],
        );
        const id = String(inserted!.experiment_id);
        if (!artifactLocation) {
          await this.db.run('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?', [
            appendToUriPath(this.defaultArtifactRoot, id),
            id,
          ]);
        }
        for (const tag of validTags) {
          await this.db.run(
            'INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value',
            [id, tag.key, tag.value],
          );
        }
        return id;
      });
    } catch (e) {
      // Another replica inserted the same name between our check and our insert.
      if (isUniqueViolation(e)) throw experimentNameTaken(validName);
      throw e;
    }
  }

  /** Any lifecycle stage, as MLflow's get_experiment (ViewType.ALL). An empty id means Default. */
  async get(experimentId: string | undefined): Promise<Experiment> {
    const row = await this.row(experimentId || DEFAULT_EXPERIMENT_ID, ['active', 'deleted']);
    return (await this.hydrate([row]))[0]!;
  }

  async getByName(name: string): Promise<Experiment | null> {
    const row = await this.db.get<ExperimentRow>(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE name = ?`, [name]);
    return row ? (await this.hydrate([row]))[0]! : null;
  }

  async search(req: ExperimentSearch): Promise<Page<Experiment>> {
    if (!Number.isInteger(req.maxResults) || req.maxResults < 1) {
      throw invalidParameter(
        `Invalid value ${req.maxResults} for parameter 'max_results' supplied. It must be a positive integer`,
      );
    }
    if (req.maxResults > 50000) {
      throw invalidParameter(
        `Invalid value ${req.maxResults} for parameter 'max_results' supplied. It must be at most 50000`,
      );
    }
    const offset = parseStartOffset(req.pageToken);
    const { sql, params } = compileExperimentSearch({
      filter: req.filter,
      orderBy: req.orderBy,
      viewType: req.viewType,
      maxResults: req.maxResults,
      offset,
    }, this.db.dialect);
    const ids = (await this.db.all<{ experiment_id: number | string }>(sql, params)).map((r) => String(r.experiment_id));
    const page = ids.slice(0, req.maxResults);
    const rows = await this.rowsByIds(page);
    return {
      items: await this.hydrate(rows),
      nextPageToken: ids.length > req.maxResults ? createPageToken(offset + req.maxResults) : undefined,
    };
  }

  async rename(experimentId: string, newName: string): Promise<void> {
    const name = validateExperimentName(newName);
    try {
      await this.db.transaction(async () => {
        const row = await this.row(experimentId, ['active', 'deleted']);
        if (row.lifecycle_stage !== 'active') {
          throw new MlflowError('INVALID_STATE', 'Cannot rename a non-active experiment.', 400);
        }
        const clash = await this.db.get('SELECT 1 FROM experiments WHERE name = ? AND experiment_id != ?', [name, row.experiment_id]);
        if (clash) throw experimentNameTaken(name);
        await this.db.run('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [name, Date.now(), row.experiment_id]);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw experimentNameTaken(name);
      throw e;
    }
  }

  delete(experimentId: string): Promise<void> {
    return this.setLifecycle(experimentId, 'active', 'deleted');
  }

  restore(experimentId: string): Promise<void> {
    return this.setLifecycle(experimentId, 'deleted', 'active');
  }

  async setTag(experimentId: string, key: string | undefined, value: string | undefined): Promise<void> {
    const tag = validateExperimentTag(key, value);
    await this.db.transaction(async () => {
      const row = await this.row(experimentId, ['active', 'deleted']);
      this.assertActive(row);
      await this.db.run(
        'INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value',
        [row.experiment_id, tag.key, tag.value],
      );
    });
  }

  async deleteTag(experimentId: string, key: string): Promise<void> {
    await this.db.transaction(async () => {
      const row = await this.row(experimentId, ['active', 'deleted']);
      this.assertActive(row);
      const info = await this.db.run('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?', [row.experiment_id, key]);
      if (info.changes === 0) {
        throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
      }
    });
  }

  /** The experiment row in one of `stages`, or MLflow's not-found error. */
  async row(experimentId: string, stages: LifecycleStage[]): Promise<ExperimentRow> {
    const id = lookupExperimentId(experimentId, this.db.dialect.maxExperimentId);
    // An id the column cannot hold (past int64; past int4 on PostgreSQL, MLflow's column there) names no experiment.
    const row = id === null ? undefined : await this.db.get<ExperimentRow>(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE experiment_id = ?`, [id]);
    if (id === null) throw notFound(`No Experiment with id=${canonicalInteger(experimentId)} exists`);
    if (!row || !stages.includes(row.lifecycle_stage)) throw notFound(`No Experiment with id=${id} exists`);
    return row;
  }

  assertActive(row: { experiment_id: number | string; lifecycle_stage: LifecycleStage }): void {
    if (row.lifecycle_stage !== 'active') {
      throw invalidParameter(
        `The experiment ${row.experiment_id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
  }

  private async setLifecycle(experimentId: string, from: LifecycleStage, to: LifecycleStage): Promise<void> {
    await this.db.transaction(async () => {
      const row = await this.row(experimentId, [from]);
      const now = Date.now();
      await this.db.run('UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?', [to, now, row.experiment_id]);
      await this.db.run('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?', [
        to,
        to === 'deleted' ? now : null,
        row.experiment_id,
      ]);
    });
  }

  private async rowsByIds(ids: string[]): Promise<ExperimentRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.all<ExperimentRow>(
      `SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE experiment_id IN ${this.db.dialect.jsonValues('integer')}`,
      [`[${ids.join(',')}]`], // integers in the JSON, exact to 64 bits (ids are canonical integer text)
    );
    const byId = new Map(rows.map((r) => [r.experiment_id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is ExperimentRow => r !== undefined);
  }

  private async hydrate(rows: ExperimentRow[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const d = this.db.dialect;
    const tagRows = await this.db.all<{ experiment_id: string; key: string; value: string }>(
      `SELECT CAST(t.experiment_id AS TEXT) AS experiment_id, t.key, t.value FROM experiment_tags t WHERE t.experiment_id IN ${d.jsonValues('integer')} ORDER BY ${d.rowOrder('t')}`,
      [`[${rows.map((r) => r.experiment_id).join(',')}]`],
    );
    const tagsById = new Map<string, Tag[]>();
    for (const t of tagRows) {
      let list = tagsById.get(t.experiment_id);
      if (!list) tagsById.set(t.experiment_id, (list = []));
      list.push({ key: t.key, value: t.value ?? '' });
    }
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location ?? '',
      lifecycleStage: r.lifecycle_stage,
      creationTime: r.creation_time,
      lastUpdateTime: r.last_update_time,
      tags: tagsById.get(r.experiment_id) ?? [],
    }));
  }
}

/**
 * An experiment id as MLflow's SQL store takes it (int(experiment_id)): any integer, as canonical text,
 * or null when no row can have it (beyond the column's range). Non-integers get MLflow's message.
 */
function lookupExperimentId(experimentId: string, max: bigint): string | null {
  const n = parseExperimentId(experimentId);
  return n > max || n < -max - 1n ? null : n.toString();
}

function canonicalInteger(experimentId: string): string {
  return BigInt(String(experimentId).trim()).toString();
}

function experimentNameTaken(name: string): MlflowError {
  // MLflow appends the driver's IntegrityError text; it is part of what clients see, on either engine.
  return alreadyExists(`Experiment(name=${name}) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: experiments.name`);
}
