// Minflow-trained models loaded by the official client, as production code loads them: the trainer
// (in process, from source) trains each model kind against a real Minflow server and registers it;
// py3/trainer_pyfunc.py reads the same CSV with pandas and predicts with
// mlflow.pyfunc.load_model("models:/<name>@production") and ("models:/<name>/1"); the same rows go to
// Minflow's scoring server (`minflow serve`) and to `mlflow models serve --env-manager local`. All
// must give the same probabilities (to 1e-9; in practice they agree to the last bit or two).
//
// Tables: the seed's abt.csv (numbers with gaps, int64 and "1.0"-spelt columns) for every kind, and a
// generated one with text columns, blanks, unseen categories at scoring time and a Yes/No target (the
// label YAML must keep as text) for the ensemble, the gradient boosting (its category-set splits) and
// the blend (a weighted vote with the gradient boosting among its members).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidates, type ModelKey } from '../../trainer/candidates.js';
import { trainChurn } from '../../trainer/pipeline.js';
import { startScorer, invoke } from '../e2e/serving-fixtures.js';
import { startCompatTarget } from '../helpers/compat-target.js';
import { ABT_CSV, VENV, tempDir } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';
import { freePort, type ServerProcess } from '../helpers/server-process.js';

const TOLERANCE = 1e-9;
const N_ESTIMATORS = 100;

interface Spec {
  name: string;
  kind: ModelKey;
  csv: () => string;
  /** The rows scored, when not the training file (default: csv). */
  scoreCsv?: () => string;
  load?: { target: string; drop: string[] };
}

interface PyEntry {
  flavors: string[];
  loader_module: string;
  target: { name: string; positive_label: unknown; negative_label: unknown };
  signature_types: Record<string, string>;
  dtypes: Record<string, string>;
  output_columns: string[];
  output_dtypes: Record<string, string>;
  rows: number;
  prediction_matches_threshold: boolean;
}

let server: ServerProcess;
let work: string;
let mixedCsv: string;
let mixedScoreCsv: string;
let py: { mlflow_version: string; models: Record<string, PyEntry> };
const trained: Record<string, { estimator: string; version: string; production: string }> = {};
const minflowScores: Record<string, number[]> = {};
const diffs: Record<string, number> = {};

const SPECS: Spec[] = [
  { name: 'churn-dt', kind: 'dt', csv: () => ABT_CSV },
  { name: 'churn-rf', kind: 'rf', csv: () => ABT_CSV },
  { name: 'churn-lr', kind: 'lr', csv: () => ABT_CSV },
  { name: 'churn-gb', kind: 'gb', csv: () => ABT_CSV },
  { name: 'churn-mixed-gb', kind: 'gb', csv: () => mixedCsv, scoreCsv: () => mixedScoreCsv, load: { target: 'churned', drop: ['customer_id'] } },
  // The name the README and the seed load: models:/churn@production.
  { name: 'churn', kind: 'ensemble', csv: () => ABT_CSV },
  { name: 'churn-mixed', kind: 'ensemble', csv: () => mixedCsv, scoreCsv: () => mixedScoreCsv, load: { target: 'churned', drop: ['customer_id'] } },
  // The weighted vote of dt, rf, lr and gb (weights from the CV, zeros included).
  { name: 'churn-mixed-blend', kind: 'blend', csv: () => mixedCsv, scoreCsv: () => mixedScoreCsv, load: { target: 'churned', drop: ['customer_id'] } },
];

/**
 * A churn table of another shape: text columns (one with blanks, one Yes/No), integers, floats with
 * gaps, a Yes/No target. The scoring file adds three rows with a plan and a region training never saw.
 */
function writeMixedTable(file: string, scoreFile: string, n = 1500): void {
  let s = 12345;
  const rand = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const plans = ['basic', 'gold', 'silver', ''];
  const regions = ['north', 'south', 'east', 'west', 'centre'];
  const lines = ['customer_id,plan,region,senior,tenure_months,monthly_fee,support_calls,churned'];
  for (let i = 0; i < n + 3; i++) {
    const last = i >= n;
    const plan = last ? 'platinum' : plans[Math.floor(rand() * plans.length)]!;
    const region = i === n + 2 ? 'mars' : regions[Math.floor(rand() * regions.length)]!;
    const senior = rand() < 0.2 ? 'Yes' : 'No';
    const tenure = Math.floor(rand() * 72);
    const fee = rand() < 0.1 ? '' : (20 + rand() * 80).toFixed(2);
    const calls = Math.floor(rand() * rand() * 8);
    const score = -1.2 + (plan === 'basic' ? 0.8 : 0) + (senior === 'Yes' ? 0.5 : 0) - tenure / 30 + calls * 0.35 + (fee === '' ? 0.4 : Number(fee) / 100) + (rand() - 0.5) * 1.5;
    lines.push(`C${String(i).padStart(5, '0')},${plan},${region},${senior},${tenure},${fee},${calls},${score > 0 ? 'Yes' : 'No'}`);
  }
  fs.writeFileSync(file, `${lines.slice(0, n + 1).join('\n')}\n`);
  fs.writeFileSync(scoreFile, `${lines.join('\n')}\n`);
}

/** `mlflow models serve` from the venv in its own process group; resolves once /ping answers. */
async function startMlflowServe(modelUri: string): Promise<{ url: string; stop: () => Promise<void>; output: () => string }> {
  const port = await freePort();
  const bin = path.join(VENV, 'bin');
  const child: ChildProcess = spawn(
    path.join(bin, 'mlflow'),
    ['models', 'serve', '-m', modelUri, '--env-manager', 'local', '-p', String(port), '--host', '127.0.0.1'],
    {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, MLFLOW_TRACKING_URI: server.url, PYTHONWARNINGS: 'ignore' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`mlflow models serve ${modelUri} exited early\n${out}`);
    try {
      if ((await fetch(`${url}/ping`)).ok) return { url, stop, output: () => out };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mlflow models serve ${modelUri}: no /ping after 180 s\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(work, file), 'utf8')) as T;
}

function maxDiff(a: readonly number[], b: readonly number[]): number {
  expect(a).toHaveLength(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

beforeAll(async () => {
  if (!fs.existsSync(ABT_CSV)) throw new Error(`${ABT_CSV} is missing: the seed's table must sit in ../shared/data/abt.csv`);
  server = await startCompatTarget();
  work = tempDir('compat-pyfunc');
  mixedCsv = path.join(work, 'mixed.csv');
  mixedScoreCsv = path.join(work, 'mixed-score.csv');
  writeMixedTable(mixedCsv, mixedScoreCsv);
  try {
    for (const spec of SPECS) {
      const result = await trainChurn({
        trackingUri: server.url,
        source: { kind: 'csv', path: spec.csv() },
        load: spec.load,
        candidates: candidates([spec.kind], N_ESTIMATORS),
        modelName: spec.name,
        experiment: 'pyfunc-compat',
      });
      trained[spec.name] = { estimator: result.best.estimator, version: result.promotion.version, production: result.promotion.production };
    }
    const res = await runPython<typeof py>(
      'test/compat/py3/trainer_pyfunc.py',
      [work, ...SPECS.map((s) => `${s.name}=${(s.scoreCsv ?? s.csv)()}`)],
      { MLFLOW_TRACKING_URI: server.url, PYTHONWARNINGS: 'ignore' },
    );
    expect(res.code, res.stderr.slice(-4000)).toBe(0);
    py = res.json;
    // Minflow's own scoring server, one process per registered model, on the rows the client scored.
    for (const spec of SPECS) {
      const scorer = await startScorer([`models:/${spec.name}@production`, '--tracking-uri', server.url]);
      try {
        const { status, json } = await invoke(scorer.url, fs.readFileSync(path.join(work, `${spec.name}.invocations.json`), 'utf8'));
        expect(status, JSON.stringify(json).slice(0, 1000)).toBe(200);
        minflowScores[spec.name] = (json.predictions as { probability: number }[]).map((p) => p.probability);
      } finally {
        await scorer.stop();
      }
    }
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server output\n${server?.output().slice(-4000)}`);
  }
}, 900_000);

afterAll(async () => {
  const rows = Object.entries(diffs).map(([n, d]) => `${n}: max |pyfunc − minflow serve| = ${d.toExponential(2)} over ${minflowScores[n]!.length} rows`);
  if (rows.length > 0) process.stdout.write(`[trainer-pyfunc]\n  ${rows.join('\n  ')}\n`);
  await server?.stop();
  for (const dir of [work, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('mlflow.pyfunc.load_model on Minflow-trained models', () => {
  it('trained and registered one version per model kind, each holding @production', () => {
    expect(Object.fromEntries(Object.entries(trained).map(([n, t]) => [n, [t.estimator, t.version, t.production]]))).toEqual({
      'churn-dt': ['DecisionTreeClassifier', '1', '1'],
      'churn-rf': ['RandomForestClassifier', '1', '1'],
      'churn-lr': ['LogisticRegression', '1', '1'],
      'churn-gb': ['HistGradientBoostingClassifier', '1', '1'],
      'churn-mixed-gb': ['HistGradientBoostingClassifier', '1', '1'],
      churn: ['VotingEnsemble', '1', '1'],
      'churn-mixed': ['VotingEnsemble', '1', '1'],
      'churn-mixed-blend': ['VotingEnsemble', '1', '1'],
    });
  });

  it.each(SPECS.map((s) => [s.name]))('%s: loads through the python_function flavor and returns probability + prediction', (name) => {
    const entry = py.models[name]!;
    expect(entry.flavors).toEqual(['minflow', 'python_function']);
    expect(entry.loader_module).toBe('minflow_pyfunc');
    expect(entry.output_columns).toEqual(['probability', 'prediction']);
    expect(entry.output_dtypes).toEqual({ probability: 'float64', prediction: 'int64' });
    expect(entry.prediction_matches_threshold).toBe(true);
    // pandas' own dtypes were accepted by the signature: int64 columns are `long`, the rest `double`/`string`.
    for (const [col, dtype] of Object.entries(entry.dtypes)) {
      const sig = entry.signature_types[col];
      if (dtype === 'int64') expect(sig, col).toBe('long');
      else if (dtype === 'float64') expect(sig, col).toBe('double');
    }
  });

  it.each(SPECS.map((s) => [s.name]))('%s: by alias and by version, the same probabilities as Minflow’s scoring server', (name) => {
    const pyfunc = readJson<{ alias: number[]; version: number[] }>(`${name}.pyfunc.json`);
    const ours = minflowScores[name]!;
    expect(py.models[name]!.rows).toBe(ours.length);
    expect(maxDiff(pyfunc.alias, ours), `${name} pyfunc@production vs minflow serve`).toBeLessThanOrEqual(TOLERANCE);
    expect(maxDiff(pyfunc.version, ours), `${name} pyfunc/1 vs minflow serve`).toBeLessThanOrEqual(TOLERANCE);
    diffs[name] = Math.max(maxDiff(pyfunc.alias, ours), maxDiff(pyfunc.version, ours));
    // Not a constant: the comparison is about a model that ranks rows.
    expect(new Set(ours.map((p) => p.toFixed(6))).size).toBeGreaterThan(5);
  });

  it('keeps a Yes/No target as text (MLmodel labels quoted for PyYAML)', () => {
    expect(py.models['churn-mixed']!.target).toEqual({ name: 'churned', positive_label: 'Yes', negative_label: 'No' });
    expect(py.models['churn-mixed']!.signature_types).toMatchObject({ plan: 'string', senior: 'string', tenure_months: 'long', monthly_fee: 'double' });
  });
});

describe('mlflow models serve -m models:/<name>@production --env-manager local', () => {
  it.each([['churn'], ['churn-mixed']])('%s: answers with the probabilities Minflow’s scoring server gives', async (name) => {
    const served = await startMlflowServe(`models:/${name}@production`);
    try {
      const res = await fetch(`${served.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: fs.readFileSync(path.join(work, `${name}.invocations.json`), 'utf8'),
      });
      const text = await res.text();
      expect(res.status, `${text.slice(0, 2000)}\n${served.output().slice(-3000)}`).toBe(200);
      const predictions = (JSON.parse(text) as { predictions: { probability: number; prediction: number }[] }).predictions;
      expect(Object.keys(predictions[0]!)).toEqual(['probability', 'prediction']);
      expect(maxDiff(predictions.map((p) => p.probability), minflowScores[name]!)).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      await served.stop();
    }
  }, 300_000);
});
