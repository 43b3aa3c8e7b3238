// Password verification off the I/O pool (issue 14 item 2): scrypt runs in a small set of dedicated
// worker threads (default 1), never on libuv's thread pool, where it would queue ahead of every file
// read and write. At most `threads` keys are computed at once (the semaphore) and at most `maxQueued`
// wait; past that a verification is refused at once (ScryptBusy) instead of piling up CPU work that an
// unauthenticated flood can make unbounded.
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../store/spawn-worker.js';

export class ScryptBusy extends Error {
  constructor() {
    super('Too many password verifications are waiting');
  }
}

interface Pending {
  id: number;
  job: { password: string; salt: Buffer; keyLength: number; N: number; r: number; p: number; maxmem: number };
  resolve: (key: Buffer) => void;
  reject: (e: Error) => void;
}

export interface ScryptPoolOptions {
  threads?: number;
  maxQueued?: number;
}

export class ScryptPool {
  readonly threads: number;
  readonly maxQueued: number;
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly running = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly started = new Map<Worker, Promise<void>>();

  constructor(options: ScryptPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? 1);
    this.maxQueued = Math.max(0, options.maxQueued ?? 16);
  }

  /** Starts the threads now (a thread's start costs tens of ms, seconds under tsx) and waits for them. */
  async ready(): Promise<void> {
    while (this.all.length < this.threads) this.idle.push(this.spawn());
    await Promise.all(this.all.map((w) => this.started.get(w)));
  }

  /** Keys being computed plus keys waiting. */
  get load(): number {
    return this.running.size + this.queue.length;
  }

  scrypt(password: string, salt: Buffer, keyLength: number, o: { N: number; r: number; p: number; maxmem: number }): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the scrypt pool is closed'));
    if (this.running.size >= this.threads && this.queue.length >= this.maxQueued) return Promise.reject(new ScryptBusy());
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job: { password, salt, keyLength, ...o }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.all.length < this.threads ? this.spawn() : undefined);
      if (!worker) return;
      const next = this.queue.shift()!;
      this.running.set(worker, next);
      worker.ref();
      worker.postMessage({ ...next.job, id: next.id, salt: new Uint8Array(next.job.salt) });
    }
  }

  private spawn(): Worker {
    const worker = spawnWorker(import.meta.url, 'scrypt-worker', null);
    worker.unref();
    this.all.push(worker);
    let onReady = () => {};
    this.started.set(worker, new Promise<void>((resolve) => (onReady = resolve)));
    worker.on('message', (msg: { id: number; key?: Uint8Array; error?: string; ready?: boolean }) => {
      if (msg.ready) return onReady();
      const job = this.running.get(worker);
      this.running.delete(worker);
      worker.unref();
      if (job && job.id === msg.id) {
        if (msg.key) job.resolve(Buffer.from(msg.key));
        else job.reject(new Error(msg.error ?? 'scrypt failed'));
      }
      if (!this.closed) {
        this.idle.push(worker);
        this.dispatch();
      }
    });
    worker.once('exit', () => onReady());
    worker.on('error', (e) => this.lose(worker, e));
    worker.on('exit', (code) => this.lose(worker, new Error(`the scrypt worker exited with code ${code}`)));
    return worker;
  }

  private lose(worker: Worker, error: Error): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    this.started.delete(worker);
    for (const list of [this.all, this.idle]) {
      const i = list.indexOf(worker);
      if (i >= 0) list.splice(i, 1);
    }
    job?.reject(error);
    if (!this.closed) this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('the scrypt pool is closed'));
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
