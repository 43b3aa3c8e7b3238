// The SQLite engine: one better-sqlite3 connection behind the async SqlEngine interface. Statements
// run synchronously (better-sqlite3 is synchronous and fast) and hand back settled promises; a
// transaction holds a FIFO lock across its awaits, and statements from other async contexts wait
// for it, so the single connection never mixes two requests' work.
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { sqliteDialect } from './dialect.js';
import { mapSqliteError } from './sqlite-errors.js';
import { TxLock } from './tx-lock.js';
import type { RunResult, SqlEngine, SqlParam } from './types.js';

export interface SqliteEngineOptions {
  /**
   * Called before every write (a write transaction, or a statement run outside a transaction); throws
   * to refuse it. The server's connection checks here that its database file is still the one on disk.
   */
  beforeWrite?: () => void;
  /** Called once the connection is closed (db.ts's Db.close: releases the file's lock). */
  onClose?: () => void;
}

/** Statement texts are few (search SQL varies by filter shape, not by value): bound the cache anyway. */
const STATEMENT_CACHE_LIMIT = 2000;

export class SqliteEngine implements SqlEngine {
  readonly dialect = sqliteDialect;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly lock = new TxLock();
  private readonly context = new AsyncLocalStorage<object>();
  private readonly token = {};

  private readonly beforeWrite: (() => void) | undefined;
  private readonly onClose: (() => void) | undefined;

  constructor(
    readonly connection: Database.Database,
    options: SqliteEngineOptions = {},
  ) {
    this.beforeWrite = options.beforeWrite;
    this.onClose = options.onClose;
  }

  inTransaction(): boolean {
    return this.context.getStore() === this.token;
  }

  all<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.exec(() => {
      const stmt = this.prepare(sql);
      stmt.raw(false);
      return stmt.all(...params) as T[];
    });
  }

  get<T>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return this.exec(() => {
      const stmt = this.prepare(sql);
      stmt.raw(false);
      return stmt.get(...params) as T | undefined;
    });
  }

  values<T extends unknown[]>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.exec(() => this.prepare(sql).raw(true).all(...params) as T[]);
  }

  run(sql: string, params: readonly SqlParam[] = []): Promise<RunResult> {
    return this.exec(() => {
      if (!this.inTransaction()) this.beforeWrite?.();
      return { changes: this.prepare(sql).run(...params).changes };
    });
  }

  async transaction<T>(fn: () => Promise<T>, mode: 'write' | 'read' = 'write'): Promise<T> {
    if (this.inTransaction()) return fn();
    if (!this.lock.tryAcquire()) await this.lock.acquire();
    try {
      if (mode === 'write') this.beforeWrite?.();
      this.execOrMap(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN');
      let result: T;
      try {
        result = await this.context.run(this.token, fn);
        this.execOrMap('COMMIT');
      } catch (e) {
        // A failed COMMIT (disk full, I/O error) leaves the transaction open: roll it back too.
        if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
        throw mapSqliteError(e);
      }
      return result;
    } finally {
      this.lock.release();
    }
  }

  /**
   * Runs `work` holding the connection's lock, as a write transaction would, but without one: for a
   * write another connection makes meanwhile (the write worker, big-writes.ts), so that this
   * connection's writes wait for it here instead of in SQLite's busy handler, on the event loop.
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (!this.lock.tryAcquire()) await this.lock.acquire();
    try {
      this.beforeWrite?.();
      return await work();
    } finally {
      this.lock.release();
    }
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (this.connection.open) this.connection.close();
    this.onClose?.();
  }

  private execOrMap(sql: string): void {
    try {
      this.connection.exec(sql);
    } catch (e) {
      throw mapSqliteError(e);
    }
  }

  /** Runs a statement now when this context owns the connection (or nobody does), else after the lock. */
  private exec<T>(work: () => T): Promise<T> {
    if (this.inTransaction()) return settle(work);
    if (this.lock.tryAcquire()) {
      try {
        return settle(work);
      } finally {
        this.lock.release();
      }
    }
    return this.lock.acquire().then(() => {
      try {
        return work();
      } catch (e) {
        throw mapSqliteError(e);
      } finally {
        this.lock.release();
      }
    });
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      stmt = this.connection.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (e) {
    return Promise.reject(mapSqliteError(e));
  }
}
