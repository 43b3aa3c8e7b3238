// MLflow's wire format: request leniency (int64 as string, enums by name or number, repeated query
// keys, double-encoded bodies, unknown fields), content-type rules, response shaping (snake_case,
// empty fields omitted, run_id + run_uuid, string experiment ids), the error envelope and status
// codes, unknown routes, /health and /version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AJAX,
  API,
  createExperiment,
  createRun,
  expectError,
  getExperiment,
  getRun,
  missingValue,
  ok,
  startApi,
  unique,
  type ExperimentJson,
  type RunJson,
  type TestApi,
} from './helpers.js';

let api: TestApi;
let exp: string;
beforeAll(async () => {
  api = await startApi();
  exp = await createExperiment(api);
});
afterAll(async () => {
  await api.close();
});

const json = { 'content-type': 'application/json' };

describe('request bodies and content types', () => {
  it('POST without Content-Type → 400 "Content-Type header is missing"', async () => {
    const res = await api.request({ method: 'POST', url: `${API}/experiments/create`, payload: JSON.stringify({ name: unique('no-ct') }) });
    expectError(res, 400, 'INVALID_PARAMETER_VALUE', 'Bad Request. Content-Type header is missing.');
  });

  it('POST with another Content-Type → 400 listing application/json', async () => {
    const res = await api.request({
      method: 'POST',
      url: `${API}/experiments/create`,
      payload: JSON.stringify({ name: unique('text-ct') }),
      headers: { 'content-type': 'text/plain' },
    });
    expectError(res, 400, 'INVALID_PARAMETER_VALUE', "Bad Request. Content-Type must be one of ['application/json'].");
  });

  it('the content-type check applies to /ajax-api and to every POST RPC', async () => {
    for (const url of [`${AJAX}/experiments/create`, `${API}/runs/create`, `${API}/runs/log-batch`, `${API}/runs/search`]) {
      const res = await api.request({ method: 'POST', url, payload: '{}' });
      expectError(res, 400, 'INVALID_PARAMETER_VALUE', 'Bad Request. Content-Type header is missing.');
    }
  });

  it('application/json with parameters (charset) is fine', async () => {
    const res = await api.request({
      method: 'POST',
      url: `${API}/experiments/create`,
      payload: JSON.stringify({ name: unique('charset') }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(ok(res)).toEqual({ experiment_id: expect.any(String) });
  });

  it('a double-encoded body (a JSON string holding JSON) is decoded twice', async () => {
    const name = unique('double');
    const res = await api.request({ method: 'POST', url: `${API}/experiments/create`, payload: JSON.stringify(JSON.stringify({ name })), headers: json });
    const { experiment_id } = ok(res) as { experiment_id: string };
    expect((await getExperiment(api, experiment_id)).name).toBe(name);
  });

  it('a malformed or empty JSON body reads as an empty message', async () => {
    for (const payload of ['{not json', '', '[1, 2]', 'null']) {
      const res = await api.request({ method: 'POST', url: `${API}/experiments/create`, payload, headers: json });
      expectError(res, 400, 'INVALID_PARAMETER_VALUE', missingValue('name'));
    }
  });

  it('unknown fields are ignored, at the top level and nested', async () => {
    const name = unique('unknown-fields');
    const { experiment_id } = ok(
      await api.post<{ experiment_id: string }>('experiments/create', { name, bogus: 1, nested: { x: [1] }, tags: [{ key: 'k', value: 'v', extra: true }] }),
    );
    const run = ok(await api.post<{ run: RunJson }>('runs/create', { experiment_id, whatever: 'x' })).run;
    ok(await api.post('runs/log-metric', { run_id: run.info.run_id, key: 'm', value: 1, timestamp: 1, unknown: { deep: true } }));
    expect((await getExperiment(api, experiment_id)).tags).toEqual([{ key: 'k', value: 'v' }]);
  });

  it('GET with no query string reads a JSON body instead', async () => {
    const res = await api.request({ method: 'GET', url: `${API}/experiments/get`, payload: JSON.stringify({ experiment_id: '0' }), headers: json });
    expect((ok(res) as { experiment: ExperimentJson }).experiment.name).toBe('Default');
  });
});

describe('type coercion', () => {
  it('int64 as a number or a string, everywhere', async () => {
    const run = await createRun(api, exp, { start_time: '1700000000000' });
    expect(run.info.start_time).toBe(1_700_000_000_000);
    const id = run.info.run_id;
    ok(await api.post('runs/log-metric', { run_id: id, key: 'm', value: 1, timestamp: '1700000000001', step: '7' }));
    ok(await api.post('runs/log-metric', { run_id: id, key: 'm', value: 2, timestamp: 1_700_000_000_002, step: 8 }));
    ok(await api.post('runs/update', { run_id: id, end_time: '1700000000009' }));
    const got = await getRun(api, id);
    expect(got.info.end_time).toBe(1_700_000_000_009);
    expect(got.data.metrics).toEqual([{ key: 'm', value: 2, timestamp: 1_700_000_000_002, step: 8 }]);
    // int64 values are JSON numbers in responses (not strings as in proto3 JSON).
    expect(typeof got.info.start_time).toBe('number');
  });

  it('doubles as numbers or numeric strings, including "NaN" and "Infinity"', async () => {
    const id = (await createRun(api, exp)).info.run_id;
    ok(await api.post('runs/log-metric', { run_id: id, key: 'a', value: '2.5', timestamp: 1 }));
    ok(await api.post('runs/log-metric', { run_id: id, key: 'b', value: 'NaN', timestamp: 1 }));
    ok(await api.post('runs/log-metric', { run_id: id, key: 'c', value: 'Infinity', timestamp: 1 }));
    const metrics = Object.fromEntries(((await getRun(api, id)).data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(metrics).toEqual({ a: 2.5, b: 'NaN', c: 1.7976931348623157e308 });
  });

  it('enums by name or by number (RunStatus, ViewType)', async () => {
    const id = (await createRun(api, exp)).info.run_id;
    expect(ok(await api.post<{ run_info: { status: string } }>('runs/update', { run_id: id, status: 3 })).run_info.status).toBe('FINISHED');
    expect(ok(await api.post<{ run_info: { status: string } }>('runs/update', { run_id: id, status: 'KILLED' })).run_info.status).toBe('KILLED');
    const byName = ok(await api.post<{ runs?: RunJson[] }>('runs/search', { experiment_ids: [exp], run_view_type: 'ALL' }));
    const byNumber = ok(await api.post<{ runs?: RunJson[] }>('runs/search', { experiment_ids: [exp], run_view_type: 3 }));
    expect(byNumber).toEqual(byName);
  });

  it('a string field given a number is refused with MLflow’s hint', async () => {
    expectError(
      await api.post('runs/set-tag', { run_id: (await createRun(api, exp)).info.run_id, key: 'k', value: 5 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 5 for parameter 'value' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
    );
  });
});

describe('GET query strings', () => {
  it('repeated keys fill repeated fields', async () => {
    const a = (await createRun(api, exp)).info.run_id;
    const b = (await createRun(api, exp)).info.run_id;
    ok(await api.post('runs/log-metric', { run_id: a, key: 'q', value: 1, timestamp: 1 }));
    ok(await api.post('runs/log-metric', { run_id: b, key: 'q', value: 2, timestamp: 1 }));
    const res = ok(await api.get<{ metrics?: { run_id?: string }[] }>('metrics/get-history-bulk-interval', { run_ids: [a, b], metric_key: 'q' }));
    expect(new Set(res.metrics?.map((m) => m.run_id))).toEqual(new Set([a, b]));
  });

  it('a repeated singular key takes the first value, as Flask’s args.get', async () => {
    const res = await api.request({ method: 'GET', url: `${API}/experiments/search?max_results=1&max_results=2` });
    expect((ok(res) as { experiments?: unknown[] }).experiments).toHaveLength(1);
  });

  it('int fields from the query string', async () => {
    const res = ok(await api.get<{ experiments?: unknown[]; next_page_token?: string }>('experiments/search', { max_results: '1' }));
    expect(res.experiments).toHaveLength(1);
  });
});

describe('response shape', () => {
  it('snake_case fields; RunInfo has run_id and run_uuid; experiment_id is a string', async () => {
    const run = await createRun(api, exp, { run_name: 'shape' });
    const body = (await api.get('runs/get', { run_id: run.info.run_id })).body;
    expect(body).not.toMatch(/"[a-z]+[A-Z][a-zA-Z]*"\s*:/); // no camelCase keys
    const got = await getRun(api, run.info.run_id);
    expect(got.info.run_uuid).toBe(got.info.run_id);
    expect(typeof got.info.experiment_id).toBe('string');
    expect(got.info.experiment_id).toBe(exp);
    expect(typeof (await getExperiment(api, exp)).experiment_id).toBe('string');
  });

  it('empty repeated fields and unset fields are omitted; empty messages are {}', async () => {
    const run = await createRun(api, exp);
    const got = await getRun(api, run.info.run_id);
    expect(Object.keys(got.data)).toEqual(['tags']);
    expect(got.inputs).toEqual({});
    expect(got.outputs).toEqual({});
    expect('end_time' in got.info).toBe(false);
    expect(ok(await api.post('runs/set-tag', { run_id: run.info.run_id, key: 'k', value: 'v' }))).toEqual({});
    const body = (await api.post('experiments/search', { filter: "name = 'nothing-here'", max_results: 5 })).body;
    expect(JSON.parse(body)).toEqual({});
    expect(body).not.toContain('next_page_token');
    expect(body).not.toContain('[]');
  });

  it('a last page has no next_page_token key at all (never "")', async () => {
    const res = await api.post('experiments/search', { max_results: 50000 });
    expect(ok(res)).not.toHaveProperty('next_page_token');
    expect(res.body).not.toContain('next_page_token');
  });

  it('responses are application/json', async () => {
    const res = await api.get('experiments/get', { experiment_id: '0' });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('errors', () => {
  it('error bodies are {error_code, message, sqlstate, error_class} with the mapped status', async () => {
    const cases: [Promise<unknown>, number, string, string][] = [
      [api.get('experiments/get', { experiment_id: '424242' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'RESOURCE_NOT_FOUND'],
      [api.get('experiments/get', { experiment_id: 'x' }), 400, 'INVALID_PARAMETER_VALUE', 'INVALID_PARAMETER_VALUE'],
      [api.post('experiments/create', { name: 'Default' }), 400, 'RESOURCE_ALREADY_EXISTS', 'RESOURCE_ALREADY_EXISTS'],
    ];
    for (const [pending, status, code, cls] of cases) {
      const res = (await pending) as Parameters<typeof expectError>[0];
      const err = expectError(res, status, code);
      expect(err.error_class).toBe(cls);
      expect(err.sqlstate).toBe('KAM00');
    }
  });

  it('an unknown route is a 404 with a JSON error body', async () => {
    for (const [method, url] of [
      ['GET', `${API}/nope`],
      ['POST', `${AJAX}/nope`],
      ['GET', '/api/2.0/mlflow/experiments/get/extra'],
    ] as const) {
      const res = await api.request({ method, url, payload: method === 'POST' ? '{}' : undefined, headers: method === 'POST' ? json : undefined });
      expect(res.status, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const err = res.json as { error_code?: string; message?: string };
      expect(typeof err.error_code).toBe('string');
      expect(typeof err.message).toBe('string');
    }
  });

  it('a known route with the wrong method is a 405, as MLflow answers', async () => {
    const res = await api.request({ method: 'GET', url: `${API}/experiments/create` });
    expect(res.status).toBe(405);
    const post = await api.request({ method: 'POST', url: `${API}/experiments/get`, payload: '{}', headers: json });
    expect(post.status).toBe(405);
  });
});

describe('/health and /version', () => {
  it('/health answers OK in plain text', async () => {
    const res = await api.request({ method: 'GET', url: '/health' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('OK');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('/version answers the MLflow version we are compatible with', async () => {
    const res = await api.request({ method: 'GET', url: '/version' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('3.17.2');
  });
});

describe('every tracking endpoint answers under both /api/2.0 and /ajax-api/2.0', () => {
  // A request that reaches the handler and fails validation proves the route exists: the
  // not-found handler answers ENDPOINT_NOT_FOUND instead.
  const rpcs: ['GET' | 'POST', string][] = [
    ['POST', 'experiments/create'],
    ['GET', 'experiments/get'],
    ['GET', 'experiments/get-by-name'],
    ['POST', 'experiments/search'],
    ['GET', 'experiments/search'],
    ['POST', 'experiments/update'],
    ['POST', 'experiments/delete'],
    ['POST', 'experiments/restore'],
    ['POST', 'experiments/set-experiment-tag'],
    ['POST', 'experiments/delete-experiment-tag'],
    ['POST', 'runs/create'],
    ['GET', 'runs/get'],
    ['POST', 'runs/update'],
    ['POST', 'runs/delete'],
    ['POST', 'runs/restore'],
    ['POST', 'runs/search'],
    ['POST', 'runs/set-tag'],
    ['POST', 'runs/delete-tag'],
    ['POST', 'runs/log-metric'],
    ['POST', 'runs/log-parameter'],
    ['POST', 'runs/log-batch'],
    ['POST', 'runs/log-inputs'],
    ['POST', 'runs/outputs'],
    ['GET', 'metrics/get-history'],
    ['GET', 'metrics/get-history-bulk-interval'],
  ];
  it.each(rpcs.flatMap(([m, p]) => [[m, `${API}/${p}`] as const, [m, `${AJAX}/${p}`] as const]))('%s %s is routed', async (method, url) => {
    const res =
      method === 'GET'
        ? await api.request({ method, url: `${url}?unused=1` })
        : await api.request({ method, url, payload: '{}', headers: json });
    expect(res.status, res.body).toBeLessThan(500);
    expect((res.json as { error_code?: string } | undefined)?.error_code).not.toBe('ENDPOINT_NOT_FOUND');
  });
});
