// Serving benchmark: POST /invocations throughput and latency of `minflow serve` next to the official
// `mlflow models serve`, each serving the seed's model — a 500-tree random forest (min_samples_leaf=35)
// trained on abt.csv's seed split: ours from trainer/models, scikit-learn's saved with
// mlflow.sklearn.save_model (bench/py/serving_model.py). Both get the same request bytes: 1 row and
// 1,000 rows of abt.csv in `dataframe_split` JSON, from a closed-loop load generator (undici, fixed
// concurrency). All servers are up at once but only one is under load at any time; they take turns.
//
//   npx tsx bench/serving.ts [--quick] [--data path/to/abt.csv] [--out file.md]
//
// Needs `npm run build` (the servers run from dist/) and the compat venv (.venv with mlflow and
// scikit-learn). --quick: shorter windows, mlflow with its default worker count only; writes
// test-results/serving-quick.md unless --out says otherwise. The full run writes bench/SERVING.md.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../trainer/data/csv.js';
import { loadDataset } from '../trainer/data/dataset.js';
import { parseNumericCell } from '../trainer/data/missing.js';
import { splitDataset } from '../trainer/data/split.js';
import { generateSyntheticAbt, writeAbtCsv } from '../trainer/data/synthetic.js';
import { saveModel } from '../trainer/mlflow-model/format.js';
import { RandomForestClassifier } from '../trainer/models/random-forest.js';
import { signalGroup, stopGroup } from './lib/process-group.js';
import { freePort } from './lib/servers.js';
import { poolResults, runLoad, type LoadResult } from './serving-load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VENV_BIN = path.join(ROOT, '.venv', 'bin');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
};
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    'usage: npx tsx bench/serving.ts [--quick] [--data path/to/abt.csv] [--out file.md]\n' +
      '  minflow serve vs mlflow models serve on the same 500-tree forest and requests (needs npm run build and .venv)\n' +
      '  full run → bench/SERVING.md; --quick (shorter windows, one mlflow worker setting) → test-results/serving-quick.md',
  );
  process.exit(0);
}
const QUICK = args.includes('--quick');
const SEED_ABT = path.resolve(ROOT, '..', 'shared', 'data', 'abt.csv');
const OUT = flag('--out') ?? (QUICK ? path.join(ROOT, 'test-results', 'serving-quick.md') : path.join(ROOT, 'bench', 'SERVING.md'));
// Each cell is measured in ROUNDS windows, the servers taking turns (in a rotating order), so a change
// in background load on a shared machine falls on every server alike rather than on whichever ran last.
const ROUNDS = QUICK ? 1 : 3;
const WARMUP_MS = QUICK ? 1000 : 1500;
const DURATION_MS = QUICK ? 4000 : 6000;

interface Scenario {
  rows: number;
  concurrency: number;
}
const SCENARIOS: Scenario[] = [
  { rows: 1, concurrency: 1 },
  { rows: 1, concurrency: 8 },
  { rows: 1000, concurrency: 1 },
  { rows: 1000, concurrency: 4 },
];

interface ServerSpec {
  label: string;
  notes: string;
  start(port: number): ChildProcess;
}

interface Measured {
  server: string;
  scenario: Scenario;
  result: LoadResult;
}

function fail(message: string): never {
  process.stderr.write(`bench/serving: ${message}\n`);
  process.exit(1);
}

/** Resident memory of a process group (the server and any workers it forked), in MiB. */
function groupRssMiB(pgid: number): number {
  let kib = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue; // pgrp is the 5th field of stat
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch {
      // the process ended meanwhile
    }
  }
  return kib / 1024;
}

async function waitForPing(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) fail(`server exited (${child.exitCode}) before /ping answered\n${output()}`);
    try {
      if ((await fetch(`${url}/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) fail(`no /ping from ${url} after ${timeoutMs / 1000} s\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `dataframe_split` JSON of the first `n` rows of the table, with null for missing cells. */
function requestBody(header: string[], rows: string[][], n: number): string {
  const features = header.slice(2, -1);
  const data = rows.slice(0, n).map((r) =>
    r.slice(2, -1).map((cell) => {
      const v = parseNumericCell(cell);
      return v === undefined || Number.isNaN(v) ? null : v;
    }),
  );
  return JSON.stringify({ dataframe_split: { columns: features, data } });
}

/** P(churn) per row from either server's answer. */
function probabilities(json: { predictions: unknown[] }): number[] {
  return json.predictions.map((p) => (Array.isArray(p) ? (p[1] as number) : (p as { probability: number }).probability));
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) fail(`${CLI} is missing: run \`npm run build\` first`);
  if (!fs.existsSync(path.join(VENV_BIN, 'mlflow'))) {
    fail(`${VENV_BIN}/mlflow is missing: create the venv with \`python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt\``);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-bench-serving-'));
  let data = flag('--data') ?? SEED_ABT;
  let dataNote = `abt.csv (${path.relative(ROOT, data)})`;
  if (!fs.existsSync(data)) {
    data = path.join(work, 'abt-synthetic.csv');
    await writeAbtCsv(generateSyntheticAbt(4055, 42), data);
    dataNote = 'the synthetic abt table (4,055 rows; abt.csv was not found)';
  }

  const records = parseCsv(fs.readFileSync(data, 'utf8')).map((r) => r.fields);
  const header = records[0]!;
  const rows = records.slice(1);
  if (rows.length < 1000) fail(`${data} has ${rows.length} rows; the benchmark needs at least 1,000`);
  const bodies = new Map(SCENARIOS.map((s) => [s.rows, requestBody(header, rows, s.rows)]));

  process.stderr.write('training the minflow forest (500 trees)…\n');
  const ds = await loadDataset(data);
  const { train } = splitDataset(ds, 'random');
  const forest = new RandomForestClassifier({ nEstimators: 500, minSamplesLeaf: 35, randomState: 42 });
  await forest.fit(train, train.y);
  const minflowModel = path.join(work, 'minflow-model');
  await saveModel(minflowModel, { classifier: forest, features: train.schema, target: train.target });

  process.stderr.write('training the scikit-learn forest (500 trees) and saving it with mlflow.sklearn.save_model…\n');
  const sklearnModel = path.join(work, 'sklearn-model');
  const py = JSON.parse(
    execFileSync(path.join(VENV_BIN, 'python'), [path.join(ROOT, 'bench', 'py', 'serving_model.py'), data, sklearnModel], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .trim()
      .split('\n')
      .pop()!,
  ) as Record<string, string | number>;

  const mlflowServe = (workers: number | null): ServerSpec => ({
    label: workers === null ? 'mlflow models serve' : `mlflow models serve -w ${workers}`,
    notes: `scikit-learn ${py.sklearn}, uvicorn ${py.uvicorn}, ${workers ?? 1} worker${workers && workers > 1 ? 's' : ''}`,
    start: (port) =>
      spawn(
        path.join(VENV_BIN, 'mlflow'),
        ['models', 'serve', '-m', sklearnModel, '--env-manager', 'local', '-p', String(port), '--host', '127.0.0.1', ...(workers ? ['-w', String(workers)] : [])],
        { env: { ...process.env, PATH: `${VENV_BIN}:${process.env.PATH ?? ''}`, PYTHONWARNINGS: 'ignore' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
  });
  const servers: ServerSpec[] = [
    {
      label: 'minflow serve',
      notes: `Node ${process.version}, one process`,
      start: (port) =>
        spawn(process.execPath, [CLI, 'serve', minflowModel, '--port', String(port), '--log-level', 'warn'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] }),
    },
    mlflowServe(null),
    ...(QUICK ? [] : [mlflowServe(2)]),
  ];

  const loadAvg = os.loadavg();
  const answers = new Map<string, number[]>();
  const rss = new Map<string, number>();
  const running: { spec: ServerSpec; url: string; child: ChildProcess }[] = [];
  // Ctrl-C: the servers run in their own process groups and would outlive this script.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const { child } of running) signalGroup(child, 'SIGKILL');
      process.exit(130);
    });
  }
  const windows = new Map<string, LoadResult[]>();
  const cellKey = (label: string, s: Scenario): string => `${label}|${s.rows}|${s.concurrency}`;
  try {
    for (const spec of servers) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = spec.start(port);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      running.push({ spec, url, child });
      process.stderr.write(`starting ${spec.label}…\n`);
      await waitForPing(url, child, () => out, 180_000);
      const check = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies.get(1000)! });
      const json = (await check.json()) as { predictions: unknown[] };
      if (check.status !== 200) fail(`${spec.label}: ${check.status} ${JSON.stringify(json).slice(0, 500)}`);
      answers.set(spec.label, probabilities(json));
    }
    for (const scenario of SCENARIOS) {
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < running.length; k++) {
          const { spec, url, child } = running[(k + round) % running.length]!;
          const result = await runLoad({
            origin: url,
            path: '/invocations',
            body: bodies.get(scenario.rows)!,
            contentType: 'application/json',
            concurrency: scenario.concurrency,
            warmupMs: WARMUP_MS,
            durationMs: DURATION_MS,
          });
          rss.set(spec.label, Math.max(rss.get(spec.label) ?? 0, groupRssMiB(child.pid!)));
          const key = cellKey(spec.label, scenario);
          windows.set(key, [...(windows.get(key) ?? []), result]);
          process.stderr.write(
            `  ${spec.label.padEnd(26)} ${String(scenario.rows).padStart(4)} row(s) × ${scenario.concurrency} clients, round ${round + 1}: ${result.perSecond.toFixed(1)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}\n`,
          );
        }
      }
    }
  } finally {
    for (const { child } of running) await stopGroup(child, 10_000);
  }
  const loadAvgEnd = os.loadavg();
  const measured: Measured[] = servers.flatMap((spec) =>
    SCENARIOS.map((scenario) => ({ server: spec.label, scenario, result: poolResults(windows.get(cellKey(spec.label, scenario))!) })),
  );

  const ours = answers.get('minflow serve')!;
  const theirs = answers.get('mlflow models serve')!;
  let maxDiff = 0;
  let sameLabel = 0;
  for (let i = 0; i < ours.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - theirs[i]!));
    if (ours[i]! > 0.5 === theirs[i]! > 0.5) sameLabel++;
  }

  const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const table = [
    '| Server | Request | Clients | Requests/s | Rows/s | p50 latency | p99 latency | Errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...SCENARIOS.flatMap((s) =>
      servers.map((spec) => {
        const r = measured.find((m) => m.server === spec.label && m.scenario === s)!.result;
        return `| ${spec.label} | ${s.rows === 1 ? '1 row' : `${fmt(s.rows, 0)} rows`} | ${s.concurrency} | ${fmt(r.perSecond)} | ${fmt(r.perSecond * s.rows, 0)} | ${fmt(r.p50, 2)} ms | ${fmt(r.p99, 2)} ms | ${r.errors} |`;
      }),
    ),
  ].join('\n');
  const ratios = SCENARIOS.map((s) => {
    const get = (label: string) => measured.find((m) => m.server === label && m.scenario === s)!.result;
    const a = get('minflow serve');
    const b = get('mlflow models serve');
    return `- ${s.rows === 1 ? '1 row' : `${fmt(s.rows, 0)} rows`}, ${s.concurrency} client${s.concurrency > 1 ? 's' : ''}: minflow ${fmt(a.perSecond / b.perSecond, 1)}× the throughput, p99 ${fmt(a.p99, 2)} vs ${fmt(b.p99, 2)} ms`;
  }).join('\n');
  const fastify = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'fastify', 'package.json'), 'utf8')) as { version: string }).version;
  const undiciVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'undici', 'package.json'), 'utf8')) as { version: string }).version;
  const cpus = os.cpus();
  const busy = Math.max(loadAvg[0]!, loadAvgEnd[0]!) > os.availableParallelism();
  const md = `# Serving benchmark

Generated by \`npx tsx bench/serving.ts${QUICK ? ' --quick' : ''}\`: \`POST /invocations\` on \`minflow serve\` and on the official \`mlflow models serve --env-manager local\`, each serving a 500-tree random forest (min_samples_leaf=35, random_state=42) trained on the seed's split of ${dataNote} (${fmt(train.nRows, 0)} training rows, ${train.featureNames.length} features). Minflow serves its own forest from a saved model directory; MLflow serves scikit-learn's, saved with \`mlflow.sklearn.save_model(..., pyfunc_predict_fn="predict_proba")\` by \`bench/py/serving_model.py\`, so both answer probabilities.

Both receive the same bytes: the first 1 or 1,000 rows of the table as \`{"dataframe_split": {"columns": [...], "data": [...]}}\` (missing cells as \`null\`; ${fmt(bodies.get(1)!.length / 1024, 1)} KiB and ${fmt(bodies.get(1000)!.length / 1024, 0)} KiB). The load generator (undici ${undiciVersion}, in this Node process) keeps a fixed number of clients, each sending its next request when the previous answer has been read completely (closed loop, keep-alive); latency is send → last byte. Each cell is ${ROUNDS} window${ROUNDS > 1 ? 's' : ''} of ${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s measured (latencies pooled); all servers are up at once, but only one is under load at a time, and they take turns window by window in a rotating order, so drifting background load falls on each alike.

- Date: ${new Date().toISOString()}
- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores (os.availableParallelism), ${fmt(os.totalmem() / 1024 ** 3, 1)} GiB RAM, ${os.type().toLowerCase()} ${os.release()}
- Load average at the start and the end of the measurements: ${loadAvg.map((l) => l.toFixed(2)).join(' / ')} and ${loadAvgEnd.map((l) => l.toFixed(2)).join(' / ')} (1/5/15 min; the load generator shares the machine with the server, and so does any other work on it)
- Minflow: Node ${process.version}, Fastify ${fastify}
- MLflow: mlflow ${py.mlflow}, scikit-learn ${py.sklearn}, pandas ${py.pandas}, FastAPI ${py.fastapi}, uvicorn ${py.uvicorn}, Python ${py.python}

${table}

${ratios}

Resident memory after the runs (server process group): ${servers.map((s) => `${s.label} ${fmt(rss.get(s.label) ?? NaN, 0)} MiB`).join(', ')}.

Same answers: on the 1,000-row request the two forests' probabilities differ by at most ${maxDiff.toExponential(2)} and ${sameLabel} of 1,000 labels agree — our forest grows the same trees as scikit-learn for the same random_state (see bench/TRAINER.md).

Notes:
${busy ? `- The machine was busy with other work during this run (load average above its ${os.availableParallelism()} cores): absolute figures are lower and p99s longer than on a quiet machine. The comparison holds because the servers took turns window by window.\n` : ''}- \`mlflow models serve\` runs ${QUICK ? 'one uvicorn worker (its default)' : 'one uvicorn worker by default; the `-w 2` rows give it a second worker process on this machine'}. \`minflow serve\` is one Node process: parsing, checking the signature and the forest's predict_proba all run on its event loop.
- Per request, MLflow builds a pandas DataFrame, enforces the signature column by column and calls scikit-learn (its trees walk in C); Minflow checks each value against the signature, encodes the columns into Float64Arrays and walks its own trees in JavaScript, then writes the JSON answer directly.
`;
  process.stdout.write(`\n${table}\n\n${ratios}\n`);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, md);
  process.stderr.write(`wrote ${path.relative(ROOT, OUT)}\n`);
  fs.rmSync(work, { recursive: true, force: true });
  const errors = measured.filter((m) => m.result.errors > 0 && m.server === 'minflow serve');
  if (errors.length > 0) fail(`minflow answered with errors: ${errors[0]!.result.firstError}`);
}

main().catch((e: unknown) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e)));
