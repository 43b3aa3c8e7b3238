// The server a compat test talks to: Minflow, or with MINFLOW_COMPAT_REFERENCE=1 the official
// `mlflow server` from the venv on the same backend pair (test/helpers/backend.ts: <dataDir>/mlflow.db +
// <dataDir>/artifacts, or PostgreSQL + S3) — to show that every assertion of a compat test is MLflow's
// own behaviour.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTestBackend } from './backend.js';
import { VENV, tempDir } from './paths.js';
import { freePort, startServer, waitForHealth, type ServerProcess } from './server-process.js';

export async function startCompatTarget(): Promise<ServerProcess> {
  if (!process.env.MINFLOW_COMPAT_REFERENCE) return startServer();
  const dataDir = tempDir('reference');
  // The same backend pair as Minflow would get (mlflow uses psycopg2 and boto3 from the venv).
  const backend = await createTestBackend({ dataDir });
  const port = await freePort();
  const args = ['server', '--host', '127.0.0.1', '--port', String(port), ...backend.serverArgs];
  const child = spawn(path.join(VENV, 'bin', 'mlflow'), args, {
    detached: true,
    env: { ...process.env, ...backend.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, signal);
    await exited;
    await backend.dispose();
  };
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, 120_000, () => out);
  return { url, port, dataDir, artifacts: backend.artifacts, child, output: () => out, stop: () => stopWith('SIGTERM'), kill9: () => stopWith('SIGKILL') };
}
