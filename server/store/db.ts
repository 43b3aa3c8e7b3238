// One SQLite connection per process, configured once: WAL so readers never block the writer,
// synchronous=FULL by default (every acknowledged commit survives a power loss; NORMAL, durable only
// at checkpoints, with --sqlite-synchronous normal), foreign keys on, a busy timeout so a
// second process never sees "database is locked" at once, and case-sensitive LIKE because MLflow
// runs `PRAGMA case_sensitive_like = true` on SQLite (ILIKE is compiled to lower() LIKE lower()).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';
import { DatabaseFileWatch, refuseLostDatabase } from './sqlite-file.js';
import { acquireSqliteLock, type SqliteLock } from './sqlite-lock.js';
import { prepareSqliteSchema } from './mlflow-schema.js';

export type Sqlite = Database.Database;
export type Drizzle = BetterSQLite3Database<typeof schema>;

export interface Db {
  sqlite: Sqlite;
  orm: Drizzle;
  /** The lock beside the file that keeps a second server off it (sqlite-lock.ts); null in memory. */
  lock: SqliteLock | null;
  /** Checks before each write that the file is still the one opened (sqlite-file.ts); null in memory. */
  watch: DatabaseFileWatch | null;
  /** Closes the connection (idempotent) and releases the lock. */
  close(): void;
}

/** The package root, found by walking up to package.json: works from server/ (tsx) and dist/server/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'migrations'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the Minflow package root (package.json + migrations/)');
    dir = parent;
  }
}

/**
 * A second, read-only connection to a database openDatabase has already migrated (the read workers',
 * server/reads/): the same per-connection settings, and no way to write.
 */
export function openReadConnection(file: string): Sqlite {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('case_sensitive_like = ON');
  return sqlite;
}

/** The per-connection settings of a connection that writes: the server's, and its write worker's. */
function applyWriteSettings(sqlite: Sqlite, synchronous: SqliteSynchronous = DEFAULT_SYNCHRONOUS): void {
  sqlite.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('case_sensitive_like = ON');
}

/**
 * A second connection that writes, to a database openDatabase has opened and migrated (the write
 * worker's, big-writes.ts): the same settings as the server's. The server's lock on the file is
 * already held; the server keeps its own writes out while the worker writes.
 */
export function openWriteConnection(file: string, synchronous?: SqliteSynchronous): Sqlite {
  const sqlite = new Database(file, { fileMustExist: true });
  applyWriteSettings(sqlite, synchronous);
  return sqlite;
}

export interface OpenDatabaseOptions {
  /** Create the database even where signs show an earlier one was lost (`--init`). */
  init?: boolean;
  /** The artifacts destination, whose contents are such a sign. */
  artifactsDestination?: string;
  /** PRAGMA synchronous (`--sqlite-synchronous`); default DEFAULT_SYNCHRONOUS. */
  synchronous?: SqliteSynchronous;
}

export type SqliteSynchronous = 'full' | 'normal';

/**
 * FULL: in WAL mode every commit fsyncs the WAL before it is acknowledged, so an OS crash or power
 * loss loses no acknowledged write. NORMAL fsyncs only at checkpoints: faster commits, but the last
 * ones before a power loss can vanish. Chosen by measurement (bench/DURABILITY.md).
 */
export const DEFAULT_SYNCHRONOUS: SqliteSynchronous = 'full';

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  const onDisk = file !== ':memory:' && file !== '';
  if (onDisk) {
    refuseLostDatabase(file, options.artifactsDestination, options.init ?? false);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  // Before the file is opened: a second server must not even run the migrations.
  const lock = onDisk ? acquireSqliteLock(file) : null;
  let sqlite: Sqlite | null = null;
  try {
    sqlite = new Database(file);
    applyWriteSettings(sqlite, options.synchronous);
    const orm = drizzle(sqlite, { schema });
    // MLflow's schema (mlflow-schema.ts); drizzle's migrations only bring an older Minflow's file up to its conversion.
    const migrationsFolder = path.join(packageRoot(), 'migrations');
    prepareSqliteSchema(sqlite, {
      where: `The SQLite database ${onDisk ? path.resolve(file) : file}`,
      packageRoot: packageRoot(),
      legacyMigrationCount: (JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length,
      migrateLegacy: () => migrate(orm, { migrationsFolder }),
    });
    // WAL only once the schema is known: switching it rewrites the header of a file that may be refused.
    sqlite.pragma('journal_mode = WAL');
    const connection = sqlite;
    return {
      sqlite: connection,
      orm,
      lock,
      watch: onDisk ? new DatabaseFileWatch(path.resolve(file)) : null,
      close() {
        if (connection.open) connection.close();
        lock?.release();
      },
    };
  } catch (e) {
    if (sqlite?.open) sqlite.close();
    lock?.release();
    throw e;
  }
}
