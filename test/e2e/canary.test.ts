// A canary outside the artifact root, and a real server asked for it every way we know: every artifact
// route, with `..` raw, percent-encoded, double-encoded, with backslashes, overlong UTF-8, NUL bytes,
// absolute paths and file:// URIs, through symlinks planted in the root, through experiments whose
// artifact_location points outside, and through model versions whose source climbs out. Requests go
// over real sockets with their paths exactly as written (node:http does not normalise them, as
// `curl --path-as-is`). The canary's bytes must never come back, nothing outside may be written or
// deleted, and refusals are 4xx in MLflow's error shape.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const CANARY = `CANARY-${crypto.randomBytes(12).toString('hex')}`;
const SECRET = `SECRET-${crypto.randomBytes(12).toString('hex')}`;
/** What /etc/passwd starts with: a leak of a system file. */
const PASSWD = /root:[^:\n]*:0:0:/;

interface Reply {
  status: number;
  type: string;
  body: string;
}

let base: string;
let outside: string;
let server: ServerProcess;
let artifacts: string;
let runId: string;
let runDir: string;
let modelId: string;
let modelDir: string;
let before: Record<string, string>;
let tried = 0;
const statuses = new Map<number, number>();
const leaks: string[] = [];

/** Percent-encodes only what node:http refuses in a path (controls, spaces, non-Latin-1): the rest goes as written. */
function asIs(text: string): string {
  return text.replace(/[^\u0021-\u00ff]/gu, (c) => encodeURIComponent(c)).replace(/[\u0080-\u00ff]/g, (c) => encodeURIComponent(c));
}

function send(method: string, rawPath: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: rawPath, headers: body !== undefined ? { 'content-type': 'application/octet-stream', ...headers } : headers }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every file under `dir` with its content (symlinks not followed). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out[path.relative(outside, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Records the answer and fails on any leak or server error; `kind` says what a 200 may contain. */
function check(what: string, res: Reply, kind: 'file' | 'listing' | 'write' | 'other'): void {
  tried += 1;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (res.body.includes(CANARY) || res.body.includes(SECRET) || PASSWD.test(res.body)) leaks.push(`${what} → ${res.status}: leaked ${res.body.slice(0, 120)}`);
  if (res.status >= 500 && !(res.status === 501 && /mpu|presigned/.test(what))) leaks.push(`${what} → ${res.status} ${res.body.slice(0, 200)}`);
  if (res.status >= 400) {
    if (!res.type.startsWith('application/json') && !/static-files/.test(what)) leaks.push(`${what} → ${res.status} is not MLflow JSON: ${res.body.slice(0, 100)}`);
    return;
  }
  // A listing that escaped would name the outside files.
  if (kind === 'listing' && /canary\.txt|secret\.txt|"sub"/.test(res.body)) leaks.push(`${what} → listed outside files: ${res.body.slice(0, 200)}`);
}

beforeAll(async () => {
  base = tempDir('canary');
  outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(outside, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'canary.txt'), CANARY);
  fs.writeFileSync(path.join(outside, 'sub', 'secret.txt'), SECRET);
  // A sibling whose name starts like the root's: a prefix check that forgets the separator lets it in.
  fs.mkdirSync(path.join(base, 'data', 'artifacts-evil'), { recursive: true });
  fs.writeFileSync(path.join(base, 'data', 'artifacts-evil', 'canary.txt'), CANARY);
  fs.mkdirSync(path.join(base, 'allowed'), { recursive: true });
  server = await startServer({ dataDir: path.join(base, 'data'), args: ['--allowed-artifact-roots', path.join(base, 'allowed')] });
  artifacts = path.join(base, 'data', 'artifacts');

  const api = async (method: string, rpc: string, body: unknown) => {
    const res = await send(method, `/api/2.0/mlflow/${rpc}`, JSON.stringify(body), { 'content-type': 'application/json' });
    if (res.status !== 200) throw new Error(`${rpc}: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  runId = (await api('POST', 'runs/create', { experiment_id: '0' })).run.info.run_id;
  runDir = path.join(artifacts, '0', runId, 'artifacts');
  expect((await send('PUT', `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/inside.txt`, 'inside')).status).toBe(200);
  modelId = (await api('POST', 'logged-models', { experiment_id: '0', name: 'canary-model', source_run_id: runId })).model.info.model_id;
  modelDir = path.join(artifacts, '0', 'models', modelId, 'artifacts');
  expect((await send('PUT', `/api/2.0/mlflow-artifacts/artifacts/0/models/${modelId}/artifacts/MLmodel`, 'flavors: {}')).status).toBe(200);
  await api('POST', 'registered-models/create', { name: 'canary' });
  await api('POST', 'model-versions/create', { name: 'canary', source: `models:/${modelId}`, model_id: modelId });
  // Symlinks planted in the root, its run and its model, all pointing outside.
  for (const dir of [artifacts, runDir, modelDir]) {
    fs.symlinkSync(outside, path.join(dir, 'planted-dir'));
    fs.symlinkSync(path.join(outside, 'canary.txt'), path.join(dir, 'planted-file'));
  }
  before = snapshot(outside);
});

afterAll(async () => {
  await server?.stop();
  process.stdout.write(
    `canary: ${tried} hostile requests (payload × route) over HTTP; statuses ${[...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}\n`,
  );
});

/** Ways to say "the canary" relative to a directory `depth` levels below `base`. */
function payloads(depth: number): { name: string; text: string }[] {
  const up = (sep: string) => sep.repeat(depth);
  const abs = path.join(outside, 'canary.txt');
  const deep = '../'.repeat(depth + 12);
  return [
    { name: 'raw ../', text: `${up('../')}outside/canary.txt` },
    { name: 'raw ../ past the filesystem root', text: `${deep}${abs.slice(1)}` },
    { name: 'raw ../ into outside/sub', text: `${up('../')}outside/sub/secret.txt` },
    { name: 'dir/../..', text: `inside.txt/${up('../')}../outside/canary.txt` },
    { name: '%2e%2e/', text: `${up('%2e%2e/')}outside/canary.txt` },
    { name: '%2e%2e%2f', text: `${up('%2e%2e%2f')}outside%2fcanary.txt` },
    { name: '..%2f', text: `${up('..%2f')}outside%2fcanary.txt` },
    { name: '%252e%252e%252f (double-encoded)', text: `${up('%252e%252e%252f')}outside%252fcanary.txt` },
    { name: '%25252e (triple-encoded)', text: `${up('%25252e%25252e%25252f')}outside%25252fcanary.txt` },
    { name: '.%2e/', text: `${up('.%2e/')}outside/canary.txt` },
    { name: '%2e./', text: `${up('%2e./')}outside/canary.txt` },
    { name: 'backslash ..\\', text: `${up('..\\')}outside\\canary.txt` },
    { name: '..%5c', text: `${up('..%5c')}outside%5ccanary.txt` },
    { name: '..%255c', text: `${up('..%255c')}outside%255ccanary.txt` },
    { name: 'overlong UTF-8 %c0%ae%c0%ae/', text: `${up('%c0%ae%c0%ae/')}outside/canary.txt` },
    { name: 'overlong UTF-8 ..%c0%af', text: `${up('..%c0%af')}outside%c0%afcanary.txt` },
    { name: 'fullwidth ．．／', text: `${up('．．／')}outside／canary.txt` },
    { name: '....// (filter-stripping trick)', text: `${up('....//')}outside/canary.txt` },
    { name: '..;/ (servlet trick)', text: `${up('..;/')}outside/canary.txt` },
    { name: 'NUL ..%00/', text: `${up('..%00/')}outside/canary.txt` },
    { name: 'NUL in name', text: `${up('../')}outside/canary.txt%00.png` },
    { name: 'absolute path', text: abs },
    { name: 'absolute %2f', text: encodeURIComponent(abs) },
    { name: 'double slash //', text: `/${abs}` },
    { name: 'file:// URI', text: `file://${abs}` },
    { name: 'file:%2f%2f URI', text: `file:${encodeURIComponent(`//${abs}`)}` },
    { name: 'file://localhost URI', text: `file://localhost${abs}` },
    { name: 'backslash absolute', text: abs.replace(/\//g, '\\') },
    { name: 'drive letter', text: 'C:\\Windows\\win.ini' },
    { name: '/etc/passwd', text: '/etc/passwd' },
    { name: '../ to /etc/passwd', text: `${deep}etc/passwd` },
    { name: 'sibling with the same prefix', text: `${up('../')}data/artifacts-evil/canary.txt` },
    { name: 'symlinked dir', text: 'planted-dir/canary.txt' },
    { name: 'symlinked dir, deeper', text: 'planted-dir/sub/secret.txt' },
    { name: 'symlinked dir, encoded slash', text: 'planted-dir%2fcanary.txt' },
    { name: 'symlinked file', text: 'planted-file' },
    { name: 'symlinked dir itself', text: 'planted-dir' },
  ];
}

/** Depth below `base` of each route's root, so the raw `..` climbs land exactly on `base/outside`. */
function depthOf(dir: string): number {
  return path.relative(base, dir).split(path.sep).length;
}

describe('the canary outside the artifact root', () => {
  it('is never served, written or deleted through any artifact route', async () => {
    const proxyDepth = depthOf(artifacts);
    const runDepth = depthOf(runDir);
    const modelDepth = depthOf(modelDir);
    const q = encodeURIComponent;
    for (const api of ['/api/2.0', '/ajax-api/2.0']) {
      for (const p of payloads(proxyDepth)) {
        const raw = asIs(p.text);
        check(`GET ${api} proxy ${p.name}`, await send('GET', `${api}/mlflow-artifacts/artifacts/${raw}`), 'file');
        check(`GET ${api} proxy list ${p.name}`, await send('GET', `${api}/mlflow-artifacts/artifacts?path=${q(p.text)}`), 'listing');
        check(`GET ${api} proxy list raw ${p.name}`, await send('GET', `${api}/mlflow-artifacts/artifacts?path=${raw.replace(/[&#]/g, '')}`), 'listing');
        check(`PUT ${api} proxy ${p.name}`, await send('PUT', `${api}/mlflow-artifacts/artifacts/${raw}`, 'PWNED'), 'write');
        check(`DELETE ${api} proxy ${p.name}`, await send('DELETE', `${api}/mlflow-artifacts/artifacts/${raw}`), 'write');
        check(`POST ${api} mpu ${p.name}`, await send('POST', `${api}/mlflow-artifacts/mpu/create/${raw}`, '{"path":"x"}', { 'content-type': 'application/json' }), 'other');
        check(`GET ${api} presigned ${p.name}`, await send('GET', `${api}/mlflow-artifacts/presigned/${raw}`), 'other');
      }
      for (const p of payloads(runDepth)) {
        check(`GET ${api} artifacts/list ${p.name}`, await send('GET', `${api}/mlflow/artifacts/list?run_id=${runId}&path=${q(p.text)}`), 'listing');
      }
      for (const p of payloads(modelDepth)) {
        check(`GET ${api} logged-model directories ${p.name}`, await send('GET', `${api}/mlflow/logged-models/${modelId}/artifacts/directories?artifact_directory_path=${q(p.text)}`), 'listing');
      }
    }
    for (const p of payloads(runDepth)) {
      check(`GET /get-artifact ${p.name}`, await send('GET', `/get-artifact?run_uuid=${runId}&path=${q(p.text)}`), 'file');
      check(`GET /get-artifact raw ${p.name}`, await send('GET', `/get-artifact?run_uuid=${runId}&path=${asIs(p.text).replace(/[&#]/g, '')}`), 'file');
      check(`POST upload-artifact ${p.name}`, await send('POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${q(p.text)}`, 'PWNED'), 'write');
      const gql = JSON.stringify({ query: `query { mlflowListArtifacts(input: {runId: "${runId}", path: ${JSON.stringify(p.text)}}) { files { path } } }` });
      check(`POST /graphql mlflowListArtifacts ${p.name}`, await send('POST', '/graphql', gql, { 'content-type': 'application/json' }), 'listing');
    }
    for (const p of payloads(modelDepth)) {
      check(`GET /model-versions/get-artifact ${p.name}`, await send('GET', `/model-versions/get-artifact?name=canary&version=1&path=${q(p.text)}`), 'file');
      check(`GET logged-model files ${p.name}`, await send('GET', `/ajax-api/2.0/mlflow/logged-models/${modelId}/artifacts/files?artifact_file_path=${q(p.text)}`), 'file');
    }
    for (const p of payloads(4)) check(`GET /static-files ${p.name}`, await send('GET', `/static-files/${asIs(p.text)}`), 'file');

    expect(leaks).toEqual([]);
    expect(snapshot(outside)).toEqual(before);
    // The planted symlinks are still there (a DELETE through them must not have followed them either).
    expect(fs.lstatSync(path.join(artifacts, 'planted-dir')).isSymbolicLink()).toBe(true);
    // Files inside are still served: the checks refuse the way out, not the artifacts.
    const inside = await send('GET', `/get-artifact?run_uuid=${runId}&path=inside.txt`);
    expect({ status: inside.status, body: inside.body }).toEqual({ status: 200, body: 'inside' });
  });

  it('is never reached through an experiment whose artifact_location points outside', async () => {
    const locations = [
      outside,
      `file://${outside}`,
      `file://localhost${outside}`,
      `file:${encodeURIComponent(`//${outside}`)}`,
      `${artifacts}/../../outside`,
      `file://${artifacts}/%2e%2e/%2e%2e/outside`,
      `${path.join(base, 'allowed')}/../outside`,
      path.join(base, 'data', 'artifacts-evil'),
      `${artifacts}-evil`,
      '/etc',
      'file:///etc',
    ];
    for (const [i, location] of locations.entries()) {
      const created = await send('POST', '/api/2.0/mlflow/experiments/create', JSON.stringify({ name: `outside-${i}`, artifact_location: location }), { 'content-type': 'application/json' });
      check(`experiments/create ${location}`, created, 'other');
      if (created.status !== 200) continue; // refused outright: nothing to reach through
      const experimentId = (JSON.parse(created.body) as { experiment_id: string }).experiment_id;
      const run = await send('POST', '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: experimentId }), { 'content-type': 'application/json' });
      const id = (JSON.parse(run.body) as { run: { info: { run_id: string } } }).run.info.run_id;
      const model = await send('POST', '/api/2.0/mlflow/logged-models', JSON.stringify({ experiment_id: experimentId, name: 'm' }), { 'content-type': 'application/json' });
      const mid = (JSON.parse(model.body) as { model: { info: { model_id: string } } }).model.info.model_id;
      // Put a canary exactly where the run's and the model's artifacts would be, if the server went there.
      const local = location.startsWith('file:') ? decodeURIComponent(location.replace(/^file:(\/\/[^/]*)?/, '')) : location;
      const runLocal = path.resolve(local, id, 'artifacts');
      const modelLocal = path.resolve(local, 'models', mid, 'artifacts');
      const planted = !local.startsWith('/etc');
      if (planted) {
        fs.mkdirSync(runLocal, { recursive: true });
        fs.writeFileSync(path.join(runLocal, 'canary.txt'), CANARY);
        fs.mkdirSync(modelLocal, { recursive: true });
        fs.writeFileSync(path.join(modelLocal, 'canary.txt'), CANARY);
      }
      const where = `experiment at ${location}`;
      for (const res of [
        await send('GET', `/api/2.0/mlflow/artifacts/list?run_id=${id}`),
        await send('GET', `/get-artifact?run_uuid=${id}&path=canary.txt`),
        await send('GET', `/get-artifact?run_uuid=${id}&path=passwd`),
        await send('GET', `/ajax-api/2.0/mlflow/logged-models/${mid}/artifacts/files?artifact_file_path=canary.txt`),
        await send('GET', `/api/2.0/mlflow/logged-models/${mid}/artifacts/directories`),
        await send('POST', '/graphql', JSON.stringify({ query: `{ mlflowListArtifacts(input: {runId: "${id}"}) { files { path } } }` }), { 'content-type': 'application/json' }),
      ]) {
        check(`${where}: read`, res, 'listing');
        if (res.status !== 200 || !res.type.startsWith('application/json') || !res.body.includes('"data"')) {
          // Refused: 400 INVALID_PARAMETER_VALUE saying why.
          expect({ where, status: res.status, body: res.body }).toMatchObject({ status: 400, body: expect.stringMatching(/INVALID_PARAMETER_VALUE/) });
        }
      }
      const upload = await send('POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${id}&path=written.txt`, 'PWNED');
      check(`${where}: upload`, upload, 'write');
      expect(upload.status, where).toBe(400);
      expect(fs.existsSync(path.join(runLocal, 'written.txt')), where).toBe(false);
      if (planted) fs.rmSync(path.resolve(local, id), { recursive: true, force: true });
      if (planted) fs.rmSync(path.resolve(local, 'models'), { recursive: true, force: true });
    }
    expect(leaks).toEqual([]);
  });

  it('is served from an experiment inside --allowed-artifact-roots (the policy refuses the way out, not local roots)', async () => {
    const location = path.join(base, 'allowed', 'exp');
    const created = await send('POST', '/api/2.0/mlflow/experiments/create', JSON.stringify({ name: 'allowed', artifact_location: `file://${location}` }), { 'content-type': 'application/json' });
    const experimentId = (JSON.parse(created.body) as { experiment_id: string }).experiment_id;
    const run = await send('POST', '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: experimentId }), { 'content-type': 'application/json' });
    const id = (JSON.parse(run.body) as { run: { info: { run_id: string } } }).run.info.run_id;
    expect((await send('POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${id}&path=ok.txt`, 'fine')).status).toBe(200);
    expect(fs.readFileSync(path.join(location, id, 'artifacts', 'ok.txt'), 'utf8')).toBe('fine');
    expect((await send('GET', `/get-artifact?run_uuid=${id}&path=ok.txt`)).body).toBe('fine');
    // ...but a symlink planted there still does not lead out.
    fs.symlinkSync(outside, path.join(location, id, 'artifacts', 'out'));
    check('allowed root: symlink out', await send('GET', `/get-artifact?run_uuid=${id}&path=out/canary.txt`), 'file');
    fs.rmSync(path.join(location, id), { recursive: true });
    fs.symlinkSync(outside, path.join(location, id)); // the run's directory itself swapped for a symlink
    check('allowed root: run dir swapped for a symlink', await send('GET', `/get-artifact?run_uuid=${id}&path=artifacts/canary.txt`), 'file');
    check('allowed root: run dir swapped for a symlink (list)', await send('GET', `/api/2.0/mlflow/artifacts/list?run_id=${id}`), 'listing');
    expect(leaks).toEqual([]);
  });

  it('is never reached through a model version source that climbs out', async () => {
    const runRoot = `mlflow-artifacts:/0/${runId}/artifacts`;
    const sources = [
      outside,
      `file://${outside}`,
      `${runDir}/../../../../outside`,
      `file://${runDir}/planted-dir`,
      '/etc',
      'file:///etc/passwd',
      `runs:/${runId}/../../../../outside`,
      `runs:/${runId}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/outside`,
      `runs:/${runId}/%252e%252e/%252e%252e/outside`,
      `runs:/${runId}/planted-dir`,
      `models:/${modelId}/../../..`,
      `models:/canary/1/../../../..`,
      `${runRoot}/../../../../outside`,
      `${runRoot}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/outside`,
      `${runRoot}/..%2f..%2f..%2f..%2foutside`,
      `${runRoot}\\..\\..\\..\\..\\outside`,
      `${runRoot}/planted-dir`,
      `mlflow-artifacts:/../../outside`,
      `mlflow-artifacts:///%2e%2e/%2e%2e/outside`,
      `http://127.0.0.1:${server.port}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/../../../../outside`,
      `http://127.0.0.1:${server.port}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/%2e%2e/%2e%2e/%2e%2e/%2e%2e/outside`,
      `${runRoot}/x\u0000/../../../../outside`,
    ];
    let created = 0;
    for (const source of sources) {
      const res = await send('POST', '/api/2.0/mlflow/model-versions/create', JSON.stringify({ name: 'canary', source, run_id: runId }), { 'content-type': 'application/json' });
      check(`model-versions/create ${source}`, res, 'other');
      if (res.status !== 200) {
        expect({ source, status: res.status, body: res.body }).toMatchObject({ status: 400, body: expect.stringMatching(/INVALID_PARAMETER_VALUE/) });
        continue;
      }
      // Accepted (a source that stays inside): whatever it names must still not reach the canary.
      created += 1;
      const version = (JSON.parse(res.body) as { model_version: { version: string } }).model_version.version;
      for (const file of ['canary.txt', 'sub/secret.txt', 'planted-file', 'planted-dir/canary.txt', '../canary.txt']) {
        check(`model version ${version} (${source}) ${file}`, await send('GET', `/model-versions/get-artifact?name=canary&version=${version}&path=${encodeURIComponent(file)}`), 'file');
      }
    }
    // Only sources that stay inside the run's own root may be registered.
    expect(created).toBeLessThanOrEqual(2);
    expect(leaks).toEqual([]);
    expect(snapshot(outside)).toEqual(before);
  });
});
