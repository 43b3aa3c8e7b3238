// The metadata store: the entity stores the routes call, on one engine-neutral SqlEngine. What is
// engine-specific lives here and in engine/: SQLite gets its read workers, WAL checkpointer and
// write queue; PostgreSQL its pool (engine/postgres.ts), with writes running concurrently.
import { ReadPool } from '../reads/pool.js';
import { BigWrites } from './big-writes.js';
import { Checkpointer } from './checkpointer.js';
import { openDatabase, type SqliteSynchronous } from './db.js';
import { isPostgresUri } from './engine/pg-uri.js';
import { SqliteEngine } from './engine/sqlite.js';
import type { SqlEngine } from './engine/types.js';
import { ExperimentStore } from './experiments.js';
import { MetricHistory } from './history.js';
import { LoggedModelStore } from './logged-models.js';
import { RunLogging } from './logging.js';
import { RunStore } from './runs.js';
import { concurrentWrites, WriteQueue, type WriteScheduler } from './write-queue.js';

export interface TrackingStore {
  readonly db: SqlEngine;
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly logging: RunLogging;
  readonly history: MetricHistory;
  readonly loggedModels: LoggedModelStore;
  /** SQLite's worker threads for the heavy reads (server/reads/); null on PostgreSQL and in-memory SQLite. */
  readonly reads: ReadPool | null;
  /**
   * Workers that answer whole GraphQL queries (graphql/offload.ts) and runs/get: SQLite's read pool; on
   * PostgreSQL, workers with their own connections. PostgreSQL's other REST reads stay on the event loop
   * (mostly I/O there), but graphql-js completing 25,000 points, or a run of 500,000 tags shaped into
   * 20 MB of JSON, is not. Null for in-memory SQLite.
   */
  readonly queryWorkers: ReadPool | null;
  /** How run writes are scheduled: SQLite's queue of bounded slices, or straight through on PostgreSQL. */
  readonly writes: WriteScheduler;
  /** SQLite's write worker for very big writes (big-writes.ts); null on PostgreSQL and in-memory SQLite. */
  readonly bigWrites: BigWrites | null;
  close(): Promise<void>;
}

export interface StoreLocation {
  /** --backend-store-uri: sqlite:///… or postgresql://… (and MLflow's SQLAlchemy spellings). */
  backendStoreUri: string;
  /** The SQLite file when the backend is SQLite (':memory:' for tests). */
  dbFile: string;
  defaultArtifactRoot: string;
  /** SQLite: the artifacts destination, whose contents show that a missing database once existed. */
  artifactsDestination?: string;
  /** SQLite: create a missing database even where an earlier one evidently was (`--init`). */
  init?: boolean;
  /** SQLite: PRAGMA synchronous (`--sqlite-synchronous`). */
  sqliteSynchronous?: SqliteSynchronous;
}

export async function openTrackingStore(location: StoreLocation): Promise<TrackingStore> {
  if (isPostgresUri(location.backendStoreUri)) {
    // Loaded only when asked for: an SQLite server never loads the PostgreSQL driver (start time).
    const { openEngine } = await import('./engine/open.js');
    const { engine } = await openEngine(location.backendStoreUri);
    const queryWorkers = new ReadPool({ backendStoreUri: location.backendStoreUri, defaultArtifactRoot: location.defaultArtifactRoot });
    return assemble(engine, location.defaultArtifactRoot, { reads: null, queryWorkers }, null, concurrentWrites, async () => {
      queryWorkers.close();
      await engine.close();
    });
  }
  const { dbFile } = location;
  const db = openDatabase(dbFile, { init: location.init, artifactsDestination: location.artifactsDestination, synchronous: location.sqliteSynchronous });
  const engine = new SqliteEngine(db.sqlite, { beforeWrite: () => db.watch?.check(), onClose: () => db.close() });
  const onDisk = dbFile !== ':memory:' && dbFile !== '';
  const reads = onDisk ? new ReadPool({ dbFile, defaultArtifactRoot: location.defaultArtifactRoot }) : null;
  const checkpointer = onDisk ? new Checkpointer(db.sqlite, dbFile) : null;
  const bigWrites = onDisk ? new BigWrites({ dbFile, defaultArtifactRoot: location.defaultArtifactRoot, synchronous: location.sqliteSynchronous }, engine) : null;
  return assemble(engine, location.defaultArtifactRoot, { reads, queryWorkers: reads }, bigWrites, new WriteQueue(engine), async () => {
    reads?.close();
    bigWrites?.close();
    checkpointer?.close();
    await engine.close();
  });
}

async function assemble(
  db: SqlEngine,
  defaultArtifactRoot: string,
  { reads, queryWorkers }: { reads: ReadPool | null; queryWorkers: ReadPool | null },
  bigWrites: BigWrites | null,
  writes: WriteScheduler,
  close: () => Promise<void>,
): Promise<TrackingStore> {
  const experiments = new ExperimentStore(db, defaultArtifactRoot);
  await experiments.ensureDefaultExperiment();
  const runs = new RunStore(db, experiments);
  const loggedModels = new LoggedModelStore(db, experiments);
  const logging = new RunLogging(db, runs);
  // Metrics logged with a model_id are also the logged model's metrics (sqlalchemy_store._log_model_metrics).
  logging.modelMetricSink = (runId, experimentId, metrics) => loggedModels.recordMetrics(runId, experimentId, metrics);
  return { db, experiments, runs, logging, history: new MetricHistory(db), loggedModels, reads, queryWorkers, bigWrites, writes, close };
}
