// Group commit (SqliteEngine.commitGroup through the write queue): the run writes queued in one slice
// share one COMMIT, so one fsync of the WAL under synchronous=FULL. Each write must still be answered
// only once it is durable, fail alone when it is wrong, and never be acknowledged when the group it
// was in was lost. The server's own connection is observed (COMMITs counted, a second connection
// reads), nothing is replaced.
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
let dbFile: string;
let app: FastifyInstance;
let connection: Database.Database;
let reader: Database.Database;
const commits: string[] = [];

beforeAll(async () => {
  dir = tempDir('group-commit');
  dbFile = path.join(dir, 'mlflow.db');
  app = await buildApp(makeConfig({ dbFile, artifactsDestination: path.join(dir, 'artifacts') }));
  connection = (app.store.db as SqliteEngine).connection;
  const exec = connection.exec.bind(connection);
  connection.exec = (sql: string) => {
    if (/^\s*COMMIT\b/i.test(sql)) commits.push(sql);
    return exec(sql);
  };
  reader = new Database(dbFile, { readonly: true });
});

afterAll(async () => {
  reader?.close();
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function newRun(): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: { experiment_id: '0' } });
  expect(res.statusCode).toBe(200);
  return res.json().run.info.run_id as string;
}

function logBatch(runId: string, body: { metrics?: unknown[]; params?: unknown[]; tags?: unknown[] }) {
  return app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/log-batch', payload: { run_id: runId, ...body } });
}

const metricsOf = (client: number) => Array.from({ length: 10 }, (_, k) => ({ key: `c${client}-m${k}`, value: k, timestamp: 1_700_000_000_000, step: client }));

/** Metric rows of `client`'s batch as another connection sees them: committed ones only. */
const storedOf = (runId: string, client: number) =>
  (reader.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_uuid = ? AND key LIKE ?').get(runId, `c${client}-m%`) as { n: number }).n;

it('20 concurrent log-batches share commits, and each is answered only once another connection can read it', async () => {
  const runId = await newRun();
  commits.length = 0;
  const seenAtAnswer = await Promise.all(
    Array.from({ length: 20 }, (_, c) =>
      logBatch(runId, { metrics: metricsOf(c) }).then((res) => {
        expect(res.statusCode, res.body).toBe(200);
        return storedOf(runId, c);
      }),
    ),
  );
  expect(seenAtAnswer).toEqual(Array(20).fill(10));
  // One COMMIT per request before group commit; the slice holds them all (8 ms, ~0.2 ms each).
  expect(commits.length).toBeGreaterThan(0);
  expect(commits.length).toBeLessThan(10);
});

it('a wrong write in a group fails alone and leaves nothing of itself; the writes around it stand', async () => {
  const runId = await newRun();
  expect((await logBatch(runId, { params: [{ key: 'lr', value: '0.1' }] })).statusCode).toBe(200);
  commits.length = 0;
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, c) =>
      logBatch(runId, c === 7 ? { metrics: metricsOf(c), params: [{ key: 'lr', value: '0.2' }] } : { metrics: metricsOf(c) }),
    ),
  );
  expect(commits.length).toBeLessThan(10);
  answers.forEach((res, c) => {
    if (c === 7) {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      expect(res.json().message).toContain('Changing param values is not allowed');
    } else expect(res.statusCode, res.body).toBe(200);
  });
  for (let c = 0; c < 20; c++) expect(storedOf(runId, c), `client ${c}`).toBe(c === 7 ? 0 : 10);
  const lr = reader.prepare("SELECT value FROM params WHERE run_uuid = ? AND key = 'lr'").all(runId);
  expect(lr).toEqual([{ value: '0.1' }]);
});

it('a write that fails after writing keeps nothing of its transaction; the group commits the others', async () => {
  const runId = await newRun();
  const { writes, db } = app.store;
  const setTag = (key: string) => db.run('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?)', [runId, key, 'v']);
  commits.length = 0;
  const outcomes = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) =>
      writes.run(() =>
        db.transaction(async () => {
          await setTag(`k${i}`);
          if (i === 4) throw new Error('refused after its first statement');
          await setTag(`k${i}-second`);
          return i;
        }),
      ),
    ),
  );
  expect(commits.length).toBeLessThan(5);
  expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: 10 }, (_, i) => (i === 4 ? 'rejected' : 'fulfilled')));
  const keys = (reader.prepare("SELECT key FROM tags WHERE run_uuid = ? AND key LIKE 'k%' ORDER BY key").all(runId) as { key: string }[]).map((r) => r.key);
  const expected = Array.from({ length: 10 }, (_, i) => (i === 4 ? [] : [`k${i}`, `k${i}-second`])).flat();
  expect(keys).toEqual(expected.sort());
});

it('disk full in the middle of a group: no write is acknowledged that is not stored, none stored that was refused', async () => {
  const runId = await newRun();
  const pages = connection.pragma('page_count', { simple: true }) as number;
  // Room for a few batches, not for 40. A batch writes its param, its metrics, then its 7 kB tag:
  // the one that meets the limit has written some of itself before it fails, and must keep none of it.
  connection.pragma(`max_page_count = ${pages + 8}`);
  let answers;
  try {
    answers = await Promise.all(
      Array.from({ length: 40 }, (_, c) =>
        logBatch(runId, { params: [{ key: `p${c}`, value: 'v' }], metrics: metricsOf(c), tags: [{ key: `t${c}`, value: 'x'.repeat(7000) }] }),
      ),
    );
  } finally {
    connection.pragma('max_page_count = 4294967294');
  }
  const statuses = answers.map((res) => res.statusCode);
  expect(new Set(statuses)).toEqual(new Set([200, 503]));
  answers.forEach((res, c) => {
    if (res.statusCode === 503) expect(res.json()).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE', message: '(sqlite3.OperationalError) database or disk is full' });
    const count = (table: string, key: string) => (reader.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE run_uuid = ? AND key = ?`).get(runId, key) as { n: number }).n;
    const stored = [count('params', `p${c}`), storedOf(runId, c), count('tags', `t${c}`)];
    expect(stored, `client ${c}: ${res.statusCode}`).toEqual(res.statusCode === 200 ? [1, 10, 1] : [0, 0, 0]);
  });
  // And the queue goes on once there is room.
  expect((await logBatch(runId, { metrics: metricsOf(99) })).statusCode).toBe(200);
  expect(storedOf(runId, 99)).toBe(10);
});
