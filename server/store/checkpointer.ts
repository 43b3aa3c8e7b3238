// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses 1000 WAL pages: it copies pages into the database file and fsyncs it while the event loop
// waits. Measured on 1000-metric log-batches (bench/, workload 3) that was a third of the server's
// time: 54 → 84 batches/s without it. Once writes start (the WAL file passes 2 MiB; an idle server
// never pays the worker's memory), a worker thread with its own connection checkpoints every 100 ms
// instead, and the server's connection keeps an automatic checkpoint only as a backstop, at 16384
// pages (64 MiB), should the worker ever fall behind.
//
// On idle and on a clean close, the WAL is checkpointed with TRUNCATE: every commit is then in the
// database file itself and the WAL is empty, so `cp mlflow.db` of an idle or stopped server is the
// whole database (users coming from MLflow back up that one file). Idle means the WAL has not
// changed for IDLE_MS; the TRUNCATE runs on the server's connection with busy_timeout 0, so a read
// worker in the middle of a read makes it wait for the next tick instead of blocking the event loop.
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Sqlite } from './db.js';
import { spawnWorker } from './spawn-worker.js';

const INTERVAL_MS = 100;
const BACKSTOP_PAGES = 16384;
const START_AT_WAL_BYTES = 2 * 1024 * 1024;
const WATCH_MS = 250;
const IDLE_MS = 1000;
/** The server connection's usual busy_timeout (db.ts), restored after a TRUNCATE attempt. */
const BUSY_TIMEOUT_MS = 10000;

export class Checkpointer {
  private worker: Worker | null = null;
  private readonly watch: NodeJS.Timeout;
  private started = false;
  /** The WAL as last seen (size and mtime) and since when it has not changed. */
  private lastWal = '';
  private unchangedSince = 0;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly dbFile: string,
  ) {
    this.watch = setInterval(() => this.tick(), WATCH_MS);
    this.watch.unref();
  }

  /**
   * Stops the worker and checkpoints the WAL into the database file (TRUNCATE), so a stopped
   * server's mlflow.db is complete on its own. Call before closing the server's connection.
   */
  close(): void {
    clearInterval(this.watch);
    this.worker?.postMessage('stop');
    this.worker = null;
    this.truncate(1000);
  }

  /**
   * Copies the whole WAL into the database file and empties it; false when a reader or a transaction
   * in progress kept it from finishing (tried again later).
   */
  truncate(busyTimeoutMs = 0): boolean {
    if (!this.sqlite.open || this.sqlite.inTransaction) return false;
    this.sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    try {
      const [row] = this.sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return row?.busy === 0;
    } catch {
      return false; // busy or an I/O error: the WAL still holds everything; try again later
    } finally {
      if (this.sqlite.open) this.sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  private tick(): void {
    let wal: fs.Stats;
    try {
      wal = fs.statSync(`${this.dbFile}-wal`);
    } catch {
      return; // no WAL file yet
    }
    if (!this.started && wal.size >= START_AT_WAL_BYTES) this.start();
    const seen = `${wal.size}:${wal.mtimeMs}`;
    const now = Date.now();
    if (seen !== this.lastWal) {
      this.lastWal = seen;
      this.unchangedSince = now;
      return;
    }
    if (wal.size > 0 && now - this.unchangedSince >= IDLE_MS) this.truncate();
  }

  private start(): void {
    this.started = true;
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
