// One entry point from --backend-store-uri to a prepared, ready SqlEngine. SQLite: db.ts's
// openDatabase (connection, pragmas, schema) under a SqliteEngine. PostgreSQL: parse the URI, settle
// TLS, prepare MLflow's schema under the advisory lock (mlflow-schema-pg.ts), then the pool. The
// PostgreSQL modules are loaded only for a PostgreSQL URI, so an SQLite server never loads the driver.
import { sqlitePathFromUri } from '../../config.js';
import { openDatabase, packageRoot } from '../db.js';
import { isPostgresUri } from './pg-uri.js';
import { SqliteEngine } from './sqlite.js';
import type { SqlEngine } from './types.js';

export interface OpenEngineOptions {
  /** PostgreSQL pool size (default: from MLflow's MLFLOW_SQLALCHEMYSTORE_* variables, else 10). */
  poolSize?: number;
  /** PostgreSQL: errors of idle pooled connections (logged by the caller; the pool replaces them). */
  onIdleError?: (e: Error) => void;
  /** Environment for libpq's PG* fallbacks and the pool variables (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface OpenedEngine {
  engine: SqlEngine;
  kind: 'sqlite' | 'postgres';
  /** The SQLite file (':memory:' for an in-memory database); undefined on PostgreSQL. */
  sqliteFile?: string;
}

export async function openEngine(backendStoreUri: string, options: OpenEngineOptions = {}): Promise<OpenedEngine> {
  if (!isPostgresUri(backendStoreUri)) {
    const file = sqlitePathFromUri(backendStoreUri);
    const db = openDatabase(file);
    return { engine: new SqliteEngine(db.sqlite, { onClose: () => db.close() }), kind: 'sqlite', sqliteFile: file };
  }
  const [{ parsePgUri }, { resolveClientConfig }, { preparePostgresSchema }, { PostgresEngine }] = await Promise.all([
    import('./pg-uri.js'),
    import('./pg-connect.js'),
    import('../mlflow-schema-pg.js'),
    import('./postgres.js'),
  ]);
  const env = options.env ?? process.env;
  const settings = parsePgUri(backendStoreUri, env);
  const pool = poolFromEnv(env);
  const config = await resolveClientConfig(settings);
  // MLflow's schema at its head plus Minflow's additions (mlflow-schema-pg.ts), under the advisory lock.
  await preparePostgresSchema(config, packageRoot());
  const engine = new PostgresEngine(config, {
    poolSize: options.poolSize ?? pool.size,
    maxLifetimeSeconds: pool.recycleSeconds,
    onIdleError: options.onIdleError,
  });
  return { engine, kind: 'postgres' };
}

/**
 * MLflow's pool variables give the same connection budget here: SQLAlchemy's QueuePool opens up to
 * pool_size (default 5) + max_overflow (default 10) connections; MLFLOW_SQLALCHEMYSTORE_POOL_RECYCLE
 * (seconds) retires connections by age. Neither size variable set: 10 connections.
 */
export function poolFromEnv(env: NodeJS.ProcessEnv): { size: number; recycleSeconds: number | undefined } {
  const read = (name: string, min: number): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`Invalid ${name} '${text}': expected an integer ≥ ${min}`);
    return n;
  };
  const size = read('MLFLOW_SQLALCHEMYSTORE_POOL_SIZE', 1);
  const overflow = read('MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW', 0);
  const recycle = read('MLFLOW_SQLALCHEMYSTORE_POOL_RECYCLE', 1);
  return {
    size: size === undefined && overflow === undefined ? 10 : (size ?? 5) + (overflow ?? 10),
    recycleSeconds: recycle,
  };
}
