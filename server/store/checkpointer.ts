// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses 1000 WAL pages: it copies pages into the database file and fsyncs it while the event loop
// waits. Measured on 1000-metric log-batches (bench/, workload 3) that was a third of the server's
// time: 54 → 84 batches/s without it. Once writes start (the WAL file passes 2 MiB; an idle server
// never pays the worker's memory), a worker thread with its own connection checkpoints every 100 ms
// instead, and the server's connection keeps an automatic checkpoint only as a backstop, at 16384
// pages (64 MiB), should the worker ever fall behind.
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Sqlite } from './db.js';
import { spawnWorker } from './spawn-worker.js';

const INTERVAL_MS = 100;
const BACKSTOP_PAGES = 16384;
const START_AT_WAL_BYTES = 2 * 1024 * 1024;
const WATCH_MS = 250;

export class Checkpointer {
  private worker: Worker | null = null;
  private readonly watch: NodeJS.Timeout;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly dbFile: string,
  ) {
    this.watch = setInterval(() => {
      let size = 0;
      try {
        size = fs.statSync(`${dbFile}-wal`).size;
      } catch {
        return; // no WAL file yet
      }
      if (size >= START_AT_WAL_BYTES) this.start();
    }, WATCH_MS);
    this.watch.unref();
  }

  /** Stops the worker; the server's connection, closed after this, does the final checkpoint. */
  close(): void {
    clearInterval(this.watch);
    this.worker?.postMessage('stop');
    this.worker = null;
  }

  private start(): void {
    clearInterval(this.watch);
    this.sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const worker = spawnWorker(import.meta.url, 'checkpoint-worker', { dbFile: this.dbFile, intervalMs: INTERVAL_MS });
    worker.unref();
    // A worker that dies leaves the automatic checkpoint in charge, at the default interval again.
    worker.on('error', () => {
      if (this.worker === worker) this.worker = null;
      if (this.sqlite.open) this.sqlite.pragma('wal_autocheckpoint = 1000');
    });
    this.worker = worker;
  }
}
