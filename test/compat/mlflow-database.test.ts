// One database, two servers taking turns (issue 16): the official `mlflow server` 3.17.2 creates and
// fills a database through the official client; Minflow, started on the same database and artifact
// destination, serves every object exactly as MLflow served it; Minflow then writes one of everything;
// `mlflow server` started again serves Minflow's writes exactly as Minflow served them. Runs on the
// project's engine: an SQLite file, or a throwaway PostgreSQL database. Artifacts stay local files
// (proxied mlflow-artifacts:/, file:// and a relative location), which is what is being tested.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackendKind } from '../helpers/backend.js';
import { startMlflowServer } from '../helpers/mlflow-server.js';
import { builtCli, tempDir } from '../helpers/paths.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { runPython } from '../helpers/python.js';
import { freePort, waitForHealth } from '../helpers/server-process.js';

const kind = testBackendKind();
const SCRIPT = path.join('test', 'compat', 'py', 'mlflow_database.py');
/** An experiment id from MLflow's file-store era (18 digits, past 2^53). */
const FILE_STORE_ID = '123456789012345678';

interface Minflow {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Minflow's CLI in `cwd` (relative artifact locations resolve against it, as MLflow's do). */
async function startMinflow(backendStoreUri: string, artifactsDestination: string, cwd: string): Promise<Minflow> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [builtCli(), 'server', '--port', String(port), '--backend-store-uri', backendStoreUri, '--artifacts-destination', artifactsDestination, '--log-level', 'warn'],
    { cwd, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitForHealth(url, 60_000, () => out),
    exited.then((code) => {
      throw new Error(`Minflow exited (${code}) before it answered /health:\n${out.slice(-3000)}`);
    }),
  ]);
  return { url, output: () => out, stop };
}

/** Runs Minflow's CLI on a database it must refuse: the exit code and what it printed. */
async function minflowRefuses(backendStoreUri: string, artifactsDestination: string, cwd: string): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [builtCli(), 'server', '--port', String(port), '--backend-store-uri', backendStoreUri, '--artifacts-destination', artifactsDestination], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output: out };
}

type Snapshot = {
  experiments: { experiment_id: string; name: string; artifact_location: string; runs: { run_id: string; artifacts: Record<string, unknown> }[] }[];
  logged_models: unknown[];
  registered_models: { name: string; versions: unknown[] }[];
};

async function client<T>(trackingUri: string, args: string[], cwd: string): Promise<T> {
  const result = await runPython<T>(SCRIPT, args, { MLFLOW_TRACKING_URI: trackingUri, PYTHONWARNINGS: 'ignore', PWD: cwd });
  if (result.code !== 0) throw new Error(`mlflow_database.py ${args.join(' ')} against ${trackingUri} exited ${result.code}\n${result.stderr.slice(-4000)}`);
  return result.json;
}

describe(`an MLflow ${kind} database served by mlflow server and Minflow in turns`, () => {
  const work = tempDir('mlflow-db');
  const artifacts = path.join(work, 'artifacts');
  let pgDb: TestDatabase | undefined;
  let minflowUri = '';
  let mlflowUri = '';
  const sqliteFile = path.join(work, 'mlflow.db');
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    if (kind === 'sqlite') {
      minflowUri = `sqlite:///${sqliteFile}`;
      mlflowUri = minflowUri;
    } else {
      pgDb = await createTestDatabase();
      minflowUri = pgDb.uri;
      // MLflow's SQLAlchemy picks psycopg (3) for postgresql://; the venv has psycopg2.
      mlflowUri = pgDb.uri.replace(/^postgresql:/, 'postgresql+psycopg2:');
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
    await pgDb?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  let byMlflow: Snapshot;
  let byMinflow: Snapshot;

  it('Minflow serves a database mlflow server created and filled, exactly as mlflow server served it', async () => {
    const mlflow = await startMlflowServer({ backendStoreUri: mlflowUri, artifactsDestination: artifacts, cwd: work });
    cleanup.push(mlflow.stop);
    await client(mlflow.url, ['fill', 'ml', work], work);
    byMlflow = await client<Snapshot>(mlflow.url, ['snapshot', work], work);
    await mlflow.stop();
    expect(byMlflow.experiments.map((e) => e.name)).toEqual(
      ['Default', 'ml-proxied', 'ml-file', 'ml-relative'],
    );
    // Every kind of artifact root MLflow stored: proxied, file://, and the relative one it resolved.
    const locations = byMlflow.experiments.slice(1, 4).map((e) => e.artifact_location);
    expect(locations).toEqual(['mlflow-artifacts:/1', `file://${work}/ml-filestore`, `${work}/ml-relstore`]);
    for (const e of byMlflow.experiments.slice(1, 4)) expect(Object.keys(e.runs[0]!.artifacts).sort()).toEqual(['hello.txt', 'nested/dir/hello.txt', 'sub/data.bin']);

    const minflow = await startMinflow(minflowUri, artifacts, work);
    cleanup.push(minflow.stop);
    const served = await client<Snapshot>(minflow.url, ['snapshot', work], work);
    expect(served).toEqual(byMlflow);

    await client(minflow.url, ['fill', 'mf', work], work);
    if (kind === 'sqlite') {
      // A file-store-era id, as an import from MLflow's file store leaves it (MLflow's PostgreSQL column is int4),
      // written beside the running Minflow (WAL, busy timeout): after it, SQLite would number new experiments past 2^53 too.
      const db = new Database(sqliteFile);
      db.pragma('busy_timeout = 10000');
      db.prepare(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, 'file-store-era', ?, 'active', 1, 1)",
      ).run(BigInt(FILE_STORE_ID), `mlflow-artifacts:/${FILE_STORE_ID}`);
      db.close();
    }
    // The file-store-era id answered as MLflow answers it: served exactly on SQLite, not found on PostgreSQL.
    const exact = await fetch(`${minflow.url}/api/2.0/mlflow/experiments/get?experiment_id=${FILE_STORE_ID}`);
    if (kind === 'sqlite') {
      expect(exact.status).toBe(200);
      expect(((await exact.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id).toBe(FILE_STORE_ID);
      // …and a run in it: created, read back and (below) served by MLflow with the same id.
      const created = await fetch(`${minflow.url}/api/2.0/mlflow/runs/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_id: FILE_STORE_ID, run_name: 'old-id-run', start_time: 1_700_000_000_000 }),
      });
      const run = ((await created.json()) as { run: { info: { run_id: string; experiment_id: string } } }).run.info;
      expect(run.experiment_id).toBe(FILE_STORE_ID);
      const read = await fetch(`${minflow.url}/api/2.0/mlflow/runs/get?run_id=${run.run_id}`);
      expect(((await read.json()) as { run: { info: { experiment_id: string } } }).run.info.experiment_id).toBe(FILE_STORE_ID);
    } else {
      expect(exact.status).toBe(404);
      expect(await exact.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: `No Experiment with id=${FILE_STORE_ID} exists` });
    }

    byMinflow = await client<Snapshot>(minflow.url, ['snapshot', work], work);
    await minflow.stop();
    expect(byMinflow.experiments.map((e) => e.name).slice(4)).toEqual(['mf-proxied', 'mf-file', 'mf-relative', ...(kind === 'sqlite' ? ['file-store-era'] : [])]);
    expect(byMinflow.registered_models.map((m) => m.name)).toEqual(['mf-registered', 'ml-registered']); // by name
    // Minflow resolved the relative location against its working directory, as MLflow does.
    expect(byMinflow.experiments[6]!.artifact_location).toBe(`${work}/mf-relstore`);
  }, 900_000);

  it('mlflow server opens the database again and serves what Minflow wrote, exactly as Minflow served it', async () => {
    expect(byMinflow, 'the first test filled the database').toBeDefined();
    const mlflow = await startMlflowServer({ backendStoreUri: mlflowUri, artifactsDestination: artifacts, cwd: work });
    cleanup.push(mlflow.stop);
    const served = await client<Snapshot>(mlflow.url, ['snapshot', work], work);
    await mlflow.stop();
    expect(served).toEqual(byMinflow);
  }, 900_000);

  it('refuses a database of an unknown schema, and leaves it exactly as it was', async () => {
    if (kind === 'sqlite') {
      const file = path.join(work, 'unknown.db');
      const db = new Database(file);
      db.exec("CREATE TABLE experiments (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO experiments (title) VALUES ('theirs')");
      db.close();
      const before = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      const { code, output } = await minflowRefuses(`sqlite:///${file}`, path.join(work, 'unknown-artifacts'), work);
      expect(code).not.toBe(0);
      expect(output).toContain('is neither empty nor an MLflow or Minflow database');
      expect(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(before);
      expect(fs.existsSync(`${file}-wal`)).toBe(false);
    } else {
      const other = await createTestDatabase();
      try {
        const c = new pg.Client({ connectionString: other.uri });
        await c.connect();
        await c.query("CREATE TABLE experiments (id serial PRIMARY KEY, title text); INSERT INTO experiments (title) VALUES ('theirs')");
        const { code, output } = await minflowRefuses(other.uri, path.join(work, 'unknown-artifacts'), work);
        const tables = await c.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
        await c.end();
        expect(code).not.toBe(0);
        expect(output).toContain('is neither empty nor an MLflow or Minflow database');
        expect(tables.rows.map((r) => r.t)).toEqual(['experiments']);
      } finally {
        await other.drop();
      }
    }
  }, 120_000);
});
