// The routes' door to the heavy reads: the job goes to a read worker when the store has them, and
// runs on the event loop otherwise (in-memory databases, the API tests).
import { JsonText } from '../protocol/wire.js';
import type { TrackingStore } from '../store/index.js';
import { executeReadJob, type ReadJob } from './jobs.js';

export type { ReadJob } from './jobs.js';

export function readJob(store: TrackingStore, job: ReadJob): Record<string, unknown> | Promise<JsonText> {
  if (!store.reads) return executeReadJob(store, job);
  return store.reads.run(job).then((text) => new JsonText(text));
}
