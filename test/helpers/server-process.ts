// A real Minflow server process on a free loopback port, for e2e and compat tests, on the backend of
// the vitest project (test/helpers/backend.ts: SQLite files in dataDir, or PostgreSQL + S3).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createTestBackend, type StoredArtifacts, type TestBackend } from './backend.js';
import { builtCli, tempDir } from './paths.js';

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  /** What the server stored as artifacts, wherever the backend keeps them (test/helpers/backend.ts). */
  artifacts: StoredArtifacts;
  child: ChildProcess;
  /** stdout + stderr so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForHealth(url: string, timeoutMs: number, output: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`server at ${url} not healthy after ${timeoutMs} ms\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface StartOptions {
  dataDir?: string;
  /** A given port, e.g. to restart a stopped server where its clients expect it; default a free one. */
  port?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * The backend of each data directory a server was started on, so that a restart on the same dataDir
 * finds the same PostgreSQL database and S3 prefix (SQLite: the files in dataDir).
 */
const backends = new Map<string, TestBackend>();

export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? tempDir('server');
  // A server on its own temp dir owns its backend and drops it on stop; a given dataDir may be restarted.
  const ownsBackend = options.dataDir === undefined;
  const backend = backends.get(dataDir) ?? (await createTestBackend({ dataDir }));
  if (!ownsBackend) backends.set(dataDir, backend);
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [builtCli(), 'server', '--port', String(port), ...backend.serverArgs, '--log-level', 'warn', ...(options.args ?? [])],
    { env: { ...process.env, ...backend.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    if (ownsBackend) await backend.dispose();
  };
  try {
    await waitForHealth(url, options.timeoutMs ?? 15000, () => out);
  } catch (e) {
    await stopWith('SIGKILL');
    throw e;
  }
  return {
    url,
    port,
    dataDir,
    artifacts: backend.artifacts,
    child,
    output: () => out,
    stop: () => stopWith('SIGTERM'),
    kill9: () => stopWith('SIGKILL'),
  };
}
