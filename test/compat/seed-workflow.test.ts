// The seed's workflow with the official mlflow 3.x client (unchanged) against a real Minflow process:
// sklearn autolog, a RandomForest run and a DecisionTree run, each logged with log_model and registered
// as "churn" v1 / v2, alias churn@production → 1; then fresh python processes load models:/churn@production
// and models:/churn/2 and must predict exactly what the in-memory models predicted; the alias moves to 2 and
// a fresh process loading @production gets version 2. The test also reads back over REST what autolog and
// log_model wrote (params, metrics, tags, plots, logged models, registry entities).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { startCompatTarget } from '../helpers/compat-target.js';

interface TrainedRun {
  run_id: string;
  experiment_id: string;
  acc_train: number;
  acc_test: number;
  model_uri: string;
  model_id: string | null;
  registered_version: string;
  n_test: number;
  positives: number;
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

interface Tag {
  key: string;
  value: string;
}

let server: ServerProcess;
let work: string;
let train: TrainResult;
let expectedV1: number[];
let expectedV2: number[];

async function py<T>(script: string, args: string[]): Promise<T> {
  try {
    const res = await runPython<T>(`test/compat/py3/${script}`, args, {
      MLFLOW_TRACKING_URI: server.url,
      PYTHONWARNINGS: 'ignore',
    });
    expect(res.code, res.stderr.slice(-4000)).toBe(0);
    return res.json;
  } catch (e) {
    throw new Error(`${script} failed: ${(e as Error).message}\n--- server output\n${server.output().slice(-4000)}`);
  }
}

async function api<T = Record<string, unknown>>(route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}/api/2.0/mlflow/${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, `${route} → ${res.status} ${text}`).toBe(200);
  return JSON.parse(text) as T;
}

const tagMap = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));

beforeAll(async () => {
  server = await startCompatTarget();
  work = tempDir('compat-seed');
  train = await py<TrainResult>('seed_train.py', [work]);
  expectedV1 = JSON.parse(fs.readFileSync(path.join(work, 'expected_v1.json'), 'utf8')) as number[];
  expectedV2 = JSON.parse(fs.readFileSync(path.join(work, 'expected_v2.json'), 'utf8')) as number[];
}, 600_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of [work, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the seed workflow with the official mlflow 3 client', () => {
  it('logs and registers two versions and answers the alias', () => {
    expect(train.mlflow_version).toMatch(/^3\./);
    expect(train.v1.registered_version).toBe('1');
    expect(train.v2.registered_version).toBe('2');
    for (const v of [train.v1, train.v2]) {
      expect(v.model_id).toMatch(/^m-[0-9a-f]{32}$/);
      expect(v.model_uri).toBe(`models:/${v.model_id}`);
      expect(v.acc_test).toBeGreaterThan(0.6);
      expect(v.n_test).toBe(811);
    }
    expect(train.v1.run_id).not.toBe(train.v2.run_id);
    // The two models must be told apart by their predictions, or the load checks below prove nothing.
    expect(expectedV1).toHaveLength(811);
    expect(expectedV1).not.toEqual(expectedV2);
    expect(train.by_alias).toEqual({
      name: 'churn',
      version: '1',
      run_id: train.v1.run_id,
      aliases: ['production'],
      status: 'READY',
      source: `models:/${train.v1.model_id}`,
    });
    expect(train.registered_model).toEqual({ name: 'churn', aliases: { production: '1' }, latest_versions: ['2'] });
  });

  it('loads models:/churn@production and models:/churn/2 in a fresh process; moving the alias follows', async () => {
    const first = await py<LoadResult>('seed_load.py', [
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
    expect(prod.model_id).toBe(train.v1.model_id);
    expect(prod.flavors).toEqual(['python_function', 'sklearn']);
    const v2 = first.loads['models:/churn/2']!;
    expect(v2.predictions).toEqual(expectedV2);
    expect(v2.run_id).toBe(train.v2.run_id);
    expect(v2.model_id).toBe(train.v2.model_id);
    expect(first.alias_after).toEqual({ version: '2', aliases: ['production'], run_id: train.v2.run_id });

    const second = await py<LoadResult>('seed_load.py', [work, 'models:/churn@production']);
    const moved = second.loads['models:/churn@production']!;
    expect(moved.predictions).toEqual(expectedV2);
    expect(moved.model_id).toBe(train.v2.model_id);
  }, 300_000);

  it("stores autolog's params, metrics and tags with the run", async () => {
    const { run } = await api<{ run: any }>(`runs/get?run_id=${train.v1.run_id}`);
    expect(run.info).toMatchObject({
      run_id: train.v1.run_id,
      run_uuid: train.v1.run_id,
      experiment_id: train.v1.experiment_id,
      run_name: 'seed-v1',
      status: 'FINISHED',
      lifecycle_stage: 'active',
      artifact_uri: `mlflow-artifacts:/${train.v1.experiment_id}/${train.v1.run_id}/artifacts`,
    });
    const params = tagMap(run.data.params);
    expect(params).toMatchObject({
      n_estimators: '50',
      min_samples_leaf: '35',
      random_state: '42',
      criterion: 'gini',
      max_depth: 'None',
      bootstrap: 'True',
    });
    expect(Object.keys(params)).toHaveLength(19);
    const metrics = Object.fromEntries((run.data.metrics as { key: string; value: number }[]).map((m) => [m.key, m.value]));
    expect(Object.keys(metrics).sort()).toEqual([
      'acc_test',
      'acc_train',
      'training_accuracy_score',
      'training_f1_score',
      'training_log_loss',
      'training_precision_score',
      'training_recall_score',
      'training_roc_auc',
      'training_score',
    ]);
    expect(metrics.acc_train).toBe(train.v1.acc_train);
    expect(metrics.acc_test).toBe(train.v1.acc_test);
    expect(metrics.training_accuracy_score).toBeCloseTo(train.v1.acc_train, 12);
    expect(metrics.training_roc_auc).toBeGreaterThan(0.5);
    const tags = tagMap(run.data.tags);
    expect(tags).toMatchObject({
      estimator_name: 'RandomForestClassifier',
      estimator_class: 'sklearn.ensemble._forest.RandomForestClassifier',
      'mlflow.runName': 'seed-v1',
      'mlflow.source.type': 'LOCAL',
    });
    expect(tags['mlflow.source.name']).toMatch(/seed_train\.py$/);
    expect(tags['mlflow.user']).toBeTruthy();
    // autolog's datasets: the training set, and one "eval" input per distinct predict() input
    // (X_train, X_test, and the input example log_model infers the signature from).
    const inputs = run.inputs.dataset_inputs as { tags: Tag[]; dataset: { name: string; digest: string; source_type: string } }[];
    expect(inputs.map((i) => tagMap(i.tags)['mlflow.data.context']).sort()).toEqual(['eval', 'eval', 'eval', 'train']);
    for (const i of inputs) expect(i.dataset).toMatchObject({ name: 'dataset', source_type: 'code' });
    expect(new Set(inputs.map((i) => i.dataset.digest)).size).toBe(4);

    const { run: run2 } = await api<{ run: any }>(`runs/get?run_id=${train.v2.run_id}`);
    expect(tagMap(run2.data.tags).estimator_name).toBe('DecisionTreeClassifier');
    expect(tagMap(run2.data.params)).toMatchObject({ max_depth: '4', min_samples_leaf: '20', random_state: '42' });
  });

  it("stores autolog's plots as run artifacts", async () => {
    const listed = await api<{ root_uri: string; files: { path: string; is_dir: boolean; file_size?: number }[] }>(
      `artifacts/list?run_id=${train.v1.run_id}`,
    );
    expect(listed.root_uri).toBe(`mlflow-artifacts:/${train.v1.experiment_id}/${train.v1.run_id}/artifacts`);
    expect(listed.files.map((f) => f.path)).toEqual([
      'estimator.html',
      'training_confusion_matrix.png',
      'training_precision_recall_curve.png',
      'training_roc_curve.png',
    ]);
    for (const f of listed.files) expect(f.file_size).toBeGreaterThan(1000);
    const png = await fetch(
      `${server.url}/api/2.0/mlflow-artifacts/artifacts/${train.v1.experiment_id}/${train.v1.run_id}/artifacts/training_confusion_matrix.png`,
    );
    expect(png.status).toBe(200);
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.length).toBe(listed.files.find((f) => f.path === 'training_confusion_matrix.png')!.file_size);
  });

  it('records both logged models of each run (autolog + log_model) as run outputs and in logged-models/search', async () => {
    const { run } = await api<{ run: any }>(`runs/get?run_id=${train.v1.run_id}`);
    const outputs = (run.outputs.model_outputs as { model_id: string; step: number }[]) ?? [];
    expect(outputs).toHaveLength(2);
    expect(outputs.map((o) => o.model_id)).toContain(train.v1.model_id);
    for (const o of outputs) expect(o.step).toBe(0);

    const { models } = await api<{ models: any[] }>('logged-models/search', {
      experiment_ids: [train.v1.experiment_id],
    });
    expect(models).toHaveLength(4);
    for (const m of models) {
      expect(m.info).toMatchObject({
        name: 'model',
        status: 'LOGGED_MODEL_READY',
        experiment_id: train.v1.experiment_id,
        artifact_uri: `mlflow-artifacts:/${train.v1.experiment_id}/models/${m.info.model_id}/artifacts`,
      });
    }
    const byRun = (runId: string) => models.filter((m) => m.info.source_run_id === runId).map((m) => m.info.model_id);
    expect(byRun(train.v1.run_id).sort()).toEqual(outputs.map((o) => o.model_id).sort());
    expect(byRun(train.v2.run_id)).toHaveLength(2);

    const registered = models.find((m) => m.info.model_id === train.v1.model_id)!;
    const versionsTag = JSON.parse(tagMap(registered.info.tags)['mlflow.modelVersions'] ?? '[]') as {
      name: string;
      version: string | number;
    }[];
    expect(versionsTag.map((v) => `${v.name}/${v.version}`)).toContain('churn/1');
    expect(tagMap(registered.data.params)).toMatchObject({ n_estimators: '50', min_samples_leaf: '35' });
    const modelMetrics = Object.fromEntries(
      (registered.data.metrics as { key: string; value: number }[]).map((m) => [m.key, m.value]),
    );
    expect(modelMetrics.acc_test).toBe(train.v1.acc_test);
    expect(modelMetrics.training_accuracy_score).toBeCloseTo(train.v1.acc_train, 12);

    const { models: named } = await api<{ models: any[] }>('logged-models/search', {
      experiment_ids: [train.v1.experiment_id],
      filter: `source_run_id = '${train.v2.run_id}'`,
    });
    expect(named.map((m) => m.info.model_id).sort()).toEqual(byRun(train.v2.run_id).sort());
  });

  it("stores the registered model's files under the logged model's artifact root", async () => {
    const prefix = `${train.v1.experiment_id}/models/${train.v1.model_id}/artifacts`;
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts?path=${prefix}`);
    const listed = (await res.json()) as { files: { path: string; is_dir: boolean }[] };
    expect(listed.files.map((f) => f.path)).toEqual([
      'MLmodel',
      'conda.yaml',
      'input_example.json',
      'model.skops',
      'python_env.yaml',
      'requirements.txt',
      'serving_input_example.json',
    ]);
    const mlmodel = (await server.artifacts.read(`${prefix}/MLmodel`)).toString('utf8');
    expect(mlmodel).toContain(`model_id: ${train.v1.model_id}`);
    expect(mlmodel).toContain(`run_id: ${train.v1.run_id}`);
    expect(mlmodel).toContain('sklearn:');

    const { artifact_uri } = await api<{ artifact_uri: string }>('model-versions/get-download-uri?name=churn&version=1');
    expect(artifact_uri).toBe(`mlflow-artifacts:/${prefix}`);
  });

  it('answers the registry over REST: versions, sources, the moved alias', async () => {
    const { registered_model: rm } = await api<{ registered_model: any }>('registered-models/get?name=churn');
    expect(rm.name).toBe('churn');
    expect(rm.aliases).toEqual([{ alias: 'production', version: '2' }]);
    expect(rm.latest_versions).toHaveLength(1);
    expect(rm.latest_versions[0]).toMatchObject({ name: 'churn', version: '2', current_stage: 'None', status: 'READY' });

    const { model_version: mv1 } = await api<{ model_version: any }>('model-versions/get?name=churn&version=1');
    expect(mv1).toMatchObject({
      name: 'churn',
      version: '1',
      source: `models:/${train.v1.model_id}`,
      run_id: train.v1.run_id,
      status: 'READY',
      current_stage: 'None',
    });
    expect(mv1.aliases ?? []).toEqual([]);

    const { model_version: prod } = await api<{ model_version: any }>(
      'registered-models/alias?name=churn&alias=production',
    );
    expect(prod).toMatchObject({ version: '2', run_id: train.v2.run_id, aliases: ['production'] });

    const { model_versions } = await api<{ model_versions: any[] }>(
      `model-versions/search?filter=${encodeURIComponent("name='churn'")}`,
    );
    expect(model_versions.map((v) => v.version).sort()).toEqual(['1', '2']);
  });
});
