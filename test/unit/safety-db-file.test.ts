// Issue 14, item 10: the database file deleted (or replaced) under a running server. Writes used to be
// answered 200 into a file no one would open again, and the restart silently began an empty
// database. Now every write is refused with 503 TEMPORARILY_UNAVAILABLE and one log line says why;
// and a start where the data directory shows a database existed (artifacts, -wal, lock file) but the
// file is missing is refused unless --init.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { ConfigError, makeConfig, parseServerArgs } from '../../server/config.js';
import { tempDir } from '../helpers/paths.js';

const dir = tempDir('safety-db-file');
const dbFile = path.join(dir, 'mlflow.db');
const artifactsDestination = path.join(dir, 'artifacts');
const apps: FastifyInstance[] = [];

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(init = false): Promise<FastifyInstance> {
  const app = await buildApp(makeConfig({ dbFile, artifactsDestination, init }));
  apps.push(app);
  return app;
}

function createRun(app: FastifyInstance) {
  return app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: { experiment_id: '0' } });
}

it('refuses writes with 503 once the file is deleted, and says so once in the log; reads still answer', async () => {
  const app = await open();
  const run = (await createRun(app)).json().run.info.run_id as string;
  const put = await app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/0/${run}/artifacts/model.txt`, payload: 'weights' });
  expect(put.statusCode).toBe(200);

  const logged: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logged.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    fs.rmSync(dbFile);
    for (let i = 0; i < 3; i++) {
      const res = await createRun(app);
      expect(res.statusCode).toBe(503);
      expect(res.json().error_code).toBe('TEMPORARILY_UNAVAILABLE');
      expect(res.json().message).toContain(`The database file ${dbFile} was deleted while the server was running`);
    }
    const tag = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/set-tag', payload: { run_id: run, key: 'k', value: 'v' } });
    expect(tag.statusCode).toBe(503);
    expect(logged.filter((line) => line.includes('was deleted while the server was running'))).toHaveLength(1);
    // Reads come from the file the server still has open.
    expect((await app.inject({ method: 'GET', url: `/api/2.0/mlflow/runs/get?run_id=${run}` })).statusCode).toBe(200);

    // Another file put in its place is not the server's database either.
    fs.writeFileSync(dbFile, '');
    const replaced = await createRun(app);
    expect(replaced.statusCode).toBe(503);
    expect(replaced.json().message).toContain('was replaced by another file');
  } finally {
    process.stderr.write = write;
  }
  await app.close();
});

it('does not start on a new, empty database where artifacts show one existed, unless --init', async () => {
  fs.rmSync(dbFile, { force: true });
  for (const f of [`${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });
  expect(fs.readdirSync(artifactsDestination).length).toBeGreaterThan(0);
  const refused = await open().then(
    () => null,
    (e: unknown) => e,
  );
  expect(refused).toBeInstanceOf(ConfigError);
  expect((refused as Error).message).toContain(`The database ${dbFile} does not exist, but ${artifactsDestination}/0 (artifacts) shows that one did`);
  expect((refused as Error).message).toContain('--init');
  expect(fs.existsSync(dbFile)).toBe(false);

  expect(parseServerArgs(['--init']).init).toBe(true);
  const app = await open(true);
  expect((await createRun(app)).statusCode).toBe(200);
  await app.close();
  // The database exists now: no --init needed.
  const again = await open();
  expect((await createRun(again)).statusCode).toBe(200);
});
