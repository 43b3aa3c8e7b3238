// Issue 17: every route of Minflow's OpenAPI document, asked by a READ user and by a user with
// NO_PERMISSIONS on the experiment and the registered model, under `--app-name basic-auth`. Each route
// is classified below by the permission MLflow's auth app requires for it (mlflow/server/auth:
// BEFORE_REQUEST_HANDLERS and the Flask-route validators); a route the table does not classify fails
// the test, so none is left unchecked. READ must pass the 'read' routes and get 403 on the rest;
// NO_PERMISSIONS gets 403 on every experiment/model route and searches that never show its objects.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { makeConfig } from '../../server/config.js';
import { backendConfig, createTestBackend, type TestBackend } from '../helpers/backend.js';
import { tempDir } from '../helpers/paths.js';

type Need = 'read' | 'update' | 'delete' | 'search' | 'any' | 'open';

/** Route (version and /api|/ajax-api prefix dropped) → what MLflow requires. */
const REQUIRED: Record<string, Need> = {
  'POST experiments/create': 'any',
  'GET experiments/get': 'read',
  'GET experiments/get-by-name': 'read',
  'POST experiments/delete': 'delete',
  'POST experiments/restore': 'delete',
  'POST experiments/update': 'update',
  'POST experiments/set-experiment-tag': 'update',
  'POST experiments/delete-experiment-tag': 'update',
  'GET experiments/search': 'search',
  'POST experiments/search': 'search',
  'POST experiments/search-datasets': 'search',
  'POST runs/create': 'update',
  'POST runs/create-promptlab-run': 'update',
  'GET runs/get': 'read',
  'POST runs/delete': 'delete',
  'POST runs/restore': 'delete',
  'POST runs/update': 'update',
  'POST runs/log-metric': 'update',
  'POST runs/log-batch': 'update',
  'POST runs/log-inputs': 'update',
  'POST runs/outputs': 'update',
  'POST runs/log-model': 'update',
  'POST runs/set-tag': 'update',
  'POST runs/delete-tag': 'update',
  'POST runs/log-parameter': 'update',
  'POST runs/search': 'search',
  'GET metrics/get-history': 'read',
  'GET metrics/get-history-bulk': 'read',
  'GET metrics/get-history-bulk-interval': 'read',
  'GET artifacts/list': 'read',
  'POST registered-models/create': 'any',
  'GET registered-models/get': 'read',
  'DELETE registered-models/delete': 'delete',
  'PATCH registered-models/update': 'update',
  'POST registered-models/rename': 'update',
  'GET registered-models/get-latest-versions': 'read',
  'POST registered-models/get-latest-versions': 'read',
  'POST registered-models/set-tag': 'update',
  'DELETE registered-models/delete-tag': 'update',
  'POST registered-models/alias': 'update',
  'DELETE registered-models/alias': 'delete',
  'GET registered-models/alias': 'read',
  'GET registered-models/search': 'search',
  'POST model-versions/create': 'update',
  'GET model-versions/get': 'read',
  'GET model-versions/get-download-uri': 'read',
  'DELETE model-versions/delete': 'delete',
  'PATCH model-versions/update': 'update',
  'POST model-versions/transition-stage': 'update',
  'POST model-versions/set-tag': 'update',
  'DELETE model-versions/delete-tag': 'delete',
  'GET model-versions/search': 'search',
  'POST logged-models': 'update',
  'GET logged-models/{model_id}': 'read',
  'PATCH logged-models/{model_id}': 'update',
  'DELETE logged-models/{model_id}': 'delete',
  'PATCH logged-models/{model_id}/tags': 'update',
  'DELETE logged-models/{model_id}/tags/{tag_key}': 'update',
  'POST logged-models/{model_id}/params': 'update',
  'POST logged-models/search': 'search',
  'GET logged-models/{model_id}/artifacts/files': 'read',
  'GET logged-models/{model_id}/artifacts/directories': 'read',
  'POST upload-artifact': 'update',
  'GET /get-artifact': 'read',
  'GET /model-versions/get-artifact': 'read',
  'GET /mlflow-artifacts/artifacts/{path}': 'read',
  'PUT /mlflow-artifacts/artifacts/{path}': 'update',
  'DELETE /mlflow-artifacts/artifacts/{path}': 'delete',
  'GET /mlflow-artifacts/artifacts': 'read',
  'GET /mlflow-artifacts/presigned/{path}': 'read',
  'POST /mlflow-artifacts/mpu/create/{path}': 'update',
  'POST /mlflow-artifacts/mpu/complete/{path}': 'update',
  'POST /mlflow-artifacts/mpu/abort/{path}': 'update',
  'GET /graphql': 'search',
  'POST /graphql': 'search',
  'GET traces': 'search',
  'POST traces/search': 'search',
  // Open in MLflow's auth app too, or the UI's shell (no data).
  'GET /health': 'open',
  'GET /version': 'any',
  'GET /': 'any',
  'GET /static-files/{path}': 'open',
  'GET /openapi.json': 'any',
  'GET server-info': 'open',
};
// The UI's GenAI/gateway stubs hold no tracking data (empty answers for everyone): any authenticated user.
const STUB = /^(GET|POST|PUT|PATCH|DELETE) (assistant|gateway|gateway-proxy|datasets|issues|review-queues|label-schemas|mcp-servers|scorers|ui-telemetry|traces\/metrics)(\/|$)/;

let backend: TestBackend;
let app: FastifyInstance;
let dir: string;
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const ADMIN = basic('admin', 'admin-pass-123');
const READER = basic('reader', 'reader-pass-123');
const NOBODY = basic('nobody', 'nobody-pass-123');
const fx = { E: '', R: '', M: 'walked-model', L: '' };

async function call(headers: Record<string, string>, method: string, url: string, body?: unknown) {
  const res = await app.inject({
    method: method as 'GET',
    url,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.body };
}

beforeAll(async () => {
  dir = tempDir('basic-auth-routes');
  const ini = path.join(dir, 'auth.ini');
  fs.writeFileSync(ini, `[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///${path.join(dir, 'auth.db')}\nadmin_username = admin\nadmin_password = admin-pass-123\n`);
  process.env.MLFLOW_AUTH_CONFIG_PATH = ini;
  backend = await createTestBackend();
  app = await buildApp(makeConfig({ ...backendConfig(backend), appName: 'basic-auth' }), { fastify: { forceCloseConnections: true } });
  await app.ready();
  delete process.env.MLFLOW_AUTH_CONFIG_PATH;
  const ok = async (method: string, url: string, body?: unknown) => {
    const res = await call(ADMIN, method, url, body);
    expect(res.status, `${method} ${url}: ${res.body}`).toBe(200);
    return JSON.parse(res.body || '{}') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  for (const u of ['reader', 'nobody']) await ok('POST', '/api/2.0/mlflow/users/create', { username: u, password: `${u}-pass-123` });
  fx.E = (await ok('POST', '/api/2.0/mlflow/experiments/create', { name: 'walked-exp' })).experiment_id;
  fx.R = (await ok('POST', '/api/2.0/mlflow/runs/create', { experiment_id: fx.E })).run.info.run_id;
  await ok('POST', '/api/2.0/mlflow/runs/log-metric', { run_id: fx.R, key: 'm', value: 1, timestamp: 1, step: 0 });
  const put = await app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${fx.E}/${fx.R}/artifacts/f.txt`, headers: ADMIN, payload: 'hello' });
  expect(put.statusCode, put.body).toBe(200);
  fx.L = (await ok('POST', '/api/2.0/mlflow/logged-models', { experiment_id: fx.E, name: 'lm' })).model.info.model_id;
  await ok('POST', '/api/2.0/mlflow/registered-models/create', { name: fx.M });
  await ok('POST', '/api/2.0/mlflow/model-versions/create', { name: fx.M, source: `mlflow-artifacts:/${fx.E}/${fx.R}/artifacts`, run_id: fx.R });
  await ok('POST', '/api/2.0/mlflow/registered-models/alias', { name: fx.M, alias: 'champion', version: '1' });
  for (const [user, perm] of [['reader', 'READ'], ['nobody', 'NO_PERMISSIONS']] as const) {
    await ok('POST', '/api/3.0/mlflow/users/permissions/grant', { username: user, resource_type: 'experiment', resource_id: fx.E, permission: perm });
    await ok('POST', '/api/3.0/mlflow/users/permissions/grant', { username: user, resource_type: 'registered_model', resource_id: fx.M, permission: perm });
  }
});

afterAll(async () => {
  await app?.close();
  await backend?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

function routeKey(method: string, route: string): string {
  const m = /^\/(?:ajax-)?api\/[23]\.0\/mlflow\/(.+)$/.exec(route);
  if (m) return `${method} ${m[1]}`;
  return `${method} ${route.replace(/^\/(?:ajax-)?api\/2\.0\/mlflow-artifacts/, '/mlflow-artifacts')}`;
}

function requestFor(method: string, route: string): { url: string; body?: unknown } {
  const artifactPath = `${fx.E}/${fx.R}/artifacts/f.txt`;
  const url = route
    .replace('{path}', route.includes('static-files') ? 'index.html' : artifactPath)
    .replace('{model_id}', fx.L)
    .replace('{tag_key}', 'k');
  const bag: Record<string, unknown> = {
    experiment_id: fx.E, experiment_ids: [fx.E], experiment_name: 'walked-exp', run_id: fx.R, run_uuid: fx.R, run_ids: [fx.R],
    name: fx.M, new_name: 'renamed', version: '1', alias: 'champion', key: 'k', value: 'v', metric_key: 'm', model_id: fx.L,
    path: route.endsWith('/mlflow-artifacts/artifacts') ? `${fx.E}/${fx.R}/artifacts` : 'f.txt',
    query: `{ mlflowGetExperiment(input: {experimentId: "${fx.E}"}) { experiment { experimentId name } } mlflowSearchRuns(input: {experimentIds: ["${fx.E}"]}) { runs { info { runId experimentId } } } }`,
  };
  if (method === 'GET' || route.includes('/mlflow-artifacts/') || route.endsWith('/upload-artifact')) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(bag)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
    return { url: `${url}?${q}`, body: method === 'GET' ? undefined : 'data' };
  }
  return { url, body: bag };
}

describe('every OpenAPI route under --app-name basic-auth', () => {
  it('answers a READ user and a NO_PERMISSIONS user as MLflow’s permissions require', async () => {
    const doc = JSON.parse((await call(ADMIN, 'GET', '/openapi.json')).body) as { paths: Record<string, Record<string, unknown>> };
    const problems: string[] = [];
    let walked = 0;
    const routes = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => [m.toUpperCase(), p] as const));
    // Creations last: a READ user may create its own experiment or model, which must not disturb the rest.
    routes.sort(([m1, p1], [m2, p2]) => Number(REQUIRED[routeKey(m1, p1)] === 'any') - Number(REQUIRED[routeKey(m2, p2)] === 'any'));
    for (const [method, route] of routes) {
      const key = routeKey(method, route);
      const need = REQUIRED[key] ?? (STUB.test(key) ? 'any' : undefined);
      if (!need) {
        problems.push(`${key}: not classified`);
        continue;
      }
      walked++;
      const { url, body } = requestFor(method, route);
      for (const [who, headers] of [['reader', READER], ['nobody', NOBODY]] as const) {
        const res = await call(headers, method, url, body);
        const denied = res.status === 403;
        if (res.status === 401) problems.push(`${who} ${key}: 401`);
        if (denied && res.body !== 'Permission denied') problems.push(`${who} ${key}: 403 body ${res.body.slice(0, 80)}`);
        const mayPass = need === 'any' || need === 'open' || need === 'search' || (need === 'read' && who === 'reader');
        if (mayPass && denied) problems.push(`${who} ${key}: 403, expected allowed`);
        if (!mayPass && !denied) problems.push(`${who} ${key}: ${res.status} ${res.body.slice(0, 120)}, expected 403`);
        if (need === 'search' && who === 'nobody' && (res.body.includes(fx.R) || res.body.includes(fx.M) || res.body.includes(fx.L) || res.body.includes('walked-exp'))) {
          problems.push(`nobody ${key}: the answer shows hidden objects: ${res.body.slice(0, 200)}`);
        }
        if (need === 'search' && who === 'reader' && res.status === 200 && /runs\/search|experiments\/search$|graphql/.test(key) && !res.body.includes(key.includes('experiments') ? 'walked-exp' : fx.R)) {
          problems.push(`reader ${key}: the answer lacks readable objects: ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(walked).toBeGreaterThan(100);
  });

  it('refuses GraphQL fields that name a hidden run, literally, through variables or escaped', async () => {
    const list = (runId: string) => `{ mlflowListArtifacts(input: {runId: ${runId}}) { files { path } } }`;
    const hex = [...fx.R].map((c) => `\\u00${c.charCodeAt(0).toString(16)}`).join('');
    const asked = [
      { query: list(`"${fx.R}"`) },
      { query: list(`"${hex}"`) },
      { query: 'query q($r: String) { mlflowListArtifacts(input: {runId: $r}) { files { path } } }', variables: { r: fx.R } },
      { query: 'query q($i: MlflowListArtifactsInput) { a: mlflowListArtifacts(input: $i) { files { path } } }', variables: { i: { runId: fx.R } } },
      { query: `{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["${fx.R}"], metricKey: "m"}) { metrics { value } } }` },
    ];
    for (const body of asked) {
      const nobody = await call(NOBODY, 'POST', '/graphql', body);
      expect(nobody.status, `${JSON.stringify(body)}: ${nobody.body}`).toBe(403);
      const reader = await call(READER, 'POST', '/graphql', body);
      expect(reader.status, `${JSON.stringify(body)}: ${reader.body}`).toBe(200);
      expect((JSON.parse(reader.body) as { errors?: unknown }).errors ?? null, reader.body).toBeNull();
    }
  });

  it('fills a search page past hidden experiments and models, and pages through each visible one once', async () => {
    const admin = async (rpc: string, body: unknown, version = '2.0') => {
      const res = await call(ADMIN, 'POST', `/api/${version}/mlflow/${rpc}`, body);
      expect(res.status, res.body).toBe(200);
      return JSON.parse(res.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const hidden: string[] = [];
    for (let i = 0; i < 4; i++) {
      hidden.push((await admin('experiments/create', { name: `page-hidden-${i}` })).experiment_id);
      await admin('users/permissions/grant', { username: 'nobody', resource_type: 'experiment', resource_id: hidden.at(-1), permission: 'NO_PERMISSIONS' }, '3.0');
      await admin('registered-models/create', { name: `page-hidden-model-${i}` });
      await admin('users/permissions/grant', { username: 'nobody', resource_type: 'registered_model', resource_id: `page-hidden-model-${i}`, permission: 'NO_PERMISSIONS' }, '3.0');
    }
    for (let i = 0; i < 3; i++) {
      await admin('experiments/create', { name: `page-visible-${i}` });
      await admin('registered-models/create', { name: `page-visible-model-${i}` });
    }
    const walk = async (rpc: string, listKey: string, idKey: string) => {
      const seen: string[] = [];
      let token: string | undefined;
      for (let pages = 0; pages < 50; pages++) {
        const q = new URLSearchParams({ max_results: '2', ...(token ? { page_token: token } : {}) });
        const res = await call(NOBODY, 'GET', `/api/2.0/mlflow/${rpc}?${q}`);
        expect(res.status, res.body).toBe(200);
        const body = JSON.parse(res.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const items = (body[listKey] ?? []) as Record<string, string>[];
        token = body.next_page_token as string | undefined;
        if (token) expect(items.length).toBe(2); // a page is full whenever another follows
        seen.push(...items.map((x) => x[idKey]!));
        if (!token) break;
      }
      return seen;
    };
    const experiments = await walk('experiments/search', 'experiments', 'name');
    expect(experiments.filter((n) => n.startsWith('page-'))).toEqual(['page-visible-2', 'page-visible-1', 'page-visible-0']);
    expect(new Set(experiments).size).toBe(experiments.length);
    expect(experiments).not.toContain('walked-exp');
    const models = await walk('registered-models/search', 'registered_models', 'name');
    expect(models.filter((n) => n.startsWith('page-'))).toEqual(['page-visible-model-0', 'page-visible-model-1', 'page-visible-model-2']);
    expect(models).not.toContain(fx.M);
  });
});
