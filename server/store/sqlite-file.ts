// The SQLite file under a running server, and at start. A server keeps writing to the inode it
// opened: delete (or replace) mlflow.db while it runs and every write is still answered 200, into a
// file no one will ever open again, and the restart silently begins an empty database. So:
// - the server's connection remembers the file's device and inode, and before every write checks
//   that the path still names them (one stat, ~1 µs); if not, the write is refused with 503
//   TEMPORARILY_UNAVAILABLE — the client retries, and nothing is acknowledged that would be lost;
// - at start, a missing database file is created only when nothing shows that one existed: no
//   artifacts in a local artifacts destination, no -wal/-shm file, no lock file beside it. Otherwise
//   the start is refused unless `--init` says a new, empty database is wanted.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';
import { MlflowError } from '../errors.js';
import { lockFileFor } from './sqlite-lock.js';

export class DatabaseFileWatch {
  private readonly dev: number;
  private readonly ino: number;
  private reported = false;

  constructor(
    readonly file: string,
    /** Told once when the file is found gone or replaced (the server logs it). */
    private readonly onLost: (message: string) => void = (message) => process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), msg: message })}\n`),
  ) {
    const stat = fs.statSync(file);
    this.dev = stat.dev;
    this.ino = stat.ino;
  }

  /** Throws 503 TEMPORARILY_UNAVAILABLE when the path no longer names the file the server opened. */
  check(): void {
    let problem: string | null = null;
    try {
      const stat = fs.statSync(this.file);
      if (stat.ino !== this.ino || stat.dev !== this.dev) problem = 'was replaced by another file';
    } catch (e) {
      problem = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'was deleted' : `cannot be checked (${(e as Error).message})`;
    }
    if (problem === null) {
      this.reported = false;
      return;
    }
    const message =
      `The database file ${this.file} ${problem} while the server was running: writes are refused, since they would go to a file ` +
      'no one opens again. Put the file back (or restore a backup) and restart the server.';
    if (!this.reported) {
      this.reported = true;
      this.onLost(message);
    }
    throw new MlflowError('TEMPORARILY_UNAVAILABLE', message);
  }
}

/** What near a missing database file shows that one existed; [] when nothing does. */
export function signsOfEarlierDatabase(dbFile: string, artifactsDestination: string | undefined): string[] {
  const signs: string[] = [];
  for (const sibling of [`${dbFile}-wal`, `${dbFile}-shm`, lockFileFor(dbFile)]) {
    if (fs.existsSync(sibling)) signs.push(sibling);
  }
  if (artifactsDestination && !/^[a-zA-Z][\w+.-]*:\/\//.test(artifactsDestination)) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(artifactsDestination).filter((name) => !name.startsWith('.'));
    } catch {
      // no artifacts directory: nothing there
    }
    if (entries.length > 0) signs.push(`${path.join(artifactsDestination, entries[0]!)} (artifacts)`);
  }
  return signs;
}

/** Refuses to create `dbFile` anew where an earlier database evidently was, unless `init`. */
export function refuseLostDatabase(dbFile: string, artifactsDestination: string | undefined, init: boolean): void {
  if (init || dbFile === ':memory:' || dbFile === '' || fs.existsSync(dbFile)) return;
  const signs = signsOfEarlierDatabase(dbFile, artifactsDestination);
  if (signs.length === 0) return;
  throw new ConfigError(
    `The database ${dbFile} does not exist, but ${signs.join(', ')} show${signs.length === 1 ? 's' : ''} that one did: ` +
      'refusing to start on a new, empty database. Restore the database file (e.g. from `minflow backup`), fix --backend-store-uri, ' +
      'or pass --init to create an empty database here.',
  );
}
