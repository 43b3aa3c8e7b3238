// runs/search: filters on metrics, params, tags, attributes and datasets; order_by; paging;
// run_view_type; max_results bounds; malformed filters are 400, never 5xx.
// Every expected result list was produced by the official MLflow 3.17.2 server on the same data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody } from '../../server/protocol/json-body.js';
import { runJson } from '../../server/protocol/wire.js';
import {
  AJAX,
  createExperiment,
  createRun,
  expectError,
  ok,
  SEE_DOCS,
  startApi,
  type RunJson,
  type TestApi,
} from './helpers.js';

interface SearchReply {
  runs?: RunJson[];
  next_page_token?: string;
}

let api: TestApi;
let exp: string;
const ids: Record<string, string> = {};

async function mkRun(
  name: string,
  startTime: number,
  acc: number | string | null,
  lr: string | null,
  tags: [string, string][],
  status?: string,
): Promise<void> {
  const run = await createRun(api, exp, {
    run_name: name,
    start_time: startTime,
    tags: tags.map(([key, value]) => ({ key, value })),
  });
  const id = run.info.run_id;
  ids[name] = id;
  ok(
    await api.post('runs/log-batch', {
      run_id: id,
      metrics: acc === null ? [] : [{ key: 'acc', value: acc, timestamp: 1, step: 0 }],
      params: lr === null ? [] : [{ key: 'lr', value: lr }],
    }),
  );
  if (status) ok(await api.post('runs/update', { run_id: id, status }));
}

beforeAll(async () => {
  api = await startApi();
  exp = await createExperiment(api);
  await mkRun('alpha', 1000, 0.9, '0.1', [['team', 'red']], 'FINISHED');
  await mkRun('beta', 2000, 0.7, '0.01', [['team', 'blue']]);
  await mkRun('gamma', 3000, null, null, [['team', 'red']], 'FAILED');
  await mkRun('delta', 4000, 'NaN', '0.1', []);
  ok(
    await api.post('runs/log-inputs', {
      run_id: ids.alpha,
      datasets: [
        {
          tags: [{ key: 'mlflow.data.context', value: 'train' }],
          dataset: { name: 'churn', digest: 'd1', source_type: 'local', source: 'x' },
        },
      ],
    }),
  );
});
afterAll(async () => {
  await api.close();
});

async function search(body: Record<string, unknown>): Promise<SearchReply> {
  return ok(await api.post<SearchReply>('runs/search', { experiment_ids: [exp], ...body }));
}
async function names(body: Record<string, unknown>): Promise<string[]> {
  return ((await search(body)).runs ?? []).map((r) => r.info.run_name ?? '');
}

describe('runs/search results', () => {
  it('returns whole runs, newest start_time first by default', async () => {
    const res = await search({});
    expect(res.runs?.map((r) => r.info.run_name)).toEqual(['delta', 'gamma', 'beta', 'alpha']);
    expect('next_page_token' in res).toBe(false);
    const alpha = res.runs![3]!;
    expect(alpha.info).toMatchObject({ run_id: ids.alpha, run_uuid: ids.alpha, experiment_id: exp, status: 'FINISHED' });
    expect(alpha.data.metrics).toEqual([{ key: 'acc', value: 0.9, timestamp: 1, step: 0 }]);
    expect(alpha.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(alpha.inputs.dataset_inputs).toEqual([
      { tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'churn', digest: 'd1', source_type: 'local', source: 'x' } },
    ]);
    expect(res.runs![0]!.data.metrics).toEqual([{ key: 'acc', value: 'NaN', timestamp: 1, step: 0 }]);
  });

  it.each([
    ['metrics.acc > 0.8', ['alpha']],
    ['metrics.acc = 0.7', ['beta']],
    ['metrics.acc != 0.9', ['delta', 'beta']],
    ['metric.acc > 0.8', ['alpha']],
    ["params.lr = '0.1'", ['delta', 'alpha']],
    [`params."lr" = '0.1'`, ['delta', 'alpha']],
    ['params.lr IS NULL', ['gamma']],
    ["tags.team = 'red'", ['gamma', 'alpha']],
    ["tags.`team` = 'red'", ['gamma', 'alpha']],
    ["tags.team ILIKE 'RED'", ['gamma', 'alpha']],
    ["tags.team LIKE 'RED'", []],
    ['tags.team IS NOT NULL and metrics.acc < 1', ['beta', 'alpha']],
    ["attributes.status = 'FINISHED'", ['alpha']],
    ["attributes.status != 'RUNNING'", ['gamma', 'alpha']],
    ["run.status = 'FAILED'", ['gamma']],
    ["attributes.run_name = 'beta'", ['beta']],
    ["run_name LIKE '%ta'", ['delta', 'beta']],
    ['attributes.start_time >= 2000', ['delta', 'gamma', 'beta']],
    ['attributes.created < 2500', ['beta', 'alpha']],
    ["metrics.acc > 0.5 AND params.lr = '0.1' AND tags.team = 'red'", ['alpha']],
    ["dataset.name = 'churn'", ['alpha']],
    ["dataset.name IN ('churn')", ['alpha']],
    ["dataset.digest IN ('d1','d2')", ['alpha']],
    ["dataset.context = 'train'", ['alpha']],
  ])('filter %j', async (filter, expected) => {
    expect(await names({ filter })).toEqual(expected);
  });

  it('filter on run_id IN (...)', async () => {
    expect(await names({ filter: `attributes.run_id IN ('${ids.alpha}','${ids.gamma}')` })).toEqual(['gamma', 'alpha']);
  });

  it.each([
    [['metrics.acc DESC'], ['alpha', 'beta', 'delta', 'gamma']],
    [['metrics.acc ASC'], ['beta', 'alpha', 'delta', 'gamma']],
    [['params.lr ASC', 'attributes.start_time ASC'], ['beta', 'alpha', 'delta', 'gamma']],
    [['params.lr DESC'], ['delta', 'alpha', 'beta', 'gamma']],
    [['attributes.run_name'], ['alpha', 'beta', 'delta', 'gamma']],
    [['tags.`mlflow.runName` DESC'], ['gamma', 'delta', 'beta', 'alpha']],
    [['start_time ASC'], ['alpha', 'beta', 'gamma', 'delta']],
    [['attributes.start_time DESC'], ['delta', 'gamma', 'beta', 'alpha']],
  ])('order_by %j (missing values and NaN last)', async (order_by, expected) => {
    expect(await names({ order_by })).toEqual(expected);
  });

  it('pages with next_page_token until exhausted', async () => {
    const first = await search({ max_results: 2 });
    expect(first.runs?.map((r) => r.info.run_name)).toEqual(['delta', 'gamma']);
    expect(first.next_page_token).toEqual(expect.any(String));
    const second = await search({ max_results: 2, page_token: first.next_page_token });
    expect(second.runs?.map((r) => r.info.run_name)).toEqual(['beta', 'alpha']);
    expect('next_page_token' in second).toBe(false);
    // MLflow's own token format ({"offset": 3}) is understood.
    expect((await search({ max_results: 2, page_token: 'eyJvZmZzZXQiOiAzfQ==' })).runs?.map((r) => r.info.run_name)).toEqual(['alpha']);
  });

  it('max_results as a string int', async () => {
    expect((await search({ max_results: '1' })).runs).toHaveLength(1);
  });

  it('no experiment ids, or an unknown experiment, finds nothing', async () => {
    expect(ok(await api.post('runs/search', {}))).toEqual({});
    expect(ok(await api.post('runs/search', { experiment_ids: ['9999'] }))).toEqual({});
    expect(await names({ filter: "tags.team = 'green'" })).toEqual([]);
    expect(ok(await api.post('runs/search', { experiment_ids: [exp], filter: "tags.team = 'green'" }))).toEqual({});
  });

  it('400 for a malformed experiment id', async () => {
    expectError(
      await api.post('runs/search', { experiment_ids: ['abc'] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.",
    );
  });
});

describe('runs/search run_view_type', () => {
  let viewExp: string;
  beforeAll(async () => {
    viewExp = await createExperiment(api);
    await createRun(api, viewExp, { run_name: 'kept', start_time: 2 });
    const gone = await createRun(api, viewExp, { run_name: 'gone', start_time: 1 });
    ok(await api.post('runs/delete', { run_id: gone.info.run_id }));
  });
  const view = async (run_view_type?: unknown): Promise<string[]> =>
    (ok(await api.post<SearchReply>('runs/search', { experiment_ids: [viewExp], run_view_type })).runs ?? []).map((r) => r.info.run_name ?? '');

  it.each([
    [undefined, ['kept']],
    ['ACTIVE_ONLY', ['kept']],
    [1, ['kept']],
    ['DELETED_ONLY', ['gone']],
    [2, ['gone']],
    ['ALL', ['kept', 'gone']],
    [3, ['kept', 'gone']],
    ['3', ['kept', 'gone']],
  ])('run_view_type %j', async (runViewType, expected) => {
    expect(await view(runViewType)).toEqual(expected);
  });

  it('an unknown run_view_type name is ignored (ACTIVE_ONLY), as MLflow’s protobuf parsing does', async () => {
    expect(await view('BOGUS')).toEqual(['kept']);
  });
});

describe('runs/search errors are 400 INVALID_PARAMETER_VALUE, never 5xx', () => {
  it('max_results 0 and > 50000', async () => {
    expectError(
      await api.post('runs/search', { experiment_ids: [exp], max_results: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer",
    );
    expectError(
      await api.post('runs/search', { experiment_ids: [exp], max_results: 50001 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value 50001 for parameter 'max_results' supplied:  Hint: Value was of type 'int'.${SEE_DOCS}`,
    );
    ok(await api.post('runs/search', { experiment_ids: [exp], max_results: 50000 }));
  });

  it('bad page token', async () => {
    expectError(
      await api.post('runs/search', { experiment_ids: [exp], page_token: 'xyz' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid page token, could not base64-decode',
    );
  });

  it.each([
    ["metrics.acc > 'x'", "Expected numeric value type for metric. Found 'x'"],
    ['foo.bar = 1', "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"],
    ['params.lr = 0.1', "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.1"],
    ["tags.team = 'red' OR tags.team = 'blue'", "Invalid clause(s) in filter string: 'OR'"],
    ['((((', "Invalid clause(s) in filter string: '(', '(', '(', '('"],
    ['metrics.acc >', "Invalid clause(s) in filter string: 'metrics.acc', '>'"],
    ["'", "Invalid clause(s) in filter string: '''"],
    ["attributes.status IN ('FAILED')", "Only ['run_id'] attributes support comparison with a list of quoted string values."],
    ['metrics.acc IS NULL', "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'acc'"],
  ])('filter %j', async (filter, message) => {
    expectError(await api.post('runs/search', { experiment_ids: [exp], filter }), 400, 'INVALID_PARAMETER_VALUE', message);
  });

  it.each([
    ["attributes.foo = 'x'", /^Invalid attribute key 'foo' specified\. Valid keys are '\{.*\}'$/],
    ["tags.team ~ 'x'", /^Invalid comparator '~' not one of '\{.*\}'?$/],
  ])('filter %j (messages print a Python set)', async (filter, message) => {
    expectError(await api.post('runs/search', { experiment_ids: [exp], filter }), 400, 'INVALID_PARAMETER_VALUE', message);
  });

  it.each([
    [['foo.bar'], "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"],
    [['metrics.acc sideways'], "Invalid ordering key in order_by clause 'metrics.acc sideways'."],
  ])('order_by %j', async (order_by, message) => {
    expectError(await api.post('runs/search', { experiment_ids: [exp], order_by }), 400, 'INVALID_PARAMETER_VALUE', message);
  });

  it('duplicate order_by fields: MLflow’s message, but 400 (MLflow answers 500, which the client retries)', async () => {
    expectError(
      await api.post('runs/search', { experiment_ids: [exp], order_by: ['metrics.acc', 'metrics.acc'] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "`order_by` contains duplicate fields: ['metrics.acc', 'metrics.acc']",
    );
  });

  it.each([
    ['a garbage string', 'this is not a filter at all ???', "Invalid clause(s) in filter string: 'this', 'is', 'not', 'a filter', 'at', 'all', '?', '?', '?'"],
    ['unbalanced quotes', "tags.team = 'red", "Invalid clause(s) in filter string: 'tags.team', '=', ''', 'red'"],
    ['a backtick key left open', 'tags.`team = 1', "Invalid clause(s) in filter string: 'tags.', '`'"],
    [
      'SQL injection',
      "tags.team = 'x'; DROP TABLE runs; --",
      `Search filter contained multiple expression "tags.team = 'x'; DROP TABLE runs; --". Provide AND-ed expression list.`,
    ],
    ['an empty IN list', 'attributes.run_id IN ()', 'While parsing a list in the query, expected a non-empty list of string values, but got empty list'],
    ['NOT alone', "NOT tags.team = 'red'", "Invalid clause(s) in filter string: 'NOT'"],
    ['unicode', "tags.✓ = 'x'", "Invalid clause(s) in filter string: 'tags.', '✓', '=', ''x''"],
  ])('never a 5xx: %s', async (_what, filter, message) => {
    const res = await api.post('runs/search', { experiment_ids: [exp], filter });
    expect(res.status, res.body).toBeLessThan(500);
    expectError(res, 400, 'INVALID_PARAMETER_VALUE', message);
  });

  it('a number beyond double range compares as infinity (no match, no error)', async () => {
    expect(ok(await api.post('runs/search', { experiment_ids: [exp], filter: 'metrics.acc > 1e999999' }))).toEqual({});
  });

  it('the runs table survives the injection attempt', async () => {
    expect(await names({})).toEqual(['delta', 'gamma', 'beta', 'alpha']);
  });
});

describe('runs/search under /ajax-api', () => {
  it('answers like /api', async () => {
    const res = ok(await api.post<SearchReply>(`${AJAX}/runs/search`, { experiment_ids: [exp], filter: "tags.team = 'red'", max_results: 1 }));
    expect(res.runs?.map((r) => r.info.run_name)).toEqual(['gamma']);
    expect(res.next_page_token).toEqual(expect.any(String));
    expectError(await api.post(`${AJAX}/runs/search`, { experiment_ids: [exp], filter: 'foo.bar = 1' }), 400, 'INVALID_PARAMETER_VALUE');
  });
});

// Issue 18: runs/search and runs/get render latest metrics in SQL (server/store/latest-metrics-json.ts);
// they must write the bytes the objects' serialization writes, in the same order, for any value.
describe('runs/search and runs/get metrics, rendered by the database', () => {
  const metricsText = (body: string, runId: string): string => {
    const at = body.indexOf(`"run_id":"${runId}"`);
    const next = body.indexOf('{"info":', at);
    const run = body.slice(at, next < 0 ? undefined : next);
    const start = run.indexOf('"metrics":[');
    return start < 0 ? '' : run.slice(start, run.indexOf(']', start) + 1);
  };

  it('are byte for byte what serializing the objects writes: Python floats, NaN, the (clamped) infinities, order, keys', async () => {
    const e = await createExperiment(api, 'metrics-text');
    const values = [10, 0.1, -0, 1e16, 123456789012345680, 1e21, 1.5e-7, -2.5, 2 ** 53, 9_999_999_999_999_998, 1 / 3, 'NaN', 'Infinity', '-Infinity'];
    const wide = (await createRun(api, e, { start_time: 1 })).info.run_id;
    const metrics = values.map((value, i) => ({ key: i % 3 ? `m ${i}` : `a_b/${i}.x-y:z`, value, timestamp: 1_700_000_000_000 + i, step: i % 2 ? -i : i * 1000 }));
    ok(await api.post('runs/log-batch', { run_id: wide, metrics: [...metrics].reverse() }));
    ok(await api.post('runs/log-metric', { run_id: wide, key: 'm 1', value: 7, timestamp: 5, step: 99 })); // an update keeps its place
    const nanOnly = (await createRun(api, e, { start_time: 2 })).info.run_id;
    ok(await api.post('runs/log-metric', { run_id: nanOnly, key: 'n', value: 'NaN', timestamp: 1, step: 0 }));
    const none = (await createRun(api, e, { start_time: 3 })).info.run_id;
    const search = await api.post<SearchReply>('runs/search', { experiment_ids: [e] });
    expect(search.status).toBe(200);
    for (const id of [wide, nanOnly, none]) {
      // The reference: the run loaded as objects and serialized as every other answer is.
      const reference = jsonBody({ run: runJson(await api.app.store.runs.get(id)) });
      const get = await api.get('runs/get', { run_id: id });
      expect(get.status).toBe(200);
      expect(metricsText(search.body, id)).toBe(metricsText(reference, id));
      expect(metricsText(get.body, id)).toBe(metricsText(reference, id));
    }
    expect(metricsText(search.body, wide)).toContain('"value":10.0,');
    expect(metricsText(search.body, wide)).toContain('"value":-1.7976931348623157e+308') // MLflow stores the infinities as ±max float;
    expect(metricsText(search.body, nanOnly)).toBe('"metrics":[{"key":"n","value":"NaN","timestamp":1,"step":0}]');
    expect(search.json.runs!.find((r) => r.info.run_id === none)!.data.metrics).toBeUndefined();
    expect(search.json.runs!.find((r) => r.info.run_id === wide)!.data.metrics).toHaveLength(values.length);
  });
});
