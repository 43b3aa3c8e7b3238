// The two servers under test, each started on loopback on a fresh data directory, timed from spawn to
// the first `/health` 200, sampled for RSS (the whole process tree for mlflow: its CLI, uvicorn, the
// uvicorn workers and the job runner), and stopped by process group.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { signalGroup, stopGroup } from './process-group.js';
import { vmRssKiB } from './files.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const VENV_BIN = path.join(ROOT, '.venv', 'bin');

export type ServerName = 'minflow' | 'mlflow';

export interface RunningServer {
  name: ServerName;
  url: string;
  pid: number;
  dataDir: string;
  /** Milliseconds from spawn to the first 200 from /health. */
  startupMs: number;
  rss: RssSampler;
  stop(): Promise<void>;
}

/** A port nobody listens on right now, on loopback. */
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

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Where a server keeps its metadata and artifacts; default SQLite + a directory under its data dir. */
export interface StoreLocation {
  /** --backend-store-uri, e.g. postgresql://postgres@127.0.0.1:5432/bench_minflow. */
  backendStoreUri: string;
  /** --artifacts-destination, e.g. s3://bucket/minflow. */
  artifactsDestination: string;
  /** What the server process needs to reach them (MLflow's S3 variables). */
  env?: NodeJS.ProcessEnv;
}

function command(name: ServerName, port: number, dataDir: string, nodeArgs: string[], cli = CLI, store?: StoreLocation): { file: string; args: string[] } {
  if (name === 'minflow') {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm run bench does it)`);
    return {
      file: process.execPath,
      args: [
        ...nodeArgs,
        cli,
        'server',
        '--port',
        String(port),
        '--backend-store-uri',
        store?.backendStoreUri ?? `sqlite:///${path.join(dataDir, 'mlflow.db')}`,
        '--artifacts-destination',
        store?.artifactsDestination ?? path.join(dataDir, 'artifacts'),
      ],
    };
  }
  const mlflow = path.join(VENV_BIN, 'mlflow');
  if (!fs.existsSync(mlflow)) {
    throw new Error(`${mlflow} is missing: create it with \`python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt\``);
  }
  return {
    file: mlflow,
    args: [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--backend-store-uri',
      store?.backendStoreUri ?? `sqlite:///${path.join(dataDir, 'mlflow.db')}`,
      '--artifacts-destination',
      store?.artifactsDestination ?? path.join(dataDir, 'art'),
    ],
  };
}

const started = new Set<ChildProcess>();

/** Kills every server this process started (its whole process group): for crashes and Ctrl-C. */
export function killAllStarted(): void {
  for (const child of started) signalGroup(child, 'SIGKILL');
  started.clear();
}

export interface StartOptions {
  /** Extra node flags for Minflow, e.g. --cpu-prof (the profile is written when it exits on SIGTERM). */
  nodeArgs?: string[];
  /** Another build's dist/cli.js, to compare two versions of Minflow (before/after a change). */
  cli?: string;
  /** Append to the data directory's server.log instead of starting it afresh (a restart). */
  keepLog?: boolean;
  timeoutMs?: number;
  /** Another store than SQLite + local files under the data directory (bench --backend postgres). */
  store?: StoreLocation;
  /** A given port (replicas behind nginx), default a free one. */
  port?: number;
  /** server.log's name in the data directory (replicas share one). */
  logName?: string;
}

export async function startServer(name: ServerName, dataDir: string, options: StartOptions = {}): Promise<RunningServer> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  fs.mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const { file, args } = command(name, port, dataDir, options.nodeArgs ?? [], options.cli, options.store);
  const logFile = path.join(dataDir, options.logName ?? 'server.log');
  // Server logs go straight to a file: the harness never spends CPU reading them.
  const log = fs.openSync(logFile, options.keepLog ? 'a' : 'w');
  const t0 = performance.now();
  const env = options.store?.env ? { ...process.env, ...options.store.env } : process.env;
  const child = spawn(file, args, { cwd: dataDir, stdio: ['ignore', log, log], detached: true, env });
  fs.closeSync(log);
  started.add(child);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  for (;;) {
    if (await healthy(url)) break;
    if (exited) throw new Error(`${name} exited before answering /health; ${logFile} ends:\n${logTail(logFile)}`);
    if (performance.now() - t0 > timeoutMs) {
      signalGroup(child, 'SIGKILL');
      throw new Error(`${name} not healthy after ${timeoutMs} ms; ${logFile} ends:\n${logTail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const startupMs = performance.now() - t0;
  const rss = new RssSampler(child.pid!, name === 'mlflow');
  rss.start();
  return {
    name,
    url,
    pid: child.pid!,
    dataDir,
    startupMs,
    rss,
    async stop() {
      rss.stop();
      await stopGroup(child, 5_000, exit);
      started.delete(child);
    },
  };
}

/** The last lines of a server's log, for a failure message (the data directory may be gone by the time it is read). */
function logTail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The pid and all its descendants, from the ppid field of /proc/<pid>/stat. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name is in parentheses and may contain spaces: fields resume after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    let list = children.get(ppid);
    if (!list) children.set(ppid, (list = []));
    list.push(Number(entry));
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Samples the server's resident set every `intervalMs`: VmRSS of the process, or the sum over its
 * process tree (re-listed every second, so a restarted worker is picked up).
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private members: number[];
  private listedAt = 0;
  private peakKiB = 0;
  private lastKiB = 0;

  private readonly roots: number[];

  /** `pid`: one process, or several (replicas) whose resident sets add up. */
  constructor(
    pid: number | number[],
    private readonly tree: boolean,
    private readonly intervalMs = 100,
  ) {
    this.roots = Array.isArray(pid) ? pid : [pid];
    this.members = [...this.roots];
  }

  /** Current resident set in MiB, sampled now. */
  sample(): number {
    if (this.tree && performance.now() - this.listedAt > 1000) {
      this.members = this.roots.flatMap((root) => processTree(root));
      this.listedAt = performance.now();
    }
    let kib = 0;
    for (const pid of this.members) kib += vmRssKiB(pid) ?? 0;
    this.lastKiB = kib;
    if (kib > this.peakKiB) this.peakKiB = kib;
    return kib / 1024;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Starts a new peak window at the current value. */
  resetPeak(): void {
    this.sample();
    this.peakKiB = this.lastKiB;
  }

  /** Peak since the last resetPeak, in MiB. */
  peakMiB(): number {
    this.sample();
    return this.peakKiB / 1024;
  }
}
