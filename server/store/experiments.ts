// Experiments and their tags, with MLflow's SqlAlchemyStore semantics: experiment 0 "Default" exists
// from the first start, names are unique across active and deleted experiments, delete/restore also
// flips the lifecycle of every run, and a deleted experiment cannot be renamed or tagged.
import { alreadyExists, invalidParameter, MlflowError, notFound } from '../errors.js';
import { compileExperimentSearch, createPageToken, parseStartOffset } from '../search/index.js';
import { appendToUriPath } from '../artifacts/uri.js';
import type { Sqlite } from './db.js';
import type { Experiment, LifecycleStage, Page, Tag, ViewType } from './entities.js';
import {
  parseExperimentId,
  validateArtifactLocation,
  validateExperimentName,
  validateExperimentTag,
} from './validation.js';

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: LifecycleStage;
  creation_time: number | null;
  last_update_time: number | null;
}

export const DEFAULT_EXPERIMENT_ID = '0';
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
    private readonly sqlite: Sqlite,
    private readonly defaultArtifactRoot: string,
  ) {}

  /** MLflow inserts experiment 0 explicitly when it initialises a database. */
  ensureDefaultExperiment(): void {
    const exists = this.sqlite.prepare('SELECT 1 FROM experiments WHERE experiment_id = 0').get();
    if (exists) return;
    const now = Date.now();
    this.sqlite
      .prepare(
        `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
         VALUES (0, ?, ?, 'active', ?, ?)`,
      )
      .run(DEFAULT_EXPERIMENT_NAME, appendToUriPath(this.defaultArtifactRoot, DEFAULT_EXPERIMENT_ID), now, now);
  }

  create(name: unknown, artifactLocation: string | undefined, tags: Tag[]): string {
    const validName = validateExperimentName(name);
    if (artifactLocation) validateArtifactLocation(artifactLocation);
    const validTags = tags.map((t) => validateExperimentTag(t.key, t.value));
    const now = Date.now();
    const insert = this.sqlite.transaction(() => {
      const taken = this.sqlite.prepare('SELECT 1 FROM experiments WHERE name = ?').get(validName);
      if (taken) {
        throw alreadyExists(
          `Experiment(name=${validName}) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: experiments.name`,
        );
      }
      const info = this.sqlite
        .prepare(
          `INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time)
           VALUES (?, ?, 'active', ?, ?)`,
        )
        .run(validName, artifactLocation || null, now, now);
      const id = String(info.lastInsertRowid);
      if (!artifactLocation) {
        this.sqlite
          .prepare('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?')
          .run(appendToUriPath(this.defaultArtifactRoot, id), Number(id));
      }
      const tagInsert = this.sqlite.prepare(
        'INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value',
      );
      for (const tag of validTags) tagInsert.run(Number(id), tag.key, tag.value);
      return id;
    });
    return insert();
  }

  /** Any lifecycle stage, as MLflow's get_experiment (ViewType.ALL). An empty id means Default. */
  get(experimentId: string | undefined): Experiment {
    const row = this.row(experimentId || DEFAULT_EXPERIMENT_ID, ['active', 'deleted']);
    return this.hydrate([row])[0]!;
  }

  getByName(name: string): Experiment | null {
    const row = this.sqlite.prepare('SELECT * FROM experiments WHERE name = ?').get(name) as ExperimentRow | undefined;
    return row ? this.hydrate([row])[0]! : null;
  }

  search(req: ExperimentSearch): Page<Experiment> {
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
    });
    const ids = (this.sqlite.prepare(sql).all(...params) as { experiment_id: number }[]).map((r) => r.experiment_id);
    const page = ids.slice(0, req.maxResults);
    const rows = this.rowsByIds(page);
    return {
      items: this.hydrate(rows),
      nextPageToken: ids.length > req.maxResults ? createPageToken(offset + req.maxResults) : undefined,
    };
  }

  rename(experimentId: string, newName: string): void {
    const name = validateExperimentName(newName);
    this.sqlite.transaction(() => {
      const row = this.row(experimentId, ['active', 'deleted']);
      if (row.lifecycle_stage !== 'active') {
        throw new MlflowError('INVALID_STATE', 'Cannot rename a non-active experiment.', 400);
      }
      const clash = this.sqlite
        .prepare('SELECT 1 FROM experiments WHERE name = ? AND experiment_id != ?')
        .get(name, row.experiment_id);
      if (clash) {
        throw alreadyExists(
          `Experiment(name=${name}) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: experiments.name`,
        );
      }
      this.sqlite
        .prepare('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?')
        .run(name, Date.now(), row.experiment_id);
    })();
  }

  delete(experimentId: string): void {
    this.setLifecycle(experimentId, 'active', 'deleted');
  }

  restore(experimentId: string): void {
    this.setLifecycle(experimentId, 'deleted', 'active');
  }

  setTag(experimentId: string, key: string | undefined, value: string | undefined): void {
    const tag = validateExperimentTag(key, value);
    this.sqlite.transaction(() => {
      const row = this.row(experimentId, ['active', 'deleted']);
      this.assertActive(row);
      this.sqlite
        .prepare('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value')
        .run(row.experiment_id, tag.key, tag.value);
    })();
  }

  deleteTag(experimentId: string, key: string): void {
    this.sqlite.transaction(() => {
      const row = this.row(experimentId, ['active', 'deleted']);
      this.assertActive(row);
      const info = this.sqlite
        .prepare('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?')
        .run(row.experiment_id, key);
      if (info.changes === 0) {
        throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
      }
    })();
  }

  /** The experiment row in one of `stages`, or MLflow's not-found error. */
  row(experimentId: string, stages: LifecycleStage[]): ExperimentRow {
    const id = parseExperimentId(experimentId);
    const row = this.sqlite.prepare('SELECT * FROM experiments WHERE experiment_id = ?').get(id) as
      | ExperimentRow
      | undefined;
    if (!row || !stages.includes(row.lifecycle_stage)) throw notFound(`No Experiment with id=${id} exists`);
    return row;
  }

  assertActive(row: { experiment_id: number; lifecycle_stage: LifecycleStage }): void {
    if (row.lifecycle_stage !== 'active') {
      throw invalidParameter(
        `The experiment ${row.experiment_id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
  }

  private setLifecycle(experimentId: string, from: LifecycleStage, to: LifecycleStage): void {
    this.sqlite.transaction(() => {
      const row = this.row(experimentId, [from]);
      const now = Date.now();
      this.sqlite
        .prepare('UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?')
        .run(to, now, row.experiment_id);
      this.sqlite
        .prepare('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?')
        .run(to, to === 'deleted' ? now : null, row.experiment_id);
    })();
  }

  private rowsByIds(ids: number[]): ExperimentRow[] {
    if (ids.length === 0) return [];
    const rows = this.sqlite
      .prepare('SELECT * FROM experiments WHERE experiment_id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as ExperimentRow[];
    const byId = new Map(rows.map((r) => [r.experiment_id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is ExperimentRow => r !== undefined);
  }

  private hydrate(rows: ExperimentRow[]): Experiment[] {
    if (rows.length === 0) return [];
    const tagRows = this.sqlite
      .prepare(
        'SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (SELECT value FROM json_each(?)) ORDER BY rowid',
      )
      .all(JSON.stringify(rows.map((r) => r.experiment_id))) as { experiment_id: number; key: string; value: string }[];
    const tagsById = new Map<number, Tag[]>();
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
