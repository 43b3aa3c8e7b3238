// A read worker: its own read-only connection to the server's database (SQLite), or its own small
// pool (PostgreSQL), the entity stores on it, and one loop — run a job inside a read transaction (one
// snapshot for the whole answer, as the event loop gets by running a search synchronously), reply
// with the JSON text or the error.
import { parentPort, workerData } from 'node:worker_threads';
import { jsonBody } from '../protocol/json-body.js';
import { openReadConnection } from '../store/db.js';
import { SqliteEngine } from '../store/engine/sqlite.js';
import type { SqlEngine } from '../store/engine/types.js';
import { ExperimentStore } from '../store/experiments.js';
import { MetricHistory } from '../store/history.js';
import { RunStore } from '../store/runs.js';
import { workerErrorOf } from '../store/worker-errors.js';
import { executeReadJob, type ReadJob, type ReadStores } from './jobs.js';
import type { JobReply, WorkerOptions } from './pool.js';

/** Connections each PostgreSQL worker may hold: it runs one job at a time, whose reads may overlap. */
const PG_WORKER_CONNECTIONS = 2;

const options = workerData as WorkerOptions;
const port = parentPort!;

async function openEngine(): Promise<SqlEngine> {
  if (options.dbFile) return new SqliteEngine(openReadConnection(options.dbFile));
  // The server has prepared the schema already: only the connection settings are needed here.
  const [{ parsePgUri }, { resolveClientConfig }, { PostgresEngine }] = await Promise.all([
    import('../store/engine/pg-uri.js'),
    import('../store/engine/pg-connect.js'),
    import('../store/engine/postgres.js'),
  ]);
  const config = await resolveClientConfig(parsePgUri(options.backendStoreUri!, process.env));
  return new PostgresEngine(config, { poolSize: PG_WORKER_CONNECTIONS });
}

const opened = openEngine().then((db) => {
  const experiments = new ExperimentStore(db, options.defaultArtifactRoot);
  const stores: ReadStores = { experiments, runs: new RunStore(db, experiments), history: new MetricHistory(db) };
  return { db, stores };
});
// A failure to connect is each job's error (below), not an unhandled rejection that ends the worker.
opened.catch(() => {});

port.on('message', async (message: { id: number; job: ReadJob }) => {
  let reply: JobReply;
  try {
    const { db, stores } = await opened;
    // The float pass runs here, off the event loop: the main thread sends the text as it is.
    const json = await db.transaction(async () => jsonBody(await executeReadJob(stores, message.job)), 'read');
    reply = { id: message.id, json };
  } catch (e) {
    reply = { id: message.id, error: workerErrorOf(e) };
  }
  port.postMessage(reply);
});
