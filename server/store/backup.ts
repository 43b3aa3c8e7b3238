// `minflow backup <dest>`: a consistent copy of the SQLite database while the server runs. VACUUM
// INTO reads the database inside one read transaction — in WAL mode a snapshot that writers never
// block and that never blocks them — and writes it out as one compact, self-contained file (no -wal
// beside it). The copy lands under a temporary name, is fsynced, checked (integrity_check), and only
// then renamed into place, so `dest` is either absent or a whole, verified database.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface BackupResult {
  dest: string;
  bytes: number;
  experiments: number;
  runs: number;
  ms: number;
}

export class BackupError extends Error {}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function backupSqlite(dbFile: string, dest: string): BackupResult {
  const started = Date.now();
  const target = path.resolve(dest);
  if (!fs.existsSync(dbFile)) throw new BackupError(`No SQLite database at ${dbFile} (set --backend-store-uri)`);
  if (fs.existsSync(target)) throw new BackupError(`${target} already exists: minflow backup never overwrites a file; name a new one`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  fs.rmSync(temp, { force: true });
  // Read-only, no lock: a backup runs beside the server, never instead of it.
  const source = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    source.prepare('VACUUM INTO ?').run(temp);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw new BackupError(`Backup of ${dbFile} failed: ${(e as Error).message}`);
  } finally {
    source.close();
  }
  let experiments = 0;
  let runs = 0;
  try {
    // VACUUM INTO does not fsync its output: do it before the copy is published.
    fsyncPath(temp);
    const copy = new Database(temp, { readonly: true, fileMustExist: true });
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new BackupError(`The copy failed its integrity check: ${String(check)}`);
      experiments = copy.prepare('SELECT count(*) FROM experiments').pluck().get() as number;
      runs = copy.prepare('SELECT count(*) FROM runs').pluck().get() as number;
    } finally {
      copy.close();
    }
    fs.renameSync(temp, target);
    fsyncPath(path.dirname(target));
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
  return { dest: target, bytes: fs.statSync(target).size, experiments, runs, ms: Date.now() - started };
}
