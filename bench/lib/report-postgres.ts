// The report of `npm run bench -- --backend postgres` (bench/RESULTS-postgres.md): the tables of the
// SQLite report (bench/lib/report.ts) for the two servers on PostgreSQL + SeaweedFS, issue 13's targets,
// SeaweedFS's own PUT/GET speed beside workload 9's, and Minflow as 1 vs N replicas behind nginx.
import type { ArtifactWorkload } from './artifact-proxy.js';
import type { LoadResult } from './load.js';
import { renderMarkdown, targets, type Environment, type ServerResults, type Target, type WorkloadResult } from './report.js';
import type { S3Baseline } from './s3-baseline.js';
import type { LoadWorkload, MixedWorkload } from './workloads.js';

/** The workloads the replica passes run (the reads 5b and 6 only repeat the single-replica story). */
export const REPLICA_WORKLOADS = ['1', '2', '3', '4', '5a', '7', '8', '9'];

export interface ReplicaPass {
  replicas: number;
  results: ServerResults;
}

export interface PostgresExtras {
  replicaPasses: ReplicaPass[];
  s3Baseline: (S3Baseline & { when: string })[];
  dryMinflowSqlite: boolean;
  /** Passes or baselines that could not run at all. */
  failures: string[];
}

const f = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const big = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US'));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '—' : `${(a / b).toFixed(a / b >= 10 ? 0 : a / b >= 1 ? 1 : 2)}×`;

function find<K extends WorkloadResult['kind']>(r: ServerResults | undefined, id: string, kind: K): Extract<WorkloadResult, { kind: K }> | undefined {
  return r?.workloads.find((w) => w.id === id && w.kind === kind) as Extract<WorkloadResult, { kind: K }> | undefined;
}

/** The yardstick of workload 9: the faster of SeaweedFS's direct runs each way (the stricter target). */
function yardstick(extras: PostgresExtras): { up: number; down: number } | null {
  const ok = extras.s3Baseline.filter((b) => b.failures.length === 0);
  if (ok.length === 0) return null;
  return { up: Math.max(...ok.map((b) => b.upMiBps)), down: Math.max(...ok.map((b) => b.downMiBps)) };
}

export function postgresTargets(m: ServerResults | undefined, p: ServerResults | undefined, extras: PostgresExtras): Target[] {
  const out = targets(m, p)
    .filter((t) => /^(2|3|5a|5b|6b|11[abc]): /.test(t.target) || t.target.startsWith('8: zero'))
    .map((t) => ({ ...t, target: t.target.replace("MLflow's throughput", "MLflow's throughput, both on PostgreSQL") }));
  const w9 = find(m, '9', 'artifact');
  const s3 = yardstick(extras);
  if (w9 && s3) {
    const up = w9.upMiBps / s3.up;
    const down = w9.downMiBps / s3.down;
    out.push({
      target: `9: ${w9.bytes / 2 ** 30 >= 1 ? `${w9.bytes / 2 ** 30} GiB` : `${w9.bytes / 2 ** 20} MiB`} through Minflow's proxy ≥ 50% of SeaweedFS's own PUT/GET (same client)`,
      measured: `PUT ${f(w9.upMiBps, 0)} of ${f(s3.up, 0)} MiB/s = ${(up * 100).toFixed(0)}%, GET ${f(w9.downMiBps, 0)} of ${f(s3.down, 0)} MiB/s = ${(down * 100).toFixed(0)}%`,
      met: up >= 0.5 && down >= 0.5,
    });
    const growth = Math.max(w9.upRssGrowthMiB, w9.downRssGrowthMiB);
    out.push({ target: '9: RSS growth < 64 MiB while streaming to/from S3', measured: `${f(growth, 0)} MiB`, met: growth < 64 });
  } else out.push({ target: '9', measured: 'not measured', met: false });
  for (const pass of extras.replicaPasses) {
    let errors = 0;
    let requests = 0;
    for (const w of pass.results.workloads) {
      const loads: LoadResult[] = w.kind === 'load' ? [w.load] : w.kind === 'mixed' ? [w.idle, w.underLoad, w.writes] : [];
      for (const l of loads) {
        errors += l.errors;
        requests += l.requests;
      }
    }
    out.push({
      target: `${pass.replicas} replica${pass.replicas === 1 ? '' : 's'} behind nginx: zero errors`,
      measured: `${errors} errors (${requests} requests)${pass.results.failures.length ? `; ${pass.results.failures.length} failures` : ''}`,
      met: errors === 0 && pass.results.failures.length === 0,
    });
  }
  return out;
}

function s3Section(m: ServerResults | undefined, p: ServerResults | undefined, extras: PostgresExtras): string {
  const lines = ["## Workload 9's yardstick: SeaweedFS's own PUT/GET", ''];
  lines.push(
    'The same file, PUT then GET straight to the SeaweedFS S3 endpoint with the same client as workload 9 (undici, one streamed request each way, ' +
      'SigV4 presigned URL), once before the servers ran and once after. The target compares Minflow with the faster of the two.',
    '',
  );
  lines.push('| Path | PUT MiB/s | GET MiB/s |', '|---|---:|---:|');
  for (const b of extras.s3Baseline) lines.push(`| SeaweedFS direct (${b.when}) | ${b.failures.length ? 'failed' : f(b.upMiBps, 0)} | ${b.failures.length ? 'failed' : f(b.downMiBps, 0)} |`);
  const s3 = yardstick(extras);
  for (const [label, r] of [['Minflow proxy → SeaweedFS', m], ['MLflow proxy → SeaweedFS', p]] as const) {
    const w = find(r, '9', 'artifact');
    lines.push(w ? `| ${label} | ${f(w.upMiBps, 0)} (${ratio(w.upMiBps, s3?.up)} of direct) | ${f(w.downMiBps, 0)} (${ratio(w.downMiBps, s3?.down)} of direct) |` : `| ${label} | — | — |`);
  }
  return lines.join('\n');
}

function loadOf(r: ServerResults | undefined, id: string): { l: LoadResult; rss: number } | undefined {
  const w = find(r, id, 'load') as LoadWorkload | undefined;
  return w ? { l: w.load, rss: w.peakRssMiB } : undefined;
}

function replicasSection(m: ServerResults | undefined, extras: PostgresExtras): string {
  const passes = [...extras.replicaPasses].sort((a, b) => a.replicas - b.replicas);
  if (passes.length === 0) return '## Scale-out: 1 vs N replicas behind nginx\n\nNot run.';
  const one = passes.find((x) => x.replicas === 1);
  const many = passes.filter((x) => x.replicas > 1).pop();
  const lines = [`## Scale-out: Minflow as 1 and ${many?.replicas ?? '?'} replicas behind nginx`, ''];
  lines.push(
    "After Minflow's own run, on the database it seeded: nginx (round robin, upstream keep-alive, no buffering) in front of 1 replica, then of " +
      `${many?.replicas ?? 'N'} replicas started at the same moment; the same load generator against nginx. "direct" is the main run above (no nginx). ` +
      'RSS adds up the replicas (not nginx). All processes (PostgreSQL, SeaweedFS, nginx, the replicas, the load generator) share the same cores, ' +
      'so on a small machine more replicas mostly measure contention, not capacity.',
    '',
  );
  const cols = ['direct', ...passes.map((x) => `${x.replicas} × nginx`)];
  lines.push(`| # | Workload | figure | ${cols.join(' | ')} | ${many && one ? `${many.replicas} ÷ 1 (nginx)` : ''} |`);
  lines.push(`|---|---|---|${cols.map(() => '---:').join('|')}|---:|`);
  const titles = new Map<string, string>();
  for (const r of [m, ...passes.map((x) => x.results)]) for (const w of r?.workloads ?? []) if (w.kind === 'load' || w.kind === 'mixed') titles.set(w.id, w.title);
  for (const id of REPLICA_WORKLOADS) {
    if (id === '8') {
      const get = (r: ServerResults | undefined) => find(r, '8', 'mixed') as MixedWorkload | undefined;
      const cells = (fn: (w: MixedWorkload) => number, digits = 1) =>
        [m, ...passes.map((x) => x.results)].map((r) => (get(r) ? (digits === 0 ? big(fn(get(r)!)) : f(fn(get(r)!), digits)) : '—'));
      const rat = (fn: (w: MixedWorkload) => number) => (one && many && get(one.results) && get(many.results) ? ratio(fn(get(many.results)!), fn(get(one.results)!)) : '');
      lines.push(`| 8 | ${titles.get('8') ?? '8'} | writer metrics/s | ${cells((w) => w.writeMetricsPerSec, 0).join(' | ')} | ${rat((w) => w.writeMetricsPerSec)} |`);
      lines.push(`| | | readers under load req/s | ${cells((w) => w.underLoad.reqPerSec).join(' | ')} | ${rat((w) => w.underLoad.reqPerSec)} |`);
      lines.push(`| | | readers p95 under load ms | ${cells((w) => w.underLoad.p95).join(' | ')} | ${rat((w) => w.underLoad.p95)} |`);
      lines.push(`| | | errors | ${cells((w) => w.writes.errors + w.underLoad.errors + w.idle.errors, 0).join(' | ')} | |`);
      continue;
    }
    if (id === '9') {
      const get = (r: ServerResults | undefined) => find(r, '9', 'artifact') as ArtifactWorkload | undefined;
      const row = (label: string, fn: (w: ArtifactWorkload) => number) =>
        `| ${label === 'PUT MiB/s' ? `9 | ${get(m)?.title ?? '9'}` : ' | '} | ${label} | ${[m, ...passes.map((x) => x.results)].map((r) => (get(r) ? f(fn(get(r)!), 0) : '—')).join(' | ')} | ${
          one && many && get(one.results) && get(many.results) ? ratio(fn(get(many.results)!), fn(get(one.results)!)) : ''
        } |`;
      lines.push(row('PUT MiB/s', (w) => w.upMiBps), row('GET MiB/s', (w) => w.downMiBps));
      continue;
    }
    const cells = [m, ...passes.map((x) => x.results)].map((r) => loadOf(r, id));
    const a = one ? loadOf(one.results, id) : undefined;
    const b = many ? loadOf(many.results, id) : undefined;
    const values = (fn: (x: { l: LoadResult; rss: number }) => number, digits = 1) => cells.map((c) => (c ? (digits === 0 ? big(fn(c)) : f(fn(c), digits)) : '—')).join(' | ');
    lines.push(`| ${id} | ${titles.get(id) ?? id} | values/s | ${values((c) => c.l.valuesPerSec, 0)} | ${a && b ? ratio(b.l.valuesPerSec, a.l.valuesPerSec) : ''} |`);
    lines.push(`| | | p95 ms | ${values((c) => c.l.p95)} | ${a && b ? ratio(b.l.p95, a.l.p95) : ''} |`);
    lines.push(`| | | errors | ${values((c) => c.l.errors, 0)} | |`);
  }
  const start = (r: ServerResults | undefined) => find(r, '10', 'startup');
  const all = [m, ...passes.map((x) => x.results)];
  lines.push(`| 10 | start (replicas spawned together; direct = fresh database, nginx passes = migrated one) | healthy ms | ${all.map((r) => f(start(r)?.startupMs, 0)).join(' | ')} | |`);
  lines.push(`| | | idle RSS MiB | ${all.map((r) => f(start(r)?.idleRssMiB, 0)).join(' | ')} | |`);
  return lines.join('\n');
}

export function renderPostgresMarkdown(env: Environment, results: ServerResults[], extras: PostgresExtras, notes: string[]): string {
  const m = results.find((r) => r.name === 'minflow');
  const p = results.find((r) => r.name === 'mlflow');
  const components = env.components ?? {};
  const minflowStore = extras.dryMinflowSqlite ? 'SQLite + local files (--dry-minflow-sqlite harness check)' : '`--backend-store-uri postgresql://…/<own db> --artifacts-destination s3://<bucket>/minflow`';
  return renderMarkdown(env, results, notes, {
    title: 'Minflow vs MLflow on PostgreSQL + SeaweedFS — benchmark results',
    command: `npm run bench -- --backend postgres${env.mode === 'quick' ? ' --quick' : ''}`,
    mlflowLine: '`mlflow server --backend-store-uri postgresql://…/<own db> --artifacts-destination s3://<bucket>/mlflow`, psycopg2, boto3, default 4 uvicorn workers',
    minflowLine: `\`node dist/cli.js server\` ${minflowStore}`,
    extraRows: [
      ['PostgreSQL', `${components.PostgreSQL ?? 'unknown'} on 127.0.0.1:5432, one server for both; each server its own fresh database`],
      ['Object store', `${components.SeaweedFS ?? 'unknown'}, one bucket for both, a prefix each; MLFLOW_S3_ENDPOINT_URL + AWS_* for both servers`],
      ['Load balancer (scale-out passes)', components.nginx ?? 'unknown'],
    ],
    targetsTitle: 'Targets (issue 13)',
    targets: postgresTargets(m, p, extras),
    sections: [
      s3Section(m, p, extras),
      replicasSection(m, extras),
      ...(extras.failures.length ? ['## Passes that did not run\n\n' + extras.failures.map((x) => `- ${x}`).join('\n')] : []),
      ...extras.replicaPasses
        .filter((x) => x.results.failures.length > 0)
        .map((x) => `## Failures of the ${x.replicas}-replica pass\n\n${x.results.failures.map((y) => `- ${y}`).join('\n')}`),
    ],
  });
}
