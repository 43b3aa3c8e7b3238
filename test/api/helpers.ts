// API tests drive the app in-process with app.inject(): one app per test file on a fresh backend
// (test/helpers/backend.ts: SQLite in memory + a temp directory, or PostgreSQL + S3), no network. Responses come back as {status, json}; the
// wire types below are MLflow's JSON (snake_case), so tests read fields the way clients do.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../server/app.js';
import { makeConfig } from '../../server/config.js';
import { backendConfig, createTestBackend } from '../helpers/backend.js';

export interface TagJson {
  key: string;
  value: string;
}

export interface ExperimentJson {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  last_update_time?: number;
  creation_time?: number;
  tags?: TagJson[];
  workspace?: string;
}

export interface MetricJson {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  run_id?: string;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

export interface RunInfoJson {
  run_id: string;
  run_uuid: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: string;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage: 'active' | 'deleted';
}

export interface DatasetJson {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface RunJson {
  info: RunInfoJson;
  data: { metrics?: MetricJson[]; params?: TagJson[]; tags?: TagJson[] };
  inputs: { dataset_inputs?: { tags?: TagJson[]; dataset: DatasetJson }[]; model_inputs?: { model_id: string }[] };
  outputs?: { model_outputs?: { model_id: string; step: number }[] };
}

export interface ErrorJson {
  error_code: string;
  message: string;
  sqlstate?: string;
  error_class?: string;
}

export interface Reply<T> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json: T;
}

export type Query = Record<string, string | number | boolean | (string | number)[] | undefined>;

/** `/api/2.0/mlflow` + path; the UI's twin is AJAX. */
export const API = '/api/2.0/mlflow';
export const AJAX = '/ajax-api/2.0/mlflow';

/** A run id that no test ever creates. */
export const MISSING_RUN_ID = '0123456789abcdef0123456789abcdef';

export const SEE_DOCS = ' See the API docs for more information about request parameters.';
export const missingValue = (param: string): string => `Missing value for required parameter '${param}'.${SEE_DOCS}`;
export const notActiveRun = (runId: string): string =>
  `The run ${runId} must be in the 'active' state. Current state is deleted.`;

function toReply<T>(res: { statusCode: number; headers: Reply<T>['headers']; body: string }): Reply<T> {
  let json: unknown = undefined;
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('application/json') && res.body !== '') json = JSON.parse(res.body);
  return { status: res.statusCode, headers: res.headers, body: res.body, json: json as T };
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export interface TestApi {
  app: FastifyInstance;
  /** POST a JSON body (Content-Type: application/json). */
  post<T = Record<string, unknown>>(pathOrRpc: string, body?: unknown): Promise<Reply<T>>;
  /** GET with a query string; arrays become repeated keys. */
  get<T = Record<string, unknown>>(pathOrRpc: string, query?: Query): Promise<Reply<T>>;
  /** Anything else: raw payload, explicit headers. */
  request<T = Record<string, unknown>>(opts: {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
    url: string;
    payload?: string;
    headers?: Record<string, string>;
  }): Promise<Reply<T>>;
  close(): Promise<void>;
}

/** `experiments/get` → `/api/2.0/mlflow/experiments/get`; a path starting with `/` is used as-is. */
function resolvePath(pathOrRpc: string): string {
  return pathOrRpc.startsWith('/') ? pathOrRpc : `${API}/${pathOrRpc}`;
}

/**
 * A fresh app on a fresh backend of this project's kind (test/helpers/backend.ts: an in-memory SQLite
 * database + a temp directory, or a throwaway PostgreSQL database + an S3 prefix); call close() in afterAll.
 */
export async function startApi(): Promise<TestApi> {
  const backend = await createTestBackend();
  let app: FastifyInstance;
  try {
    app = await buildApp(makeConfig(backendConfig(backend)), { fastify: { forceCloseConnections: true } });
    await app.ready();
  } catch (e) {
    await backend.dispose();
    throw e;
  }
  const request: TestApi['request'] = async (opts) => {
    const res = await app.inject({ method: opts.method, url: opts.url, payload: opts.payload, headers: opts.headers });
    return toReply(res);
  };
  return {
    app,
    request,
    post: (p, body) =>
      request({
        method: 'POST',
        url: resolvePath(p),
        payload: JSON.stringify(body ?? {}),
        headers: { 'content-type': 'application/json' },
      }),
    get: (p, query) => request({ method: 'GET', url: `${resolvePath(p)}${queryString(query)}` }),
    async close() {
      await app.close();
      await backend.dispose();
    },
  };
}

/** MLflow's error_class/sqlstate for each error code it classifies (mlflow/error_classification.py). */
const ERROR_CLASS: Record<string, { sqlstate: string; error_class: string }> = {
  INVALID_PARAMETER_VALUE: { sqlstate: 'KAM00', error_class: 'INVALID_PARAMETER_VALUE' },
  BAD_REQUEST: { sqlstate: 'KAM00', error_class: 'INVALID_PARAMETER_VALUE' },
  RESOURCE_DOES_NOT_EXIST: { sqlstate: 'KAM00', error_class: 'RESOURCE_NOT_FOUND' },
  RESOURCE_ALREADY_EXISTS: { sqlstate: 'KAM00', error_class: 'RESOURCE_ALREADY_EXISTS' },
  INVALID_STATE: { sqlstate: 'XXM00', error_class: 'CLIENT_INTERNAL_ERROR' },
  INTERNAL_ERROR: { sqlstate: 'XXM00', error_class: 'CLIENT_INTERNAL_ERROR' },
  ENDPOINT_NOT_FOUND: { sqlstate: 'KAM00', error_class: 'RESOURCE_NOT_FOUND' },
};

/**
 * The reply is MLflow's error JSON: exactly error_code + message (+ sqlstate/error_class where MLflow
 * classifies the code), the given status, and — when given — the exact message (or a pattern).
 */
export function expectError(res: Reply<unknown>, status: number, code: string, message?: string | RegExp): ErrorJson {
  const err = res.json as ErrorJson;
  expect(res.headers['content-type'], res.body).toMatch(/^application\/json/);
  expect({ status: res.status, error_code: err?.error_code }, res.body).toEqual({ status, error_code: code });
  if (typeof message === 'string') expect(err.message).toBe(message);
  else if (message) expect(err.message).toMatch(message);
  const cls = ERROR_CLASS[code];
  if (cls && code !== 'ENDPOINT_NOT_FOUND') {
    expect(err).toEqual({ error_code: code, message: err.message, ...cls });
  } else {
    expect(Object.keys(err).sort()).toEqual(expect.arrayContaining(['error_code', 'message']));
  }
  return err;
}

/** 200 with a JSON body; returns the body. */
export function ok<T>(res: Reply<T>): T {
  expect({ status: res.status, body: res.status === 200 ? '' : res.body }).toEqual({ status: 200, body: '' });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json;
}

// ---- small domain helpers -------------------------------------------------------------------

let uniq = 0;
/** A name no other test in the process uses. */
export function unique(prefix: string): string {
  uniq += 1;
  return `${prefix}-${process.pid}-${uniq}`;
}

export async function createExperiment(api: TestApi, name = unique('exp'), extra: Record<string, unknown> = {}): Promise<string> {
  const body = ok(await api.post<{ experiment_id: string }>('experiments/create', { name, ...extra }));
  return body.experiment_id;
}

export async function getExperiment(api: TestApi, experimentId: string): Promise<ExperimentJson> {
  return ok(await api.get<{ experiment: ExperimentJson }>('experiments/get', { experiment_id: experimentId })).experiment;
}

export async function createRun(api: TestApi, experimentId: string, extra: Record<string, unknown> = {}): Promise<RunJson> {
  return ok(await api.post<{ run: RunJson }>('runs/create', { experiment_id: experimentId, start_time: 1_700_000_000_000, ...extra })).run;
}

export async function getRun(api: TestApi, runId: string): Promise<RunJson> {
  return ok(await api.get<{ run: RunJson }>('runs/get', { run_id: runId })).run;
}

export async function metricHistory(api: TestApi, runId: string, key: string): Promise<MetricJson[]> {
  return ok(await api.get<{ metrics?: MetricJson[] }>('metrics/get-history', { run_id: runId, metric_key: key })).metrics ?? [];
}

/** key → value of a tag/param list (absent list = empty). */
export function asMap(list: TagJson[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((t) => [t.key, t.value]));
}

export function byKey<T extends { key: string }>(list: T[] | undefined): T[] {
  return [...(list ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** MLflow's message for a metric, param or tag name with characters it does not allow. */
export const BAD_CHARS =
  'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';

/** MLflow's message for a name that normalises, as a path, to another name. */
export const resolvesTo = (to: string): string =>
  `Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${to}'`;
