// The routes' door to the heavy reads: the job goes to a read worker when the store has them, and
// runs on the event loop otherwise (PostgreSQL, whose reads are I/O anyway, but for runs/get; in-memory
// SQLite in the API tests).
import { JsonText } from '../protocol/wire.js';
import type { TrackingStore } from '../store/index.js';
import { clientGone } from './client-gone.js';
import { executeReadJob, type ReadJob } from './jobs.js';

export type { ReadJob } from './jobs.js';

export function readJob(store: TrackingStore, job: ReadJob): Promise<Record<string, unknown> | JsonText> {
  // PostgreSQL's query workers take runs/get: a run may hold 500,000 tags (store/index.ts).
  const pool = store.reads ?? (job.kind === 'getRun' ? store.queryWorkers : null);
  // One snapshot for the whole answer (the ids of a page and the rows that fill it), as in a worker.
  if (!pool) return store.db.transaction(() => executeReadJob(store, job), 'read');
  return pool.run(job, clientGone.getStore()).then((text) => new JsonText(text, true));
}
