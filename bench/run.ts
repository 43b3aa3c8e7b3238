// `npm run bench [-- --quick] [-- --only minflow|mlflow] [-- --out file] [-- --backend postgres]`: issue 7's
// side-by-side benchmark of Minflow against the official `mlflow server`; with --backend postgres
// (issue 13) both run on PostgreSQL + SeaweedFS, SeaweedFS's own PUT/GET speed is measured as workload
// 9's yardstick, and Minflow runs again as 1 and as N replicas behind nginx on the seeded database.
//
// Builds nothing itself (the npm script runs `npm run build` first); starts each server in turn on a
// fresh data directory, seeds the same data through the REST API, runs workloads 1-10 with the same
// load generator, and writes markdown (bench/RESULTS.md, or test-results/bench-quick.md with --quick)
// plus the raw figures as JSON in test-results/. Exits 1 when a workload throws, a read returns the wrong
// rows, Minflow answers any request with an error, or MLflow answers none of a workload's requests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { w9Artifact, makeSourceFile, type SourceFile } from './lib/artifact-proxy.js';
import { FULL, QUICK, SEED_CONCURRENCY, type Sizes } from './lib/data.js';
import { makePool } from './lib/load.js';
import type { PostgresBackend } from './lib/postgres-backend.js';
import { REPLICA_WORKLOADS, postgresTargets, renderPostgresMarkdown, type PostgresExtras } from './lib/report-postgres.js';
import { startReplicas } from './lib/replicas.js';
import { renderMarkdown, targets, type Environment, type ServerResults, type WorkloadResult } from './lib/report.js';
import { objectSha256, s3Baseline } from './lib/s3-baseline.js';
import { SEED_PARTS, apiClient, seed, type Seeded } from './lib/seed.js';
import { compareRawReads, timeMinflowReads, type MinflowRead } from './lib/raw-reads.js';
import { rawReadSpecs, seedWide, w11WideGet, w11WideSearch, w11WideUi } from './lib/wide.js';
import { ROOT, VENV_BIN, killAllStarted, startServer, type RunningServer, type ServerName, type StoreLocation } from './lib/servers.js';
import {
  w1RunsCreate,
  w2SmallBatch,
  w3BigBatch,
  w4LogMetric,
  w5Search,
  w5UiSearch,
  w6BulkInterval,
  w6History,
  w7ExperimentsSearch,
  w8Mixed,
  type Context,
} from './lib/workloads.js';

interface Args {
  quick: boolean;
  only: ServerName[];
  out: string;
  workloads: Set<string> | null;
  /** Directory for Minflow's --cpu-prof profile, or null. */
  profile: string | null;
  /** Keep the data directories (for query plans and profiling) instead of removing them. */
  keep: boolean;
  /** Another build's dist/cli.js to run as Minflow (before/after comparisons). */
  minflowCli: string | undefined;
  /** Rewrite the report from a run's saved results (test-results/bench-*.json) instead of running. */
  render: string | undefined;
  /** The stores: SQLite + local files (issue 7), or PostgreSQL + SeaweedFS (issue 13). */
  backend: 'sqlite' | 'postgres';
  /** --backend postgres only: Minflow stays on SQLite (a harness check while it cannot run on PostgreSQL). */
  dryMinflowSqlite: boolean;
  /** --backend postgres: replicas of the scale-out comparison (1 vs this many behind nginx); 0 skips it. */
  replicas: number;
  /** A saved run (test-results/*.json) whose servers this run does not run are taken into the report. */
  resultsFrom: string | undefined;
  /** --note text: added to the report's notes (and kept in its JSON). */
  notes: string[];
}

function parseArgs(argv: string[]): Args {
  let quick = false;
  let only: ServerName[] = ['minflow', 'mlflow'];
  let out: string | undefined;
  let workloads: Set<string> | null = null;
  let profile: string | null = null;
  let keep = false;
  let minflowCli: string | undefined;
  let render: string | undefined;
  let backend: Args['backend'] = 'sqlite';
  let dryMinflowSqlite = false;
  let replicas = 3;
  let resultsFrom: string | undefined;
  const notes: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') quick = true;
    else if (a.startsWith('--only')) {
      const v = value();
      if (v !== 'minflow' && v !== 'mlflow') throw new Error('--only takes minflow or mlflow');
      only = [v];
    } else if (a.startsWith('--out')) out = value();
    else if (a.startsWith('--workloads')) workloads = new Set(value().split(','));
    else if (a === '--profile') profile = path.join(ROOT, 'test-results', 'bench-profile');
    else if (a === '--keep') keep = true;
    else if (a.startsWith('--minflow-cli')) minflowCli = path.resolve(value());
    else if (a.startsWith('--render')) render = path.resolve(value());
    else if (a.startsWith('--backend')) {
      const v = value();
      if (v !== 'sqlite' && v !== 'postgres') throw new Error('--backend takes sqlite or postgres');
      backend = v;
    } else if (a === '--dry-minflow-sqlite') dryMinflowSqlite = true;
    else if (a.startsWith('--replicas')) {
      replicas = Number(value());
      if (!Number.isInteger(replicas) || replicas < 0) throw new Error('--replicas takes a whole number (0 skips the replica comparison)');
    } else if (a.startsWith('--results-from')) resultsFrom = path.resolve(value());
    else if (a.startsWith('--note')) notes.push(value());
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npm run bench [-- --quick] [--only minflow|mlflow] [--workloads 1,2,5a,...] [--out file.md] [--profile] [--keep] [--minflow-cli other/dist/cli.js] [--render test-results/bench-full.json]\n' +
          '                     [--backend sqlite|postgres] [--replicas N] [--dry-minflow-sqlite]\n' +
          '  full run → bench/RESULTS.md; --quick → test-results/bench-quick.md; a partial run → test-results/bench-partial.md\n' +
          '  --backend postgres: both servers on the PostgreSQL at 127.0.0.1:5432 (a database each) + one SeaweedFS (a bucket prefix each),\n' +
          '    SeaweedFS direct PUT/GET as the yardstick of workload 9, then Minflow as 1 and N (--replicas, default 3; 0 skips) replicas\n' +
          '    behind nginx; full run → bench/RESULTS-postgres.md, --quick → test-results/bench-postgres-quick.md\n' +
          '  --dry-minflow-sqlite: with --backend postgres, Minflow stays on SQLite + local files (checks the harness, not a result)\n' +
          "  --results-from saved.json: with --only, the other server's figures (and replica passes) come from that earlier run's JSON\n" +
          '  --note "text": a note for the report (repeatable)\n' +
          '  --profile: Minflow runs under node --cpu-prof, profile in test-results/bench-profile/\n' +
          "  --render: rewrite a run's report from its saved results (bench/RESULTS.md for a full run), without running",
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (dryMinflowSqlite && backend !== 'postgres') throw new Error('--dry-minflow-sqlite goes with --backend postgres');
  const partial = (only.length < 2 && !resultsFrom) || workloads !== null || profile !== null || minflowCli !== undefined || dryMinflowSqlite;
  const tag = backend === 'postgres' ? 'bench-postgres' : 'bench';
  out ??= quick ? `test-results/${tag}-quick.md` : partial ? `test-results/${tag}-partial.md` : backend === 'postgres' ? 'bench/RESULTS-postgres.md' : 'bench/RESULTS.md';
  return { quick, only, out: path.resolve(ROOT, out), workloads, profile, keep, minflowCli, render, backend, dryMinflowSqlite, replicas, resultsFrom, notes };
}

function tryRun(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return 'unknown';
  }
}

function environment(mode: 'full' | 'quick', sizes: Sizes, loadBefore: string): Environment {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const python = path.join(VENV_BIN, 'python');
  return {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    mode,
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    loadBefore,
    kernel: os.release(),
    node: process.version,
    python: tryRun(python, ['--version']).replace('Python ', 'Python '),
    mlflow: tryRun(python, ['-c', 'import importlib.metadata as m; print(m.version("mlflow"))']),
    commit: tryRun('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) + (tryRun('git', ['-C', ROOT, 'status', '--porcelain', 'server']) ? ' (with uncommitted server changes)' : ''),
    sizes,
    totalSeconds: 0,
  };
}

function loadAverage(): string {
  const [one, five, fifteen] = os.loadavg();
  return `${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min), ${fifteen!.toFixed(2)} (15 min)`;
}

/** What a server's run needs besides its name: its store, and what it leaves for the replica passes. */
interface ServerSetup {
  store?: StoreLocation;
  /** SHA-256 of what the store holds at an artifact path (object stores), for workload 9's check. */
  storedSha256?: (artifactPath: string) => Promise<string | null>;
  /** Filled in with the seeded data set and the experiment count (the replica passes reuse them). */
  keep?: { seeded?: Seeded; experiments?: number };
}

const wantedBy = (args: Args) => (id: string) => args.workloads === null || args.workloads.has(id) || args.workloads.has(id.replace(/[a-c]$/, ''));

function workloadSteps(ctx: Context, server: RunningServer, source: SourceFile | null, setup: ServerSetup): [string, () => Promise<WorkloadResult>][] {
  return [
    ['1', () => w1RunsCreate(ctx)],
    ['2', () => w2SmallBatch(ctx)],
    ['3', () => w3BigBatch(ctx)],
    ['4', () => w4LogMetric(ctx)],
    ['5a', () => w5Search(ctx)],
    ['5b', () => w5UiSearch(ctx)],
    ['6a', () => w6History(ctx)],
    ['6b', () => w6BulkInterval(ctx)],
    ['7', () => w7ExperimentsSearch(ctx)],
    ['8', () => w8Mixed(ctx)],
    ['9', () => w9Artifact(server, source!, ctx.log, setup.storedSha256)],
    ['11a', () => w11WideSearch(ctx)],
    ['11b', () => w11WideUi(ctx)],
    ['11c', () => w11WideGet(ctx)],
  ];
}

async function runSteps(name: ServerName, steps: [string, () => Promise<WorkloadResult>][], results: ServerResults, log: (m: string) => void): Promise<void> {
  for (const [id, step] of steps) {
    try {
      const w = await step();
      results.workloads.push(w);
      results.failures.push(...workloadFailures(name, w));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      results.failures.push(`workload ${id} failed: ${message}`);
      log(`  ${id} FAILED: ${message}`);
    }
  }
}

async function benchServer(name: ServerName, args: Args, sizes: Sizes, source: SourceFile | null, workDir: string, setup: ServerSetup = {}): Promise<ServerResults> {
  const t0 = performance.now();
  const log = (msg: string) => console.log(`[${name}] ${msg}`);
  const results: ServerResults = { name, workloads: [], seedSeconds: {}, seedRetries: 0, failures: [], totalSeconds: 0 };
  const wanted = wantedBy(args);
  let oneClient: MinflowRead[] = [];
  log('starting');
  const nodeArgs = args.profile && name === 'minflow' ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  const startOptions = { nodeArgs, cli: name === 'minflow' ? args.minflowCli : undefined, store: setup.store };
  let server = await startServer(name, path.join(workDir, name), startOptions);
  let seedPool = makePool(server.url, SEED_CONCURRENCY);
  try {
    log(`healthy after ${server.startupMs.toFixed(0)} ms (pid ${server.pid}, data in ${server.dataDir})`);
    await new Promise((r) => setTimeout(r, 2000));
    const idleRssMiB = server.rss.sample();
    results.workloads.push({ kind: 'startup', id: '10', startupMs: server.startupMs, idleRssMiB });
    log(`  10  healthy in ${server.startupMs.toFixed(0)} ms, idle RSS ${idleRssMiB.toFixed(0)} MiB`);

    let api = apiClient(seedPool);
    // Only the reads (5-8) need the data set: a partial run of writes skips the seeding.
    const needsBase = ['5a', '5b', '6a', '6b', '7', '8'].some(wanted);
    const needsWide = ['11a', '11b', '11c'].some(wanted);
    const needsData = needsBase || needsWide;
    const seeded: Seeded = needsBase
      ? await seed(api, sizes, SEED_CONCURRENCY, log, (part) => SEED_PARTS[part].some(wanted))
      : { searchExperimentId: '', uiExperimentId: '', historyRunId: '', chartRunIds: [], experimentCount: 1, seconds: {}, retries: 0 };
    if (needsWide) {
      const wide = await seedWide(api, sizes, SEED_CONCURRENCY, log);
      seeded.wide = wide.seeded;
      seeded.seconds[`${sizes.wideRuns} wide runs`] = wide.seconds;
      seeded.experimentCount++;
    }
    if (needsData) {
      // The workloads start on a fresh process over the seeded data, as after a deploy, so that what the
      // seeding left behind in a process (caches, pools, heap) does not count. Both servers alike.
      await seedPool.close();
      await server.stop();
      server = await startServer(name, path.join(workDir, name), { ...startOptions, keepLog: true });
      seedPool = makePool(server.url, SEED_CONCURRENCY);
      api = apiClient(seedPool);
      log(`restarted on the seeded data: healthy after ${server.startupMs.toFixed(0)} ms`);
    }
    results.seedSeconds = seeded.seconds;
    results.seedRetries = seeded.retries;
    const ctx: Context = { server, api, sizes, seeded, experiments: seeded.experimentCount, log };
    const steps = workloadSteps(ctx, server, source, setup).filter(([id]) => wanted(id) && (id !== '9' || source));
    await runSteps(name, steps, results, log);
    if (name === 'minflow' && (wanted('11') || wanted('6b'))) {
      try {
        oneClient = await timeMinflowReads(seedPool, rawReadSpecs(ctx), sizes === QUICK ? 3 : 15, log);
      } catch (e) {
        results.failures.push(`raw-SQL comparison failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (setup.keep) {
      setup.keep.seeded = needsData ? seeded : undefined;
      setup.keep.experiments = ctx.experiments;
    }
  } finally {
    await seedPool.close();
    await server.stop();
    log('stopped');
  }
  if (oneClient.length > 0) {
    // The script reads the database the server left, after it stopped: nothing else on the engine.
    const where = setup.store?.backendStoreUri.startsWith('postgresql') ? { postgresUri: setup.store.backendStoreUri } : { sqliteFile: path.join(server.dataDir, 'mlflow.db') };
    try {
      results.rawReads = await compareRawReads(where, oneClient, sizes === QUICK ? 3 : 15, log);
    } catch (e) {
      results.failures.push(`raw-SQL comparison failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  results.totalSeconds = (performance.now() - t0) / 1000;
  return results;
}

/**
 * Minflow again, as `count` replicas behind nginx on the store the main run seeded (a pass of the
 * scale-out comparison): startup (every replica healthy) and idle RSS (summed), then the workloads of
 * REPLICA_WORKLOADS that were asked for, under experiment names of their own.
 */
async function benchReplicas(count: number, args: Args, sizes: Sizes, source: SourceFile | null, dataDir: string, setup: ServerSetup): Promise<ServerResults> {
  const t0 = performance.now();
  const log = (msg: string) => console.log(`[minflow ×${count} behind nginx] ${msg}`);
  const results: ServerResults = { name: 'minflow', workloads: [], seedSeconds: {}, seedRetries: 0, failures: [], totalSeconds: 0 };
  const wanted = wantedBy(args);
  log('starting');
  const group = await startReplicas(count, dataDir, { cli: args.minflowCli, store: setup.store });
  const pool = makePool(group.url, SEED_CONCURRENCY);
  try {
    log(`all ${count} healthy after ${group.startupMs.toFixed(0)} ms; nginx ${group.url} → ${group.replicas.map((r) => r.url).join(', ')}`);
    await new Promise((r) => setTimeout(r, 2000));
    const idleRssMiB = group.rss.sample();
    results.workloads.push({ kind: 'startup', id: '10', startupMs: group.startupMs, idleRssMiB });
    const keep = setup.keep ?? {};
    const seeded: Seeded = keep.seeded ?? { searchExperimentId: '', uiExperimentId: '', historyRunId: '', chartRunIds: [], experimentCount: 1, seconds: {}, retries: 0 };
    const ctx: Context = { server: group, api: apiClient(pool), sizes, seeded, experiments: keep.experiments ?? seeded.experimentCount, nameSuffix: `-x${count}`, log };
    const steps = workloadSteps(ctx, group, source, setup).filter(
      ([id]) => REPLICA_WORKLOADS.includes(id) && wanted(id) && (id !== '9' || source) && (!/^[5-8]/.test(id) || keep.seeded),
    );
    await runSteps('minflow', steps, results, log);
    keep.experiments = ctx.experiments;
  } finally {
    await pool.close();
    await group.stop();
    log('stopped');
  }
  results.totalSeconds = (performance.now() - t0) / 1000;
  return results;
}

/** What makes a workload's result a failed benchmark (exit 1), as opposed to a slow one. */
function workloadFailures(name: ServerName, w: WorkloadResult): string[] {
  const out: string[] = [];
  const check = (label: string, l: { requests: number; errors: number; checkFailures: number; warmupCheckFailures: number; checked: number }) => {
    if (l.checkFailures + l.warmupCheckFailures > 0) out.push(`${label}: ${l.checkFailures + l.warmupCheckFailures} answers with the wrong rows`);
    if (l.requests - l.errors === 0) out.push(`${label}: no request succeeded`);
    // Minflow must answer every request; MLflow's errors (e.g. "database is locked") are results.
    if (name === 'minflow' && l.errors > 0) out.push(`${label}: ${l.errors} errors`);
  };
  if (w.kind === 'load') {
    check(`workload ${w.id}`, w.load);
    if (w.load.checked === 0 && w.load.warmupCheckFailures === 0 && w.id.match(/^[5-7]/)) out.push(`workload ${w.id}: no answer was checked`);
  } else if (w.kind === 'mixed') {
    check('workload 8 readers (idle)', w.idle);
    check('workload 8 readers (under load)', w.underLoad);
    if (name === 'minflow' && w.writes.errors > 0) out.push(`workload 8 writers: ${w.writes.errors} errors`);
    if (w.writes.requests - w.writes.errors === 0) out.push('workload 8 writers: no request succeeded');
  } else if (w.kind === 'artifact') out.push(...w.failures.map((m) => `workload 9: ${m}`));
  return out;
}

function notesFor(quick: boolean): string[] {
  return quick ? ['Quick mode checks that every workload runs and answers correctly; its figures are not comparable with a full run.'] : [];
}

/** --render: the report of a finished run, written again from its JSON (e.g. after the report's layout changed). */
function renderSaved(file: string, out: string | null): void {
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { env: Environment; results: ServerResults[]; extras?: PostgresExtras; notes?: string[] };
  const { env, results, extras } = saved;
  const postgres = env.backend === 'postgres';
  const target =
    out ?? path.join(ROOT, env.mode === 'quick' ? `test-results/${postgres ? 'bench-postgres' : 'bench'}-quick.md` : postgres ? 'bench/RESULTS-postgres.md' : 'bench/RESULTS.md');
  const notes = saved.notes ?? notesFor(env.mode === 'quick');
  fs.writeFileSync(target, postgres && extras ? renderPostgresMarkdown(env, results, extras, notes) : renderMarkdown(env, results, notes));
  console.log(`bench: ${path.relative(ROOT, target)} rewritten from ${path.relative(ROOT, file)}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    renderSaved(args.render, process.argv.some((a) => a.startsWith('--out')) ? args.out : null);
    return;
  }
  const sizes = args.quick ? QUICK : FULL;
  const loadBefore = loadAverage();
  console.log(
    `bench: ${args.quick ? 'quick' : 'full'} run${args.backend === 'postgres' ? ' on PostgreSQL + SeaweedFS' : ''}, load average ${loadBefore}, results → ${path.relative(ROOT, args.out)}`,
  );
  if (!args.quick && os.loadavg()[0]! >= 0.5) console.log('bench: warning — the machine is busy (1-min load ≥ 0.5): figures will be noisy');
  const env = environment(args.quick ? 'quick' : 'full', sizes, loadBefore);
  const loads: number[] = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]!), 10_000);
  loadTimer.unref();
  const workDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'minflow-bench-'));
  const t0 = performance.now();
  const results: ServerResults[] = [];
  let exitCode = 0;
  let backend: PostgresBackend | null = null;
  const extras: PostgresExtras = { replicaPasses: [], s3Baseline: [], dryMinflowSqlite: args.dryMinflowSqlite, failures: [] };
  const failed = (name: string, e: unknown) => {
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    console.error(`[${name}] failed: ${message}`);
    return `run failed: ${message.split('\n')[0]}`;
  };
  try {
    const needsFile = args.workloads === null || args.workloads.has('9');
    const source = needsFile ? makeSourceFile(workDir, sizes.artifactMiB) : null;
    if (args.backend === 'postgres') {
      // Loaded only here: the SQLite run needs none of PostgreSQL's and SeaweedFS's helpers.
      const { startPostgresBackend } = await import('./lib/postgres-backend.js');
      backend = await startPostgresBackend();
      activeBackend = backend;
      env.backend = 'postgres';
      console.log(`bench: SeaweedFS S3 at ${backend.s3.endpoint}, bucket ${backend.s3.bucket}`);
    }
    const baseline = async (when: string) => {
      if (!backend || !source) return;
      try {
        extras.s3Baseline.push({ when, ...(await s3Baseline(backend.s3, source, `baseline/${when}.bin`, (m) => console.log(`[seaweedfs] ${m}`))) });
      } catch (e) {
        extras.failures.push(`SeaweedFS baseline (${when}): ${failed('seaweedfs', e)}`);
      }
    };
    await baseline('before');
    for (const name of args.only) {
      const setup: ServerSetup = { keep: {} };
      try {
        if (backend && !(name === 'minflow' && args.dryMinflowSqlite)) {
          const store = await backend.store(name);
          const s3 = backend.s3;
          setup.store = store;
          setup.storedSha256 = (artifactPath) => objectSha256(s3, `${store.prefix}/${artifactPath}`);
        }
        results.push(await benchServer(name, args, sizes, source, workDir, setup));
      } catch (e) {
        results.push({ name, workloads: [], seedSeconds: {}, seedRetries: 0, failures: [failed(name, e)], totalSeconds: 0 });
        continue;
      }
      if (name === 'minflow' && backend && args.replicas > 0) {
        for (const count of [...new Set([1, args.replicas])]) {
          try {
            extras.replicaPasses.push({ replicas: count, results: await benchReplicas(count, args, sizes, source, path.join(workDir, 'minflow'), setup) });
          } catch (e) {
            extras.failures.push(`${count} replicas: ${failed(`minflow ×${count}`, e)}`);
          }
        }
      }
    }
    await baseline('after');
    if (backend) env.components = await backend.versions();
  } finally {
    killAllStarted();
    if (backend && !args.keep) await backend.stop();
    else if (backend) {
      await backend.seaweed.stop();
      console.log('bench: databases kept (--keep)');
    }
    if (args.keep) console.log(`bench: data kept in ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
  env.totalSeconds = (performance.now() - t0) / 1000;
  clearInterval(loadTimer);
  if (loads.length > 0) {
    const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
    env.loadDuring = `1-min average sampled every 10 s: mean ${mean.toFixed(2)}, max ${Math.max(...loads).toFixed(2)} (${os.cpus().length} cores)`;
  }

  const postgres = args.backend === 'postgres';
  const notes = [...notesFor(args.quick), ...args.notes];
  if (args.resultsFrom) {
    const saved = JSON.parse(fs.readFileSync(args.resultsFrom, 'utf8')) as { env: Environment; results: ServerResults[]; extras?: PostgresExtras };
    const taken = saved.results.filter((r) => !args.only.includes(r.name));
    results.push(...taken);
    if (!args.only.includes('minflow') && saved.extras) extras.replicaPasses.push(...saved.extras.replicaPasses);
    if (taken.length > 0) {
      const who = taken.map((r) => (r.name === 'minflow' ? 'Minflow' : 'MLflow')).join(' and ');
      notes.push(
        `${who}'s figures come from an earlier run of the same harness (${saved.env.date}, commit ${saved.env.commit}, load average before it ${saved.env.loadBefore}${saved.env.loadDuring ? `, during it ${saved.env.loadDuring}` : ''}; ` +
          `${path.relative(ROOT, args.resultsFrom)}); the rest from this run.`,
      );
    }
    results.sort((a, b) => (a.name === 'minflow' ? -1 : 1) - (b.name === 'minflow' ? -1 : 1));
  }
  if (args.dryMinflowSqlite) notes.push('Harness check (--dry-minflow-sqlite): Minflow ran on SQLite + local files, MLflow on PostgreSQL + SeaweedFS; the ratios are not a result.');
  const markdown = postgres ? renderPostgresMarkdown(env, results, extras, notes) : renderMarkdown(env, results, notes);
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, markdown);
  const jsonName = postgres && args.only.length < 2 ? `bench-postgres-${args.only[0]}-${args.quick ? 'quick' : 'full'}` : `${postgres ? 'bench-postgres' : 'bench'}-${args.quick ? 'quick' : 'full'}`;
  const json = path.join(ROOT, 'test-results', `${jsonName}.json`);
  fs.mkdirSync(path.dirname(json), { recursive: true });
  fs.writeFileSync(json, JSON.stringify(postgres ? { env, results, extras, notes } : { env, results }, null, 2));

  const failures = [
    ...results.flatMap((r) => r.failures.map((f) => `${r.name}: ${f}`)),
    ...extras.replicaPasses.flatMap((p) => p.results.failures.map((f) => `minflow ×${p.replicas} behind nginx: ${f}`)),
    ...extras.s3Baseline.flatMap((b) => b.failures.map((f) => `SeaweedFS baseline (${b.when}): ${f}`)),
    ...extras.failures,
  ];
  console.log(`\nbench: ${(env.totalSeconds / 60).toFixed(1)} min, results in ${path.relative(ROOT, args.out)}`);
  if (results.length === 2) {
    const list = postgres ? postgresTargets(results[0], results[1], extras) : targets(results[0], results[1]);
    for (const t of list) console.log(`  ${t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.measured}`);
  }
  if (failures.length > 0) {
    console.log(`bench: ${failures.length} failures:\n  ${failures.join('\n  ')}`);
    exitCode = 1;
  }
  process.exitCode = exitCode;
}

// The AWS SDK's once-per-process notice that its 2027 releases need Node 22 (here and in the servers).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The PostgreSQL + SeaweedFS of a --backend postgres run, for Ctrl-C: its databases dropped, weed stopped. */
let activeBackend: PostgresBackend | null = null;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllStarted();
    const backend = activeBackend;
    if (!backend) process.exit(130);
    setTimeout(() => process.exit(130), 15_000).unref();
    backend.stop().finally(() => process.exit(130));
  });
}

main().catch((e: unknown) => {
  killAllStarted();
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
