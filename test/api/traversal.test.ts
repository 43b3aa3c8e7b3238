// Path traversal: every route that takes an artifact path, tried with every payload. A canary file is
// planted OUTSIDE the artifact roots, and symlinks inside each root point at it (its directory, the
// file itself, and a sibling directory whose name shares the root's prefix). Each attempt must answer
// exactly what is decided for its payload — 400 INVALID_PARAMETER_VALUE "Invalid path" for anything
// that leaves the root, the ordinary answer (404 / {} / a file written inside the root) for odd but
// legitimate names — never the canary's bytes and never a 5xx. Afterwards nothing outside the roots has
// changed and nothing was written anywhere but the expected places inside them.
//
// Paths inside URLs are sent over a real socket byte for byte (app.inject would normalise `..`,
// `%2e%2e` and backslashes away before the server saw them); query parameters go through app.inject.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AJAX, API, createExperiment, createRun, expectError, ok } from './helpers.js';
import {
  AJAX_PROXY,
  PROXY,
  createLoggedModel,
  invalidPath,
  proxiedPath,
  rawHttp,
  snapshot,
  startArtifactApi,
  tempFiles,
  walk,
  type ArtifactApi,
  type RawReply,
} from './artifact-helpers.js';

// ---- the world: roots, outside, canary, symlinks ----------------------------------------------------

const CANARY = `CANARY-${randomUUID()}`;
let api: ArtifactApi;
let port: number;
let outside: string;
let evil: string;
let canaryAbs: string;
/** Everything outside the roots, fingerprinted before any request. */
let outsideBefore: Record<string, string>;
let baseEntriesBefore: string[];
/** The runs and logged models the routes address, and their artifact directories (proxied: relative to the destination; local: absolute). */
const ctx = { runId: '', runDir: '', modelId: '', modelDir: '', localRunId: '', localRunDir: '', localModelId: '', localModelDir: '' };
/** Files a legitimate write may have created (absolute paths), and their ancestors. */
const allowedWrites = new Set<string>();
let combinations = 0;
/** Of which in the payload × route matrix. */
let matrix = 0;

function plant(dir: string): void {
  fs.mkdirSync(path.join(dir, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dir/a.txt'), 'inside a');
  fs.symlinkSync(outside, path.join(dir, 'link'));
  fs.symlinkSync(canaryAbs, path.join(dir, 'linkfile'));
  fs.symlinkSync(evil, path.join(dir, 'evillink'));
}

beforeAll(async () => {
  api = await startArtifactApi();
  port = await api.listen();
  outside = path.join(api.base, 'outside');
  evil = path.join(api.base, 'root-evil'); // shares the prefix "root"
  canaryAbs = path.join(outside, 'canary.txt');
  fs.mkdirSync(path.join(outside, 'sub'), { recursive: true });
  fs.writeFileSync(canaryAbs, CANARY);
  fs.writeFileSync(path.join(outside, 'sub/secret.txt'), CANARY);
  fs.mkdirSync(evil);
  fs.writeFileSync(path.join(evil, 'canary2.txt'), CANARY);

  // A proxied run and logged model (registered as a model version), under the destination.
  const exp = await createExperiment(api, 'traversal');
  const run = await createRun(api, exp);
  ctx.runId = run.info.run_id;
  ctx.runDir = proxiedPath(run.info.artifact_uri!);
  const model = await createLoggedModel(api, exp, { name: 'm', source_run_id: ctx.runId });
  ctx.modelId = model.info.model_id;
  ctx.modelDir = proxiedPath(model.info.artifact_uri);
  ok(await api.post('registered-models/create', { name: 'trav' }));
  ok(await api.post('model-versions/create', { name: 'trav', source: `models:/${ctx.modelId}`, model_id: ctx.modelId }));
  // A run and logged model of an experiment with a local artifact_location.
  const local = path.join(api.base, 'local', 'exp');
  fs.mkdirSync(local);
  const localExp = await createExperiment(api, 'traversal-local', { artifact_location: local });
  ctx.localRunId = (await createRun(api, localExp)).info.run_id;
  ctx.localRunDir = path.join(local, ctx.localRunId, 'artifacts');
  const localModel = await createLoggedModel(api, localExp, { name: 'lm' });
  ctx.localModelId = localModel.info.model_id;
  ctx.localModelDir = path.join(local, 'models', ctx.localModelId, 'artifacts');

  for (const dir of [api.root, path.join(api.root, ctx.runDir), path.join(api.root, ctx.modelDir), ctx.localRunDir, ctx.localModelDir]) plant(dir);
  outsideBefore = { ...snapshot(outside), ...Object.fromEntries(Object.entries(snapshot(evil)).map(([k, v]) => [`root-evil/${k}`, v])) };
  baseEntriesBefore = fs.readdirSync(api.base).sort();
});
afterAll(async () => {
  await api.close();
});

// ---- payloads ---------------------------------------------------------------------------------------

type Expectation =
  /** Leaves the root: 400 INVALID_PARAMETER_VALUE "Invalid path" everywhere. */
  | { kind: 'invalid' }
  /** Syntactically fine, but a symlink leads out: 400 "Invalid path" wherever the store is touched; mpu/presigned never touch it (501). */
  | { kind: 'symlink' }
  /** A legitimate name inside the root (`rel` after normalisation): answered as any missing / new artifact. */
  | { kind: 'inside'; rel: string }
  /** Not valid percent-encoding in the URL path: Fastify's own 400 before any route runs. */
  | { kind: 'badUrl' };

interface Payload {
  name: string;
  /** As written in the URL path (raw). */
  path: string;
  /** The decoded value of the query parameter (URL-encoded once when sent). */
  query: string;
  expect: Expectation | { path: Expectation; query: Expectation };
  /** Never sent to a route that writes or deletes (the target is a real system file). */
  readOnly?: boolean;
}

const INVALID: Expectation = { kind: 'invalid' };
const SYMLINK: Expectation = { kind: 'symlink' };
const UP = 16; // enough `..` to reach / from any root here

function payloads(): Payload[] {
  const rel = canaryAbs.slice(1); // the canary, relative to /
  const encSlash = (s: string, sep: string) => s.split('/').join(sep);
  return [
    { name: '../', path: `${'../'.repeat(UP)}${rel}`, query: `${'../'.repeat(UP)}${rel}`, expect: INVALID },
    { name: '../ (one level)', path: '../outside/canary.txt', query: '../outside/canary.txt', expect: INVALID },
    { name: '..%2f', path: `${'..%2f'.repeat(UP)}${encSlash(rel, '%2f')}`, query: `${'..%2f'.repeat(UP)}${encSlash(rel, '%2f')}`, expect: INVALID },
    { name: '%2e%2e/', path: `${'%2e%2e/'.repeat(UP)}${rel}`, query: `${'%2e%2e/'.repeat(UP)}${rel}`, expect: INVALID },
    { name: '%2E%2E%2F (upper case)', path: `${'%2E%2E%2F'.repeat(UP)}${encSlash(rel, '%2F')}`, query: `${'%2E%2E%2F'.repeat(UP)}${encSlash(rel, '%2F')}`, expect: INVALID },
    { name: '.%2e/ (half encoded)', path: `${'.%2e/'.repeat(UP)}${rel}`, query: `${'.%2e/'.repeat(UP)}${rel}`, expect: INVALID },
    {
      name: '%252e%252e%252f (double encoded)',
      path: `${'%252e%252e%252f'.repeat(UP)}${encSlash(rel, '%252f')}`,
      query: `${'%252e%252e%252f'.repeat(UP)}${encSlash(rel, '%252f')}`,
      expect: INVALID,
    },
    { name: '%25252e (triple encoded)', path: `${'%25252e%25252e%25252f'.repeat(UP)}${rel}`, query: `${'%25252e%25252e%25252f'.repeat(UP)}${rel}`, expect: INVALID },
    { name: '..\\ (backslashes)', path: `${'..\\'.repeat(UP)}${encSlash(rel, '\\')}`, query: `${'..\\'.repeat(UP)}${encSlash(rel, '\\')}`, expect: INVALID },
    { name: '..%5c (encoded backslashes)', path: `${'..%5c'.repeat(UP)}${encSlash(rel, '%5c')}`, query: `${'..%5c'.repeat(UP)}${encSlash(rel, '%5c')}`, expect: INVALID },
    { name: 'dir\\..\\..\\x', path: 'dir\\..\\..\\outside\\canary.txt', query: 'dir\\..\\..\\outside\\canary.txt', expect: INVALID },
    { name: '/etc/passwd', path: '/etc/passwd', query: '/etc/passwd', expect: INVALID, readOnly: true },
    { name: '%2fetc%2fpasswd', path: '%2fetc%2fpasswd', query: '%2fetc%2fpasswd', expect: INVALID, readOnly: true },
    { name: 'absolute canary path', path: canaryAbs, query: canaryAbs, expect: INVALID },
    { name: 'file:///etc/passwd', path: 'file:///etc/passwd', query: 'file:///etc/passwd', expect: INVALID, readOnly: true },
    { name: 'file:// canary URI', path: `file://${canaryAbs}`, query: `file://${canaryAbs}`, expect: INVALID },
    { name: 'file:%2f%2f%2f (encoded URI)', path: `file:%2f%2f${encSlash(canaryAbs, '%2f')}`, query: `file:%2f%2f${encSlash(canaryAbs, '%2f')}`, expect: INVALID },
    { name: 'C:\\x (drive, backslash)', path: 'C:\\Windows\\win.ini', query: 'C:\\Windows\\win.ini', expect: INVALID },
    { name: 'C:/x (drive, slash)', path: 'C:/Windows/win.ini', query: 'C:/Windows/win.ini', expect: INVALID },
    { name: '\\\\server\\share (UNC)', path: '\\\\server\\share\\x', query: '\\\\server\\share\\x', expect: INVALID },
    {
      // In a URL path `#` starts the fragment, which never reaches the server: the request is for
      // frag-target.txt. In a query value it arrives as `#` and is refused.
      name: '#frag',
      path: `frag-target.txt#/${'../'.repeat(UP)}${rel}`,
      query: `dir/a.txt#/${'../'.repeat(UP)}${rel}`,
      expect: { path: { kind: 'inside', rel: 'frag-target.txt' }, query: INVALID },
    },
    { name: '%23 (encoded #)', path: 'dir%23..%2f..%2fx', query: 'dir%23..%2f..%2fx', expect: INVALID },
    { name: 'NUL %00', path: 'dir/a.txt%00.png', query: 'dir/a.txt\u0000.png', expect: INVALID },
    { name: 'NUL %2500 (double encoded)', path: 'dir/a.txt%2500.png', query: 'dir/a.txt%00.png', expect: INVALID },
    { name: 'control %01', path: 'a%01b', query: 'a\u0001b', expect: INVALID },
    { name: 'control %0a (newline)', path: 'a%0ab', query: 'a\nb', expect: INVALID },
    { name: 'control %0d (CR)', path: 'a%0db', query: 'a\rb', expect: INVALID },
    { name: 'control %09 (tab)', path: 'a%09b', query: 'a\tb', expect: INVALID },
    { name: 'control %1f', path: 'a%1fb', query: 'a\u001fb', expect: INVALID },
    { name: 'control %7f (DEL)', path: 'a%7fb', query: 'a\u007fb', expect: INVALID },
    { name: 'dir/../../x', path: `dir/${'../'.repeat(UP)}${rel}`, query: `dir/${'../'.repeat(UP)}${rel}`, expect: INVALID },
    { name: 'dir/..', path: 'dir/..', query: 'dir/..', expect: INVALID },
    { name: './../x', path: `./${'../'.repeat(UP)}${rel}`, query: `./${'../'.repeat(UP)}${rel}`, expect: INVALID },
    { name: 'dir/%2e%2e/%2e%2e/x', path: 'dir/%2e%2e/%2e%2e/outside/canary.txt', query: 'dir/%2e%2e/%2e%2e/outside/canary.txt', expect: INVALID },
    {
      name: '..%c0%af (overlong UTF-8 /)',
      path: `${'..%c0%af'.repeat(UP)}${rel}`,
      query: `..%c0%af..%c0%afetc%c0%afpasswd`,
      // Not UTF-8, so never decoded: a legitimate (odd) file name when it arrives in a query value.
      expect: { path: { kind: 'badUrl' }, query: { kind: 'inside', rel: '..%c0%af..%c0%afetc%c0%afpasswd' } },
    },
    { name: 'symlink dir → outside: link/canary.txt', path: 'link/canary.txt', query: 'link/canary.txt', expect: SYMLINK },
    { name: 'symlink dir → outside: link/sub/secret.txt', path: 'link/sub/secret.txt', query: 'link/sub/secret.txt', expect: SYMLINK },
    { name: 'symlink dir → outside: link (itself)', path: 'link', query: 'link', expect: SYMLINK },
    { name: 'symlink dir → outside: link/new.txt (not yet there)', path: 'link/new.txt', query: 'link/new.txt', expect: SYMLINK },
    { name: 'symlink dir → outside: link%2fcanary.txt', path: 'link%2fcanary.txt', query: 'link%2fcanary.txt', expect: SYMLINK },
    { name: 'symlink file → canary: linkfile', path: 'linkfile', query: 'linkfile', expect: SYMLINK },
    { name: 'symlink → sibling "root-evil": evillink/canary2.txt', path: 'evillink/canary2.txt', query: 'evillink/canary2.txt', expect: SYMLINK },
    // Odd but legitimate names: they must not be mistaken for traversal, nor normalised into it.
    { name: '... (three dots)', path: '...', query: '...', expect: { kind: 'inside', rel: '...' } },
    { name: '..foo', path: '..foo', query: '..foo', expect: { kind: 'inside', rel: '..foo' } },
    { name: 'foo..', path: 'foo..', query: 'foo..', expect: { kind: 'inside', rel: 'foo..' } },
    { name: '．．／x (fullwidth dots and solidus)', path: encodeURIComponent('．．／x'), query: '．．／x', expect: { kind: 'inside', rel: '．．／x' } },
    { name: '‥/x (two-dot leader)', path: `${encodeURIComponent('‥')}/x`, query: '‥/x', expect: { kind: 'inside', rel: '‥/x' } },
  ];
}

// ---- routes -----------------------------------------------------------------------------------------

type Kind = 'read' | 'list-proxy' | 'list-root' | 'write' | 'delete' | 'mpu' | 'presigned';

interface Route {
  name: string;
  kind: Kind;
  /** Absolute directory the route's paths are relative to (for the written-file check). */
  dir: () => string;
  /** Prefix of the path in 404 "No such artifact" texts (none for local roots, as MLflow). */
  notFoundPrefix?: () => string;
  /** root_uri of the listing routes that carry one. */
  rootUri?: () => string;
  via: 'path' | 'query';
  call: (p: Payload) => Promise<RawReply>;
}

const BODY = 'EVIL-BYTES';
const q = (params: Record<string, string>) => `?${new URLSearchParams(params)}`;
const JSON_HEADERS = { 'content-type': 'application/json' };
const MPU_BODY = JSON.stringify({ path: 'x', num_parts: 1, upload_id: 'u', parts: [{ part_number: 1, etag: 'e' }] });

const destination = () => api.root;
const proxiedRun = () => path.join(api.root, ctx.runDir);
const proxiedModel = () => path.join(api.root, ctx.modelDir);

function pathRoutes(): Route[] {
  const routes: Route[] = [];
  for (const base of [PROXY, AJAX_PROXY]) {
    routes.push(
      { name: `GET ${base}/artifacts/<p>`, kind: 'read', via: 'path', dir: destination, notFoundPrefix: () => '', call: (p) => rawHttp(port, 'GET', `${base}/artifacts/${p.path}`) },
      { name: `PUT ${base}/artifacts/<p>`, kind: 'write', via: 'path', dir: destination, call: (p) => rawHttp(port, 'PUT', `${base}/artifacts/${p.path}`, BODY) },
      { name: `DELETE ${base}/artifacts/<p>`, kind: 'delete', via: 'path', dir: destination, call: (p) => rawHttp(port, 'DELETE', `${base}/artifacts/${p.path}`) },
    );
  }
  for (const action of ['create', 'complete', 'abort']) {
    routes.push({ name: `POST ${PROXY}/mpu/${action}/<p>`, kind: 'mpu', via: 'path', dir: destination, call: (p) => rawHttp(port, 'POST', `${PROXY}/mpu/${action}/${p.path}`, MPU_BODY, JSON_HEADERS) });
  }
  routes.push({ name: `GET ${PROXY}/presigned/<p>`, kind: 'presigned', via: 'path', dir: destination, call: (p) => rawHttp(port, 'GET', `${PROXY}/presigned/${p.path}`) });
  return routes;
}

function queryRoutes(): Route[] {
  const get = (url: string) => api.fetch(url);
  const upload = (run: string, p: string) => api.send({ method: 'POST', url: `${AJAX}/upload-artifact${q({ run_uuid: run, path: p })}`, payload: BODY, headers: { 'content-type': 'text/plain' } });
  const runUri = () => `mlflow-artifacts:/${ctx.runDir}`;
  const modelUri = () => `mlflow-artifacts:/${ctx.modelDir}`;
  return [
    { name: `GET ${PROXY}/artifacts?path=`, kind: 'list-proxy', via: 'query', dir: destination, call: (p) => get(`${PROXY}/artifacts${q({ path: p.query })}`) },
    { name: `GET ${AJAX_PROXY}/artifacts?path=`, kind: 'list-proxy', via: 'query', dir: destination, call: (p) => get(`${AJAX_PROXY}/artifacts${q({ path: p.query })}`) },
    { name: `GET ${API}/artifacts/list?run_id=&path=`, kind: 'list-root', via: 'query', dir: proxiedRun, rootUri: runUri, call: (p) => get(`${API}/artifacts/list${q({ run_id: ctx.runId, path: p.query })}`) },
    { name: `GET ${AJAX}/artifacts/list?run_uuid=&path=`, kind: 'list-root', via: 'query', dir: proxiedRun, rootUri: runUri, call: (p) => get(`${AJAX}/artifacts/list${q({ run_uuid: ctx.runId, path: p.query })}`) },
    { name: 'GET /get-artifact?run_uuid=&path=', kind: 'read', via: 'query', dir: proxiedRun, notFoundPrefix: () => `${ctx.runDir}/`, call: (p) => get(`/get-artifact${q({ run_uuid: ctx.runId, path: p.query })}`) },
    { name: 'GET /model-versions/get-artifact?name=&version=&path=', kind: 'read', via: 'query', dir: proxiedModel, notFoundPrefix: () => `${ctx.modelDir}/`, call: (p) => get(`/model-versions/get-artifact${q({ name: 'trav', version: '1', path: p.query })}`) },
    {
      name: `GET ${API}/logged-models/<id>/artifacts/directories?artifact_directory_path=`,
      kind: 'list-root',
      via: 'query',
      dir: proxiedModel,
      rootUri: modelUri,
      call: (p) => get(`${API}/logged-models/${ctx.modelId}/artifacts/directories${q({ artifact_directory_path: p.query })}`),
    },
    {
      name: `GET ${AJAX}/logged-models/<id>/artifacts/directories?artifact_directory_path=`,
      kind: 'list-root',
      via: 'query',
      dir: proxiedModel,
      rootUri: modelUri,
      call: (p) => get(`${AJAX}/logged-models/${ctx.modelId}/artifacts/directories${q({ artifact_directory_path: p.query })}`),
    },
    {
      name: `GET ${AJAX}/logged-models/<id>/artifacts/files?artifact_file_path=`,
      kind: 'read',
      via: 'query',
      dir: proxiedModel,
      notFoundPrefix: () => `${ctx.modelDir}/`,
      call: (p) => get(`${AJAX}/logged-models/${ctx.modelId}/artifacts/files${q({ artifact_file_path: p.query })}`),
    },
    { name: `POST ${AJAX}/upload-artifact?run_uuid=&path=`, kind: 'write', via: 'query', dir: proxiedRun, call: (p) => upload(ctx.runId, p.query) },
    // The same routes on the local (absolute path) artifact root.
    {
      name: `GET ${API}/artifacts/list (local root)`,
      kind: 'list-root',
      via: 'query',
      dir: () => ctx.localRunDir,
      rootUri: () => ctx.localRunDir,
      call: (p) => get(`${API}/artifacts/list${q({ run_id: ctx.localRunId, path: p.query })}`),
    },
    { name: 'GET /get-artifact (local root)', kind: 'read', via: 'query', dir: () => ctx.localRunDir, notFoundPrefix: () => '', call: (p) => get(`/get-artifact${q({ run_uuid: ctx.localRunId, path: p.query })}`) },
    {
      name: `GET ${API}/logged-models/<id>/artifacts/directories (local root)`,
      kind: 'list-root',
      via: 'query',
      dir: () => ctx.localModelDir,
      rootUri: () => ctx.localModelDir,
      call: (p) => get(`${API}/logged-models/${ctx.localModelId}/artifacts/directories${q({ artifact_directory_path: p.query })}`),
    },
    {
      name: `GET ${AJAX}/logged-models/<id>/artifacts/files (local root)`,
      kind: 'read',
      via: 'query',
      dir: () => ctx.localModelDir,
      notFoundPrefix: () => '',
      call: (p) => get(`${AJAX}/logged-models/${ctx.localModelId}/artifacts/files${q({ artifact_file_path: p.query })}`),
    },
    { name: `POST ${AJAX}/upload-artifact (local root)`, kind: 'write', via: 'query', dir: () => ctx.localRunDir, call: (p) => upload(ctx.localRunId, p.query) },
  ];
}

function expectationFor(p: Payload, route: Route): Expectation {
  const e = p.expect;
  return 'kind' in e ? e : e[route.via];
}

/** Asserts the reply is exactly what `exp` decides for this route. */
function check(res: RawReply, exp: Expectation, route: Route): void {
  // Whatever the payload: never the canary, never a server error (the 501 of mpu/presigned aside).
  expect(res.raw.includes(CANARY), 'the canary leaked').toBe(false);
  if (res.status >= 500) expect({ status: res.status, kind: route.kind, body: res.body }).toEqual({ status: 501, kind: expect.stringMatching(/^(mpu|presigned)$/), body: res.body });
  switch (exp.kind) {
    case 'invalid':
      invalidPath(res);
      return;
    case 'symlink':
      if (route.kind === 'mpu' || route.kind === 'presigned') expectError(res, 501, 'NOT_IMPLEMENTED');
      else invalidPath(res);
      return;
    case 'badUrl':
      // The router refuses a URL that does not decode, in MLflow's error shape.
      expectError(res, 400, 'INVALID_PARAMETER_VALUE');
      return;
    case 'inside':
      switch (route.kind) {
        case 'read':
          expectError(res, 404, 'RESOURCE_DOES_NOT_EXIST', `No such artifact: '${route.notFoundPrefix!()}${exp.rel}'`);
          return;
        case 'list-proxy':
          expect(ok(res)).toEqual({});
          return;
        case 'list-root':
          expect(ok(res)).toEqual({ root_uri: route.rootUri!() });
          return;
        case 'write': {
          expect(ok(res)).toEqual({});
          const written = path.join(route.dir(), ...exp.rel.split('/'));
          expect(fs.readFileSync(written, 'utf8')).toBe(BODY);
          for (let p = written; p.startsWith(route.dir()) && p !== route.dir(); p = path.dirname(p)) allowedWrites.add(p);
          return;
        }
        case 'delete':
          expect(ok(res)).toEqual({});
          return;
        case 'mpu':
          expectError(res, 501, 'NOT_IMPLEMENTED', 'Multipart upload is not supported for the current artifact repository');
          return;
        case 'presigned':
          expectError(res, 501, 'NOT_IMPLEMENTED', 'Multipart download is not supported for the current artifact repository');
          return;
      }
  }
}

// Reads, listings and the multipart routes first (so "inside" names are still missing), then the
// writes, then the deletes.
const PHASES: [string, Kind[]][] = [
  ['reads and listings', ['read', 'list-proxy', 'list-root', 'mpu', 'presigned']],
  ['writes', ['write']],
  ['deletes', ['delete']],
];

const ROUTES: Route[] = [...pathRoutes(), ...queryRoutes()];

describe('traversal', () => {
  for (const [phase, kinds] of PHASES) {
    describe(phase, () => {
      for (const route of ROUTES.filter((r) => kinds.includes(r.kind))) {
        it(route.name, async () => {
          const writes = route.kind === 'write' || route.kind === 'delete';
          for (const p of payloads()) {
            if (p.readOnly && writes) continue;
            combinations += 1;
            matrix += 1;
            const res = await route.call(p);
            try {
              check(res, expectationFor(p, route), route);
            } catch (e) {
              (e as Error).message = `[${route.name}] payload ${JSON.stringify(p.name)}: ${(e as Error).message}`;
              throw e;
            }
          }
        });
      }
    });
  }

  it('refuses to delete a root through ".", "%2e", "./" or "dir/.."', async () => {
    for (const p of ['.', '%2e', './', '%2e%2f', 'dir/..', 'dir/%2e%2e']) {
      combinations += 1;
      invalidPath(await rawHttp(port, 'DELETE', `${PROXY}/artifacts/${p}`));
    }
    expect(fs.readFileSync(path.join(api.root, 'dir/a.txt'), 'utf8')).toBe('inside a');
  });

  it('follows symlinks that stay inside the root, and lists none that lead out', async () => {
    fs.symlinkSync(path.join(api.root, 'dir'), path.join(api.root, 'innerlink'));
    const res = await rawHttp(port, 'GET', `${PROXY}/artifacts/innerlink/a.txt`);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: 'inside a' });
    const names = ((ok(await api.fetch(`${PROXY}/artifacts`)).files ?? []) as { path: string }[]).map((f) => f.path);
    expect(names).toContain('innerlink');
    expect(names.filter((n) => ['link', 'linkfile', 'evillink'].includes(n))).toEqual([]);
    const runFiles = ((ok(await api.fetch(`${API}/artifacts/list`, { run_id: ctx.runId })).files ?? []) as { path: string }[]).map((f) => f.path);
    expect(runFiles).toContain('dir');
    expect(runFiles.filter((n) => ['link', 'linkfile', 'evillink'].includes(n))).toEqual([]);
  });

  describe('dangling symlinks that point outside', () => {
    beforeAll(() => {
      fs.symlinkSync(path.join(outside, 'ghost.txt'), path.join(api.root, 'danglink'));
      fs.symlinkSync(path.join(outside, 'ghostdir'), path.join(api.root, 'danglinkdir'));
      allowedWrites.add(path.join(api.root, 'danglink'));
      allowedWrites.add(path.join(api.root, 'danglinkdir'));
    });

    it('a link to a missing file outside is never followed: GET is 404, PUT replaces the link inside the root', async () => {
      combinations += 2;
      expectError(await rawHttp(port, 'GET', `${PROXY}/artifacts/danglink`), 404, 'RESOURCE_DOES_NOT_EXIST', "No such artifact: 'danglink'");
      // (MLflow 3.17.2 resolves the link and answers 400 "Invalid path: resolved path is outside ...".)
      expect(ok(await rawHttp(port, 'PUT', `${PROXY}/artifacts/danglink`, BODY))).toEqual({});
      expect(fs.lstatSync(path.join(api.root, 'danglink')).isFile()).toBe(true);
      expect(fs.readFileSync(path.join(api.root, 'danglink'), 'utf8')).toBe(BODY);
      expect(fs.existsSync(path.join(outside, 'ghost.txt'))).toBe(false);
    });

    it('a PUT below a link to a missing directory outside creates nothing outside', async () => {
      combinations += 2;
      for (const p of ['danglinkdir/x.txt', 'danglinkdir/deeper/x.txt']) {
        const res = await rawHttp(port, 'PUT', `${PROXY}/artifacts/${p}`, BODY);
        expect(res.status, res.body).not.toBe(200);
      }
      expect(fs.existsSync(path.join(outside, 'ghostdir'))).toBe(false);
      expect(fs.lstatSync(path.join(api.root, 'danglinkdir')).isSymbolicLink()).toBe(true);
    });

    // Known bug: mkdir meets the dangling link (EEXIST) and the error escapes as a 500, which the
    // Python client retries for minutes. Safe (nothing is written), but it should be a 400.
    it('a PUT below a link to a missing directory outside answers 400 "Invalid path" (not 500)', async () => {
      invalidPath(await rawHttp(port, 'PUT', `${PROXY}/artifacts/danglinkdir/y.txt`, BODY));
    });
  });

  it('leaves everything outside the roots unchanged and writes only where expected', () => {
    const after = { ...snapshot(outside), ...Object.fromEntries(Object.entries(snapshot(evil)).map(([k, v]) => [`root-evil/${k}`, v])) };
    expect(after).toEqual(outsideBefore);
    expect(fs.readFileSync(canaryAbs, 'utf8')).toBe(CANARY);
    expect(fs.readdirSync(api.base).sort()).toEqual(baseEntriesBefore);
    // Inside the roots: only the planted worlds (and their parent directories), the files the
    // "inside" payloads wrote, and nothing half-written.
    const local = path.join(api.base, 'local');
    const planted = ['dir', 'dir/a.txt', 'link', 'linkfile', 'evillink', 'innerlink'];
    const expected = new Set(allowedWrites);
    for (const dir of [api.root, path.join(api.root, ctx.runDir), path.join(api.root, ctx.modelDir), ctx.localRunDir, ctx.localModelDir]) {
      for (const rel of planted) expected.add(path.join(dir, rel));
      for (let p = dir; p !== api.root && p !== local; p = path.dirname(p)) expected.add(p);
    }
    const unexpected = [api.root, local].flatMap((top) => walk(top).map((rel) => path.join(top, rel))).filter((abs) => !expected.has(abs));
    expect(unexpected).toEqual([]);
    expect([...tempFiles(api.root), ...tempFiles(local)]).toEqual([]);
    console.log(
      `traversal: ${combinations} payload × route combinations tried — ${matrix} from ${payloads().length} payloads × ${ROUTES.length} routes ` +
        `(read-only payloads not sent to writes/deletes) + ${combinations - matrix} root-deletion and dangling-symlink probes`,
    );
  });
});
