// Trainer benchmark on the seed's table: fit time and test ROC AUC / accuracy of our decision tree,
// random forest (one thread and worker threads), logistic regression and ensemble; of ml-cart /
// ml-random-forest with the closest settings they have (time-capped, in a child process); and of
// scikit-learn (compat venv). Writes the table to bench/TRAINER.md.
//
//   npx tsx bench/trainer.ts [--quick] [--data path/to/abt.csv] [--cap seconds] [--repeat n]
//
// --quick: one repetition, 20 s cap for the JS baselines, no ml-random-forest at 500 trees.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../trainer/data/dataset.js';
import { loadDataset } from '../trainer/data/dataset.js';
import { splitDataset } from '../trainer/data/split.js';
import { evaluateBinary } from '../trainer/metrics/index.js';
import type { Classifier } from '../trainer/models/classifier.js';
import { DecisionTreeClassifier } from '../trainer/models/decision-tree.js';
import { VotingEnsemble } from '../trainer/models/ensemble.js';
import { LogisticRegression } from '../trainer/models/logistic-regression.js';
import { RandomForestClassifier } from '../trainer/models/random-forest.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const k = args.indexOf(name);
  return k >= 0 ? args[k + 1] : undefined;
};
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    'usage: npx tsx bench/trainer.ts [--quick] [--data path/to/abt.csv] [--cap seconds] [--repeat n]\n' +
      '  fit time and test AUC of our tree, forest and ensemble, ml-cart / ml-random-forest (time-capped) and scikit-learn → bench/TRAINER.md\n' +
      '  --quick: one repetition, 20 s cap for the JS baselines, no ml-random-forest at 500 trees',
  );
  process.exit(0);
}
const QUICK = args.includes('--quick');
const DATA = flag('--data') ?? path.resolve(ROOT, '..', 'shared', 'data', 'abt.csv');
const CAP_S = Number(flag('--cap') ?? (QUICK ? 20 : 120));
const REPEAT = Number(flag('--repeat') ?? (QUICK ? 1 : 3));
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

interface Row {
  model: string;
  impl: string;
  /** Seconds per fit (median of the repeats), or a lower bound when capped. */
  seconds: number | null;
  cappedAt?: number;
  auc?: number;
  acc?: number;
  notes: string;
}

async function split(): Promise<{ train: Dataset; test: Dataset }> {
  const ds = await loadDataset(DATA);
  const { train, test } = splitDataset(ds, 'random');
  return { train, test };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeOurs(make: () => Classifier, train: Dataset, test: Dataset): Promise<{ seconds: number; all: number[]; auc: number; acc: number; model: Classifier }> {
  const all: number[] = [];
  let model = make();
  for (let r = 0; r < REPEAT; r++) {
    model = make();
    const t = performance.now();
    await model.fit(train, train.y);
    all.push((performance.now() - t) / 1000);
  }
  const rep = evaluateBinary(test.y, model.predictProba(test));
  return { seconds: median(all), all, auc: rep.rocAuc, acc: rep.accuracy, model };
}

// ---- JS baselines, run in a child process so a slow one can be killed at the cap ----

type Lib = 'ml-cart' | 'ml-random-forest';

/** Rows as number[][] with NaN → 0: ml-cart / ml-random-forest cannot take missing values. */
function rowsImputed(ds: Dataset): number[][] {
  return Array.from({ length: ds.nRows }, (_, i) => ds.columns.map((c) => (Number.isNaN(c[i]!) ? 0 : c[i]!)));
}

async function runChild(lib: Lib, trees: number): Promise<void> {
  const { train, test } = await split();
  const Xtr = rowsImputed(train);
  const Xte = rowsImputed(test);
  const ytr = Array.from(train.y);
  let proba: number[];
  const t = performance.now();
  if (lib === 'ml-cart') {
    const { DecisionTreeClassifier: Cart } = await import('ml-cart');
    const clf = new Cart({ gainFunction: 'gini', minNumSamples: 100, gainThreshold: 0 });
    clf.train(Xtr, ytr);
    const seconds = (performance.now() - t) / 1000;
    // Leaf class distribution → P(class 1).
    proba = Xte.map((row) => {
      const d = (clf as unknown as { root: { classify(r: number[]): { get(i: number, j: number): number; columns: number } } }).root.classify(row);
      const p0 = d.get(0, 0);
      const p1 = d.columns > 1 ? d.get(0, 1) : 0;
      return p0 + p1 === 0 ? 0 : p1 / (p0 + p1);
    });
    report(seconds, proba);
  } else {
    const { RandomForestClassifier: MlRf } = await import('ml-random-forest');
    const rf = new MlRf({
      nEstimators: trees,
      maxFeatures: Math.floor(Math.sqrt(train.columns.length)),
      replacement: false,
      useSampleBagging: true,
      seed: 42,
      noOOB: true,
      treeOptions: { gainFunction: 'gini', minNumSamples: 35, gainThreshold: 0 },
    });
    rf.train(Xtr, ytr);
    const seconds = (performance.now() - t) / 1000;
    proba = rf.predictProbability(Xte, 1);
    report(seconds, proba);
  }
  function report(seconds: number, p: number[]): void {
    const r = evaluateBinary(test.y, p);
    process.stdout.write(`${JSON.stringify({ seconds, auc: r.rocAuc, acc: r.accuracy })}\n`);
  }
}

function timeChild(lib: Lib, trees: number): Promise<{ seconds: number; auc: number; acc: number } | { cappedAt: number } | { error: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', lib, '--trees', String(trees), '--data', DATA], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let capped = false;
    const timer = setTimeout(() => {
      capped = true;
      child.kill('SIGKILL');
    }, CAP_S * 1000);
    child.on('exit', () => {
      clearTimeout(timer);
      if (capped) return resolve({ cappedAt: CAP_S });
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch {
        resolve({ error: err.trim().split('\n').slice(-3).join(' ') || 'no output' });
      }
    });
  });
}

// ---- our forest as built JavaScript (what `npm run build` ships), in a plain node child ----

function trainerSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'tools' ? [] : trainerSources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const COMPILED_CHILD = `
const [base, data, repeat] = process.argv.slice(2);
const { loadDataset } = await import(base + '/trainer/data/dataset.js');
const { splitDataset } = await import(base + '/trainer/data/split.js');
const { RandomForestClassifier } = await import(base + '/trainer/models/random-forest.js');
const { train } = splitDataset(await loadDataset(data), 'random');
await new RandomForestClassifier({ nEstimators: 20, nJobs: 1 }).fit(train, train.y);
const out = { one: [], multi: [], auto: [], threads: 0, autoThreads: 0 };
for (let r = 0; r < Number(repeat); r++) {
  for (const [key, nJobs] of [['one', 1], ['multi', -1], ['auto', null]]) {
    const rf = new RandomForestClassifier({ nJobs });
    const t = performance.now();
    await rf.fit(train, train.y);
    out[key].push((performance.now() - t) / 1000);
    if (key === 'multi') out.threads = rf.lastFitThreads;
    if (key === 'auto') out.autoThreads = rf.lastFitThreads;
  }
}
console.log(JSON.stringify(out));
`;

interface CompiledTimes {
  one: number[];
  multi: number[];
  auto: number[];
  threads: number;
  autoThreads: number;
}

/** Compiles trainer/ with tsc into a temp dir and times the forest there with 1 thread, all cores and auto. */
function timeCompiledForest(): CompiledTimes | { error: string } {
  try {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-bench-'));
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const opts = ['--outDir', out, '--rootDir', ROOT, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node'];
    execFileSync(process.execPath, [tsc, ...opts, ...trainerSources(path.join(ROOT, 'trainer'))], { stdio: 'pipe' });
    fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
    fs.writeFileSync(path.join(out, 'child.mjs'), COMPILED_CHILD);
    const text = execFileSync(process.execPath, [path.join(out, 'child.mjs'), out, DATA, String(REPEAT)], { encoding: 'utf8' });
    fs.rmSync(out, { recursive: true, force: true });
    return JSON.parse(text.trim().split('\n').pop()!) as CompiledTimes;
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
}

// ---- scikit-learn ----

interface SkModel {
  fit_seconds: number;
  auc_test: number;
  acc_test: number;
}

function sklearn(): { version: string; models: Record<string, SkModel> } | { error: string } {
  if (!fs.existsSync(PYTHON)) return { error: `${PYTHON} missing: python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt` };
  const script = path.join(ROOT, 'test', 'compat', 'py', 'trainer_quality.py');
  const out = execFileSync(PYTHON, [script, DATA, '--models', 'dt,rf,rf_jobs'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const j = JSON.parse(out.trim().split('\n').pop()!) as { sklearn_version: string; models: Record<string, SkModel> };
  return { version: j.sklearn_version, models: j.models };
}

// ---- report ----

function fmtSeconds(r: Row): string {
  if (r.cappedAt !== undefined) return `> ${r.cappedAt} s (killed)`;
  return r.seconds === null ? 'n/a' : `${r.seconds.toFixed(2)} s`;
}

function machine(): string[] {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let py = 'n/a';
  try {
    py = execFileSync(PYTHON, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* reported as n/a */
  }
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpu}, ${os.availableParallelism()} cores (os.availableParallelism), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`,
    `- Node ${process.version} (our models timed under tsx, and as tsc-built JavaScript in a plain node process), ${py}`,
    `- Load average when the run started: ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')} (1/5/15 min; other work on the machine inflates times)`,
  ];
}

async function main(): Promise<void> {
  const childLib = flag('--child') as Lib | undefined;
  if (childLib !== undefined) return runChild(childLib, Number(flag('--trees') ?? 500));

  const header = machine();
  const { train, test } = await split();
  const rows: Row[] = [];
  const log = (r: Row): void => {
    rows.push(r);
    process.stdout.write(`${r.model.padEnd(22)} ${r.impl.padEnd(26)} ${fmtSeconds(r).padStart(18)}  auc ${r.auc?.toFixed(4) ?? '-'}  acc ${r.acc?.toFixed(4) ?? '-'}\n`);
  };

  // Warm the JIT once so the first timed fit is not the one that compiles the tree code.
  await new RandomForestClassifier({ nEstimators: 20, nJobs: 1 }).fit(train, train.y);

  const dt = await timeOurs(() => new DecisionTreeClassifier(), train, test);
  log({ model: 'Decision tree', impl: 'minflow', seconds: dt.seconds, auc: dt.auc, acc: dt.acc, notes: 'min_samples_leaf=100, min_samples_split=10; NaN handled natively' });
  const rf1 = await timeOurs(() => new RandomForestClassifier({ nJobs: 1 }), train, test);
  log({ model: 'Random forest (500)', impl: 'minflow (tsx), 1 thread', seconds: rf1.seconds, auc: rf1.auc, acc: rf1.acc, notes: `n_jobs=1; runs: ${rf1.all.map((s) => s.toFixed(2)).join(', ')} s` });
  const threads = os.availableParallelism();
  const rfN = await timeOurs(() => new RandomForestClassifier({ nJobs: -1 }), train, test);
  const used = (rfN.model as RandomForestClassifier).lastFitThreads;
  log({ model: 'Random forest (500)', impl: `minflow (tsx), ${used} threads`, seconds: rfN.seconds, auc: rfN.auc, acc: rfN.acc, notes: `n_jobs=-1 (main + ${used - 1} worker_threads of ${threads}); runs: ${rfN.all.map((s) => s.toFixed(2)).join(', ')} s` });
  const rfAuto = await timeOurs(() => new RandomForestClassifier(), train, test);
  log({ model: 'Random forest (500)', impl: 'minflow (tsx), default n_jobs', seconds: rfAuto.seconds, auc: rfAuto.auc, acc: rfAuto.acc, notes: `n_jobs=None → ${(rfAuto.model as RandomForestClassifier).lastFitThreads} thread(s) for this size` });
  const lr = await timeOurs(() => new LogisticRegression(), train, test);
  log({ model: 'Logistic regression', impl: 'minflow', seconds: lr.seconds, auc: lr.auc, acc: lr.acc, notes: 'median impute + missing indicators, standardised, C=1, Newton-Cholesky' });
  const ens = await timeOurs(() => new VotingEnsemble(), train, test);
  log({ model: 'Ensemble (soft vote)', impl: 'minflow', seconds: ens.seconds, auc: ens.auc, acc: ens.acc, notes: 'equal-weight mean of the tree, forest (default n_jobs) and logistic regression' });

  const built = timeCompiledForest();
  if ('error' in built) {
    log({ model: 'Random forest (500)', impl: 'minflow, built JS', seconds: null, notes: `could not build: ${built.error}` });
  } else {
    const runs = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
    log({ model: 'Random forest (500)', impl: 'minflow, built JS, 1 thread', seconds: median(built.one), auc: rf1.auc, acc: rf1.acc, notes: `tsc output run by plain node; runs: ${runs(built.one)} s` });
    log({ model: 'Random forest (500)', impl: `minflow, built JS, ${built.threads} threads`, seconds: median(built.multi), auc: rf1.auc, acc: rf1.acc, notes: `n_jobs=-1; runs: ${runs(built.multi)} s` });
    log({ model: 'Random forest (500)', impl: 'minflow, built JS, default n_jobs', seconds: median(built.auto), auc: rf1.auc, acc: rf1.acc, notes: `n_jobs=None → ${built.autoThreads} thread(s); runs: ${runs(built.auto)} s` });
  }

  const cart = await timeChild('ml-cart', 1);
  const cartNote = 'minNumSamples=100 (no min_samples_leaf), gainThreshold=0; NaN imputed with 0';
  if ('cappedAt' in cart) log({ model: 'Decision tree', impl: 'ml-cart', seconds: null, cappedAt: cart.cappedAt, notes: cartNote });
  else if ('error' in cart) log({ model: 'Decision tree', impl: 'ml-cart', seconds: null, notes: `failed: ${cart.error}` });
  else log({ model: 'Decision tree', impl: 'ml-cart', seconds: cart.seconds, auc: cart.auc, acc: cart.acc, notes: cartNote });
  for (const trees of QUICK ? [10] : [10, 500]) {
    const r = await timeChild('ml-random-forest', trees);
    const note = `${trees} trees, 9 features per tree (not per split), bagging, minNumSamples=35; NaN imputed with 0`;
    const model = `Random forest (${trees})`;
    if ('cappedAt' in r) log({ model, impl: 'ml-random-forest', seconds: null, cappedAt: r.cappedAt, notes: note });
    else if ('error' in r) log({ model, impl: 'ml-random-forest', seconds: null, notes: `failed: ${r.error}` });
    else log({ model, impl: 'ml-random-forest', seconds: r.seconds, auc: r.auc, acc: r.acc, notes: note });
  }

  const sk = sklearn();
  if ('error' in sk) {
    log({ model: 'scikit-learn', impl: 'scikit-learn', seconds: null, notes: sk.error });
  } else {
    const m = sk.models;
    log({ model: 'Decision tree', impl: `scikit-learn ${sk.version}`, seconds: m['dt']!.fit_seconds, auc: m['dt']!.auc_test, acc: m['dt']!.acc_test, notes: 'the seed (random_state=None)' });
    log({ model: 'Random forest (500)', impl: `scikit-learn ${sk.version}`, seconds: m['rf']!.fit_seconds, auc: m['rf']!.auc_test, acc: m['rf']!.acc_test, notes: 'the seed (n_jobs=None: 1 thread)' });
    log({ model: 'Random forest (500)', impl: `scikit-learn ${sk.version}`, seconds: m['rf_jobs']!.fit_seconds, auc: m['rf_jobs']!.auc_test, acc: m['rf_jobs']!.acc_test, notes: 'n_jobs=-1' });
  }

  const lines = [
    '# Trainer benchmark',
    '',
    `Generated by \`npx tsx bench/trainer.ts${QUICK ? ' --quick' : ''}\` on the seed's abt.csv (${train.nRows + test.nRows} rows × ${train.columns.length} features), split as the seed does (\`train_test_split(test_size=0.2, random_state=42)\`: ${train.nRows} train / ${test.nRows} test rows). Fit time is the median of ${REPEAT} fit(s) after one warm-up fit; AUC and accuracy are on the test rows.`,
    '',
    ...header,
    '',
    '| Model | Implementation | Fit time | Test ROC AUC | Test accuracy | Notes |',
    '|---|---|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.model} | ${r.impl} | ${fmtSeconds(r)} | ${r.auc?.toFixed(4) ?? '–'} | ${r.acc?.toFixed(4) ?? '–'} | ${r.notes} |`),
    '',
    'Our random forest grows the same trees as scikit-learn for the same `random_state` (same bootstrap draws, same per-split feature sampling, same thresholds), so its AUC and accuracy equal scikit-learn\'s; the time difference is the implementation (pre-binned features, exact split search on value ranks). ml-cart / ml-random-forest cannot take missing values, so they get NaN → 0, and ml-random-forest samples features once per tree rather than per split.',
    '',
    'Threads: the main thread grows trees alongside the workers (trees are claimed from a shared counter), so `n_jobs=2` on 2 cores means one extra worker. Its gain depends on the second vCPU being free: on this shared 2-vCPU machine scikit-learn\'s own `n_jobs=-1` is often no faster than one thread either. Under tsx a worker must first load the TypeScript loader (~0.3 s), so the default (`n_jobs=None`) keeps a forest of this size on one thread there and uses all cores in built JavaScript.',
    '',
  ];
  // bench/trainer-tables.ts owns its section of the file; keep it.
  const file = path.join(ROOT, 'bench', 'TRAINER.md');
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const kept = /<!-- trainer-tables:begin -->[\s\S]*<!-- trainer-tables:end -->/.exec(previous)?.[0];
  fs.writeFileSync(file, kept ? `${lines.join('\n')}\n${kept}\n` : lines.join('\n'));
  process.stdout.write('wrote bench/TRAINER.md\n');
}

await main();
