// A read worker: its own read-only connection to the server's database, the entity stores on it, and
// one loop — run a job inside a read transaction (one snapshot for the whole answer, as the event
// loop gets by running a search synchronously), reply with the JSON text or the error.
import { parentPort, workerData } from 'node:worker_threads';
import { jsonBody } from '../protocol/json-body.js';
import { openReadConnection } from '../store/db.js';
import { SqliteEngine } from '../store/engine/sqlite.js';
import { ExperimentStore } from '../store/experiments.js';
import { MetricHistory } from '../store/history.js';
import { RunStore } from '../store/runs.js';
import { workerErrorOf } from '../store/worker-errors.js';
import { executeReadJob, type ReadJob, type ReadStores } from './jobs.js';
import type { JobReply, WorkerOptions } from './pool.js';

const options = workerData as WorkerOptions;
const db = new SqliteEngine(openReadConnection(options.dbFile));
const experiments = new ExperimentStore(db, options.defaultArtifactRoot);
const stores: ReadStores = { experiments, runs: new RunStore(db, experiments), history: new MetricHistory(db) };
const port = parentPort!;

port.on('message', async (message: { id: number; job: ReadJob }) => {
  let reply: JobReply;
  try {
    // The float pass runs here, off the event loop: the main thread sends the text as it is.
    const json = await db.transaction(async () => jsonBody(await executeReadJob(stores, message.job)), 'read');
    reply = { id: message.id, json };
  } catch (e) {
    reply = { id: message.id, error: workerErrorOf(e) };
  }
  port.postMessage(reply);
});
