// The WAL checkpointer's thread: its own connection, a PASSIVE checkpoint every interval. PASSIVE
// copies what it can without waiting for readers or the writer, so it never blocks either; the
// fsync it ends with happens here, not on the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { dbFile, intervalMs } = workerData as { dbFile: string; intervalMs: number };
const sqlite = new Database(dbFile, { fileMustExist: true });
sqlite.pragma('busy_timeout = 0');
// This connection never writes: it must not checkpoint on close either (the server's connection
// closes last and does the final one).
sqlite.pragma('wal_autocheckpoint = 0');

const timer = setInterval(() => {
  try {
    sqlite.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (another checkpoint or a recovery running): try again at the next tick.
  }
}, intervalMs);

parentPort?.on('message', (message: string) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  sqlite.close();
  parentPort?.close();
});
