// Issue 14, item 9: `cp mlflow.db` of a lightly used live server used to be an empty database — every
// commit sat in mlflow.db-wal until the WAL passed 2 MiB. Now the server checkpoints the WAL into the
// file (TRUNCATE) once writes pause and on a clean stop, so the one file is complete; and `minflow
// backup <dest>` writes a consistent copy while writers run. On PostgreSQL it points at pg_dump.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { api, runCli, startMinflow, type Proc } from './safety-helpers.js';

const dir = tempDir('safety-backup');
const started: Proc[] = [];

afterAll(async () => {
  for (const p of started) await p.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What a user gets who copies only mlflow.db: the runs in it, opened on its own. */
function runsInCopyOf(dbFile: string): number {
  const copy = path.join(dir, `copy-${Date.now()}-${Math.random()}.db`);
  fs.copyFileSync(dbFile, copy);
  const db = new Database(copy, { readonly: true });
  try {
    const hasRuns = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'runs'").pluck().get() === 1;
    return hasRuns ? (db.prepare('SELECT count(*) FROM runs').pluck().get() as number) : 0;
  } finally {
    db.close();
  }
}

async function createRuns(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const run = await api<{ run: { info: { run_id: string } } }>(url, 'runs/create', { experiment_id: '0' });
    expect(run.status).toBe(200);
    const batch = await api(url, 'runs/log-batch', { run_id: run.json.run.info.run_id, metrics: [{ key: 'loss', value: i, timestamp: 1, step: i }] });
    expect(batch.status).toBe(200);
  }
}

async function until(what: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return what();
}

it('an idle server\'s mlflow.db is complete on its own; so is a cleanly stopped one\'s', async () => {
  const data = path.join(dir, 'idle');
  const server = await startMinflow(data);
  started.push(server);
  const dbFile = path.join(data, 'mlflow.db');
  await createRuns(server.url, 5);
  // Idle for a moment: the WAL is checkpointed into the file and emptied.
  expect(await until(() => fs.statSync(`${dbFile}-wal`).size === 0, 5000)).toBe(true);
  expect(runsInCopyOf(dbFile)).toBe(5);

  // Writes and an immediate clean stop: the last commit is in the file too.
  await createRuns(server.url, 3);
  expect(await server.stop('SIGTERM')).toBe(0);
  expect(runsInCopyOf(dbFile)).toBe(8);
});

it('minflow backup writes a consistent, complete copy while writers run', async () => {
  const data = path.join(dir, 'busy');
  const server = await startMinflow(data);
  started.push(server);
  const dbFile = path.join(data, 'mlflow.db');
  await createRuns(server.url, 20);
  let stop = false;
  let written = 20;
  const writer = (async () => {
    while (!stop) {
      await createRuns(server.url, 1);
      written++;
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const before = written;
  const dest = path.join(dir, 'backups', 'mlflow-backup.db');
  const out = runCli(['backup', dest, '--backend-store-uri', `sqlite:///${dbFile}`]);
  stop = true;
  await writer;
  expect(out.status, out.stderr).toBe(0);
  expect(out.stdout).toMatch(/^Backed up .* runs, integrity ok/);
  expect(fs.existsSync(`${dest}-wal`)).toBe(false);
  const copy = new Database(dest, { readonly: true });
  try {
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.pragma('foreign_key_check')).toEqual([]);
    const runs = copy.prepare('SELECT count(*) FROM runs').pluck().get() as number;
    expect(runs).toBeGreaterThanOrEqual(before);
    expect(runs).toBeLessThanOrEqual(written);
    // A snapshot: no run without the metric its own request logged in the same snapshot's past.
    const metricless = copy.prepare('SELECT count(*) FROM runs WHERE run_uuid NOT IN (SELECT run_uuid FROM metrics)').pluck().get() as number;
    expect(metricless).toBeLessThanOrEqual(1);
  } finally {
    copy.close();
  }
  // Never over an existing file.
  const again = runCli(['backup', dest, '--backend-store-uri', `sqlite:///${dbFile}`]);
  expect(again.status).toBe(1);
  expect(again.stderr).toContain('already exists');
  // The backup serves as a database: a server starts on it and sees the runs.
  await server.stop('SIGTERM');
  const restored = await startMinflow(path.join(dir, 'restored'), ['--backend-store-uri', `sqlite:///${dest}`]);
  started.push(restored);
  const search = await api<{ runs?: unknown[] }>(restored.url, 'runs/search', { experiment_ids: ['0'], max_results: 1000 });
  expect(search.json.runs?.length).toBeGreaterThanOrEqual(before);
});

it('on PostgreSQL, minflow backup says to use pg_dump', () => {
  const out = runCli(['backup', path.join(dir, 'pg.dump'), '--backend-store-uri', 'postgresql://minflow:secret@127.0.0.1:5432/minflow']);
  expect(out.status).toBe(2);
  expect(out.stderr).toContain('use PostgreSQL\'s own pg_dump');
  expect(out.stderr).toContain('pg_dump --format=custom');
  expect(out.stderr).not.toContain('secret');
});
