// Seeds a tracking server through its REST API only (so the same seed runs against Minflow and, for
// comparison, the official `mlflow server`): two experiments, runs with params, a 100-step metric,
// tags, a dataset and artifacts (text, PNG, an MLmodel with a signature), and a registered model with
// two versions and an alias.
import { Http, MlflowClient } from '../../../client/index.js';
import { gradientPng } from './png.js';

export interface Seeded {
  experimentId: string;
  otherExperimentId: string;
  runIds: { best: string; baseline: string; other: string };
  model: { name: string; alias: string };
}

export const EXPERIMENT = 'churn-ui';
export const OTHER_EXPERIMENT = 'baseline-ui';
export const MODEL_NAME = 'churn-ui-model';
export const MODEL_ALIAS = 'champion';
export const STEP_METRIC = 'train_loss';
export const NOTES_TEXT = 'Churn model notes: features scaled, 5-fold CV, seed 42.\n';

export const SIGNATURE_INPUTS = [
  { type: 'double', name: 'tenure', required: true },
  { type: 'double', name: 'monthly_charges', required: true },
  { type: 'string', name: 'contract', required: true },
];

function mlmodel(runId: string, createdAt: string): string {
  return [
    'artifact_path: model',
    'flavors:',
    '  python_function:',
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    '    loader_module: mlflow.sklearn',
    '    model_path: model.pkl',
    '    predict_fn: predict',
    '    python_version: 3.11.9',
    '  sklearn:',
    '    code: null',
    '    pickled_model: model.pkl',
    '    serialization_format: cloudpickle',
    '    sklearn_version: 1.5.2',
    'mlflow_version: 3.17.2',
    'model_size_bytes: 48213',
    `model_uuid: ${runId.slice(0, 8)}c0ffee`,
    `run_id: ${runId}`,
    'signature:',
    `  inputs: '${JSON.stringify(SIGNATURE_INPUTS)}'`,
    `  outputs: '${JSON.stringify([{ type: 'long', required: true }])}'`,
    '  params: null',
    `utc_time_created: '${createdAt}'`,
    '',
  ].join('\n');
}

const DATASET = {
  name: 'churn-train',
  digest: '3f2a9c1e',
  source_type: 'local',
  source: JSON.stringify({ uri: '/data/churn/abt.csv' }),
  schema: JSON.stringify({ mlflow_colspec: [...SIGNATURE_INPUTS, { type: 'long', name: 'churned', required: true }] }),
  profile: JSON.stringify({ num_rows: 7043, num_elements: 28172 }),
};

interface RunSpec {
  name: string;
  params: Record<string, string>;
  finalLoss: number;
  accuracy: number;
  tags: Record<string, string>;
  withModel: boolean;
}

async function putArtifact(http: Http, artifactUri: string, path: string, body: Buffer | string, type: string): Promise<void> {
  // mlflow-artifacts:/<exp>/<run>/artifacts → the proxy's path for the same location.
  const location = artifactUri.replace(/^mlflow-artifacts:\/*/, '');
  const res = await http.fetch(`${http.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${location}/${path}`, {
    method: 'PUT',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  if (!res.ok) throw new Error(`artifact PUT ${path}: ${res.status} ${await res.text()}`);
}

async function seedRun(client: MlflowClient, http: Http, experimentId: string, spec: RunSpec, t0: number): Promise<string> {
  const run = await client.createRun(experimentId, {
    runName: spec.name,
    startTime: t0,
    tags: [
      { key: 'mlflow.user', value: 'ui-tester' },
      { key: 'mlflow.source.name', value: 'train_churn.py' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      ...Object.entries(spec.tags).map(([key, value]) => ({ key, value })),
    ],
  });
  const runId = run.info.run_id;
  const metrics = Array.from({ length: 100 }, (_, step) => ({
    key: STEP_METRIC,
    // A decaying curve that ends exactly on finalLoss.
    value: Number((spec.finalLoss + (1 - spec.finalLoss) * Math.exp(-step / 18) * (1 - step / 99)).toFixed(5)),
    timestamp: t0 + step * 1000,
    step,
  }));
  metrics.push({ key: 'accuracy', value: spec.accuracy, timestamp: t0 + 100_000, step: 0 });
  metrics.push({ key: 'f1', value: Number((spec.accuracy - 0.07).toFixed(3)), timestamp: t0 + 100_000, step: 0 });
  await client.logBatch(runId, {
    metrics,
    params: Object.entries(spec.params).map(([key, value]) => ({ key, value })),
  });
  await client.logInputs(runId, [{ dataset: DATASET, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
  const artifactUri = run.info.artifact_uri!;
  await putArtifact(http, artifactUri, 'notes.txt', NOTES_TEXT, 'text/plain');
  await putArtifact(http, artifactUri, 'plots/loss_curve.png', gradientPng(), 'image/png');
  if (spec.withModel) {
    const created = new Date(t0 + 100_000).toISOString().replace('T', ' ').replace('Z', '');
    await putArtifact(http, artifactUri, 'model/MLmodel', mlmodel(runId, created), 'text/plain');
    await putArtifact(http, artifactUri, 'model/requirements.txt', 'mlflow==3.17.2\nscikit-learn==1.5.2\n', 'text/plain');
  }
  await client.updateRun(runId, { status: 'FINISHED', endTime: t0 + 120_000 });
  return runId;
}

async function registry<T>(http: Http, path: string, body: unknown): Promise<T> {
  return http.post<T>(`/api/2.0/mlflow/${path}`, body);
}

export async function seed(trackingUri: string): Promise<Seeded> {
  const client = new MlflowClient(trackingUri);
  const http = new Http(trackingUri);
  const experimentId = await client.createExperiment(EXPERIMENT, {
    tags: [{ key: 'mlflow.note.content', value: 'Churn models compared in the UI tests.' }],
  });
  const otherExperimentId = await client.createExperiment(OTHER_EXPERIMENT);
  const t0 = Date.now() - 3_600_000;
  const best = await seedRun(client, http, experimentId, {
    name: 'forest-deep',
    params: { model_type: 'random_forest', max_depth: '12', n_estimators: '200' },
    finalLoss: 0.21,
    accuracy: 0.884,
    tags: { team: 'retention', stage: 'candidate' },
    withModel: true,
  }, t0);
  const baseline = await seedRun(client, http, experimentId, {
    name: 'tree-shallow',
    params: { model_type: 'decision_tree', max_depth: '4', n_estimators: '1' },
    finalLoss: 0.34,
    accuracy: 0.801,
    tags: { team: 'retention', stage: 'baseline' },
    withModel: true,
  }, t0 + 600_000);
  const other = await seedRun(client, http, otherExperimentId, {
    name: 'logreg',
    params: { model_type: 'logistic_regression', C: '1.0' },
    finalLoss: 0.4,
    accuracy: 0.78,
    tags: { team: 'retention' },
    withModel: false,
  }, t0 + 1_200_000);

  await registry(http, 'registered-models/create', {
    name: MODEL_NAME,
    description: 'Predicts which customers churn next month.',
    tags: [{ key: 'owner', value: 'retention' }],
  });
  for (const runId of [baseline, best]) {
    const run = await client.getRun(runId);
    await registry(http, 'model-versions/create', {
      name: MODEL_NAME,
      source: `${run.info.artifact_uri}/model`,
      run_id: runId,
      tags: [{ key: 'validated', value: 'true' }],
    });
  }
  // Version 2 (the forest) is the champion.
  await registry(http, 'registered-models/alias', { name: MODEL_NAME, alias: MODEL_ALIAS, version: '2' });
  return { experimentId, otherExperimentId, runIds: { best, baseline, other }, model: { name: MODEL_NAME, alias: MODEL_ALIAS } };
}
