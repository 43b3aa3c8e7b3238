// Read workers: worker threads, each with its own read-only SQLite connection, that run the heavy
// reads (server/reads/jobs.ts) and hand back the response as JSON text. With them a 1000-run search
// or a 100,000-point history no longer holds the event loop — writes keep committing while it runs —
// and reads use every core instead of one (bench/, workloads 5-8). Workers start on the first job,
// so a server that only writes never pays for them; one that dies is replaced on the next job.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { MlflowError, type ErrorCode } from '../errors.js';
import { spawnWorker } from '../store/spawn-worker.js';
import type { ReadJob } from './jobs.js';

export interface WorkerOptions {
  dbFile: string;
  defaultArtifactRoot: string;
}

export type JobReply =
  | { id: number; json: string }
  | { id: number; error: { mlflow: true; code: ErrorCode; message: string; status: number } }
  | { id: number; error: { mlflow: false; message: string; stack?: string | undefined } };

interface Slot {
  worker: Worker;
  inflight: Map<number, { resolve(json: string): void; reject(e: Error): void }>;
}

/** One worker per core, at most 4; jobs beyond that queue in the workers, none is refused. */
export function defaultReadWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

export class ReadPool {
  private readonly slots: (Slot | null)[];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly options: WorkerOptions,
    size = defaultReadWorkers(),
  ) {
    this.slots = new Array<Slot | null>(size).fill(null);
  }

  /** The job's answer as JSON text; rejects with the MlflowError the job threw. */
  run(job: ReadJob): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the read pool is closed'));
    const slot = this.pick();
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      slot.inflight.set(id, { resolve, reject });
      slot.worker.postMessage({ id, job });
    });
  }

  /** Stops the workers; jobs still in flight are rejected. */
  close(): void {
    this.closed = true;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (!slot) continue;
      this.slots[i] = null;
      this.fail(slot, new Error('the server is shutting down'));
      void slot.worker.terminate();
    }
  }

  /** The least busy worker: an idle running one, else a new one while slots are free, else the least loaded. */
  private pick(): Slot {
    let best = 0;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      const load = slot ? slot.inflight.size : 0.5;
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    return this.slots[best] ?? this.start(best);
  }

  private start(index: number): Slot {
    const worker: Worker = spawnWorker(import.meta.url, 'worker', this.options);
    worker.unref();
    const slot: Slot = { worker, inflight: new Map() };
    worker.on('message', (reply: JobReply) => {
      const pending = slot.inflight.get(reply.id);
      if (!pending) return;
      slot.inflight.delete(reply.id);
      if ('json' in reply) pending.resolve(reply.json);
      else if (reply.error.mlflow) pending.reject(new MlflowError(reply.error.code, reply.error.message, reply.error.status));
      else {
        const e = new Error(reply.error.message);
        if (reply.error.stack) e.stack = reply.error.stack;
        pending.reject(e);
      }
    });
    const retire = (e: Error) => {
      if (this.slots[index] === slot) this.slots[index] = null;
      this.fail(slot, e);
    };
    worker.on('error', retire);
    worker.on('exit', (code) => retire(new Error(`read worker exited with code ${code}`)));
    this.slots[index] = slot;
    return slot;
  }

  private fail(slot: Slot, e: Error): void {
    for (const pending of slot.inflight.values()) pending.reject(e);
    slot.inflight.clear();
  }
}
