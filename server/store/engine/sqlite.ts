// The SQLite engine: one better-sqlite3 connection behind the async SqlEngine interface. Statements
// run synchronously (better-sqlite3 is synchronous and fast) and hand back settled promises; a
// transaction holds a FIFO lock across its awaits, and statements from other async contexts wait
// for it, so the single connection never mixes two requests' work. The write queue commits queued
// writes in groups (commitGroup): one COMMIT, so one fsync under synchronous=FULL, for all of them.
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { int64Of } from '../../protocol/int64.js';
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

/** A write's outcome in a group, known once the group's COMMIT is done. */
export type GroupOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The savepoint each top-level transaction of a group's writes runs in. */
const MEMBER_SAVEPOINT = 'minflow_group_member';

/** Statement texts are few (search SQL varies by filter shape, not by value): bound the cache anyway. */
const STATEMENT_CACHE_LIMIT = 2000;

export class SqliteEngine implements SqlEngine {
  readonly dialect = sqliteDialect;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly lock = new TxLock();
  private readonly context = new AsyncLocalStorage<object>();
  private readonly token = {};
  /** The context of a group's writes (commitGroup), outside any transaction of their own. */
  private readonly groupToken = {};

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
    const store = this.context.getStore();
    return store === this.token || store === this.groupToken;
  }

  all<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.exec(() => {
      const stmt = this.prepare(sql);
      stmt.raw(false);
      const rows = stmt.all(...params) as T[];
      return rows.some(holdsInexactNumber) ? (exactly(stmt, () => stmt.all(...params)) as T[]) : rows;
    });
  }

  get<T>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return this.exec(() => {
      const stmt = this.prepare(sql);
      stmt.raw(false);
      const row = stmt.get(...params) as T | undefined;
      return row !== undefined && holdsInexactNumber(row) ? (exactly(stmt, () => [stmt.get(...params)])[0] as T | undefined) : row;
    });
  }

  values<T extends unknown[]>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.exec(() => {
      const stmt = this.prepare(sql).raw(true);
      const rows = stmt.all(...params) as T[];
      return rows.some(holdsInexactNumber) ? (exactly(stmt, () => stmt.all(...params)) as T[]) : rows;
    });
  }

  run(sql: string, params: readonly SqlParam[] = []): Promise<RunResult> {
    return this.exec(() => {
      if (!this.inTransaction()) this.beforeWrite?.();
      return { changes: this.prepare(sql).run(...params).changes };
    });
  }

  async transaction<T>(fn: () => Promise<T>, mode: 'write' | 'read' = 'write'): Promise<T> {
    const store = this.context.getStore();
    if (store === this.token) return fn();
    if (store === this.groupToken) return this.member(fn);
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
    // Inside a group the lock is this context's own, and the other connection's write would wait for its COMMIT.
    if (this.inTransaction()) throw new Error('exclusive work cannot run inside a transaction or a write group');
    if (!this.lock.tryAcquire()) await this.lock.acquire();
    try {
      this.beforeWrite?.();
      return await work();
    } finally {
      this.lock.release();
    }
  }

  /**
   * Group commit: runs the writes `next` hands out, one after another, in one write transaction, and
   * commits them together. Each top-level transaction a write opens becomes a savepoint, so a write
   * that fails leaves nothing of its transaction behind while the others stand, as if each had
   * committed alone; statements outside one are kept, as autocommit would have kept them. Outcomes
   * are returned after the COMMIT: a write is acknowledged only once it is durable. When the COMMIT
   * fails, or SQLite rolls the whole transaction back after an error (disk full, I/O error), every
   * write of the group fails with that error: none of them was stored.
   */
  async commitGroup(next: () => (() => Promise<unknown>) | undefined): Promise<GroupOutcome[]> {
    if (!this.lock.tryAcquire()) await this.lock.acquire();
    const outcomes: GroupOutcome[] = [];
    try {
      try {
        this.beforeWrite?.();
        this.execOrMap('BEGIN IMMEDIATE');
      } catch (error) {
        return next() ? [{ ok: false, error }] : [];
      }
      for (let write = next(); write; write = next()) {
        try {
          outcomes.push({ ok: true, value: await this.context.run(this.groupToken, write) });
        } catch (error) {
          outcomes.push({ ok: false, error });
          if (!this.connection.inTransaction) return outcomes.map((o) => (o.ok ? { ok: false, error } : o));
        }
      }
      this.execOrMap('COMMIT');
      return outcomes;
    } catch (e) {
      if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
      const error = mapSqliteError(e);
      return outcomes.map((o) => (o.ok ? { ok: false, error } : o));
    } finally {
      this.lock.release();
    }
  }

  /** A top-level transaction of a group's write: a savepoint of the group's transaction. */
  private async member<T>(fn: () => Promise<T>): Promise<T> {
    this.execOrMap(`SAVEPOINT ${MEMBER_SAVEPOINT}`);
    try {
      const result = await this.context.run(this.token, fn);
      this.execOrMap(`RELEASE ${MEMBER_SAVEPOINT}`);
      return result;
    } catch (e) {
      // Unless SQLite already rolled the whole transaction back (commitGroup sees that and fails the group).
      if (this.connection.inTransaction) this.connection.exec(`ROLLBACK TO ${MEMBER_SAVEPOINT}; RELEASE ${MEMBER_SAVEPOINT}`);
      throw mapSqliteError(e);
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

/**
 * True when a row holds a number past 2^53: an INTEGER read that way may have been rounded (a REAL that
 * big is read right, but cannot be told apart here). Scanning costs a few percent of reading the rows.
 */
function holdsInexactNumber(row: unknown): boolean {
  for (const value of Object.values(row as object)) {
    if (typeof value === 'number' && (value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER)) return true;
  }
  return false;
}

/**
 * The statement's rows read again with INTEGERs as bigints (exact over int64), then those a number holds
 * exactly turned back into numbers: only int64 values past 2^53 stay bigints (protocol/int64.ts).
 */
function exactly(stmt: Database.Statement, read: () => unknown[]): unknown[] {
  stmt.safeIntegers(true);
  let rows: unknown[];
  try {
    rows = read();
  } finally {
    stmt.safeIntegers(false);
  }
  for (const row of rows) {
    if (row === undefined) continue;
    const values = row as Record<string, unknown>;
    for (const key of Object.keys(values)) {
      const value = values[key];
      if (typeof value === 'bigint') values[key] = int64Of(value);
    }
  }
  return rows;
}

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (e) {
    return Promise.reject(mapSqliteError(e));
  }
}
