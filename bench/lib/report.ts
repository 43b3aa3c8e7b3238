// The results as markdown: machine and versions, one table row per workload and server with the
// ratio Minflow ÷ MLflow, the special workloads (8, 9, 10), the issue's targets met or missed, and
// anything that went wrong.
import type { RawRead } from './raw-reads.js';
import type { ArtifactWorkload } from './artifact-proxy.js';
import { SEED_CONCURRENCY, type Sizes } from './data.js';
import type { LoadResult } from './load.js';
import type { ServerName } from './servers.js';
import type { LoadWorkload, MixedWorkload } from './workloads.js';

export interface StartupResult {
  kind: 'startup';
  id: '10';
  startupMs: number;
  idleRssMiB: number;
}

export type WorkloadResult = LoadWorkload | MixedWorkload | ArtifactWorkload | StartupResult;

export interface ServerResults {
  name: ServerName;
  workloads: WorkloadResult[];
  seedSeconds: Record<string, number>;
  seedRetries: number;
  /** Harness-level failures: a workload that threw, a wrong row count, errors where none are allowed. */
  failures: string[];
  totalSeconds: number;
  /** Issue 18: Minflow's one-client reads beside a plain SQL script's (bench/lib/raw-reads.ts). */
  rawReads?: RawRead[];
}

export interface Environment {
  date: string;
  mode: 'full' | 'quick';
  cpu: string;
  cores: number;
  memoryGiB: number;
  loadBefore: string;
  /** The 1-min load average sampled through the run (other work on the machine shows here). */
  loadDuring?: string;
  kernel: string;
  node: string;
  python: string;
  mlflow: string;
  commit: string;
  sizes: Sizes;
  totalSeconds: number;
  /** The stores both servers ran on (bench --backend postgres); absent = SQLite + local files. */
  backend?: 'sqlite' | 'postgres';
  /** Versions of the other components (PostgreSQL, SeaweedFS, nginx), by name. */
  components?: Record<string, string>;
}

/** What a report on other stores says differently (bench/lib/report-postgres.ts). */
export interface RenderOptions {
  title?: string;
  command?: string;
  /** Table rows (label, text) replacing the default MLflow / Minflow lines. */
  mlflowLine?: string;
  minflowLine?: string;
  extraRows?: [string, string][];
  targetsTitle?: string;
  targets?: Target[];
  /** Markdown sections placed after the targets. */
  sections?: string[];
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

const f = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const big = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US'));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '—' : `${(a / b).toFixed(a / b >= 10 ? 0 : a / b >= 1 ? 1 : 2)}×`;

function find<K extends WorkloadResult['kind']>(r: ServerResults | undefined, id: string, kind: K): Extract<WorkloadResult, { kind: K }> | undefined {
  return r?.workloads.find((w) => w.id === id && w.kind === kind) as Extract<WorkloadResult, { kind: K }> | undefined;
}

/** A workload's load-generator results, with the part of a mixed workload they belong to. */
function loadsOf(w: WorkloadResult): [string, LoadResult][] {
  return w.kind === 'load' ? [['', w.load]] : w.kind === 'mixed' ? [['readers idle', w.idle], ['readers under load', w.underLoad], ['writers', w.writes]] : [];
}

function loadRow(label: string, l: LoadResult | undefined, rss: number | undefined): string {
  if (!l) return `| | | ${label} | failed | | | | | | | |`;
  return `| | | ${label} | ${f(l.reqPerSec)} | ${big(l.valuesPerSec)} | ${f(l.p50)} | ${f(l.p95)} | ${f(l.p99)} | ${l.requests} | ${l.errors} | ${f(rss, 0)} |`;
}

/** Minflow ≥ 10× MLflow's throughput on each of `ids` that ran. */
function throughputTargets(m: ServerResults | undefined, p: ServerResults | undefined, ids: string[]): Target[] {
  const out: Target[] = [];
  for (const id of ids) {
    if (!find(m, id, 'load') && !find(p, id, 'load')) continue;
    const a = find(m, id, 'load');
    const b = find(p, id, 'load');
    const r = a && b ? a.load.valuesPerSec / b.load.valuesPerSec : Number.NaN;
    // A ratio over MLflow requests that failed (timed out) is not only speed: say so beside it.
    const failed = b && b.load.errors > 0 ? ` (MLflow: ${b.load.errors} of ${b.load.requests} requests failed, see "Errors")` : '';
    out.push({ target: `${id}: Minflow ≥ 10× MLflow's throughput`, measured: Number.isFinite(r) ? `${r.toFixed(1)}×${failed}` : 'not measured', met: r >= 10 });
  }
  return out;
}

/** Issue 18's: bulk-interval and the wide reads ≥ 10× MLflow, and within 3× of a plain SQL read of the same rows. */
export function wideTargets(m: ServerResults | undefined, p: ServerResults | undefined): Target[] {
  const out = throughputTargets(m, p, ['6b', '11a', '11b', '11c']);
  for (const r of m?.rawReads ?? []) {
    const x = r.minflowMs / r.rawMs;
    out.push({ target: `${r.id}: Minflow within 3× a plain SQL read of the same rows`, measured: `${x.toFixed(2)}× (${f(r.minflowMs)} vs ${f(r.rawMs)} ms)`, met: x <= 3 });
  }
  return out;
}

export function targets(m: ServerResults | undefined, p: ServerResults | undefined): Target[] {
  const out = [...throughputTargets(m, p, ['2', '3', '5a', '5b']), ...wideTargets(m, p)];
  const w8 = find(m, '8', 'mixed');
  if (w8) {
    const errors = w8.writes.errors + w8.underLoad.errors + w8.idle.errors;
    out.push({ target: '8: zero errors from Minflow', measured: `${errors} errors (${w8.writes.requests + w8.underLoad.requests} requests)`, met: errors === 0 });
    const r = w8.underLoad.p95 / w8.idle.p95;
    out.push({ target: "8: readers' p95 under load ≤ 2× idle", measured: `${f(w8.underLoad.p95)} ms vs ${f(w8.idle.p95)} ms idle = ${r.toFixed(2)}×`, met: r <= 2 });
  } else out.push({ target: '8', measured: 'not measured', met: false });
  const w9 = find(m, '9', 'artifact');
  if (w9) {
    out.push({ target: '9: ≥ 200 MB/s each way', measured: `up ${f(w9.upMiBps, 0)} MiB/s, down ${f(w9.downMiBps, 0)} MiB/s`, met: w9.upMiBps >= 200 && w9.downMiBps >= 200 });
    const growth = Math.max(w9.upRssGrowthMiB, w9.downRssGrowthMiB);
    out.push({ target: '9: RSS growth < 64 MB', measured: `${f(growth, 0)} MiB`, met: growth < 64 });
  } else out.push({ target: '9', measured: 'not measured', met: false });
  const w10 = find(m, '10', 'startup');
  if (w10) {
    out.push({ target: '10: idle RSS ≤ 100 MB', measured: `${f(w10.idleRssMiB, 0)} MiB`, met: w10.idleRssMiB <= 100 });
    out.push({ target: '10: healthy within 1 s', measured: `${f(w10.startupMs, 0)} ms`, met: w10.startupMs <= 1000 });
  } else out.push({ target: '10', measured: 'not measured', met: false });
  return out;
}

export function renderMarkdown(env: Environment, results: ServerResults[], notes: string[], options: RenderOptions = {}): string {
  const m = results.find((r) => r.name === 'minflow');
  const p = results.find((r) => r.name === 'mlflow');
  const s = env.sizes;
  const lines: string[] = [];
  lines.push(`# ${options.title ?? 'Minflow vs MLflow — benchmark results'}${env.mode === 'quick' ? ' (quick mode: small data, short runs; not for comparison)' : ''}`, '');
  lines.push(`Generated by \`${options.command ?? `npm run bench${env.mode === 'quick' ? ' -- --quick' : ''}`}\` (bench/run.ts) on ${env.date}.`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| Machine | ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB RAM, Linux ${env.kernel} |`);
  lines.push(`| Load average before the run | ${env.loadBefore} |`);
  if (env.loadDuring) lines.push(`| Load average during the run | ${env.loadDuring} |`);
  lines.push(`| Node | ${env.node} |`);
  lines.push(`| Python / MLflow | ${env.python} / mlflow ${env.mlflow} (${options.mlflowLine ?? '`mlflow server`, default SQLite backend, default 4 uvicorn workers'}) |`);
  lines.push(`| Minflow | commit ${env.commit} (${options.minflowLine ?? '`node dist/cli.js server`, default options'}) |`);
  for (const [label, text] of options.extraRows ?? []) lines.push(`| ${label} | ${text} |`);
  lines.push(`| Whole run | ${f(env.totalSeconds / 60)} min (Minflow ${f((m?.totalSeconds ?? 0) / 60)} min, MLflow ${f((p?.totalSeconds ?? 0) / 60)} min, seeding included) |`);
  lines.push('');
  lines.push(
    'Each server runs alone on loopback on a fresh data directory, loaded with the data set below through its REST API, ' +
      'then restarted on that data before the workloads (a fresh process, as after a deploy). Both are driven by the same Node load generator (undici, ' +
      'closed loop: each client sends its next request when the previous one answers). Each workload warms up for ' +
      `${s.warmupMs / 1000} s, then runs ${s.durationMs / 1000} s (writes) or ${s.readDurationMs / 1000} s (reads); requests in flight at the ` +
      'deadline finish and count. Latencies in ms. "values" are what a request carries or returns: metrics logged, runs or ' +
      'experiments listed, history points. Peak RSS is sampled every 100 ms from /proc/<pid>/status (for MLflow summed over ' +
      "the process tree: CLI, uvicorn, its workers and the job runner). Ratios are Minflow ÷ MLflow: above 1 means Minflow " +
      'does more per second (throughput) or takes longer / uses more (latency, RSS).',
    '',
  );

  lines.push('## Workloads 1–7 and 11 (wide runs)', '');
  lines.push('| # | Workload | Server | req/s | values/s | p50 | p95 | p99 | requests | errors | peak RSS MiB |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const ids = ['1', '2', '3', '4', '5a', '5b', '6a', '6b', '7', '11a', '11b', '11c'];
  for (const id of ids) {
    if (!find(m, id, 'load') && !find(p, id, 'load')) continue;
    const a = find(m, id, 'load');
    const b = find(p, id, 'load');
    const title = a?.title ?? b?.title ?? id;
    const conc = a?.concurrency ?? b?.concurrency;
    lines.push(`| ${id} | ${title} (${conc} clients; values = ${a?.valuesLabel ?? b?.valuesLabel}) | | | | | | | | | |`);
    lines.push(loadRow('Minflow', a?.load, a?.peakRssMiB));
    lines.push(loadRow('MLflow', b?.load, b?.peakRssMiB));
    lines.push(
      `| | | **Minflow ÷ MLflow** | **${ratio(a?.load.reqPerSec, b?.load.reqPerSec)}** | **${ratio(a?.load.valuesPerSec, b?.load.valuesPerSec)}** | ` +
        `${ratio(a?.load.p50, b?.load.p50)} | ${ratio(a?.load.p95, b?.load.p95)} | ${ratio(a?.load.p99, b?.load.p99)} | | | ${ratio(a?.peakRssMiB, b?.peakRssMiB)} |`,
    );
  }
  lines.push('');

  lines.push('## Workload 8: 64 writers while 10 readers run 5a', '');
  lines.push(
    'Readers run workload 5a\'s search alone ("idle"), then again while 64 writers loop on runs/create + a 500-metric log-batch ' +
      '(writers warm up first). Writer figures count both requests of each pair.',
    '',
  );
  lines.push('| Server | readers idle req/s | idle p95 | readers under load req/s | load p95 | p95 load ÷ idle | reader errors | writer req/s | writer metrics/s | writer p95 | writer errors | peak RSS MiB |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [label, r] of [['Minflow', m], ['MLflow', p]] as const) {
    const w = find(r, '8', 'mixed');
    if (!w) {
      lines.push(`| ${label} | failed | | | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${label} | ${f(w.idle.reqPerSec)} | ${f(w.idle.p95)} | ${f(w.underLoad.reqPerSec)} | ${f(w.underLoad.p95)} | ${f(w.underLoad.p95 / w.idle.p95, 2)}× | ` +
        `${w.idle.errors + w.underLoad.errors} | ${f(w.writes.reqPerSec)} | ${big(w.writeMetricsPerSec)} | ${f(w.writes.p95)} | ${w.writes.errors} | ${f(w.peakRssMiB, 0)} |`,
    );
  }
  const w8m = find(m, '8', 'mixed');
  const w8p = find(p, '8', 'mixed');
  if (w8m && w8p) {
    lines.push(`| **Minflow ÷ MLflow** | ${ratio(w8m.idle.reqPerSec, w8p.idle.reqPerSec)} | ${ratio(w8m.idle.p95, w8p.idle.p95)} | ${ratio(w8m.underLoad.reqPerSec, w8p.underLoad.reqPerSec)} | ${ratio(w8m.underLoad.p95, w8p.underLoad.p95)} | | | ${ratio(w8m.writes.reqPerSec, w8p.writes.reqPerSec)} | ${ratio(w8m.writeMetricsPerSec, w8p.writeMetricsPerSec)} | ${ratio(w8m.writes.p95, w8p.writes.p95)} | | ${ratio(w8m.peakRssMiB, w8p.peakRssMiB)} |`);
  }
  lines.push('');

  lines.push(`## Workload 9: ${s.artifactMiB} MiB artifact through the artifact proxy`, '');
  lines.push('| Server | PUT MiB/s | GET MiB/s | resting RSS MiB | RSS growth during PUT | during GET |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const [label, r] of [['Minflow', m], ['MLflow', p]] as const) {
    const w = find(r, '9', 'artifact');
    lines.push(
      w
        ? `| ${label} | ${f(w.upMiBps, 0)} | ${f(w.downMiBps, 0)} | ${f(w.restingRssMiB, 0)} | ${f(w.upRssGrowthMiB, 0)} | ${f(w.downRssGrowthMiB, 0)} |`
        : `| ${label} | failed | | | | |`,
    );
  }
  const w9m = find(m, '9', 'artifact');
  const w9p = find(p, '9', 'artifact');
  if (w9m && w9p) lines.push(`| **Minflow ÷ MLflow** | ${ratio(w9m.upMiBps, w9p.upMiBps)} | ${ratio(w9m.downMiBps, w9p.downMiBps)} | ${ratio(w9m.restingRssMiB, w9p.restingRssMiB)} | | |`);
  lines.push('');

  lines.push('## Workload 10: start', '');
  lines.push('| Server | spawn → first /health 200 (fresh data directory) | idle RSS MiB (2 s after healthy) |');
  lines.push('|---|---:|---:|');
  for (const [label, r] of [['Minflow', m], ['MLflow', p]] as const) {
    const w = find(r, '10', 'startup');
    lines.push(w ? `| ${label} | ${f(w.startupMs, 0)} ms | ${f(w.idleRssMiB, 0)} |` : `| ${label} | failed | |`);
  }
  const w10m = find(m, '10', 'startup');
  const w10p = find(p, '10', 'startup');
  if (w10m && w10p) lines.push(`| **Minflow ÷ MLflow** | ${ratio(w10m.startupMs, w10p.startupMs)} | ${ratio(w10m.idleRssMiB, w10p.idleRssMiB)} |`);
  lines.push('');

  if (m?.rawReads?.length) {
    lines.push('## Minflow beside a plain SQL script (issue 18)', '');
    lines.push(
      'The same rows read by a plain script on the same engine and data (one connection, rows as objects: the page\'s ids in the ' +
        "search's order, then its runs, latest metrics, params and tags; for bulk-interval MLflow's own NTILE query and last-point " +
        "query per run), against Minflow's answer over HTTP to one client at a time. Medians; the target is Minflow within 3×. " +
        "Minflow answers a bulk-interval read of an unchanged history (a chart read again, as here and in 6b) from the sampled text " +
        "it made before, checked current by one COUNT(*) per run in the reader's snapshot (server/store/sampled-cache.ts); the first " +
        'read of a history costs the sampling itself (10 runs × 10,000 points: ~80 ms on SQLite, ~170 ms on PostgreSQL, one client).',
      '',
    );
    lines.push('| # | Read | plain SQL ms | Minflow ms | Minflow ÷ SQL |', '|---|---|---:|---:|---:|');
    for (const r of m.rawReads) lines.push(`| ${r.id} | ${r.label} | ${f(r.rawMs)} | ${f(r.minflowMs)} | ${ratio(r.minflowMs, r.rawMs)} |`);
    lines.push('');
  }
  lines.push(`## ${options.targetsTitle ?? 'Targets (issue 7)'}`, '');
  lines.push('| Target | Measured | Met |', '|---|---|---|');
  for (const t of options.targets ?? targets(m, p)) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  lines.push('');
  for (const section of options.sections ?? []) lines.push(section, '');

  lines.push('## Data set and seeding', '');
  lines.push(
    `Loaded through the REST API before the workloads, ${SEED_CONCURRENCY} requests in flight, metrics in 1000-point log-batches, params 100 per batch: ` +
      `${s.experiments} experiments; ${s.searchRuns} runs (name + 3 tags) for 5a and 8; ${s.uiRuns} runs × ${s.uiParams} params × ${s.uiMetrics} metrics for 5b; ` +
      `one ${s.historySteps}-step metric and ${s.chartRuns} runs × ${s.chartSteps} steps for 6.`,
    '',
  );
  const labels = [...new Set(results.flatMap((r) => Object.keys(r.seedSeconds)))];
  lines.push('| Seeding step | Minflow s | MLflow s |', '|---|---:|---:|');
  for (const l of labels) lines.push(`| ${l} | ${f(m?.seedSeconds[l])} | ${f(p?.seedSeconds[l])} |`);
  lines.push(`| retried seeding requests | ${m?.seedRetries ?? '—'} | ${p?.seedRetries ?? '—'} |`, '');

  const errorLines: string[] = [];
  for (const r of results) {
    for (const w of r.workloads) {
      for (const [part, l] of loadsOf(w)) {
        // An error page's HTML would break the list: one line per kind.
        for (const [kind, n] of Object.entries(l.errorKinds)) errorLines.push(`- ${r.name} ${w.id}${part ? ` ${part}` : ''}: ${n} × \`${kind.replace(/\s+/g, ' ').replace(/`/g, "'")}\``);
        for (const msg of l.checkMessages) errorLines.push(`- ${r.name} ${w.id}${part ? ` ${part}` : ''}: ${msg}`);
      }
    }
    for (const failure of r.failures) errorLines.push(`- ${r.name}: ${failure}`);
  }
  lines.push('## Errors and failed checks', '');
  lines.push(errorLines.length > 0 ? errorLines.join('\n') : 'None.', '');
  const poolTimeouts = (p?.workloads ?? []).filter((w) => loadsOf(w).some(([, l]) => Object.keys(l.errorKinds).some((k) => k.includes('QueuePool limit'))));
  if (poolTimeouts.length > 0) {
    lines.push(
      `MLflow's "QueuePool limit … connection timed out" (workloads ${poolTimeouts.map((w) => w.id).join(', ')}): a request waited SQLAlchemy's ` +
        '30 s pool timeout for a database connection in its uvicorn worker and failed. Each such request counts as an error and its 30 s count ' +
        "in the latencies, so the ratios of those workloads measure these stalls as much as MLflow's speed when it is not stalled.",
      '',
    );
  }
  if (notes.length > 0) lines.push('## Notes', '', ...notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
