// The engine-neutral SQL interface every entity store is written against. Two engines implement it:
// SQLite (embedded default, server/store/engine/sqlite.ts) and PostgreSQL (engine/postgres.ts).
// Store code writes `?` placeholders and portable SQL; the few dialect differences (JSON id lists,
// physical row order, LIKE escaping, text collation) come from `db.dialect`, never from `if (pg)`.
//
// Transactions are bound to the async context: inside `db.transaction(fn)` every statement issued
// through `db` — by fn or by any store method it calls — runs in that transaction, so nested store
// calls cannot escape it (on PostgreSQL) or deadlock on it (on SQLite's single connection).
import type { Dialect } from './dialect.js';

export type SqlParam = string | number | bigint | null;

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface SqlEngine {
  readonly dialect: Dialect;
  /** Rows as objects keyed by column name. */
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  /** Rows as arrays of column values, in select-list order (the fast path for wide reads). */
  values<T extends unknown[] = unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlParam[]): Promise<RunResult>;
  /**
   * Runs fn in one transaction: committed when fn resolves, rolled back when it throws. A call inside
   * a transaction joins it (no savepoints: the outermost call owns the commit).
   * `mode: 'write'` takes the write lock up front (SQLite BEGIN IMMEDIATE); 'read' is a snapshot read.
   */
  transaction<T>(fn: () => Promise<T>, mode?: 'write' | 'read'): Promise<T>;
  /** True when the current async context is inside a transaction of this engine. */
  inTransaction(): boolean;
  close(): Promise<void>;
}

/** A unique-constraint violation, whichever engine raised it (SQLITE_CONSTRAINT_UNIQUE / 23505). */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
