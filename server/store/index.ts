// The metadata store: one SQLite database behind the entity stores the routes call.
import { openDatabase, type Db } from './db.js';
import { ExperimentStore } from './experiments.js';
import { MetricHistory } from './history.js';
import { RunLogging } from './logging.js';
import { RunStore } from './runs.js';

export interface TrackingStore {
  readonly db: Db;
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly logging: RunLogging;
  readonly history: MetricHistory;
  close(): void;
}

export function openTrackingStore(dbFile: string, defaultArtifactRoot: string): TrackingStore {
  const db = openDatabase(dbFile);
  const experiments = new ExperimentStore(db.sqlite, defaultArtifactRoot);
  experiments.ensureDefaultExperiment();
  const runs = new RunStore(db.sqlite, experiments);
  return {
    db,
    experiments,
    runs,
    logging: new RunLogging(db.sqlite, runs),
    history: new MetricHistory(db.sqlite),
    close: () => db.close(),
  };
}
