// Issue 14, item 11: a full disk, a read-only database and a write lock held past busy_timeout are the
// machine's condition, not the client's: MLflow answers 503 TEMPORARILY_UNAVAILABLE with SQLite's
// message (OperationalError in make_managed_session), and the Python client retries. Each condition
// is real SQLite behaviour on the server's own connection: max_page_count makes SQLite answer
// SQLITE_FULL exactly as a full disk does, query_only makes it answer SQLITE_READONLY, a second
// connection holding BEGIN IMMEDIATE makes it answer SQLITE_BUSY.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { makeConfig } from '../../server/config.js';
import type { SqliteEngine } from '../../server/store/engine/sqlite.js';
import { tempDir } from '../helpers/paths.js';

let dir: string;
let app: FastifyInstance;
let connection: Database.Database;
let runId: string;

beforeAll(async () => {
  dir = tempDir('safety-sqlite-errors');
  const dbFile = path.join(dir, 'mlflow.db');
  app = await buildApp(makeConfig({ dbFile, artifactsDestination: path.join(dir, 'artifacts') }));
  connection = (app.store.db as SqliteEngine).connection;
  const created = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: { experiment_id: '0' } });
  runId = created.json().run.info.run_id;
});

afterAll(async () => {
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function logBatch(n: number, prefix: string) {
  const params = Array.from({ length: n }, (_, i) => ({ key: `${prefix}-${i}`, value: 'x'.repeat(200) }));
  return app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/log-batch', payload: { run_id: runId, params } });
}

it('disk full: 503 TEMPORARILY_UNAVAILABLE with SQLite\'s message, and writes work again once there is room', async () => {
  const pages = connection.pragma('page_count', { simple: true }) as number;
  connection.pragma(`max_page_count = ${pages}`);
  try {
    let res = await logBatch(100, 'full');
    for (let i = 0; res.statusCode === 200 && i < 20; i++) res = await logBatch(100, `full${i}`);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE', message: '(sqlite3.OperationalError) database or disk is full' });
  } finally {
    connection.pragma('max_page_count = 4294967294');
  }
  expect((await logBatch(1, 'after-full')).statusCode).toBe(200);
  // The failed batch left nothing behind: all-or-nothing.
  const run = await app.inject({ method: 'GET', url: `/api/2.0/mlflow/runs/get?run_id=${runId}` });
  expect(run.statusCode).toBe(200);
});

it('read-only database: 503 with SQLite\'s message', async () => {
  connection.pragma('query_only = ON');
  try {
    const res = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', payload: { name: 'readonly' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE', message: '(sqlite3.OperationalError) attempt to write a readonly database' });
    // Reads still answer.
    expect((await app.inject({ method: 'GET', url: `/api/2.0/mlflow/runs/get?run_id=${runId}` })).statusCode).toBe(200);
  } finally {
    connection.pragma('query_only = OFF');
  }
});

it('write lock held by another process past busy_timeout: 503 "database is locked"', async () => {
  const other = new Database(path.join(dir, 'mlflow.db'));
  const timeout = connection.pragma('busy_timeout', { simple: true }) as number;
  connection.pragma('busy_timeout = 50');
  other.exec('BEGIN IMMEDIATE');
  try {
    const res = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/set-tag', payload: { run_id: runId, key: 'k', value: 'v' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE', message: '(sqlite3.OperationalError) database is locked' });
  } finally {
    other.exec('ROLLBACK');
    other.close();
    connection.pragma(`busy_timeout = ${timeout}`);
  }
  expect((await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/set-tag', payload: { run_id: runId, key: 'k', value: 'v' } })).statusCode).toBe(200);
});

it('PostgreSQL answers the same: a read-only database (25006) is 503 TEMPORARILY_UNAVAILABLE, not 500', async () => {
  const { adminQuery, createTestDatabase } = await import('../helpers/postgres.js');
  const database = await createTestDatabase();
  let pgApp: FastifyInstance | undefined;
  try {
    pgApp = await buildApp(makeConfig({ dbFile: '', backendStoreUri: database.uri, artifactsDestination: path.join(dir, 'pg-artifacts') }));
    // As a hot standby or a database an operator set read-only answers every write.
    await adminQuery(`ALTER DATABASE ${database.name} SET default_transaction_read_only = on`);
    await pgApp.close();
    pgApp = await buildApp(makeConfig({ dbFile: '', backendStoreUri: database.uri, artifactsDestination: path.join(dir, 'pg-artifacts') }));
    const res = await pgApp.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', payload: { name: 'readonly-pg' } });
    expect(res.statusCode).toBe(503);
    expect(res.json().error_code).toBe('TEMPORARILY_UNAVAILABLE');
    expect(res.json().message).toMatch(/read-only transaction/);
  } finally {
    await pgApp?.close();
    await database.drop();
  }
});
