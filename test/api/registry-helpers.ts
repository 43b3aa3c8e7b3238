// The registry's API tests drive a full app (tracking + logged models + registry, as server/app.ts
// wires them) with app.inject(), on the vitest project's backend.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../server/app.js';
import { makeConfig, type Config } from '../../server/config.js';
import { backendConfig, createTestBackend } from '../helpers/backend.js';
import { queryString, type Query, type Reply, type TagJson } from './helpers.js';

export { expectError, ok, unique, type ErrorJson, type Reply, type TagJson } from './helpers.js';

export const API = '/api/2.0/mlflow';
export const AJAX = '/ajax-api/2.0/mlflow';
export const SEE_DOCS = ' See the API docs for more information about request parameters.';
/** The schema's message (with the docs hint) and the store's (without it) both occur. */
export const missingParam = (param: string): string => `Missing value for required parameter '${param}'.${SEE_DOCS}`;
export const missingStoreParam = (param: string): string => `Missing value for required parameter '${param}'.`;

export interface ModelVersionJson {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage: string;
  description?: string;
  source?: string;
  run_id?: string;
  status: string;
  status_message?: string;
  tags?: TagJson[];
  run_link?: string;
  aliases?: string[];
}

export interface RegisteredModelJson {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: ModelVersionJson[];
  tags?: TagJson[];
  aliases?: { alias: string; version: string }[];
}

export interface RegistryApi {
  app: FastifyInstance;
  post<T = Record<string, unknown>>(rpc: string, body?: unknown): Promise<Reply<T>>;
  get<T = Record<string, unknown>>(rpc: string, query?: Query): Promise<Reply<T>>;
  /** PATCH / DELETE with a JSON body and no content-type, as the Python client sends them. */
  patch<T = Record<string, unknown>>(rpc: string, body?: unknown): Promise<Reply<T>>;
  del<T = Record<string, unknown>>(rpc: string, body?: unknown): Promise<Reply<T>>;
  request<T = Record<string, unknown>>(opts: { method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'; url: string; payload?: string; headers?: Record<string, string> }): Promise<Reply<T>>;
  config: Config;
  close(): Promise<void>;
}

function toReply<T>(res: { statusCode: number; headers: Reply<T>['headers']; body: string }): Reply<T> {
  let json: unknown = undefined;
  if (String(res.headers['content-type'] ?? '').includes('application/json') && res.body !== '') json = JSON.parse(res.body);
  return { status: res.statusCode, headers: res.headers, body: res.body, json: json as T };
}

const resolve = (rpc: string): string => (rpc.startsWith('/') ? rpc : `${API}/${rpc}`);

export async function startRegistryApi(overrides: Partial<Config> = {}): Promise<RegistryApi> {
  // The vitest project's backend (test/helpers/backend.ts): SQLite in memory, or PostgreSQL + S3.
  const backend = await createTestBackend();
  const config = makeConfig({ ...backendConfig(backend), ...overrides });
  const app = await buildApp(config, { fastify: { forceCloseConnections: true } });
  await app.ready();
  const request: RegistryApi['request'] = async (opts) => toReply(await app.inject(opts));
  const withBody = <T,>(method: 'POST' | 'PATCH' | 'DELETE', rpc: string, body: unknown, headers: Record<string, string> = {}) =>
    request<T>({ method, url: resolve(rpc), payload: JSON.stringify(body ?? {}), headers });
  return {
    app,
    config,
    request,
    post: <T,>(rpc: string, body?: unknown) => withBody<T>('POST', rpc, body, { 'content-type': 'application/json' }),
    get: (rpc, query) => request({ method: 'GET', url: `${resolve(rpc)}${queryString(query)}` }),
    patch: <T,>(rpc: string, body?: unknown) => withBody<T>('PATCH', rpc, body),
    del: <T,>(rpc: string, body?: unknown) => withBody<T>('DELETE', rpc, body),
    async close() {
      await app.close();
      await backend.dispose();
    },
  };
}

function okBody<T>(res: Reply<T>): T {
  expect({ status: res.status, body: res.status === 200 ? '' : res.body }).toEqual({ status: 200, body: '' });
  return res.json;
}

export async function createModel(api: RegistryApi, name: string, extra: Record<string, unknown> = {}): Promise<RegisteredModelJson> {
  return okBody(await api.post<{ registered_model: RegisteredModelJson }>('registered-models/create', { name, ...extra })).registered_model;
}

export async function getModel(api: RegistryApi, name: string): Promise<RegisteredModelJson> {
  return okBody(await api.get<{ registered_model: RegisteredModelJson }>('registered-models/get', { name })).registered_model;
}

/** A version from an s3:// source, which needs no run. */
export async function createVersion(api: RegistryApi, name: string, extra: Record<string, unknown> = {}): Promise<ModelVersionJson> {
  const body = { name, source: 's3://bucket/model', ...extra };
  return okBody(await api.post<{ model_version: ModelVersionJson }>('model-versions/create', body)).model_version;
}

export async function getVersion(api: RegistryApi, name: string, version: string): Promise<ModelVersionJson> {
  return okBody(await api.get<{ model_version: ModelVersionJson }>('model-versions/get', { name, version })).model_version;
}

export async function createExperimentAndRun(api: RegistryApi, experimentName: string): Promise<{ experimentId: string; runId: string; artifactUri: string }> {
  const experimentId = okBody(await api.post<{ experiment_id: string }>('experiments/create', { name: experimentName })).experiment_id;
  const run = okBody(
    await api.post<{ run: { info: { run_id: string; artifact_uri: string } } }>('runs/create', { experiment_id: experimentId, start_time: 1 }),
  ).run;
  return { experimentId, runId: run.info.run_id, artifactUri: run.info.artifact_uri };
}

export async function createLoggedModel(
  api: RegistryApi,
  experimentId: string,
  sourceRunId?: string,
): Promise<{ model_id: string; artifact_uri: string; tags?: TagJson[] }> {
  const body = { experiment_id: experimentId, name: 'model', ...(sourceRunId ? { source_run_id: sourceRunId } : {}) };
  return okBody(await api.post<{ model: { info: { model_id: string; artifact_uri: string } } }>('logged-models', body)).model.info;
}

export async function getLoggedModelTags(api: RegistryApi, modelId: string): Promise<Record<string, string>> {
  const info = okBody(await api.get<{ model: { info: { tags?: TagJson[] } } }>(`logged-models/${modelId}`)).model.info;
  return Object.fromEntries((info.tags ?? []).map((t) => [t.key, t.value]));
}

/** name → [version, stage] pairs of a model's latest_versions, in the order the server sent them. */
export function latest(model: RegisteredModelJson): [string, string][] {
  return (model.latest_versions ?? []).map((v) => [v.version, v.current_stage]);
}
