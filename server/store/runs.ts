// Runs: create, read, update, soft delete/restore, tags and search, with MLflow's semantics. The run
// name lives twice, as MLflow keeps it: the `runs.name` column (ordering) and the `mlflow.runName`
// tag (filtering, and what clients read); every write keeps the two equal.
import { randomUUID } from 'node:crypto';
import { invalidParameter, notFound } from '../errors.js';
import { compileRunSearch, createPageToken, parseStartOffset } from '../search/index.js';
import { appendToUriPath } from '../artifacts/uri.js';
import type { SqlEngine } from './engine/types.js';
import { MLFLOW_RUN_NAME, type Page, type Run, type RunInfo, type RunStatus, type Tag, type ViewType } from './entities.js';
import type { ExperimentStore } from './experiments.js';
import { RunLoader, toRunInfo, type LoadOptions, type RunRow } from './run-loader.js';
import { randomRunName } from './run-names.js';
import { validateRunTag } from './validation.js';
import type { Int64 } from '../protocol/int64.js';

export interface CreateRunRequest {
  experimentId?: string;
  userId?: string;
  startTime?: Int64;
  runName?: string;
  tags: Tag[];
}

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  viewType: ViewType;
  maxResults: number;
  pageToken?: string;
}

export const SEARCH_MAX_RESULTS_THRESHOLD = 50000;

/** Rows per INSERT of a new run's tags: 1,500 parameters, far inside SQLite's and PostgreSQL's limits. */
const TAG_INSERT_SLICE = 500;
/** Tags deduplicated between turns of the event loop. */
const TAG_DEDUPE_SLICE = 50_000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function takeRows(rows: Iterator<[string, string]>): [string, string][] {
  const slice: [string, string][] = [];
  while (slice.length < TAG_INSERT_SLICE) {
    const r = rows.next();
    if (r.done) break;
    slice.push(r.value);
  }
  return slice;
}

export class RunStore {
  readonly loader: RunLoader;

  constructor(
    private readonly db: SqlEngine,
    private readonly experiments: ExperimentStore,
  ) {
    this.loader = new RunLoader(db);
  }

  async create(req: CreateRunRequest): Promise<Run> {
    return this.get(await this.createRun(req));
  }

  /** Creates the run and answers its id (the caller reads it back where it likes). */
  async createRun(req: CreateRunRequest): Promise<string> {
    const runId = randomUUID().replace(/-/g, '');
    await this.db.transaction(async () => {
      const experiment = await this.experiments.row(req.experimentId || '0', ['active', 'deleted']);
      this.experiments.assertActive(experiment);
      const tags = [...req.tags];
      const tagName = tags.find((t) => t.key === MLFLOW_RUN_NAME)?.value;
      if (req.runName && tagName && req.runName !== tagName) {
        throw invalidParameter(
          "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with " +
            `different values (run_name='${req.runName}', mlflow.runName='${tagName}').`,
        );
      }
      const runName = req.runName || tagName || randomRunName();
      if (!tagName) tags.push({ key: MLFLOW_RUN_NAME, value: runName });
      const artifactUri = appendToUriPath(experiment.artifact_location ?? '', runId, 'artifacts');
      await this.db.run(
        `INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
                           end_time, deleted_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
         VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, NULL, '', 'active', ?, ?)`,
        [runId, runName, req.userId ?? '', req.startTime ?? Date.now(), artifactUri, experiment.experiment_id],
      );
      await this.insertNewRunTags(runId, tags);
    });
    return runId;
  }

  /**
   * A new run's tags (MLflow puts no limit on their number): the last value of each key, as one upsert
   * per tag would leave it, inserted TAG_INSERT_SLICE rows per statement, with a turn of the event
   * loop between slices — 500,000 tags held the loop for 8 s in one go. The transaction's lock keeps
   * other requests' statements out meanwhile; /health and the read workers carry on.
   */
  private async insertNewRunTags(runId: string, tags: readonly { key: string; value?: string | null }[]): Promise<void> {
    const last = new Map<string, string>();
    // Map.set keeps a key's first position and takes its last value: what one upsert per tag left.
    for (let i = 0; i < tags.length; i++) {
      if (i > 0 && i % TAG_DEDUPE_SLICE === 0) await nextTurn();
      last.set(tags[i]!.key, tags[i]!.value ?? '');
    }
    const rows = last.entries();
    for (let slice = takeRows(rows); slice.length > 0; slice = takeRows(rows)) {
      await this.db.run(
        `INSERT INTO tags (run_uuid, key, value) VALUES ${slice.map(() => '(?, ?, ?)').join(', ')}`,
        slice.flatMap(([key, value]) => [runId, key, value]),
      );
      if (slice.length === TAG_INSERT_SLICE) await nextTurn();
    }
  }

  async get(runId: string, load: Partial<LoadOptions> = {}): Promise<Run> {
    const run = (await this.loader.load([runId], { modelInputs: true, ...load }))[0];
    if (!run) throw notFound(`Run with id=${runId} not found`);
    return run;
  }

  async row(runId: string): Promise<RunRow> {
    const row = await this.db.get<RunRow>('SELECT * FROM runs WHERE run_uuid = ?', [runId]);
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  /** The run, which must exist and be active: the precondition of every write to a run. */
  async activeRow(runId: string): Promise<RunRow> {
    const row = await this.row(runId);
    if (row.lifecycle_stage !== 'active') {
      throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
    }
    return row;
  }

  update(runId: string, changes: { status?: RunStatus; endTime?: Int64; runName?: string }): Promise<RunInfo> {
    return this.db.transaction(async () => {
      await this.activeRow(runId);
      if (changes.status !== undefined) await this.db.run('UPDATE runs SET status = ? WHERE run_uuid = ?', [changes.status, runId]);
      if (changes.endTime !== undefined) await this.db.run('UPDATE runs SET end_time = ? WHERE run_uuid = ?', [changes.endTime, runId]);
      if (changes.runName) await this.setRunName(runId, changes.runName);
      return toRunInfo(await this.row(runId));
    });
  }

  async delete(runId: string): Promise<void> {
    await this.row(runId);
    await this.db.run("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?", [Date.now(), runId]);
  }

  async restore(runId: string): Promise<void> {
    await this.row(runId);
    await this.db.run("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = ?", [runId]);
  }

  async setTag(runId: string, key: string | undefined, value: string | undefined): Promise<void> {
    const tag = validateRunTag(key, value);
    await this.db.transaction(async () => {
      await this.activeRow(runId);
      await this.writeTags(runId, [tag]);
    });
  }

  /** Tags already validated; the caller holds the transaction and has checked the run is active. */
  async writeTags(runId: string, tags: Tag[]): Promise<void> {
    for (const tag of tags) {
      if (tag.key === MLFLOW_RUN_NAME) await this.setRunName(runId, tag.value);
      else await this.upsertTag(runId, tag.key, tag.value);
    }
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.db.transaction(async () => {
      await this.activeRow(runId);
      const info = await this.db.run('DELETE FROM tags WHERE run_uuid = ? AND key = ?', [runId, key]);
      if (info.changes === 0) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    });
  }

  async search(req: RunSearch, load: Partial<LoadOptions> = {}): Promise<Page<Run>> {
    if (!Number.isInteger(req.maxResults) || req.maxResults < 1) {
      throw invalidParameter(`Invalid value ${req.maxResults} for parameter 'max_results' supplied. It must be a positive integer`);
    }
    if (req.maxResults > SEARCH_MAX_RESULTS_THRESHOLD) {
      throw invalidParameter(
        `Invalid value ${req.maxResults} for parameter 'max_results' supplied. It must be at most ${SEARCH_MAX_RESULTS_THRESHOLD}`,
      );
    }
    const offset = parseStartOffset(req.pageToken);
    const { sql, params } = compileRunSearch({
      experimentIds: req.experimentIds,
      filter: req.filter,
      orderBy: req.orderBy,
      viewType: req.viewType,
      maxResults: req.maxResults,
      offset,
    }, this.db.dialect);
    const ids = (await this.db.all<{ run_uuid: string }>(sql, params)).map((r) => r.run_uuid);
    return {
      items: await this.loader.load(ids.slice(0, req.maxResults), { modelInputs: false, ...load }),
      nextPageToken: ids.length > req.maxResults ? createPageToken(offset + req.maxResults) : undefined,
    };
  }

  private async setRunName(runId: string, runName: string): Promise<void> {
    await this.db.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [runName, runId]);
    await this.upsertTag(runId, MLFLOW_RUN_NAME, runName);
  }

  private upsertTag(runId: string, key: string, value: string): Promise<unknown> {
    return this.db.run('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value', [
      runId,
      key,
      value,
    ]);
  }
}
