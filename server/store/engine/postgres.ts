// The PostgreSQL engine: a node-postgres pool behind the async SqlEngine interface (driver chosen by
// measurement, bench/PG-DRIVER.md). A transaction checks out one client and binds it to the async
// context, so every statement issued through the engine inside transaction(fn) — by fn or any store
// method it calls — runs on that client; statements outside a transaction take any pooled client.
// Statement texts are translated from `?` to `$n` once and sent as named (server-side prepared)
// statements, which measured 1.06-1.7× faster than unnamed ones for the short statements stores issue.
//
// A transaction PostgreSQL aborts as a deadlock victim (40P01) or serialization failure (40001) is run
// again from the start (twice at most), so a transaction body must only act on the database — which
// every store's does: what it computes, it computes inside.
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { postgresDialect } from './dialect.js';
import { mapPgError } from './pg-errors.js';
import { TranslationCache, type TranslatedSql } from './pg-sql.js';
import type { RunResult, SqlEngine, SqlParam } from './types.js';

export interface PostgresEngineOptions {
  /** Pooled connections (default 10). */
  poolSize?: number;
  /** Connections older than this are closed when released (MLflow's pool_recycle); default: never. */
  maxLifetimeSeconds?: number;
  /** Called with errors of idle pooled connections (the pool drops such a connection by itself). */
  onIdleError?: (e: Error) => void;
  /** Times a transaction aborted as a deadlock victim or serialization failure is run again (default 2). */
  transactionRetries?: number;
}

/** int8 past 2^53 as a bigint, exactly as int64 (protocol/int64.ts); else a number, as SQLite hands it back. */
function int8Value(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** int8 and numeric as JS numbers (as SQLite hands back integers); float8 is a number already. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20) return int8Value;
    if (oid === 1700) return (v: string) => Number(v);
    // boolean (MLflow's is_nan) as 0/1, as SQLite stores it; SQL compares it through dialect.true/false.
    if (oid === 16) return (v: string) => (v === 't' ? 1 : 0);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Named statements are prepared once per connection and kept by the server for the connection's
 * life, so only the first few hundred distinct texts get names; the rest (rare filter shapes) go
 * unnamed. A name is never reused for another text.
 */
const NAMED_STATEMENT_LIMIT = 500;

interface Tx {
  client: pg.PoolClient;
  mode: 'write' | 'read';
  /** Set when the transaction has committed or rolled back: a straggler statement must not reuse the client. */
  done: boolean;
}

export class PostgresEngine implements SqlEngine {
  readonly dialect = postgresDialect;
  readonly pool: pg.Pool;
  private readonly context = new AsyncLocalStorage<Tx>();
  private readonly translations = new TranslationCache();
  private readonly names = new Map<string, string>();
  /** Texts whose prepared plan broke (the schema changed under it: 0A000): sent unnamed from then on. */
  private readonly unnamed = new Set<string>();

  private readonly retries: number;

  constructor(config: pg.ClientConfig, options: PostgresEngineOptions = {}) {
    this.retries = options.transactionRetries ?? 2;
    this.pool = new pg.Pool({
      ...config,
      types: TYPES,
      max: options.poolSize ?? 10,
      ...(options.maxLifetimeSeconds ? { maxLifetimeSeconds: options.maxLifetimeSeconds } : {}),
    });
    // Without a listener an idle connection's error (server restart, DROP … FORCE) kills the process.
    this.pool.on('error', options.onIdleError ?? (() => {}));
  }

  inTransaction(): boolean {
    const tx = this.context.getStore();
    return tx !== undefined && !tx.done;
  }

  async all<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return (await this.query(sql, params, false)).rows as T[];
  }

  async get<T>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return (await this.query(sql, params, false)).rows[0] as T | undefined;
  }

  async values<T extends unknown[]>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return (await this.query(sql, params, true)).rows as T[];
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<RunResult> {
    return { changes: (await this.query(sql, params, false)).rowCount ?? 0 };
  }

  async transaction<T>(fn: () => Promise<T>, mode: 'write' | 'read' = 'write'): Promise<T> {
    if (this.inTransaction()) return fn();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.runTransaction(fn, mode);
      } catch (e) {
        // A deadlock victim (two replicas locking rows in opposite orders) or a serialization failure is
        // rolled back whole by PostgreSQL: running the body again is what MLflow's clients would do anyway.
        // So is one whose prepared statement went stale under a migration (that text now goes unnamed).
        if (!(isRetryable(e) || isStalePlan(e)) || attempt >= this.retries) throw e;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  private async runTransaction<T>(fn: () => Promise<T>, mode: 'write' | 'read'): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw mapPgError(e);
    }
    try {
      await client.query(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    } catch (e) {
      client.release(e as Error);
      throw mapPgError(e);
    }
    const tx: Tx = { client, mode, done: false };
    let result: T;
    try {
      result = await this.context.run(tx, fn);
    } catch (e) {
      tx.done = true;
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        client.release(rollbackError as Error); // destroyed, not handed to the next request
      }
      throw mapPgError(e);
    }
    tx.done = true;
    try {
      await client.query('COMMIT');
    } catch (e) {
      // The server rolled back (or the connection died): either way this connection is not reused.
      client.release(e as Error);
      throw mapPgError(e);
    }
    client.release();
    return result;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query(sql: string, params: readonly SqlParam[], arrays: boolean): Promise<pg.QueryResult> {
    const t = this.translations.get(sql);
    if (t.params !== params.length) {
      // Caught here: PostgreSQL would report it as a protocol violation (08P01), i.e. a dead connection.
      throw new Error(`statement has ${t.params} placeholders but ${params.length} parameters were given: ${sql}`);
    }
    const tx = this.context.getStore();
    if (tx?.done) throw new Error(`a statement was issued after its transaction ended: ${sql}`);
    const config = this.config(sql, t, params, arrays);
    try {
      return await (tx ? tx.client.query(config) : this.pool.query(config));
    } catch (e) {
      if (config.name && isStalePlan(e)) {
        this.unnamed.add(sql);
        this.names.delete(sql);
        // Outside a transaction nothing was aborted: run it again, unprepared.
        if (!tx) {
          try {
            return await this.pool.query(this.config(sql, t, params, arrays));
          } catch (e2) {
            throw mapPgError(e2);
          }
        }
      }
      // A write inside a 'read' transaction is the caller's bug, not a read-only server (503): left as is.
      if (tx?.mode === 'read' && (e as { code?: unknown }).code === '25006') throw e;
      throw mapPgError(e);
    }
  }

  private config(sql: string, t: TranslatedSql, params: readonly SqlParam[], arrays: boolean): pg.QueryConfig {
    const values = params as SqlParam[];
    let name = this.names.get(sql);
    if (name === undefined && this.names.size < NAMED_STATEMENT_LIMIT && !this.unnamed.has(sql)) {
      name = `minflow_${nameCounter++}`;
      this.names.set(sql, name);
    }
    const config: pg.QueryConfig & { rowMode?: 'array' } = { text: t.text, values };
    if (name !== undefined) config.name = name;
    if (arrays) config.rowMode = 'array';
    return config;
  }
}

let nameCounter = 0;

/** deadlock_detected, serialization_failure: the whole transaction was rolled back and may simply run again. */
function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** "cached plan must not change result type": a prepared SELECT * after another replica's migration. */
function isStalePlan(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === '0A000' && /cached plan/i.test(String((e as Error).message));
}
