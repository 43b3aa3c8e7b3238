// One Minflow server per SQLite file. Two servers on one file both start, and then about a third of
// the writes fail with "database is locked" (each holds its own write connection, and their write
// queues and checkpointers never coordinate). So a server holds `<db>.minflow-lock` beside the file
// while it runs: created atomically (a complete file is hard-linked into place, so no one ever reads
// half a lock), naming its pid, host and start time, removed on a clean close. A second server is
// refused with a message that names the holder. A lock left by a process that died (kill -9, power
// loss) is stale — same host, and no process with that pid (or a different process reusing the pid,
// told apart by its start time) — and is taken over.
//
// Read-only connections (the read workers, `minflow backup`) take no lock: they never write.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config.js';

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  startedAt: string;
  /** Linux: the holder's start time in clock ticks since boot (/proc/<pid>/stat), to tell pid reuse apart. */
  procStart?: string;
  /** The holder's command line, for the message. */
  command?: string;
}

/** A ConfigError: `minflow server` prints it plainly and exits 2. */
export class DatabaseLockedError extends ConfigError {
  constructor(
    readonly lockFile: string,
    readonly owner: LockOwner | null,
  ) {
    super(
      owner
        ? `The SQLite database ${lockFile.slice(0, -LOCK_SUFFIX.length)} is in use by another Minflow server: pid ${owner.pid} on host ${owner.host}, ` +
            `started ${owner.startedAt}${owner.command ? ` (${owner.command})` : ''}. Two servers on one SQLite file fail each other's writes; ` +
            `stop that server, or use PostgreSQL for several servers. If that process is gone, remove ${lockFile}.`
        : `The SQLite database beside ${lockFile} is locked by another Minflow server (the lock file cannot be read). If no server runs, remove ${lockFile}.`,
    );
    this.name = 'DatabaseLockedError';
  }
}

export const LOCK_SUFFIX = '.minflow-lock';

/** Locks this process holds, so a second open of the same file in one process is refused too. */
const held = new Set<string>();

export interface SqliteLock {
  readonly file: string;
  release(): void;
}

export function lockFileFor(dbFile: string): string {
  return `${dbFile}${LOCK_SUFFIX}`;
}

function procStartOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the parenthesised command name, which may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

/** Whether the owner recorded in a lock file is certainly gone. */
export function isStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false; // another machine (a shared volume): cannot tell
  // A container restarted after a crash runs as the same pid again: a lock naming us is not ours
  // unless this process really holds it (the `held` set is checked before).
  if (owner.pid === process.pid) return true;
  if (!isAlive(owner.pid)) return true;
  // A live process with that pid started at another moment is a different process reusing the pid.
  const now = procStartOf(owner.pid);
  return owner.procStart !== undefined && now !== undefined && now !== owner.procStart;
}

/**
 * Takes the lock of `dbFile` or throws DatabaseLockedError naming the holder. A stale lock is taken
 * over: moved aside atomically (rename), checked to be the very file judged stale, then replaced.
 */
export function acquireSqliteLock(dbFile: string): SqliteLock {
  const file = lockFileFor(path.resolve(dbFile));
  if (held.has(file)) throw new DatabaseLockedError(file, readOwner(file));
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    procStart: procStartOf(process.pid),
    command: process.argv.slice(1).map((a) => path.basename(a)).join(' ').slice(0, 200),
  };
  const text = `${JSON.stringify(owner)}\n`;
  const temp = `${file}.${process.pid}.${randomUUID()}`;
  fs.writeFileSync(temp, text, { flush: true });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(temp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const existing = fs.readFileSync(file, 'utf8');
      const other = readOwner(file);
      if (other === null || !isStale(other) || attempt >= 3) throw new DatabaseLockedError(file, other);
      // Move the stale lock aside; if what we moved is not what we judged stale (another server took
      // over meanwhile), put it back and look again.
      const aside = `${file}.stale.${process.pid}.${randomUUID()}`;
      try {
        fs.renameSync(file, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      if (fs.readFileSync(aside, 'utf8') !== existing) {
        try {
          fs.linkSync(aside, file);
        } catch {
          // Someone else holds it now: the next round names them.
        }
      }
      fs.rmSync(aside, { force: true });
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
  held.add(file);
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      held.delete(file);
      // Only our own lock is removed: a file someone replaced it with is theirs.
      let current: string | null = null;
      try {
        current = fs.readFileSync(file, 'utf8');
      } catch {
        return; // already gone
      }
      if (current === text) fs.rmSync(file, { force: true });
    },
  };
}
