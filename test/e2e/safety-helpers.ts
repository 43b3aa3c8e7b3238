// Real `minflow` processes for the issue-14 safety tests, run from the sources through tsx (the same
// code `npm run build` compiles), so these tests see the tree as it is without a rebuild.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, waitForHealth } from '../helpers/server-process.js';
import { ROOT } from '../helpers/paths.js';

const CLI_TS = path.join(ROOT, 'cli.ts');

export function cliArgs(args: string[]): string[] {
  return ['--import', 'tsx', CLI_TS, ...args];
}

/** Runs `minflow <args>` to the end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Proc {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** `minflow server` on a free loopback port; waits for /health unless `waitHealthy` is false. */
export async function startMinflow(dataDir: string, extra: string[] = [], waitHealthy = true): Promise<Proc> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    cliArgs([
      'server', '--port', String(port),
      '--backend-store-uri', `sqlite:///${path.join(dataDir, 'mlflow.db')}`,
      '--artifacts-destination', path.join(dataDir, 'artifacts'),
      '--log-level', 'warn',
      ...extra,
    ]),
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = `http://127.0.0.1:${port}`;
  const proc: Proc = {
    child,
    url,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (waitHealthy) {
    const died = exited.then((code) => {
      throw new Error(`minflow server exited (${code}) before it was healthy:\n${out}`);
    });
    try {
      await Promise.race([waitForHealth(url, 30_000, () => out), died]);
    } catch (e) {
      await proc.stop('SIGKILL');
      throw e;
    }
    void died.catch(() => {});
  }
  return proc;
}

export async function api<T = Record<string, unknown>>(url: string, route: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${url}/api/2.0/mlflow/${route}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as T };
}
