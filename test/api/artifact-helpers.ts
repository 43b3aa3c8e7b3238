// Helpers for the artifact, logged-model and traversal API tests. Each test file builds its own app on
// an in-memory database whose artifact destination is `<base>/root` inside a fresh temporary `<base>`,
// so tests can plant files next to the root (`<base>/outside`) and look at the disk directly. Requests
// go through app.inject() (raw Buffer / stream bodies, any content type); `rawHttp` talks to a
// listening socket for the few things inject cannot express (paths it would normalise, aborted uploads).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../server/app.js';
import { makeConfig, type Config } from '../../server/config.js';
import { backendConfig, createTestBackend } from '../helpers/backend.js';
import { API, expectError, ok, queryString, type Query, type Reply, type TagJson, type TestApi } from './helpers.js';

export const PROXY = '/api/2.0/mlflow-artifacts';
export const AJAX_PROXY = '/ajax-api/2.0/mlflow-artifacts';
/** Prefix of in-progress upload files (server/artifacts/local-store.ts TEMP_PREFIX). */
export const TEMP_PREFIX = '.minflow-upload-';

export interface RawReply<T = Record<string, unknown>> extends Reply<T> {
  /** The body as bytes (artifact downloads are binary). */
  raw: Buffer;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface ArtifactApi extends TestApi {
  config: Config;
  /** The temporary directory holding `root` (the artifact destination) and anything planted beside it. */
  base: string;
  /** The artifact destination (`--artifacts-destination`). */
  root: string;
  /** Any request: Buffer / string / stream body, explicit headers (none added). */
  send<T = Record<string, unknown>>(opts: { method: Method; url: string; payload?: string | Buffer | Readable; headers?: Record<string, string> }): Promise<RawReply<T>>;
  /** PUT raw bytes to the proxy (`/api/2.0/mlflow-artifacts/artifacts/<path>`). */
  put(artifactPath: string, payload: string | Buffer | Readable, headers?: Record<string, string>): Promise<RawReply>;
  /** GET a URL (query string appended) and keep the bytes. */
  fetch<T = Record<string, unknown>>(url: string, query?: Query): Promise<RawReply<T>>;
  /** PATCH / DELETE with a JSON body and no content type, as the Python client sends them. */
  patch<T = Record<string, unknown>>(rpc: string, body?: unknown): Promise<RawReply<T>>;
  del<T = Record<string, unknown>>(rpc: string, body?: unknown): Promise<RawReply<T>>;
  /** Starts listening on 127.0.0.1 (once) and returns the port, for rawHttp. */
  listen(): Promise<number>;
}

function toRawReply<T>(res: { statusCode: number; headers: Reply<T>['headers']; body: string; rawPayload: Buffer }): RawReply<T> {
  let json: unknown = undefined;
  if (String(res.headers['content-type'] ?? '').includes('application/json') && res.body !== '') json = JSON.parse(res.body);
  return { status: res.statusCode, headers: res.headers, body: res.body, raw: res.rawPayload, json: json as T };
}

const resolveRpc = (p: string): string => (p.startsWith('/') ? p : `${API}/${p}`);

/**
 * A fresh app whose artifact destination is `<base>/root`; close() removes `<base>`. `<base>/local` is
 * given as an allowed local artifact root (experiments with a local artifact_location put it there).
 */
export async function startArtifactApi(overrides: Partial<Config> = {}): Promise<ArtifactApi> {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-art-')));
  const root = path.join(base, 'root');
  fs.mkdirSync(root);
  fs.mkdirSync(path.join(base, 'local'));
  // Spread from a variable: configs without the field (older servers) simply ignore it.
  const allowLocal: Record<string, unknown> = { allowedArtifactRoots: [path.join(base, 'local')] };
  // The metadata store is the vitest project's (test/helpers/backend.ts: SQLite in memory, or
  // PostgreSQL); the artifacts stay in local `root` on both, because these tests look at the disk.
  const backend = await createTestBackend();
  const config = makeConfig({ ...backendConfig(backend), artifactsDestination: root, ...allowLocal, ...overrides });
  const app: FastifyInstance = await buildApp(config, { fastify: { forceCloseConnections: true } });
  await app.ready();
  let port: number | undefined;
  const send: ArtifactApi['send'] = async (opts) => toRawReply(await app.inject(opts));
  const request: TestApi['request'] = async (opts) => send(opts);
  const withBody = <T>(method: Method, rpc: string, body: unknown) => send<T>({ method, url: resolveRpc(rpc), payload: JSON.stringify(body ?? {}) });
  return {
    app,
    config,
    base,
    root,
    send,
    request,
    post: (p, body) =>
      send({ method: 'POST', url: resolveRpc(p), payload: JSON.stringify(body ?? {}), headers: { 'content-type': 'application/json' } }),
    get: (p, query) => send({ method: 'GET', url: `${resolveRpc(p)}${queryString(query)}` }),
    put: (artifactPath, payload, headers = {}) => send({ method: 'PUT', url: `${PROXY}/artifacts/${artifactPath}`, payload, headers }),
    fetch: (url, query) => send({ method: 'GET', url: `${url}${queryString(query)}` }),
    patch: <T>(rpc: string, body?: unknown) => withBody<T>('PATCH', rpc, body),
    del: <T>(rpc: string, body?: unknown) => withBody<T>('DELETE', rpc, body),
    async listen() {
      if (port === undefined) {
        await app.listen({ host: '127.0.0.1', port: 0 });
        port = (app.server.address() as { port: number }).port;
      }
      return port;
    },
    async close() {
      await app.close();
      await backend.dispose();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * One request on its own connection with the path sent byte for byte (no URL normalisation: `..`,
 * `%2e%2e` and backslashes reach the server as written). A socket error resolves with status 0.
 */
export function rawHttp(port: number, method: Method, rawPath: string, body?: Buffer | string, extraHeaders: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...extraHeaders };
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: rawPath, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let json: unknown = undefined;
        if (String(res.headers['content-type'] ?? '').includes('application/json') && text !== '') {
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers as RawReply['headers'], body: text, raw, json: json as Record<string, unknown> });
      });
    });
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: String(e), raw: Buffer.alloc(0), json: {} }));
    req.end(body);
  });
}

/** Every entry under `dir` (relative POSIX paths), symlinks not followed. */
export function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory() && !e.isSymbolicLink()) visit(r);
    }
  };
  if (fs.existsSync(dir)) visit('');
  return out.sort();
}

/** In-progress upload files anywhere under `dir`. */
export function tempFiles(dir: string): string[] {
  return walk(dir).filter((p) => p.split('/').pop()!.startsWith(TEMP_PREFIX));
}

/**
 * A fingerprint of a directory tree: every entry with its type, mode, size, mtime and content hash
 * (symlinks by target). Equal fingerprints = nothing created, changed or removed.
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of walk(dir)) {
    const full = path.join(dir, rel);
    const st = fs.lstatSync(full);
    if (st.isSymbolicLink()) out[rel] = `link:${fs.readlinkSync(full)}`;
    else if (st.isDirectory()) out[rel] = `dir:${st.mode}`;
    else out[rel] = `file:${st.mode}:${st.size}:${st.mtimeMs}:${createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`;
  }
  return out;
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The headers MLflow sends with every artifact download (handlers._response_with_file_attachment_headers). */
export function expectDownload(res: RawReply<unknown>, bytes: Buffer | string, contentType: string, disposition: string): void {
  const expected = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  expect({ status: res.status, body: res.status === 200 ? '' : res.body }).toEqual({ status: 200, body: '' });
  expect({
    type: res.headers['content-type'],
    disposition: res.headers['content-disposition'],
    nosniff: res.headers['x-content-type-options'],
    length: res.headers['content-length'],
  }).toEqual({ type: contentType, disposition, nosniff: 'nosniff', length: String(expected.length) });
  expect(res.raw.equals(expected), `body ${res.raw.toString('hex').slice(0, 80)}`).toBe(true);
}

export const invalidPath = (res: Reply<unknown>): void => void expectError(res, 400, 'INVALID_PARAMETER_VALUE', 'Invalid path');

// ---- domain helpers ------------------------------------------------------------------------------

export interface LoggedModelInfoJson {
  model_id: string;
  experiment_id: string;
  name: string;
  artifact_uri: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: string;
  model_type?: string;
  source_run_id?: string;
  status_message?: string;
  tags?: TagJson[];
}

export interface LoggedModelJson {
  info: LoggedModelInfoJson;
  data: {
    params?: TagJson[];
    metrics?: { key: string; value: number | string; timestamp: number; step: number; run_id?: string; model_id?: string; dataset_name?: string; dataset_digest?: string }[];
  };
}

export async function createLoggedModel(api: TestApi, experimentId: string, extra: Record<string, unknown> = {}): Promise<LoggedModelJson> {
  return ok(await api.post<{ model: LoggedModelJson }>('logged-models', { experiment_id: experimentId, ...extra })).model;
}

export async function getLoggedModel(api: TestApi, modelId: string, allowDeleted = false): Promise<LoggedModelJson> {
  const query = allowDeleted ? { allow_deleted: 'true' } : undefined;
  return ok(await api.get<{ model: LoggedModelJson }>(`logged-models/${modelId}`, query)).model;
}

/** `mlflow-artifacts:/1/2/artifacts` → `1/2/artifacts` (the path under the destination). */
export function proxiedPath(uri: string): string {
  const m = /^mlflow-artifacts:\/*(.*)$/.exec(uri);
  if (!m) throw new Error(`not a proxied URI: ${uri}`);
  return m[1]!;
}
