// One entry point from --backend-store-uri to a migrated, ready SqlEngine. SQLite: db.ts's
// openDatabase (connection, pragmas, migrations) under a SqliteEngine. PostgreSQL: parse the URI,
// settle TLS, migrate under the advisory lock (engine/pg-migrate.ts), then the pool. The PostgreSQL
// modules are loaded only for a PostgreSQL URI, so an SQLite server never loads the driver.
import path from 'node:path';
import { sqlitePathFromUri } from '../../config.js';
import { openDatabase, packageRoot } from '../db.js';
import { isPostgresUri } from './pg-uri.js';
import { SqliteEngine } from './sqlite.js';
import type { SqlEngine } from './types.js';

export interface OpenEngineOptions {
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** PostgreSQL: errors of idle pooled connections (logged by the caller; the pool replaces them). */
  onIdleError?: (e: Error) => void;
  /** Environment for libpq's PG* fallbacks (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface OpenedEngine {
  engine: SqlEngine;
  kind: 'sqlite' | 'postgres';
  /** The SQLite file (':memory:' for an in-memory database); undefined on PostgreSQL. */
  sqliteFile?: string;
}

/** migrations/postgres of the installed package (works from server/ under tsx and from dist/). */
export function postgresMigrationsFolder(): string {
  return path.join(packageRoot(), 'migrations', 'postgres');
}

export async function openEngine(backendStoreUri: string, options: OpenEngineOptions = {}): Promise<OpenedEngine> {
  if (!isPostgresUri(backendStoreUri)) {
    const file = sqlitePathFromUri(backendStoreUri);
    const db = openDatabase(file);
    return { engine: new SqliteEngine(db.sqlite), kind: 'sqlite', sqliteFile: file };
  }
  const [{ parsePgUri }, { resolveClientConfig }, { migratePostgres }, { PostgresEngine }] = await Promise.all([
    import('./pg-uri.js'),
    import('./pg-connect.js'),
    import('./pg-migrate.js'),
    import('./postgres.js'),
  ]);
  const settings = parsePgUri(backendStoreUri, options.env);
  const config = await resolveClientConfig(settings);
  await migratePostgres(config, postgresMigrationsFolder());
  const engine = new PostgresEngine(config, { poolSize: options.poolSize, onIdleError: options.onIdleError });
  return { engine, kind: 'postgres' };
}
