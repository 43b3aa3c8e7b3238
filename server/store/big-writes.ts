// Very big writes on SQLite, made by a worker thread. SQLite writes on the server's connection run on
// the event loop: a runs/create of 500,000 tags (MLflow does not bound them) took seconds of inserts
// with stalls of hundreds of milliseconds in the kernel's write path and a COMMIT of 0.4-0.8 s, each
// of which held /health and every other request (issue 14 item 6). A body of a megabyte or more is
// handed as text to one worker with its own writing connection, which parses, coerces and writes it
// in one transaction, while the server's connection lock is held so that the server's own writes wait
// their turn as they would behind any transaction. The worker starts on the first such write.
import type { Worker } from 'node:worker_threads';
import type { SqliteSynchronous } from './db.js';
import type { SqliteEngine } from './engine/sqlite.js';
import { spawnWorker } from './spawn-worker.js';
import { errorOfWorker, type WorkerError } from './worker-errors.js';

export interface BigWriteOptions {
  dbFile: string;
  defaultArtifactRoot: string;
  synchronous?: SqliteSynchronous | undefined;
}

export interface BigWriteJob {
  id: number;
  /** A runs/create body, as it arrived. */
  body: string;
}

export type BigWriteReply = { id: number; runId: string } | { id: number; error: WorkerError };

export class BigWrites {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(runId: string): void; reject(e: Error): void }>();

  constructor(
    private readonly options: BigWriteOptions,
    private readonly engine: SqliteEngine,
  ) {}

  /** Creates the run a runs/create body describes; its id, or the MlflowError the route would have thrown. */
  createRun(body: string): Promise<string> {
    return this.engine.exclusive(
      () =>
        new Promise<string>((resolve, reject) => {
          const id = this.nextId++;
          this.pending.set(id, { resolve, reject });
          this.start().postMessage({ id, body } satisfies BigWriteJob);
        }),
    );
  }

  close(): void {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('the server is shutting down'));
    void worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorker(import.meta.url, 'big-write-worker', this.options);
    worker.unref();
    worker.on('message', (reply: BigWriteReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('runId' in reply) waiting?.resolve(reply.runId);
      else waiting?.reject(errorOfWorker(reply.error));
    });
    // A worker that dies takes its open transaction with it (SQLite rolls it back); the next write starts another.
    const retire = (e: Error) => {
      if (this.worker === worker) this.worker = null;
      this.failAll(e);
    };
    worker.on('error', retire);
    worker.on('exit', (code) => retire(new Error(`write worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private failAll(e: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(e);
    this.pending.clear();
  }
}
