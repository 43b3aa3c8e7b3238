// The official scoring server against Minflow: `mlflow models serve -m models:/churn@production
// --env-manager local` (from the venv, MLFLOW_TRACKING_URI → Minflow) resolves the alias and downloads the
// model through Minflow, then answers POST /invocations with the predictions of the model the alias points at.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VENV, tempDir } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';
import { freePort, type ServerProcess } from '../helpers/server-process.js';
import { startCompatTarget } from '../helpers/compat-target.js';

interface TrainResult {
  v1: { run_id: string; model_id: string; registered_version: string };
  v2: { run_id: string; model_id: string; registered_version: string };
  by_alias: { version: string };
}

let server: ServerProcess;
let work: string;
let train: TrainResult;
let scorer: ChildProcess | undefined;
let scorerOutput = '';
let scorerUrl: string;

/** Starts `mlflow models serve` in its own process group and waits for /ping (or its early exit). */
async function startScorer(modelUri: string): Promise<void> {
  const port = await freePort();
  scorerUrl = `http://127.0.0.1:${port}`;
  const bin = path.join(VENV, 'bin');
  scorer = spawn(
    path.join(bin, 'mlflow'),
    ['models', 'serve', '-m', modelUri, '--env-manager', 'local', '-p', String(port), '--host', '127.0.0.1'],
    {
      // As in an activated venv: the CLI execs `uvicorn` from PATH.
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, MLFLOW_TRACKING_URI: server.url, PYTHONWARNINGS: 'ignore' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  scorer.stdout!.on('data', (d: Buffer) => (scorerOutput += d.toString()));
  scorer.stderr!.on('data', (d: Buffer) => (scorerOutput += d.toString()));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (scorer.exitCode !== null || scorer.signalCode !== null) {
      throw new Error(`mlflow models serve exited (${scorer.exitCode ?? scorer.signalCode}) before /ping answered\n${scorerOutput}\n--- server output\n${server.output().slice(-4000)}`);
    }
    try {
      const res = await fetch(`${scorerUrl}/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`mlflow models serve: no /ping after 180 s\n${scorerOutput}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopScorer(): Promise<void> {
  const child = scorer;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const group = -child.pid!;
  process.kill(group, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
  try {
    process.kill(group, 'SIGKILL'); // uvicorn workers left in the group, if any
  } catch {
    // none left
  }
}

async function invoke(body: string): Promise<{ status: number; json: { predictions?: number[] } & Record<string, unknown> }> {
  const res = await fetch(`${scorerUrl}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, json: (await res.json()) as { predictions?: number[] } };
}

beforeAll(async () => {
  server = await startCompatTarget();
  work = tempDir('compat-serve');
  try {
    const res = await runPython<TrainResult>('test/compat/py3/seed_train.py', [work], {
      MLFLOW_TRACKING_URI: server.url,
      PYTHONWARNINGS: 'ignore',
    });
    expect(res.code, res.stderr.slice(-4000)).toBe(0);
    train = res.json;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server output\n${server.output().slice(-4000)}`);
  }
  await startScorer('models:/churn@production');
}, 900_000);

afterAll(async () => {
  await stopScorer();
  await server?.stop();
  for (const dir of [work, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('mlflow models serve resolving models:/churn@production through Minflow', () => {
  it('serves the version the alias points at', async () => {
    expect(train.by_alias.version).toBe('1');
    const expectedV1 = JSON.parse(fs.readFileSync(path.join(work, 'expected_v1.json'), 'utf8')) as number[];
    const expectedV2 = JSON.parse(fs.readFileSync(path.join(work, 'expected_v2.json'), 'utf8')) as number[];
    expect(expectedV1).not.toEqual(expectedV2);

    const { status, json } = await invoke(fs.readFileSync(path.join(work, 'invocations.json'), 'utf8'));
    expect(status, JSON.stringify(json).slice(0, 2000)).toBe(200);
    expect(Object.keys(json)).toEqual(['predictions']);
    expect(json.predictions).toHaveLength(811);
    expect(json.predictions).toEqual(expectedV1);
  });

  it('scores a few rows in dataframe_split form', async () => {
    const full = JSON.parse(fs.readFileSync(path.join(work, 'invocations.json'), 'utf8')) as {
      dataframe_split: { columns: string[]; data: unknown[][] };
    };
    const expectedV1 = JSON.parse(fs.readFileSync(path.join(work, 'expected_v1.json'), 'utf8')) as number[];
    const body = JSON.stringify({
      dataframe_split: { columns: full.dataframe_split.columns, data: full.dataframe_split.data.slice(0, 5) },
    });
    const { status, json } = await invoke(body);
    expect(status).toBe(200);
    expect(json.predictions).toEqual(expectedV1.slice(0, 5));
  });
});
