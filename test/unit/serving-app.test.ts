// The scoring app through app.inject, with a real (small) model and a registry faked at the follower:
// every input format gives the in-memory model's probabilities, errors have MLflow's shape.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringApp } from '../../serving/app.js';
import { ModelFollower } from '../../serving/follower.js';
import { parseModelUri } from '../../serving/model-uri.js';
import { prepareModel, type ServedModel } from '../../serving/scorer.js';
import { matrixFromRecords } from '../../trainer/data/rows.js';
import { syntheticAbtDataset } from '../../trainer/data/synthetic.js';
import { loadModel, saveModel } from '../../trainer/mlflow-model/format.js';
import { DecisionTreeClassifier } from '../../trainer/models/decision-tree.js';
import { tempDir } from '../helpers/paths.js';

const ds = syntheticAbtDataset(400, 3);
let app: FastifyInstance;
let served: ServedModel;
let registryVersion = '7';
let records: Record<string, number | null>[];

beforeAll(async () => {
  const clf = new DecisionTreeClassifier({ maxDepth: 4, minSamplesLeaf: 10 });
  await clf.fit(ds, ds.y);
  const dir = path.join(tempDir('serving-app'), 'model');
  await saveModel(dir, { classifier: clf, features: ds.schema, target: ds.target, runId: 'r1', modelId: 'm-abc' });
  const loaded = await loadModel(dir);
  const make = (version: string): ServedModel =>
    prepareModel(loaded, { name: 'churn', version, alias: 'production', runId: 'r1', modelId: 'm-abc', source: 'mlflow-artifacts:/1/models/m-abc/artifacts' }, dir);
  served = make('7');
  const follower = await ModelFollower.start({
    ref: parseModelUri('models:/churn@production'),
    resolve: async () => ({ name: 'churn', version: registryVersion }),
    load: async (t) => make(t.version),
    pollIntervalMs: 0,
    log: { info: () => {}, warn: () => {} },
  });
  app = await buildScoringApp({ follower, bodyLimit: 256 * 1024 });
  records = Array.from({ length: 20 }, (_, i) =>
    Object.fromEntries(ds.featureNames.map((n, j) => [n, Number.isNaN(ds.columns[j]![i]!) ? null : ds.columns[j]![i]!])),
  );
});

afterAll(async () => {
  await app?.close();
});

function expected(rows: Record<string, number | null>[]): { probability: number; prediction: number }[] {
  const p = served.model.classifier.predictProba(matrixFromRecords(served.model.features, rows));
  return Array.from(p, (x) => ({ probability: x, prediction: x > 0.5 ? 1 : 0 }));
}

async function invoke(payload: string, contentType = 'application/json') {
  return app.inject({ method: 'POST', url: '/invocations', headers: { 'content-type': contentType }, payload });
}

describe('POST /invocations', () => {
  const names = () => ds.featureNames;
  const rows = () => records.map((r) => names().map((n) => r[n]!));

  it('dataframe_records → one {probability, prediction} per row, header X-Model-Version', async () => {
    const res = await invoke(JSON.stringify({ dataframe_records: records }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-model-version']).toBe('7');
    const body = res.json();
    expect(Object.keys(body)).toEqual(['predictions']);
    expect(body.predictions).toEqual(expected(records));
    expect(new Set(body.predictions.map((p: { prediction: number }) => p.prediction)).size).toBe(2);
  });

  it('dataframe_split, instances, inputs and CSV give the same answer', async () => {
    const want = expected(records);
    const columnar = Object.fromEntries(names().map((n) => [n, records.map((r) => r[n])]));
    const bodies = [
      JSON.stringify({ dataframe_split: { columns: names(), data: rows() } }),
      JSON.stringify({ dataframe_split: { data: rows() } }),
      JSON.stringify({ instances: records }),
      JSON.stringify({ instances: rows() }),
      JSON.stringify({ inputs: columnar }),
      JSON.stringify({ inputs: records }),
    ];
    for (const body of bodies) {
      const res = await invoke(body);
      expect(res.statusCode, body.slice(0, 80)).toBe(200);
      expect(res.json().predictions).toEqual(want);
    }
    const csv = [names().join(','), ...rows().map((r) => r.map((v) => (v === null ? '' : String(v))).join(','))].join('\n');
    const res = await invoke(csv, 'text/csv');
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions).toEqual(want);
  });

  it('Python-style NaN for missing values (what json.dumps writes)', async () => {
    const body = JSON.stringify({ dataframe_split: { columns: names(), data: rows() } }).replace(/null/g, 'NaN');
    expect(body).toContain('NaN');
    const res = await invoke(body);
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions).toEqual(expected(records));
  });

  it('zero rows → no predictions', async () => {
    const res = await invoke(JSON.stringify({ dataframe_records: [] }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ predictions: [] });
  });

  it('errors: 400 BAD_REQUEST naming the column, MLflow shape', async () => {
    const missing = { ...records[0]! };
    delete missing.saldo_atual_life;
    let res = await invoke(JSON.stringify({ dataframe_records: [missing] }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error_code: 'BAD_REQUEST', message: expect.stringMatching(/^The input column 'saldo_atual_life' is needed by the model/) });
    expect(res.headers['x-model-version']).toBe('7');

    res = await invoke(JSON.stringify({ dataframe_records: [{ ...records[0], frequencia_life: 'often' }] }));
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/Incompatible input types for column 'frequencia_life': row 0 has "often" \(a string\), but the model signature expects double/);

    res = await invoke('{"dataframe_records": [{"a": 1}');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'BAD_REQUEST', message: expect.stringMatching(/valid JSON/) });

    res = await invoke('');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'BAD_REQUEST', message: expect.stringMatching(/empty/) });

    res = await app.inject({ method: 'POST', url: '/invocations' });
    expect(res.statusCode).toBe(415);
  });

  it('unsupported content types are 415; bodies over the limit 413', async () => {
    let res = await invoke('a=1', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
    expect(res.json().message).toMatch(/only supports the following content types/);
    res = await invoke(JSON.stringify({ dataframe_records: Array(5000).fill(records[0]) }));
    expect(res.statusCode).toBe(413);
    expect(res.json().error_code).toBe('BAD_REQUEST');
  });
});

describe('service endpoints', () => {
  it('/ping and /version', async () => {
    expect((await app.inject({ url: '/ping' })).statusCode).toBe(200);
    const v = await app.inject({ url: '/version' });
    expect(v.statusCode).toBe(200);
    expect(v.body).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('/model names what is served', async () => {
    const m = (await app.inject({ url: '/model' })).json();
    expect(m).toMatchObject({ name: 'churn', version: '7', alias: 'production', run_id: 'r1', model_id: 'm-abc', model_kind: 'decision_tree' });
    expect(Date.parse(m.loaded_at)).not.toBeNaN();
  });

  it('/health reports the follower state; /reload swaps when the registry moved', async () => {
    let h = (await app.inject({ url: '/health' })).json();
    expect(h).toMatchObject({ status: 'ok', following: 'churn@production', model: { version: '7' }, last_error: null });
    registryVersion = '8';
    const r = (await app.inject({ method: 'POST', url: '/reload' })).json();
    expect(r).toMatchObject({ outcome: 'swapped', from: '7', to: '8', model: { version: '8' } });
    const res = await invoke(JSON.stringify({ dataframe_records: records.slice(0, 1) }));
    expect(res.headers['x-model-version']).toBe('8');
    h = (await app.inject({ url: '/health' })).json();
    expect(h.model.version).toBe('8');
    expect((await app.inject({ method: 'POST', url: '/reload' })).json()).toMatchObject({ outcome: 'unchanged', version: '8' });
  });
});
