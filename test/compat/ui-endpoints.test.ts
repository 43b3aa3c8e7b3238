// What the official UI needs from the server besides the tracking API, checked without a browser:
// the build served as Flask serves it (index, static files, cache headers, static prefix, no-build
// page), the shell endpoints, the GenAI stubs (UI prefix only), and /graphql answering the UI's
// queries in MLflow's envelope and shapes. The browser suite (ui-browser.test.ts) covers the pages.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { makeConfig, type Config } from '../../server/config.js';
import { tempDir } from '../helpers/paths.js';
import { findUiBuildOnDisk, findUiBuildWithPython } from '../../server/ui/locate-build.js';
import { venvUiBuild } from './ui/build-dir.js';
import { GET_RUN, GET_EXPERIMENT, SEARCH_RUNS } from './ui/queries.js';

const uiDir = venvUiBuild();

async function makeApp(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const dir = tempDir('ui-endpoints');
  return buildApp(makeConfig({ dbFile: ':memory:', artifactsDestination: path.join(dir, 'artifacts'), uiDir, ...overrides }), {
    fastify: { forceCloseConnections: true },
  });
}

async function json(app: FastifyInstance, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Record<string, unknown>> {
  const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object, headers: { 'content-type': 'application/json; charset=utf-8' } }) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(200);
  return res.json() as Record<string, unknown>;
}

describe('serving the UI build', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeApp();
  });
  afterAll(async () => app.close());

  it('answers / with the build index.html, revalidated on every load', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toBe(fs.readFileSync(path.join(uiDir, 'index.html'), 'utf8'));
  });

  it('serves /static-files/* from the build with 28-day caching and MIME types by extension', async () => {
    const index = fs.readFileSync(path.join(uiDir, 'index.html'), 'utf8');
    const mainJs = /src="(static-files\/static\/js\/main\.[^"]+\.js)"/.exec(index)![1]!;
    const js = await app.inject({ method: 'GET', url: `/${mainJs}` });
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=2419200');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(js.headers['content-length'])).toBe(fs.statSync(path.join(uiDir, mainJs.replace('static-files/', ''))).size);

    const icon = await app.inject({ method: 'GET', url: '/static-files/favicon.ico' });
    expect(icon.headers['content-type']).toBe('image/vnd.microsoft.icon');
    const css = /href="(static-files\/static\/css\/[^"]+\.css)"/.exec(index)![1]!;
    expect((await app.inject({ method: 'GET', url: `/${css}` })).headers['content-type']).toBe('text/css; charset=utf-8');

    const again = await app.inject({ method: 'GET', url: '/static-files/favicon.ico', headers: { 'if-none-match': String(icon.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('never serves a file outside the build', async () => {
    for (const url of ['/static-files/../index.html', '/static-files/%2e%2e/%2e%2e/package.json', '/static-files/..%2f..%2fpackage.json', '/static-files/missing.js']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('tells the UI the store is SQL, without workspaces or the AI gateway, on both API prefixes', async () => {
    for (const prefix of ['/ajax-api', '/api']) {
      const info = await json(app, 'GET', `${prefix}/3.0/mlflow/server-info`);
      expect(info).toMatchObject({ store_type: 'SqlStore', workspaces_enabled: false, features_enabled: { gateway: false } });
    }
  });

  it('keeps UI telemetry off', async () => {
    expect(await json(app, 'GET', '/ajax-api/3.0/mlflow/ui-telemetry')).toEqual({
      disable_ui_telemetry: true,
      disable_ui_events: [],
      ui_rollout_percentage: 0,
    });
    expect(await json(app, 'POST', '/ajax-api/3.0/mlflow/ui-telemetry', { records: [{ event_name: 'x' }] })).toEqual({ status: 'disabled' });
  });

  it('answers the GenAI endpoints the pages call with empty messages, for the UI prefix only', async () => {
    expect(await json(app, 'GET', '/ajax-api/2.0/mlflow/traces?experiment_ids=1&max_results=1')).toEqual({});
    expect(await json(app, 'POST', '/ajax-api/3.0/mlflow/traces/search', { locations: [] })).toEqual({});
    expect(await json(app, 'POST', '/ajax-api/3.0/mlflow/traces/metrics', { experiment_ids: ['1'] })).toEqual({});
    expect(await json(app, 'GET', '/ajax-api/3.0/mlflow/scorers/list?experiment_id=1')).toEqual({});
    expect(await json(app, 'POST', '/ajax-api/3.0/mlflow/datasets/search', {})).toEqual({});
    expect(await json(app, 'GET', '/ajax-api/2.0/mlflow/gateway-proxy?gateway_path=api%2F2.0%2Fendpoints%2F')).toEqual({ endpoints: [] });
    const queue = await json(app, 'POST', '/ajax-api/3.0/mlflow/review-queues/get-or-create-user', { experiment_id: '1', user: 'default' });
    expect(queue.review_queue).toMatchObject({ experiment_id: '1', users: ['default'], queue_type: 'USER' });
    // The Python client must not mistake a stub for tracing support.
    const client = await app.inject({ method: 'POST', url: '/api/3.0/mlflow/traces/search', payload: {} });
    expect(client.statusCode).toBe(404);
    expect(client.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
  });
});

describe('--static-prefix and a missing build', () => {
  it('serves the UI under the prefix, and redirects the bare prefix so relative URLs resolve', async () => {
    const app = await makeApp({ staticPrefix: '/mlflow' });
    try {
      const bare = await app.inject({ method: 'GET', url: '/mlflow?x=1' });
      expect(bare.statusCode).toBe(308);
      expect(bare.headers.location).toBe('/mlflow/?x=1');
      expect((await app.inject({ method: 'GET', url: '/mlflow/' })).body).toContain('static-files/static/js/main.');
      expect((await app.inject({ method: 'GET', url: '/mlflow/static-files/favicon.ico' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/static-files/favicon.ico' })).statusCode).toBe(404);
      expect((await json(app, 'POST', '/mlflow/graphql', { query: '{ test(inputString: "p") { output } }' })).data).toEqual({ test: { output: 'p' } });
    } finally {
      await app.close();
    }
  });

  it('answers / with a page that says how to install the UI when --ui-dir has no build', async () => {
    const empty = tempDir('ui-empty');
    const app = await makeApp({ uiDir: empty });
    try {
      const res = await app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('pip install mlflow');
      expect(res.body).toContain('--ui-dir');
      expect(res.body).toContain(`${empty} has no index.html`);
      expect((await app.inject({ method: 'GET', url: '/static-files/favicon.ico' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/health' })).body).toBe('OK');
    } finally {
      await app.close();
    }
  });
});

describe('finding the UI build without --ui-dir', () => {
  function fakeBuild(root: string): string {
    const dir = path.join(root, 'mlflow', 'server', 'js', 'build');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    return dir;
  }

  it('finds the wheel in a virtualenv on disk, newest python first, without running python', () => {
    const cwd = tempDir('ui-venv');
    fakeBuild(path.join(cwd, '.venv', 'lib', 'python3.9', 'site-packages'));
    const newest = fakeBuild(path.join(cwd, '.venv', 'lib', 'python3.12', 'site-packages'));
    expect(findUiBuildOnDisk(null, cwd, {})).toEqual({ dir: newest, source: 'virtualenv' });
    const active = tempDir('ui-active-venv');
    const activeBuild = fakeBuild(path.join(active, 'lib', 'python3.11', 'site-packages'));
    expect(findUiBuildOnDisk(null, cwd, { VIRTUAL_ENV: active })).toEqual({ dir: activeBuild, source: 'virtualenv' });
  });

  it('asks python where mlflow is installed, and gives up after a short timeout', async () => {
    const bin = tempDir('ui-fake-python');
    const site = tempDir('ui-site');
    const build = fakeBuild(site);
    const savedPath = process.env.PATH;
    const fake = (script: string) => {
      for (const name of ['python3', 'python']) fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    };
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      fake(`echo ${build}`);
      expect(await findUiBuildWithPython()).toEqual({ dir: build, source: 'python' });
      fake('exit 1');
      expect(await findUiBuildWithPython()).toMatchObject({ dir: null, source: 'none' });
      fake('sleep 10');
      const started = Date.now();
      expect((await findUiBuildWithPython()).dir).toBeNull();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      process.env.PATH = savedPath;
    }
  }, 20_000);
});

describe('/graphql', () => {
  let app: FastifyInstance;
  let runId: string;
  let experimentId: string;
  const gql = async (body: Record<string, unknown>) => json(app, 'POST', '/graphql', body);

  beforeAll(async () => {
    app = await makeApp();
    experimentId = String((await json(app, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'gql' })).experiment_id);
    const run = (await json(app, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: experimentId, run_name: 'r1', start_time: 1700000000123 })) as {
      run: { info: { run_id: string } };
    };
    runId = run.run.info.run_id;
    await json(app, 'POST', '/api/2.0/mlflow/runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'loss', value: 0.5, timestamp: 1700000000500, step: 3 },
        { key: 'bad', value: 'NaN', timestamp: 1700000000500, step: 0 },
      ],
      params: [{ key: 'lr', value: '0.1' }],
    });
  });
  afterAll(async () => app.close());

  it('answers the run page query (GetRun) with int64 as strings, proto defaults, experiment and model versions', async () => {
    const res = await gql({ operationName: 'GetRun', query: GET_RUN, variables: { data: { runId } } });
    expect(res.errors).toBeNull();
    const run = (res.data as { mlflowGetRun: { run: Record<string, any>; apiError: null } }).mlflowGetRun.run;
    expect(run.info).toMatchObject({ runUuid: runId, runName: 'r1', status: 'RUNNING', startTime: '1700000000123', endTime: '0', experimentId });
    expect(run.data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'loss', value: 0.5, step: '3', timestamp: '1700000000500' },
        // NaN cannot be a GraphQL Float: MLflow answers null.
        { key: 'bad', value: null, step: '0', timestamp: '1700000000500' },
      ]),
    );
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(run.experiment).toMatchObject({ experimentId, name: 'gql', lifecycleStage: 'active' });
    expect(run.inputs).toEqual({ datasetInputs: [], modelInputs: [] });
    expect(run.outputs).toEqual({ modelOutputs: [] });
    expect(Array.isArray(run.modelVersions)).toBe(true);
  });

  it('answers the experiment page query with the @component directive', async () => {
    const res = await gql({ operationName: 'MlflowGetExperimentQuery', query: GET_EXPERIMENT, variables: { input: { experimentId } } });
    expect(res.errors).toBeNull();
    expect((res.data as any).mlflowGetExperiment.experiment).toMatchObject({
      experimentId,
      name: 'gql',
      effectiveTraceArchivalRetention: '',
      tags: [],
    });
  });

  it('answers SearchRuns, as query and mutation', async () => {
    const res = await gql({ query: SEARCH_RUNS, variables: { data: { experimentIds: [experimentId], maxResults: 5, orderBy: ['metrics.loss DESC'] } } });
    expect(res.errors).toBeNull();
    expect((res.data as any).mlflowSearchRuns.runs.map((r: any) => r.info.runUuid)).toEqual([runId]);
    const mutation = await gql({ query: `mutation { mlflowSearchRuns(input: {experimentIds: ["${experimentId}"]}) { runs { info { runId } } nextPageToken } }` });
    expect(mutation).toEqual({ data: { mlflowSearchRuns: { runs: [{ info: { runId } }], nextPageToken: '' } }, errors: null });
  });

  it('puts a resolver error in errors as a string and leaves the field null, with HTTP 200', async () => {
    expect(await gql({ query: GET_RUN, variables: { data: { runId: 'nope' } } })).toEqual({
      data: { mlflowGetRun: null },
      errors: ['Run with id=nope not found'],
    });
    expect(await gql({ query: GET_EXPERIMENT, variables: { input: { experimentId: 'abc' } } })).toEqual({
      data: { mlflowGetExperiment: null },
      errors: ["Invalid experiment ID 'abc'. Experiment ID must be a valid integer."],
    });
  });

  it('rejects unknown fields, syntax errors and missing queries in the same envelope', async () => {
    const unknown = await gql({ query: '{ mlflowGetRun(input: {runId: "x"}) { nope } }' });
    expect(unknown.data).toBeNull();
    expect(unknown.errors).toEqual(['Cannot query field "nope" on type "MlflowGetRunResponse".']);
    const syntax = await gql({ query: '{ mlflowGetRun(' });
    expect(syntax.data).toBeNull();
    expect((syntax.errors as string[])[0]).toMatch(/^Syntax Error/);
    expect(await gql({})).toEqual({ data: null, errors: ['Must provide query string.'] });
  });

  it('limits root fields and aliases to 10, as MLflow', async () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: test(inputString: "x") { output }`).join(' ');
    expect((await gql({ query: `{ ${fields(10)} }` })).errors).toBeNull();
    expect((await gql({ query: `{ ${fields(11)} }` })).errors).toEqual([
      'GraphQL queries should have at most 10 root fields, got 11 root fields. To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS environment variable.',
    ]);
    const aliases = Array.from({ length: 11 }, (_, i) => `k${i}: key`).join(' ');
    expect((await gql({ query: `{ mlflowGetRun(input: {runId: "${runId}"}) { run { data { params { ${aliases} } } } } }` })).errors).toEqual([
      'GraphQL queries should have at most 10 aliases, got 11 aliases. To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ALIASES environment variable.',
    ]);
  });

  it('answers GET with the request in the query string', async () => {
    const query = encodeURIComponent('query Q($s: String) { test(inputString: $s) { output } }');
    const variables = encodeURIComponent(JSON.stringify({ s: 'via get' }));
    expect(await json(app, 'GET', `/graphql?query=${query}&variables=${variables}`)).toEqual({ data: { test: { output: 'via get' } }, errors: null });
  });

  it('samples metric history and lists artifacts like the REST endpoints', async () => {
    const hist = await gql({
      query: `{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["${runId}"], metricKey: "loss", maxResults: 10}) { metrics { key value step timestamp runId } } }`,
    });
    expect(hist).toEqual({
      data: { mlflowGetMetricHistoryBulkInterval: { metrics: [{ key: 'loss', value: 0.5, step: '3', timestamp: '1700000000500', runId }] } },
      errors: null,
    });
    const artifacts = await gql({ query: `{ mlflowListArtifacts(input: {runUuid: "${runId}"}) { rootUri files { path } nextPageToken } }` });
    expect(artifacts).toEqual({
      data: { mlflowListArtifacts: { rootUri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`, files: [], nextPageToken: '' } },
      errors: null,
    });
  });
});
