// The routes' door to the heavy reads: the job goes to a read worker when the store has them, and
// runs on the event loop otherwise (PostgreSQL, whose reads are I/O anyway; in-memory SQLite in the API tests).
import { JsonText } from '../protocol/wire.js';
import type { TrackingStore } from '../store/index.js';
import { clientGone } from './client-gone.js';
import { executeReadJob, type ReadJob } from './jobs.js';

export type { ReadJob } from './jobs.js';

export function readJob(store: TrackingStore, job: ReadJob): Promise<Record<string, unknown> | JsonText> {
  // One snapshot for the whole answer (the ids of a page and the rows that fill it), as in a worker.
  if (!store.reads) return store.db.transaction(() => executeReadJob(store, job), 'read');
  return store.reads.run(job, clientGone.getStore()).then((text) => new JsonText(text, true));
}
