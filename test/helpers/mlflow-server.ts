// The official `mlflow server` 3.17.2 from the venv as a process, on a backend store URI and artifact
// destination the test chooses, in a working directory the test chooses (MLflow resolves relative
// artifact locations against it). Tests that compare with MLflow, or hand a database back and forth
// between MLflow and Minflow, start it here.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { VENV } from './paths.js';
import { freePort, waitForHealth } from './server-process.js';

export interface MlflowServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface MlflowServerOptions {
  backendStoreUri: string;
  artifactsDestination: string;
  cwd: string;
  /** Start timeout; MLflow needs a minute or more on a loaded machine. */
  timeoutMs?: number;
}

export async function startMlflowServer(options: MlflowServerOptions): Promise<MlflowServer> {
  const mlflow = path.join(VENV, 'bin', 'mlflow');
  if (!fs.existsSync(mlflow)) {
    throw new Error(`${mlflow} is missing: create the venv with \`python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt\``);
  }
  const port = await freePort();
  const child = spawn(
    mlflow,
    ['server', '--host', '127.0.0.1', '--port', String(port), '--backend-store-uri', options.backendStoreUri,
      '--artifacts-destination', options.artifactsDestination, '--workers', '1'],
    { cwd: options.cwd, detached: true, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }, 15_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHealth(url, options.timeoutMs ?? 240_000, () => out),
      exited.then(() => {
        throw new Error(`mlflow server exited before it answered /health:\n${out.slice(-3000)}`);
      }),
    ]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, output: () => out, stop };
}
