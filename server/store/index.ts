// The metadata store: one SQLite database behind the entity stores the routes call.
import { ReadPool } from '../reads/pool.js';
import { Checkpointer } from './checkpointer.js';
import { openDatabase, type Db } from './db.js';
import { ExperimentStore } from './experiments.js';
import { MetricHistory } from './history.js';
import { LoggedModelStore } from './logged-models.js';
import { RunLogging } from './logging.js';
import { RunStore } from './runs.js';
import { WriteQueue } from './write-queue.js';

export interface TrackingStore {
  readonly db: Db;
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly logging: RunLogging;
  readonly history: MetricHistory;
  readonly loggedModels: LoggedModelStore;
  /** Worker threads for the heavy reads (server/reads/); null for an in-memory database, which they cannot open. */
  readonly reads: ReadPool | null;
  /** Run writes in arrival order, in bounded slices of the event loop (server/store/write-queue.ts). */
  readonly writes: WriteQueue;
  close(): void;
}

export function openTrackingStore(dbFile: string, defaultArtifactRoot: string): TrackingStore {
  const db = openDatabase(dbFile);
  const experiments = new ExperimentStore(db.sqlite, defaultArtifactRoot);
  experiments.ensureDefaultExperiment();
  const runs = new RunStore(db.sqlite, experiments);
  const loggedModels = new LoggedModelStore(db.sqlite, experiments);
  const logging = new RunLogging(db.sqlite, runs);
  // Metrics logged with a model_id are also the logged model's metrics (sqlalchemy_store._log_model_metrics).
  logging.modelMetricSink = (runId, experimentId, metrics) => loggedModels.recordMetrics(runId, experimentId, metrics);
  const onDisk = dbFile !== ':memory:' && dbFile !== '';
  const reads = onDisk ? new ReadPool({ dbFile, defaultArtifactRoot }) : null;
  const checkpointer = onDisk ? new Checkpointer(db.sqlite, dbFile) : null;
  return {
    db,
    experiments,
    runs,
    logging,
    history: new MetricHistory(db.sqlite),
    loggedModels,
    reads,
    writes: new WriteQueue(),
    close: () => {
      reads?.close();
      checkpointer?.close();
      db.close();
    },
  };
}
