// Read workers (server/reads/): on a database file the heavy reads run in worker threads on their own
// connections. Their answers must be byte-for-byte what the same job gives on the event loop, errors
// included, and a read right after a write must see it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { makeConfig } from '../../server/config.js';
import { MlflowError } from '../../server/errors.js';
import { executeReadJob, type ReadJob } from '../../server/reads/jobs.js';
import { jsonBody } from '../../server/protocol/json-body.js';

const API = '/api/2.0/mlflow';
let app: FastifyInstance;
let dir: string;
let experimentId: string;
const runIds: string[] = [];

async function call(method: 'GET' | 'POST', url: string, body?: unknown) {
  const res = await app.inject({
    method,
    url,
    payload: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  return { status: res.statusCode, body: res.body, type: res.headers['content-type'] };
}

/** The same job on the event loop, serialized as the endpoint would serialize it. */
async function onEventLoop(job: ReadJob): Promise<{ status: number; body: string }> {
  try {
    return { status: 200, body: jsonBody(await executeReadJob(app.store, job)) };
  } catch (e) {
    if (!(e instanceof MlflowError)) throw e;
    return { status: e.statusCode, body: JSON.stringify(e.toJSON()) };
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-read-workers-'));
  app = await buildApp(makeConfig({ dbFile: path.join(dir, 'mlflow.db'), artifactsDestination: path.join(dir, 'artifacts') }), {
    fastify: { forceCloseConnections: true },
  });
  expect(app.store.reads).not.toBeNull();
  experimentId = JSON.parse((await call('POST', `${API}/experiments/create`, { name: 'workers', tags: [{ key: 'k', value: 'v' }] })).body).experiment_id;
  for (let i = 0; i < 12; i++) {
    const run = JSON.parse((await call('POST', `${API}/runs/create`, { experiment_id: experimentId, start_time: 1000 + i, tags: [{ key: 't', value: `x${i % 3}` }] })).body);
    const runId: string = run.run.info.run_id;
    runIds.push(runId);
    const metrics = [
      ...Array.from({ length: 30 }, (_, s) => ({ key: 'loss', value: 1 / (s + 1 + i), timestamp: 5000 + s, step: s })),
      { key: 'odd', value: i % 2 ? 'NaN' : i % 3 ? 'Infinity' : '-Infinity', timestamp: 1, step: 0 },
      { key: 'acc', value: i / 12, timestamp: 2, step: 1 },
    ];
    const params = [{ key: 'p', value: `v${i % 2}` }, { key: 'note', value: 'quote " backslash \\ newline \n ünïcødé ✓ \u0001' }];
    expect((await call('POST', `${API}/runs/log-batch`, { run_id: runId, metrics, params })).status).toBe(200);
  }
  await call('POST', `${API}/runs/log-inputs`, {
    run_id: runIds[0],
    datasets: [{ dataset: { name: 'train', digest: 'd1', source_type: 'local', source: '{}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
  });
});

afterAll(async () => {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('read workers', () => {
  const cases: [string, () => { method: 'GET' | 'POST'; url: string; body?: unknown; job: ReadJob }][] = [
    ['runs/search, every run', () => ({
      method: 'POST',
      url: `${API}/runs/search`,
      body: { experiment_ids: [experimentId] },
      job: { kind: 'searchRuns', search: { experimentIds: [experimentId], viewType: 'ACTIVE_ONLY', maxResults: 1000 } },
    })],
    ['runs/search, filter + order + page', () => ({
      method: 'POST',
      url: `${API}/runs/search`,
      body: { experiment_ids: [experimentId], filter: "params.p = 'v1' AND metrics.acc > 0.1", order_by: ['metrics.odd DESC'], max_results: 3 },
      job: {
        kind: 'searchRuns',
        search: { experimentIds: [experimentId], filter: "params.p = 'v1' AND metrics.acc > 0.1", orderBy: ['metrics.odd DESC'], viewType: 'ACTIVE_ONLY', maxResults: 3 },
      },
    })],
    ['runs/search, bad filter', () => ({
      method: 'POST',
      url: `${API}/runs/search`,
      body: { experiment_ids: [experimentId], filter: 'metrics.acc >' },
      job: { kind: 'searchRuns', search: { experimentIds: [experimentId], filter: 'metrics.acc >', viewType: 'ACTIVE_ONLY', maxResults: 1000 } },
    })],
    ['runs/search, bad page token', () => ({
      method: 'POST',
      url: `${API}/runs/search`,
      body: { experiment_ids: [experimentId], page_token: 'nope' },
      job: { kind: 'searchRuns', search: { experimentIds: [experimentId], viewType: 'ACTIVE_ONLY', maxResults: 1000, pageToken: 'nope' } },
    })],
    ['get-history', () => ({
      method: 'GET',
      url: `${API}/metrics/get-history?run_id=${runIds[3]}&metric_key=loss`,
      job: { kind: 'metricHistory', runId: runIds[3]!, metricKey: 'loss' },
    })],
    ['get-history, paged', () => ({
      method: 'GET',
      url: `${API}/metrics/get-history?run_id=${runIds[3]}&metric_key=loss&max_results=7`,
      job: { kind: 'metricHistory', runId: runIds[3]!, metricKey: 'loss', maxResults: 7 },
    })],
    ['get-history-bulk-interval', () => ({
      method: 'GET',
      url: `${API}/metrics/get-history-bulk-interval?${runIds.map((id) => `run_ids=${id}`).join('&')}&metric_key=loss&max_results=5`,
      job: { kind: 'bulkInterval', runIds, metricKey: 'loss', maxResults: 5 },
    })],
    ['experiments/search', () => ({
      method: 'POST',
      url: `${API}/experiments/search`,
      body: { max_results: 10 },
      job: { kind: 'searchExperiments', search: { viewType: 'ACTIVE_ONLY', maxResults: 10 } },
    })],
    ['experiments/search-datasets', () => ({
      method: 'POST',
      url: '/ajax-api/2.0/mlflow/experiments/search-datasets',
      body: { experiment_ids: [experimentId] },
      job: { kind: 'searchDatasets', experimentIds: [experimentId] },
    })],
  ];

  for (const [name, make] of cases) {
    it(`${name}: the worker's answer is the event loop's, byte for byte`, async () => {
      const { method, url, body, job } = make();
      const viaWorker = await call(method, url, body);
      const expected = await onEventLoop(job);
      expect(viaWorker.type).toMatch(/^application\/json/);
      expect({ status: viaWorker.status, body: viaWorker.body }).toEqual(expected);
    });
  }

  it('a read right after a write sees it, under concurrent reads', async () => {
    const runId = runIds[5]!;
    const reads = Array.from({ length: 8 }, () => call('POST', `${API}/runs/search`, { experiment_ids: [experimentId] }));
    for (let step = 100; step < 110; step++) {
      expect((await call('POST', `${API}/runs/log-metric`, { run_id: runId, key: 'fresh', value: step, timestamp: 9, step })).status).toBe(200);
      const history = JSON.parse((await call('GET', `${API}/metrics/get-history?run_id=${runId}&metric_key=fresh`)).body);
      expect(history.metrics.at(-1)).toEqual({ key: 'fresh', value: step, timestamp: 9, step });
    }
    for (const r of await Promise.all(reads)) expect(JSON.parse(r.body).runs).toHaveLength(12);
  });
});
