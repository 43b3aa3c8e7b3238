// The artifact routes on an S3 destination (`--artifacts-destination s3://bucket/prefix`) on a real
// SeaweedFS, through app.inject() and, for an aborted upload, a real socket: the proxy's PUT/GET/list/
// DELETE, MLflow's mpu create/complete/abort and presigned endpoints, a run's artifacts through the
// tracking API and the UI's get-artifact, errors as MLflow JSON, and the start refused on a missing bucket.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { ConfigError, makeConfig, type Config } from '../../server/config.js';
import { builtCli } from '../helpers/paths.js';
import { startSeaweed, type Seaweed } from '../helpers/seaweedfs.js';

const PROXY = '/api/2.0/mlflow-artifacts';
const MiB = 1024 * 1024;

let sw: Seaweed;
let client: S3Client;
let app: FastifyInstance;
const savedEnv = { ...process.env };
const PREFIX = 'proxy/dest';

function config(overrides: Partial<Config> = {}): Config {
  return makeConfig({ dbFile: ':memory:', artifactsDestination: `s3://${sw.bucket}/${PREFIX}`, ...overrides });
}

beforeAll(async () => {
  sw = await startSeaweed();
  client = sw.client();
  // The server reads MLflow's S3 variables from its environment, as `mlflow server` does.
  Object.assign(process.env, sw.env);
  app = await buildApp(config());
});
afterAll(async () => {
  await app?.close();
  client?.destroy();
  await sw?.stop();
  for (const k of Object.keys(sw?.env ?? {})) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

interface Res {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  raw: Buffer;
  json: Record<string, unknown>;
}

async function send(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  const res = await app.inject({ method, url, payload, headers });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    // a download
  }
  return { status: res.statusCode, headers: res.headers, raw: res.rawPayload, json };
}

const put = (rel: string, body: string | Buffer) => send('PUT', `${PROXY}/artifacts/${rel}`, body, { 'content-type': 'application/octet-stream' });
const list = (dir?: string) => send('GET', `${PROXY}/artifacts${dir === undefined ? '' : `?path=${encodeURIComponent(dir)}`}`);

function expectError(res: Res, status: number, code: string, message?: RegExp | string): void {
  expect({ status: res.status, code: res.json.error_code }, res.raw.toString()).toEqual({ status, code });
  if (message !== undefined) expect(String(res.json.message)).toMatch(message);
}

async function keys(prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: sw.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function pendingUploads(): Promise<number> {
  return (await client.send(new ListMultipartUploadsCommand({ Bucket: sw.bucket }))).Uploads?.length ?? 0;
}

describe('proxied artifacts on S3', () => {
  it('PUT stores the object under the destination prefix; GET streams it back with MLflow headers', async () => {
    const bytes = randomBytes(300_000);
    expect((await put('1/run/artifacts/model/model.pkl', bytes)).json).toEqual({});
    expect(await keys(`${PREFIX}/1/run/`)).toEqual([`${PREFIX}/1/run/artifacts/model/model.pkl`]);
    const got = await send('GET', `${PROXY}/artifacts/1/run/artifacts/model/model.pkl`);
    expect(got.status).toBe(200);
    expect(got.raw.equals(bytes)).toBe(true);
    expect({ type: got.headers['content-type'], disposition: got.headers['content-disposition'], length: got.headers['content-length'] }).toEqual({
      type: 'application/octet-stream',
      disposition: 'attachment; filename=model.pkl',
      length: String(bytes.length),
    });
  });

  it('answers a Range request with 206 and Content-Range, and one past the end with 416', async () => {
    await put('range/data.bin', '0123456789abcdef');
    const part = await send('GET', `${PROXY}/artifacts/range/data.bin`, undefined, { range: 'bytes=4-7' });
    expect({ status: part.status, body: part.raw.toString(), range: part.headers['content-range'], length: part.headers['content-length'], accept: part.headers['accept-ranges'] }).toEqual({
      status: 206,
      body: '4567',
      range: 'bytes 4-7/16',
      length: '4',
      accept: 'bytes',
    });
    const tail = await send('GET', `${PROXY}/artifacts/range/data.bin`, undefined, { range: 'bytes=-3' });
    expect({ status: tail.status, body: tail.raw.toString(), range: tail.headers['content-range'] }).toEqual({ status: 206, body: 'def', range: 'bytes 13-15/16' });
    const past = await send('GET', `${PROXY}/artifacts/range/data.bin`, undefined, { range: 'bytes=16-' });
    expect({ status: past.status, range: past.headers['content-range'] }).toEqual({ status: 416, range: 'bytes */16' });
    // Several ranges are not served as multipart/byteranges: the whole file, 200.
    const many = await send('GET', `${PROXY}/artifacts/range/data.bin`, undefined, { range: 'bytes=0-1,4-5' });
    expect({ status: many.status, body: many.raw.toString() }).toEqual({ status: 200, body: '0123456789abcdef' });
  });

  it('lists basenames with sizes and directories, as the local proxy does; empty files have no size', async () => {
    await put('l/a.txt', 'aaa');
    await put('l/sub/b.txt', 'b');
    await put('l/empty', '');
    expect((await list('l')).json).toEqual({
      files: [
        { path: 'a.txt', is_dir: false, file_size: 3 },
        { path: 'empty', is_dir: false },
        { path: 'sub', is_dir: true },
      ],
    });
    expect((await list('l/missing')).json).toEqual({});
    expect((await send('GET', `${PROXY}/artifacts/?path=l/sub`)).json).toEqual({ files: [{ path: 'b.txt', is_dir: false, file_size: 1 }] });
  });

  it('DELETE removes a directory tree', async () => {
    await put('del/keep.txt', 'k');
    await put('del/tree/x/y.txt', 'y');
    await put('del/tree/z.txt', 'z');
    expect((await send('DELETE', `${PROXY}/artifacts/del/tree`)).json).toEqual({});
    expect(await keys(`${PREFIX}/del/`)).toEqual([`${PREFIX}/del/keep.txt`]);
    expect((await list('del')).json).toEqual({ files: [{ path: 'keep.txt', is_dir: false, file_size: 1 }] });
  });

  it('answers MLflow errors: 404 for a missing artifact, 400 for traversal and a directory', async () => {
    expectError(await send('GET', `${PROXY}/artifacts/nothing/here.txt`), 404, 'RESOURCE_DOES_NOT_EXIST', "No such artifact: 'nothing/here.txt'");
    expectError(await send('GET', `${PROXY}/artifacts/%252e%252e/secret`), 400, 'INVALID_PARAMETER_VALUE', 'Invalid path');
    expectError(await send('PUT', `${PROXY}/artifacts/..%2f..%2fescape`, 'x'), 400, 'INVALID_PARAMETER_VALUE', 'Invalid path');
    expectError(await list('../up'), 400, 'INVALID_PARAMETER_VALUE', 'Invalid path');
    await put('dir/inside/f', 'f');
    expectError(await send('GET', `${PROXY}/artifacts/dir/inside`), 400, 'INVALID_PARAMETER_VALUE', /refers to a directory/);
    expect(await keys('proxy/escape')).toEqual([]);
  });

  it("maps MLflow's multipart upload onto S3 multipart: create → PUT parts to presigned URLs → complete", async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(1000)];
    const created = await send('POST', `${PROXY}/mpu/create/mpu/dir`, JSON.stringify({ path: '/tmp/local/weights.bin', num_parts: 2 }), {
      'content-type': 'application/json',
    });
    expect(created.status, created.raw.toString()).toBe(200);
    const body = created.json as { upload_id: string; credentials: { url: string; part_number: number }[] };
    expect(body.credentials.map((c) => c.part_number)).toEqual([1, 2]);
    expect(body.credentials[0]!.url.startsWith(`${sw.endpoint}/${sw.bucket}/${PREFIX}/mpu/dir/weights.bin?`)).toBe(true);
    const etags = [];
    for (const [i, c] of body.credentials.entries()) {
      const r = await fetch(c.url, { method: 'PUT', body: parts[i]! });
      expect(r.status).toBe(200);
      etags.push({ part_number: c.part_number, etag: r.headers.get('etag') });
    }
    const done = await send('POST', `${PROXY}/mpu/complete/mpu/dir`, JSON.stringify({ path: '/tmp/local/weights.bin', upload_id: body.upload_id, parts: etags }), {
      'content-type': 'application/json',
    });
    expect({ status: done.status, json: done.json }).toEqual({ status: 200, json: {} });
    expect((await send('GET', `${PROXY}/artifacts/mpu/dir/weights.bin`)).raw.equals(Buffer.concat(parts))).toBe(true);
  });

  it('mpu abort leaves nothing, and complete without parts is refused', async () => {
    const json = { 'content-type': 'application/json' };
    const created = await send('POST', `${PROXY}/mpu/create/mpu/aborted`, JSON.stringify({ path: 'big.bin', num_parts: 1 }), json);
    const uploadId = (created.json as { upload_id: string }).upload_id;
    expectError(await send('POST', `${PROXY}/mpu/complete/mpu/aborted`, JSON.stringify({ path: 'big.bin', upload_id: uploadId }), json), 400, 'INVALID_PARAMETER_VALUE', /parts/);
    expect((await send('POST', `${PROXY}/mpu/abort/mpu/aborted`, JSON.stringify({ path: 'big.bin', upload_id: uploadId }), json)).json).toEqual({});
    expect(await keys(`${PREFIX}/mpu/aborted`)).toEqual([]);
    expect(await pendingUploads()).toBe(0);
  });

  it('server-info advertises multipart transfers, as MLflow does for an S3 destination', async () => {
    const info = await send('GET', '/api/3.0/mlflow/server-info');
    expect(info.json).toMatchObject({ multipart_uploads_enabled: true, multipart_downloads_enabled: true });
  });

  it('presigned download: a URL that reads the object straight from S3, with its size', async () => {
    await put('pre/file.csv', 'a,b\n1,2\n');
    const res = await send('GET', `${PROXY}/presigned/pre/file.csv`);
    expect(res.status).toBe(200);
    expect(res.json.file_size).toBe(8);
    expect(await (await fetch(String(res.json.url))).text()).toBe('a,b\n1,2\n');
    expectError(await send('GET', `${PROXY}/presigned/pre/none.csv`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('a run logged through the proxy is listed and read through the tracking API and the UI', async () => {
    const exp = await send('POST', '/api/2.0/mlflow/experiments/create', JSON.stringify({ name: 's3-proxy' }), { 'content-type': 'application/json' });
    const run = await send('POST', '/api/2.0/mlflow/runs/create', JSON.stringify({ experiment_id: exp.json.experiment_id }), { 'content-type': 'application/json' });
    const info = (run.json.run as { info: { run_id: string; artifact_uri: string } }).info;
    expect(info.artifact_uri).toMatch(/^mlflow-artifacts:\//);
    const rel = info.artifact_uri.replace(/^mlflow-artifacts:\/+/, '');
    await put(`${rel}/model/MLmodel`, 'flavors: {}\n');
    await put(`${rel}/metrics.json`, '{"auc": 0.9}');
    const listed = await send('GET', `/api/2.0/mlflow/artifacts/list?run_id=${info.run_id}`);
    expect(listed.json).toEqual({
      root_uri: info.artifact_uri,
      files: [
        { path: 'metrics.json', is_dir: false, file_size: 12 },
        { path: 'model', is_dir: true },
      ],
    });
    expect((await send('GET', `/api/2.0/mlflow/artifacts/list?run_id=${info.run_id}&path=model`)).json.files).toEqual([{ path: 'model/MLmodel', is_dir: false, file_size: 12 }]);
    const file = await send('GET', `/get-artifact?path=model/MLmodel&run_uuid=${info.run_id}`);
    expect({ status: file.status, body: file.raw.toString(), type: file.headers['content-type'] }).toEqual({ status: 200, body: 'flavors: {}\n', type: 'text/plain' });
    // The UI's upload button writes into the run's S3 prefix too.
    const up = await send('POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${info.run_id}&path=notes.txt`, 'hello', { 'content-type': 'text/plain' });
    expect(up.status, up.raw.toString()).toBe(200);
    expect(await keys(`${PREFIX}/${rel}/notes.txt`)).toEqual([`${PREFIX}/${rel}/notes.txt`]);
  });

  it('an upload whose client disconnects mid-body leaves no object and no multipart upload behind', async () => {
    await put('cut/model.bin', 'old model');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `${PROXY}/artifacts/cut/model.bin`,
        agent: false,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(64 * MiB) },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      // Enough for several 5 MiB parts to be on their way to S3, then the connection goes.
      let sent = 0;
      const pump = () => {
        while (sent < 24 * MiB) {
          sent += MiB;
          if (!req.write(randomBytes(MiB))) {
            req.once('drain', pump);
            return;
          }
        }
        setTimeout(() => req.destroy(), 300);
      };
      pump();
    });
    const deadline = Date.now() + 10_000;
    while ((await pendingUploads()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await pendingUploads()).toBe(0);
    const got = await send('GET', `${PROXY}/artifacts/cut/model.bin`);
    expect(got.raw.toString()).toBe('old model');
  });

  it('a file where a directory stands (and the reverse) answers 400 JSON over a real socket, not a closed connection', async () => {
    await put('clash/model/a.txt', 'a');
    await put('clash/file.txt', 'f');
    if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    for (const [path, message] of [
      ['clash/model', /directory, not a file/],
      ['clash/file.txt/b', /a file stands where a directory must be/],
    ] as const) {
      // Found by schemathesis on PostgreSQL + SeaweedFS: the refusal used to destroy the request
      // stream, so the client saw its connection closed with no answer.
      const res = await fetch(`http://127.0.0.1:${port}${PROXY}/artifacts/${path}`, { method: 'PUT', body: new Uint8Array(randomBytes(256 * 1024)) });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error_code: string; message: string };
      expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(body.message).toMatch(message);
    }
  });
});

describe('MINFLOW_S3_PRESIGNED_TRANSFERS=false', () => {
  it('keeps every byte on the proxy: server-info says no multipart, the mpu and presigned endpoints answer as for a local store', async () => {
    process.env.MINFLOW_S3_PRESIGNED_TRANSFERS = 'false';
    const proxied = await buildApp(config());
    try {
      const info = await proxied.inject({ method: 'GET', url: '/api/3.0/mlflow/server-info' });
      expect(JSON.parse(info.body)).toMatchObject({ multipart_uploads_enabled: false, multipart_downloads_enabled: false });
      const mpu = await proxied.inject({ method: 'POST', url: `${PROXY}/mpu/create/x`, payload: JSON.stringify({ path: 'f.bin', num_parts: 1 }), headers: { 'content-type': 'application/json' } });
      expect({ status: mpu.statusCode, body: JSON.parse(mpu.body) }).toMatchObject({
        status: 501,
        body: { error_code: 'NOT_IMPLEMENTED', message: 'Multipart upload is not supported for the current artifact repository' },
      });
      expect((await proxied.inject({ method: 'GET', url: `${PROXY}/presigned/x/f.bin` })).statusCode).toBe(501);
      const up = await proxied.inject({ method: 'PUT', url: `${PROXY}/artifacts/nopresign/f.txt`, payload: 'still proxied', headers: { 'content-type': 'text/plain' } });
      expect(up.statusCode).toBe(200);
      expect((await proxied.inject({ method: 'GET', url: `${PROXY}/artifacts/nopresign/f.txt` })).body).toBe('still proxied');
    } finally {
      delete process.env.MINFLOW_S3_PRESIGNED_TRANSFERS;
      await proxied.close();
    }
  });
});

describe('S3 destination at start', () => {
  it('refuses to build the app when the bucket is missing, naming it', async () => {
    await expect(buildApp(config({ artifactsDestination: 's3://no-such-bucket/x' }))).rejects.toThrow(ConfigError);
    await expect(buildApp(config({ artifactsDestination: 's3://no-such-bucket/x' }))).rejects.toThrow(
      /Cannot use the S3 artifact store: The S3 bucket 'no-such-bucket' of s3:\/\/no-such-bucket\/x does not exist at http:\/\/127\.0\.0\.1:\d+/,
    );
  });

  it('minflow server exits 2 with the reason when the bucket is missing or S3 cannot be reached', async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [builtCli(), 'server', '--port', '0', '--backend-store-uri', 'sqlite:///:memory:', '--artifacts-destination', 's3://no-such-bucket/a'], {
          env: { ...process.env, ...sw.env, AWS_MAX_ATTEMPTS: '1', ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const missing = await run({});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/minflow server: Cannot use the S3 artifact store: The S3 bucket 'no-such-bucket' of s3:\/\/no-such-bucket\/a does not exist at http:\/\/127\.0\.0\.1:\d+/);
    expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const down = await run({ MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/Cannot use the S3 artifact store: .*the S3 endpoint cannot be reached \(ECONNREFUSED/);
  });

  it('with --no-serve-artifacts and an s3:// default root, lists and reads a run written straight to S3', async () => {
    const root = `s3://${sw.bucket}/direct`;
    const direct = await buildApp(config({ serveArtifacts: false, defaultArtifactRoot: root, artifactsDestination: root }));
    try {
      const inject = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
        const r = await direct.inject({ method, url, payload: payload === undefined ? undefined : JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
        return { status: r.statusCode, json: JSON.parse(r.body || '{}') as Record<string, unknown>, body: r.body };
      };
      const exp = await inject('POST', '/api/2.0/mlflow/experiments/create', { name: 'direct' });
      const run = await inject('POST', '/api/2.0/mlflow/runs/create', { experiment_id: exp.json.experiment_id });
      const info = (run.json.run as { info: { run_id: string; artifact_uri: string } }).info;
      expect(info.artifact_uri).toBe(`${root}/${String(exp.json.experiment_id)}/${info.run_id}/artifacts`);
      // What boto3 would do on the client: put the object itself.
      const key = `${info.artifact_uri.slice(`s3://${sw.bucket}/`.length)}/plots/roc.txt`;
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await client.send(new PutObjectCommand({ Bucket: sw.bucket, Key: key, Body: 'roc' }));
      expect((await inject('GET', `/api/2.0/mlflow/artifacts/list?run_id=${info.run_id}`)).json).toEqual({ root_uri: info.artifact_uri, files: [{ path: 'plots', is_dir: true }] });
      const file = await direct.inject({ method: 'GET', url: `/get-artifact?path=plots/roc.txt&run_uuid=${info.run_id}` });
      expect({ status: file.statusCode, body: file.body }).toEqual({ status: 200, body: 'roc' });
      // The proxy is off, as MLflow's is, and with it the multipart transfers.
      expect((await inject('GET', '/api/3.0/mlflow/server-info')).json).toMatchObject({ multipart_uploads_enabled: false, multipart_downloads_enabled: false });
      expect((await direct.inject({ method: 'GET', url: `${PROXY}/artifacts/x` })).statusCode).toBe(503);
      // An experiment pointing at a bucket the server was not given is refused, not read.
      const other = await inject('POST', '/api/2.0/mlflow/experiments/create', { name: 'elsewhere', artifact_location: 's3://another-bucket/x' });
      const otherRun = await inject('POST', '/api/2.0/mlflow/runs/create', { experiment_id: other.json.experiment_id });
      const otherId = (otherRun.json.run as { info: { run_id: string } }).info.run_id;
      const refused = await inject('GET', `/api/2.0/mlflow/artifacts/list?run_id=${otherId}`);
      expect({ status: refused.status, code: refused.json.error_code }).toEqual({ status: 400, code: 'INVALID_PARAMETER_VALUE' });
      expect(String(refused.json.message)).toMatch(/S3 artifact locations must lie inside/);
    } finally {
      await direct.close();
    }
  });
});
