// `npx tsx bench/durability.ts [--seconds 5] [--rounds 2] [--out bench/DURABILITY.md]`: issue 14 item
// 14 — what SQLite's synchronous=FULL costs against NORMAL on Minflow's write path. For each setting
// (alternating, `rounds` times each, so drift in machine load hits both alike) a fresh `minflow server
// --sqlite-synchronous <s>` (from the sources, through tsx) on a data directory on the disk under
// $TMPDIR gets:
//   A. commit latency: one client, log-batch of 10 metrics, one request after the other;
//   B. throughput: 20 clients, log-batch of 10 metrics (the bench's workload 2);
//   C. throughput: 20 clients, log-batch of 1000 metrics, one run per client (workload 3);
//   D. throughput: 20 clients, runs/create (workload 1);
//   E. the store alone, in this process (no HTTP, no other process): 1000 sequential
//      RunLogging.logBatch calls of 10 metrics — each one commit — timed one by one; this isolates
//      the commit's fsync from request handling, which on a busy machine dominates A-D.
// Plus the disk's own fdatasync latency (4 KiB write + fdatasync, 200 times) as the yardstick.
// Writes markdown with the machine and versions to --out (default: print only).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BASE_TIME = 1_700_000_000_000;

interface Args {
  seconds: number;
  rounds: number;
  out: string | null;
}

function parse(argv: string[]): Args {
  const args: Args = { seconds: 5, rounds: 2, out: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--seconds') (args.seconds = Number(v)), i++;
    else if (argv[i] === '--rounds') (args.rounds = Number(v)), i++;
    else if (argv[i] === '--out') (args.out = v ?? null), i++;
  }
  return args;
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startServer(dataDir: string, synchronous: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'cli.ts'), 'server', '--port', String(port), '--backend-store-uri', `sqlite:///${path.join(dataDir, 'mlflow.db')}`,
      '--artifacts-destination', path.join(dataDir, 'artifacts'), '--log-level', 'error', '--sqlite-synchronous', synchronous],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function post(url: string, route: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}/api/2.0/mlflow/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${route}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function createRun(url: string): Promise<string> {
  const r = (await post(url, 'runs/create', { experiment_id: '0', start_time: BASE_TIME })) as { run: { info: { run_id: string } } };
  return r.run.info.run_id;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** `clients` loops issuing `request(client, i)` for `seconds`; requests per second and latency quantiles. */
async function load(clients: number, seconds: number, request: (client: number, i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        await request(c, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), n: latencies.length };
}

function metrics(n: number, step: number) {
  return Array.from({ length: n }, (_, k) => ({ key: `m${k % 10}`, value: k / n, timestamp: BASE_TIME + step, step: step * 100 + Math.floor(k / 10) }));
}

type Row = Awaited<ReturnType<typeof load>>;

async function measure(synchronous: string, seconds: number): Promise<Record<string, Row>> {
  const dataDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), `minflow-durability-${synchronous}-`));
  const server = await startServer(dataDir, synchronous);
  try {
    const single = await createRun(server.url);
    const shared = await createRun(server.url);
    const perClient: string[] = [];
    for (let c = 0; c < 20; c++) perClient.push(await createRun(server.url));
    const E = await storeCommits(synchronous as 'full' | 'normal');
    return {
      E,
      A: await load(1, seconds, (_c, i) => post(server.url, 'runs/log-batch', { run_id: single, metrics: metrics(10, i) })),
      B: await load(20, seconds, (c, i) => post(server.url, 'runs/log-batch', { run_id: shared, metrics: metrics(10, c * 1_000_000 + i) })),
      C: await load(20, seconds, (c, i) => post(server.url, 'runs/log-batch', { run_id: perClient[c], metrics: metrics(1000, i) })),
      D: await load(20, seconds, () => post(server.url, 'runs/create', { experiment_id: '0', start_time: BASE_TIME })),
    };
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function storeCommits(synchronous: 'full' | 'normal'): Promise<Row> {
  const { openTrackingStore } = await import('../server/store/index.js');
  const dataDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), `minflow-durability-store-${synchronous}-`));
  const dbFile = path.join(dataDir, 'mlflow.db');
  const store = await openTrackingStore({ backendStoreUri: `sqlite:///${dbFile}`, dbFile, defaultArtifactRoot: path.join(dataDir, 'artifacts'), sqliteSynchronous: synchronous });
  try {
    const run = await store.runs.create({ experimentId: '0', startTime: BASE_TIME, tags: [] });
    const runId = (run as unknown as { info: { runId: string } }).info.runId;
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      await store.logging.logBatch(runId, metrics(10, i), [], []);
      times.push(performance.now() - t);
    }
    const seconds = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);
    return { perSecond: times.length / seconds, p50: quantile(times, 0.5), p99: quantile(times, 0.99), n: times.length };
  } finally {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function diskFsync(): { p50: number; p99: number } {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'minflow-fsync-'));
  const fd = fs.openSync(path.join(dir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    fs.writeSync(fd, block, 0, block.length, (i % 16) * 4096);
    fs.fdatasyncSync(fd);
    times.push(performance.now() - t);
  }
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const fsyncBefore = diskFsync();
  const results: Record<string, Record<string, Row>[]> = { normal: [], full: [] };
  for (let r = 0; r < args.rounds; r++) {
    for (const s of r % 2 === 0 ? ['normal', 'full'] : ['full', 'normal']) {
      const m = await measure(s, args.seconds);
      results[s]!.push(m);
      process.stderr.write(`round ${r + 1} ${s}: ${JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v.perSecond)])))}\n`);
    }
  }
  const fsyncAfter = diskFsync();
  const titles: Record<string, string> = {
    A: 'A. commit latency: 1 client, log-batch of 10 metrics',
    B: 'B. 20 clients, log-batch of 10 metrics (workload 2)',
    C: 'C. 20 clients, log-batch of 1000 metrics (workload 3)',
    D: 'D. 20 clients, runs/create (workload 1)',
    E: 'E. store only, in-process: 1 writer, logBatch of 10 metrics (one commit each)',
  };
  const f = (n: number, d = 1) => n.toFixed(d);
  const lines: string[] = [];
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const sqliteVersion = (new Database(':memory:').prepare('select sqlite_version()').pluck().get() as string);
  const fsType = (() => {
    try {
      const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
      const tmp = fs.realpathSync(os.tmpdir());
      const best = mounts.filter((m) => m[1] && tmp.startsWith(m[1])).sort((a, b) => b[1]!.length - a[1]!.length)[0];
      return best ? `${best[0]} on ${best[1]} (${best[2]})` : 'unknown';
    } catch {
      return 'unknown';
    }
  })();
  lines.push('| | synchronous=NORMAL | synchronous=FULL | FULL / NORMAL |', '|---|---|---|---|');
  for (const k of ['A', 'B', 'C', 'D', 'E']) {
    const n = results.normal!.map((m) => m[k]!);
    const u = results.full!.map((m) => m[k]!);
    const nps = median(n.map((x) => x.perSecond));
    const ups = median(u.map((x) => x.perSecond));
    const cell = (rows: Row[]) =>
      `${f(median(rows.map((x) => x.perSecond)), 0)} req/s, p50 ${f(median(rows.map((x) => x.p50)), 2)} ms, p99 ${f(median(rows.map((x) => x.p99)), 2)} ms`;
    lines.push(`| ${titles[k]} | ${cell(n)} | ${cell(u)} | ${f(ups / nps, 2)}× throughput |`);
  }
  const report = [
    `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, load average at start ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (shared with other work)`,
    `Versions: Node ${process.version}, SQLite ${sqliteVersion} (better-sqlite3), Linux ${os.release()}`,
    `Disk: ${fsType}; 4 KiB write + fdatasync p50 ${f(fsyncBefore.p50, 2)} ms / p99 ${f(fsyncBefore.p99, 2)} ms before, p50 ${f(fsyncAfter.p50, 2)} ms / p99 ${f(fsyncAfter.p99, 2)} ms after`,
    `Method: ${args.rounds} rounds per setting, alternating order, ${args.seconds} s per workload, a fresh server and data directory each round; medians of the rounds.`,
    '',
    ...lines,
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (args.out) {
    const file = path.resolve(args.out);
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const marker = '<!-- measurement -->';
    const next = text.includes(marker) ? `${text.slice(0, text.indexOf(marker) + marker.length)}\n\n${report}\n` : `${text}\n${marker}\n\n${report}\n`;
    fs.writeFileSync(file, next);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
