// Read workers: worker threads, each with its own read-only SQLite connection, that run the heavy
// reads (server/reads/jobs.ts) and hand back the response as JSON text. With them a 1000-run search
// or a 100,000-point history no longer holds the event loop — writes keep committing while it runs —
// and reads use every core instead of one (bench/, workloads 5-8). Workers start on the first job,
// so a server that only writes never pays for them; one that dies is replaced on the next job.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { MlflowError } from '../errors.js';
import { spawnWorker } from '../store/spawn-worker.js';
import { errorOfWorker, type WorkerError } from '../store/worker-errors.js';
import type { ReadJob } from './jobs.js';

export interface WorkerOptions {
  /** SQLite: the database file each worker opens read-only. */
  dbFile?: string;
  /** PostgreSQL: the --backend-store-uri each worker connects to with its own small pool. */
  backendStoreUri?: string;
  defaultArtifactRoot: string;
}

export type JobReply = { id: number; json: string } | { id: number; error: WorkerError };

interface Pending {
  id: number;
  job: ReadJob;
  resolve(json: string): void;
  reject(e: Error): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timer: NodeJS.Timeout | undefined;
}

interface Slot {
  worker: Worker;
  /** The job the worker runs; one at a time, so the pool's queue decides who goes next. */
  running: Pending | null;
}

/** One worker per core, at most 4; MINFLOW_READ_WORKERS sets the number. */
export function defaultReadWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number.parseInt(env.MINFLOW_READ_WORKERS ?? '', 10);
  if (Number.isInteger(n) && n > 0) return n;
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/**
 * How long a job may wait for a worker before the request is answered MLflow's 503
 * TEMPORARILY_UNAVAILABLE (the Python client retries it): a queue that does not move is answered,
 * never left for the client's or a proxy's timeout to close without a word.
 */
export const DEFAULT_QUEUE_TIMEOUT_MS = 30_000;

/** MINFLOW_READ_QUEUE_TIMEOUT_MS, else the default. */
export function queueTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number.parseInt(env.MINFLOW_READ_QUEUE_TIMEOUT_MS ?? '', 10);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_QUEUE_TIMEOUT_MS;
}

export class ReadPool {
  private readonly slots: (Slot | null)[];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly options: WorkerOptions,
    size = defaultReadWorkers(),
    private readonly queueTimeoutMs = queueTimeoutFromEnv(),
  ) {
    this.slots = new Array<Slot | null>(size).fill(null);
  }

  /**
   * The job's answer as JSON text; rejects with the MlflowError the job threw. With `signal` (the
   * client has gone), a queued job is dropped before it starts and a running one is stopped (its
   * worker is terminated and replaced: SQLite cannot interrupt a statement from another thread).
   */
  run(job: ReadJob, signal?: AbortSignal): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the read pool is closed'));
    if (signal?.aborted) return Promise.reject(clientGoneError());
    return new Promise<string>((resolve, reject) => {
      const pending: Pending = { id: this.nextId++, job, resolve, reject, signal, onAbort: undefined, timer: undefined };
      if (signal) {
        pending.onAbort = () => this.abort(pending);
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      pending.timer = setTimeout(() => this.expire(pending), this.queueTimeoutMs);
      pending.timer.unref();
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** Jobs waiting for a worker, and jobs running (for tests and logs). */
  stats(): { queued: number; running: number } {
    return { queued: this.queue.length, running: this.slots.filter((s) => s?.running).length };
  }

  /** Stops the workers; jobs queued or in flight are rejected. */
  close(): void {
    this.closed = true;
    const e = new Error('the server is shutting down');
    for (const pending of this.queue.splice(0)) this.settle(pending, e);
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (!slot) continue;
      this.slots[i] = null;
      if (slot.running) this.settle(slot.running, e);
      void slot.worker.terminate();
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const index = this.slots.findIndex((s) => s === null || s.running === null);
      if (index < 0) return;
      const slot = this.slots[index] ?? this.start(index);
      const pending = this.queue.shift()!;
      if (pending.timer) clearTimeout(pending.timer);
      pending.timer = undefined;
      slot.running = pending;
      slot.worker.postMessage({ id: pending.id, job: pending.job });
    }
  }

  private abort(pending: Pending): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(pending, clientGoneError());
      return;
    }
    const index = this.slots.findIndex((s) => s?.running === pending);
    if (index < 0) return;
    const slot = this.slots[index]!;
    this.slots[index] = null;
    slot.running = null;
    this.settle(pending, clientGoneError());
    void slot.worker.terminate();
    this.dispatch();
  }

  private expire(pending: Pending): void {
    const queued = this.queue.indexOf(pending);
    if (queued < 0) return;
    this.queue.splice(queued, 1);
    this.settle(
      pending,
      new MlflowError('TEMPORARILY_UNAVAILABLE', `The server is busy: the read waited ${Math.round(this.queueTimeoutMs / 1000)} s for a worker. Retry later.`, 503),
    );
  }

  private settle(pending: Pending, outcome: Error | string): void {
    if (pending.timer) clearTimeout(pending.timer);
    if (pending.signal && pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort);
    if (typeof outcome === 'string') pending.resolve(outcome);
    else pending.reject(outcome);
  }

  private start(index: number): Slot {
    const worker: Worker = spawnWorker(import.meta.url, 'worker', this.options);
    worker.unref();
    const slot: Slot = { worker, running: null };
    worker.on('message', (reply: JobReply) => {
      const pending = slot.running;
      if (!pending || pending.id !== reply.id) return;
      slot.running = null;
      this.settle(pending, 'json' in reply ? reply.json : errorOfWorker(reply.error));
      this.dispatch();
    });
    const retire = (e: Error) => {
      if (this.slots[index] === slot) this.slots[index] = null;
      const pending = slot.running;
      slot.running = null;
      if (pending) this.settle(pending, e);
      this.dispatch();
    };
    worker.on('error', retire);
    worker.on('exit', (code) => retire(new Error(`read worker exited with code ${code}`)));
    this.slots[index] = slot;
    return slot;
  }
}

/** The client closed its connection: nobody is left to answer, the error only ends the handler. */
function clientGoneError(): MlflowError {
  return new MlflowError('TEMPORARILY_UNAVAILABLE', 'The client closed the connection before the read ran', 503);
}
