// Issue 14, item 12: client mistakes that got a 5xx (which the Python client retries for minutes) get
// a 400 with MLflow's error code — on both backends (SQLite's 32,766 bound parameters and 64-table
// joins; PostgreSQL's 65,535 parameters, bigint range and stack depth).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startApi, type TestApi } from './helpers.js';
import { report } from './hardening-helpers.js';

let api: TestApi;
let experimentId: string;

beforeAll(async () => {
  api = await startApi();
  experimentId = String((await api.post('experiments/create', { name: 'mistakes' })).json.experiment_id);
  const run = (await api.post('runs/create', { experiment_id: experimentId })).json.run as { info: { run_id: string } };
  await api.post('runs/log-metric', { run_id: run.info.run_id, key: 'm0', value: 2, timestamp: 1 });
});

afterAll(async () => {
  await api?.close();
});

const token = (json: string) => Buffer.from(json, 'utf8').toString('base64');

const NESTED = token(`{"offset": ${'['.repeat(100_000)}1${']'.repeat(100_000)}}`);
const NESTED_OBJECT = token(`{"offset": 1, "x": ${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`);
const HUGE_OFFSETS = ['100000000000000000000', '9223372036854775808', '1e300', '-5', '"99999999999999999999999"'].map((o) => token(`{"offset": ${o}}`));
const CLAUSES = (n: number, entity = 'metrics') =>
  Array.from({ length: n }, (_, i) => (entity === 'metrics' ? `metrics.m${i} > 1` : `${entity}.m${i} = '1'`)).join(' AND ');
const MANY_IDS = Array.from({ length: 40_000 }, (_, i) => String(i + 1));
const MANY_ORDER_BY = Array.from({ length: 100_000 }, (_, i) => `metrics.m${i} DESC`);

interface Case {
  name: string;
  send: () => Promise<{ status: number; json: unknown; headers: Record<string, unknown>; body: string }>;
}

const cases: Case[] = [
  ...HUGE_OFFSETS.flatMap((t, i): Case[] => [
    { name: `runs/search offset #${i}`, send: () => api.post('runs/search', { experiment_ids: [experimentId], page_token: t }) },
    { name: `experiments/search offset #${i}`, send: () => api.post('experiments/search', { page_token: t }) },
    { name: `registered-models/search offset #${i}`, send: () => api.get('registered-models/search', { page_token: t }) },
    { name: `model-versions/search offset #${i}`, send: () => api.get('model-versions/search', { page_token: t }) },
  ]),
  { name: 'runs/search nested token', send: () => api.post('runs/search', { experiment_ids: [experimentId], page_token: NESTED }) },
  { name: 'runs/search nested object token', send: () => api.post('runs/search', { experiment_ids: [experimentId], page_token: NESTED_OBJECT }) },
  { name: 'experiments/search nested token', send: () => api.post('experiments/search', { page_token: NESTED }) },
  { name: 'runs/search 1,000 metric clauses', send: () => api.post('runs/search', { experiment_ids: [experimentId], filter: CLAUSES(1000) }) },
  { name: 'runs/search 1,000 param clauses', send: () => api.post('runs/search', { experiment_ids: [experimentId], filter: CLAUSES(1000, 'params') }) },
  { name: 'runs/search 1,000 tag clauses', send: () => api.post('runs/search', { experiment_ids: [experimentId], filter: CLAUSES(1000, 'tags') }) },
  { name: 'experiments/search 1,000 tag clauses', send: () => api.post('experiments/search', { filter: CLAUSES(1000, 'tags') }) },
  { name: 'logged-models/search 1,000 metric clauses', send: () => api.post('logged-models/search', { experiment_ids: [experimentId], filter: CLAUSES(1000) }) },
  { name: 'runs/search 40k experiment_ids', send: () => api.post('runs/search', { experiment_ids: MANY_IDS }) },
  { name: 'logged-models/search 40k experiment_ids', send: () => api.post('logged-models/search', { experiment_ids: MANY_IDS }) },
  // 100,000 short entries fit the searches' 2 MiB body limit, so they reach the order_by check.
  { name: 'runs/search 100k order_by', send: () => api.post('runs/search', { experiment_ids: [experimentId], order_by: MANY_ORDER_BY.map(() => 'start_time') }) },
  { name: 'experiments/search 100k order_by', send: () => api.post('experiments/search', { order_by: MANY_ORDER_BY.map(() => 'name') }) },
  {
    name: 'logged-models/search 100k order_by',
    send: () => api.post('logged-models/search', { experiment_ids: [experimentId], order_by: MANY_ORDER_BY.map(() => ({ field_name: 'm' })) }),
  },
  // Found by the fuzz test: str() of a prompt parameter's value recursed until the stack ran out (500).
  {
    name: 'create-promptlab-run with a prompt parameter nested 5,000 deep',
    send: () =>
      api.request({
        method: 'POST',
        url: '/ajax-api/2.0/mlflow/runs/create-promptlab-run',
        headers: { 'content-type': 'application/json' },
        payload: `{"experiment_id": "${experimentId}", "prompt_template": "t", "model_route": "r", "model_input": "i", "mlflow_version": "3.17.2",
          "prompt_parameters": [{"key": "k", "value": ${'['.repeat(5000)}1${']'.repeat(5000)}}]}`,
      }),
  },
];

describe('client mistakes get a 400, never a 5xx (issue 14 item 12)', () => {
  it('a search body over 2 MiB (100k long order_by keys) is 413 INVALID_PARAMETER_VALUE, unparsed', async () => {
    const res = await api.post('runs/search', { experiment_ids: [experimentId], order_by: MANY_ORDER_BY });
    expectError(res, 413, 'INVALID_PARAMETER_VALUE', /^Request body is too large/);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const t0 = performance.now();
    const res = await c.send();
    const ms = performance.now() - t0;
    report('12 mistake', { name: c.name, status: res.status, ms: Math.round(ms), message: String((res.json as { message?: string })?.message ?? res.body).slice(0, 120) });
    expect(res.status, res.body.slice(0, 500)).toBeLessThan(500);
    if (res.status !== 200) expectError(res as never, 400, 'INVALID_PARAMETER_VALUE');
  });
});

describe('requests just inside the limits still work (issue 14 item 12)', () => {
  it('100 clauses, 50 order_by keys, 10,000 experiment ids, offset 2^53 - 1', async () => {
    let step = 0;
    const ok = async (p: Promise<{ status: number; body: string }>) => {
      const t0 = performance.now();
      const res = await p;
      report('12 inside the limits', { step: step++, ms: Math.round(performance.now() - t0) });
      expect(res.status, res.body.slice(0, 300)).toBe(200);
    };
    await ok(api.post('runs/search', { experiment_ids: [experimentId], filter: CLAUSES(100) }));
    await ok(api.post('runs/search', { experiment_ids: [experimentId], filter: CLAUSES(100, 'params') }));
    await ok(api.post('logged-models/search', { experiment_ids: [experimentId], filter: CLAUSES(100) }));
    await ok(api.post('experiments/search', { filter: CLAUSES(100, 'tags') }));
    await ok(api.post('runs/search', { experiment_ids: [experimentId], filter: CLAUSES(10), order_by: MANY_ORDER_BY.slice(0, 50) }));
    await ok(
      api.post('logged-models/search', { experiment_ids: [experimentId], order_by: MANY_ORDER_BY.slice(0, 50).map((_, i) => ({ field_name: `metrics.m${i}` })) }),
    );
    await ok(api.post('runs/search', { experiment_ids: MANY_IDS.slice(0, 10_000) }));
    await ok(api.post('logged-models/search', { experiment_ids: MANY_IDS.slice(0, 10_000) }));
    await ok(api.post('runs/search', { experiment_ids: [experimentId], page_token: token(`{"offset": ${Number.MAX_SAFE_INTEGER}}`) }));
    await ok(api.get('registered-models/search', { page_token: token(`{"offset": ${Number.MAX_SAFE_INTEGER}}`) }));
  });
});
