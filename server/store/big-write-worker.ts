// The write worker (big-writes.ts): its own writing connection to the server's database, the entity
// stores on it, and one job — create a run from a runs/create body's text: parse, coerce and write it
// in one transaction, off the event loop, and reply with the new run's id or the error.
import { parentPort, workerData } from 'node:worker_threads';
import { createRunRequestFromText } from '../protocol/create-run.js';
import type { BigWriteJob, BigWriteOptions, BigWriteReply } from './big-writes.js';
import { openWriteConnection } from './db.js';
import { SqliteEngine } from './engine/sqlite.js';
import { ExperimentStore } from './experiments.js';
import { RunStore } from './runs.js';
import { workerErrorOf } from './worker-errors.js';

const options = workerData as BigWriteOptions;
const db = new SqliteEngine(openWriteConnection(options.dbFile, options.synchronous));
const experiments = new ExperimentStore(db, options.defaultArtifactRoot);
const runs = new RunStore(db, experiments);
const port = parentPort!;

port.on('message', async (job: BigWriteJob) => {
  let reply: BigWriteReply;
  try {
    reply = { id: job.id, runId: await runs.createRun(createRunRequestFromText(job.body)) };
  } catch (e) {
    reply = { id: job.id, error: workerErrorOf(e) };
  }
  port.postMessage(reply);
});
