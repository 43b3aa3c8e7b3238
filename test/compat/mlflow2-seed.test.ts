// The seed workflow with the mlflow 2.x client (2.19.0, unchanged) against a real Minflow process: sklearn
// autolog, two runs logged with log_model(artifact_path="model", registered_model_name="churn"), the
// @production alias, loading by alias and by version in fresh processes, moving the alias. mlflow 2 stores
// the model under the run's artifacts and registers `mlflow-artifacts:/<exp>/<run>/artifacts/model` as the
// version's source, so this exercises the paths the mlflow 3 client no longer takes (runs/log-model,
// runs:/ URIs, model files under the run).
//
// It needs a second venv, .venv-mlflow2, created here from test/compat/requirements-mlflow2.txt when it is
// missing or stale (the first run takes a minute or two); a failure to create it fails the file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/paths.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { startCompatTarget } from '../helpers/compat-target.js';

const VENV2 = path.join(ROOT, '.venv-mlflow2');
const VENV2_PYTHON = path.join(VENV2, 'bin', 'python');
const REQUIREMENTS2 = path.join(ROOT, 'test', 'compat', 'requirements-mlflow2.txt');
const STAMP2 = path.join(VENV2, '.minflow-requirements');

interface TrainedRun {
  run_id: string;
  experiment_id: string;
  acc_train: number;
  acc_test: number;
  model_uri: string;
  model_id: string | null;
  registered_version: string;
  n_test: number;
}

interface TrainResult {
  mlflow_version: string;
  v1: TrainedRun;
  v2: TrainedRun;
  by_alias: { name: string; version: string; run_id: string; aliases: string[]; status: string; source: string };
  registered_model: { name: string; aliases: Record<string, string>; latest_versions: string[] };
}

interface LoadResult {
  loads: Record<string, { predictions: number[]; run_id: string; model_id: string | null; flavors: string[] }>;
  alias_after: { version: string; aliases: string[]; run_id: string } | null;
}

let server: ServerProcess;
let work: string;
let train: TrainResult;
let expectedV1: number[];
let expectedV2: number[];

/** Runs a command, echoing its output with a prefix (the venv build prints progress); resolves its exit code. */
function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    process.stdout.write(`[mlflow2] $ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const echo = (d: Buffer) => process.stdout.write(d.toString().replace(/^(?=.)/gm, '[mlflow2]   '));
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.on('error', (e) => {
      process.stdout.write(`[mlflow2]   ${e.message}\n`);
      resolve(-1);
    });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

/** .venv-mlflow2 with requirements-mlflow2.txt installed; built (and stamped) when missing or stale. */
async function ensureVenv2(): Promise<void> {
  const wanted = fs.readFileSync(REQUIREMENTS2, 'utf8');
  if (fs.existsSync(VENV2_PYTHON) && fs.existsSync(STAMP2) && fs.readFileSync(STAMP2, 'utf8') === wanted) return;
  process.stdout.write(`[mlflow2] creating ${VENV2} from test/compat/requirements-mlflow2.txt (first run only)\n`);
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', VENV2]],
    [VENV2_PYTHON, ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', REQUIREMENTS2]],
  ];
  for (const [cmd, args] of steps) {
    if (cmd === 'python3' && fs.existsSync(VENV2_PYTHON)) continue;
    const code = await run(cmd, args);
    if (code !== 0) {
      throw new Error(
        `could not create ${VENV2}: \`${cmd} ${args.join(' ')}\` exited ${code} (its output is above). ` +
          'This test needs Python 3.11 with venv and pip, and PyPI access; by hand: ' +
          '`python3 -m venv .venv-mlflow2 && .venv-mlflow2/bin/pip install -r test/compat/requirements-mlflow2.txt`.',
      );
    }
  }
  fs.writeFileSync(STAMP2, wanted);
  process.stdout.write('[mlflow2] venv ready\n');
}

/** runPython for the mlflow 2 venv: runs a py3/ script, returns its last stdout line parsed as JSON. */
function runPython2<T>(script: string, args: string[], timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(VENV2_PYTHON, [path.join(ROOT, 'test', 'compat', 'py3', script), ...args], {
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        PYTHONWARNINGS: 'ignore',
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
        MLFLOW_TRACKING_URI: server.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const fail = (why: string) =>
        reject(
          new Error(
            `${script} (mlflow 2) ${why}\n--- stdout\n${stdout.slice(-3000)}\n--- stderr\n${stderr.slice(-5000)}` +
              `\n--- server output\n${server.output().slice(-3000)}`,
          ),
        );
      if (code !== 0) return fail(`exited ${code}`);
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as T);
      } catch {
        fail('printed no JSON');
      }
    });
  });
}

async function api<T = Record<string, unknown>>(route: string): Promise<T> {
  const res = await fetch(`${server.url}/api/2.0/mlflow/${route}`);
  const text = await res.text();
  expect(res.status, `${route} → ${res.status} ${text}`).toBe(200);
  return JSON.parse(text) as T;
}

const tagMap = (tags: { key: string; value: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));

beforeAll(async () => {
  await ensureVenv2();
  server = await startCompatTarget();
  work = tempDir('compat-mlflow2');
  train = await runPython2<TrainResult>('seed_train.py', [work]);
  expectedV1 = JSON.parse(fs.readFileSync(path.join(work, 'expected_v1.json'), 'utf8')) as number[];
  expectedV2 = JSON.parse(fs.readFileSync(path.join(work, 'expected_v2.json'), 'utf8')) as number[];
}, 1_200_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of [work, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the seed workflow with the mlflow 2.19 client', () => {
  it('logs two runs, registers versions 1 and 2 from the run artifacts, answers the alias', () => {
    expect(train.mlflow_version).toBe('2.19.0');
    expect(train.v1.registered_version).toBe('1');
    expect(train.v2.registered_version).toBe('2');
    for (const v of [train.v1, train.v2]) {
      expect(v.model_uri).toBe(`runs:/${v.run_id}/model`);
      expect(v.model_id).toBeNull();
      expect(v.n_test).toBe(811);
      expect(v.acc_test).toBeGreaterThan(0.6);
    }
    expect(expectedV1).not.toEqual(expectedV2);
    expect(train.by_alias).toEqual({
      name: 'churn',
      version: '1',
      run_id: train.v1.run_id,
      aliases: ['production'],
      status: 'READY',
      source: `mlflow-artifacts:/${train.v1.experiment_id}/${train.v1.run_id}/artifacts/model`,
    });
    expect(train.registered_model).toEqual({ name: 'churn', aliases: { production: '1' }, latest_versions: ['2'] });
  });

  it('loads @production and /2 in a fresh process, moves the alias, and a fresh process follows it', async () => {
    const first = await runPython2<LoadResult>('seed_load.py', [
      work,
      'models:/churn@production',
      'models:/churn/2',
      '--then-set-alias',
      'churn',
      'production',
      '2',
    ]);
    const prod = first.loads['models:/churn@production']!;
    expect(prod.predictions).toEqual(expectedV1);
    expect(prod.run_id).toBe(train.v1.run_id);
    expect(prod.flavors).toEqual(['python_function', 'sklearn']);
    const v2 = first.loads['models:/churn/2']!;
    expect(v2.predictions).toEqual(expectedV2);
    expect(v2.run_id).toBe(train.v2.run_id);
    expect(first.alias_after).toEqual({ version: '2', aliases: ['production'], run_id: train.v2.run_id });

    const second = await runPython2<LoadResult>('seed_load.py', [work, 'models:/churn@production']);
    const moved = second.loads['models:/churn@production']!;
    expect(moved.predictions).toEqual(expectedV2);
    expect(moved.run_id).toBe(train.v2.run_id);
  }, 300_000);

  it('stores the run: autolog params, metrics, tags, plots, and the model under the run (runs/log-model history)', async () => {
    const { run } = await api<{ run: any }>(`runs/get?run_id=${train.v1.run_id}`);
    expect(run.info).toMatchObject({ status: 'FINISHED', run_name: 'seed-v1' });
    expect(tagMap(run.data.params)).toMatchObject({ n_estimators: '50', min_samples_leaf: '35', random_state: '42' });
    const metrics = Object.fromEntries((run.data.metrics as { key: string; value: number }[]).map((m) => [m.key, m.value]));
    expect(metrics.acc_train).toBe(train.v1.acc_train);
    expect(metrics.acc_test).toBe(train.v1.acc_test);
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['training_accuracy_score', 'training_roc_auc', 'training_f1_score']));
    const tags = tagMap(run.data.tags);
    expect(tags.estimator_name).toBe('RandomForestClassifier');
    const history = JSON.parse(tags['mlflow.log-model.history'] ?? '[]') as { run_id: string; artifact_path: string; flavors: Record<string, unknown> }[];
    expect(history.length).toBeGreaterThanOrEqual(1);
    expect(history.at(-1)).toMatchObject({ run_id: train.v1.run_id, artifact_path: 'model' });
    expect(Object.keys(history.at(-1)!.flavors).sort()).toEqual(['python_function', 'sklearn']);

    const top = await api<{ files: { path: string; is_dir: boolean }[] }>(`artifacts/list?run_id=${train.v1.run_id}`);
    expect(top.files.map((f) => f.path)).toEqual([
      'estimator.html',
      'model',
      'training_confusion_matrix.png',
      'training_precision_recall_curve.png',
      'training_roc_curve.png',
    ]);
    const model = await api<{ files: { path: string }[] }>(`artifacts/list?run_id=${train.v1.run_id}&path=model`);
    expect(model.files.map((f) => f.path)).toEqual([
      'model/MLmodel',
      'model/conda.yaml',
      'model/input_example.json',
      'model/model.pkl',
      'model/python_env.yaml',
      'model/requirements.txt',
      'model/serving_input_example.json',
    ]);
    const stored = await server.artifacts.read(`${train.v1.experiment_id}/${train.v1.run_id}/artifacts/model/MLmodel`);
    expect(stored.toString('utf8')).toContain(`run_id: ${train.v1.run_id}`);
  });

  it('answers the registry over REST: download URI is the run path, the alias moved', async () => {
    const { artifact_uri } = await api<{ artifact_uri: string }>('model-versions/get-download-uri?name=churn&version=2');
    expect(artifact_uri).toBe(`mlflow-artifacts:/${train.v2.experiment_id}/${train.v2.run_id}/artifacts/model`);
    const { registered_model: rm } = await api<{ registered_model: any }>('registered-models/get?name=churn');
    expect(rm.aliases).toEqual([{ alias: 'production', version: '2' }]);
    const { model_version: mv1 } = await api<{ model_version: any }>('model-versions/get?name=churn&version=1');
    expect(mv1).toMatchObject({ version: '1', run_id: train.v1.run_id, status: 'READY', current_stage: 'None' });
  });
});
