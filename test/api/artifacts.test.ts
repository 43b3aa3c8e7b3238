// The artifact proxy (MlflowArtifactsService): GET / list / DELETE under /api/2.0 and /ajax-api/2.0,
// multipart and presigned answered as MLflow answers them for a local destination, and the 503 of a
// server started with --no-serve-artifacts (uploads: artifacts-uploads.test.ts).
// Expected shapes, headers and texts were checked against the official MLflow 3.17.2 server.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ok } from './helpers.js';
import {
  AJAX_PROXY,
  PROXY,
  expectDownload,
  invalidPath,
  startArtifactApi,
  walk,
  type ArtifactApi,
} from './artifact-helpers.js';

let api: ArtifactApi;
beforeAll(async () => {
  api = await startArtifactApi();
});
afterAll(async () => {
  await api.close();
});

const onDisk = (rel: string): Buffer => fs.readFileSync(path.join(api.root, rel));
const list = (dir?: string, base = PROXY) => api.fetch<{ files?: { path: string; is_dir: boolean; file_size?: number }[] }>(`${base}/artifacts`, dir === undefined ? undefined : { path: dir });
/** 0..255 repeated: every byte value, including NUL and invalid UTF-8. */
const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));


describe('GET /mlflow-artifacts/artifacts/<path>', () => {
  beforeAll(async () => {
    const files: [string, string | Buffer][] = [
      ['get/notes.txt', 'hello artifacts\n'],
      ['get/conf.yaml', 'a: 1\n'],
      ['get/conf.yml', 'b: 2\n'],
      ['get/data.json', '{"k": [1, 2]}'],
      ['get/MLmodel', 'flavors:\n  python_function: {}\n'],
      ['get/requirements.txt', 'scikit-learn==1.5\n'],
      ['get/train.py', 'print(1)\n'],
      ['get/table.csv', 'a,b\n1,2\n'],
      ['get/README.md', '# r\n'],
      ['get/plot.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), BINARY])],
      ['get/photo.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0])],
      ['get/vector.svg', '<svg/>'],
      ['get/page.html', '<script>alert(1)</script>'],
      ['get/model.pkl', BINARY],
      ['get/no-extension', BINARY],
      ['get/weights.unknownext', BINARY],
      ['get/empty.txt', ''],
      ['get/café €.txt', 'unicode name'],
      ['get/with space(1).txt', 'spaces'],
    ];
    for (const [rel, bytes] of files) ok(await api.put(rel.split('/').map(encodeURIComponent).join('/'), bytes));
  });

  it.each([
    ['notes.txt', 'text/plain'],
    ['conf.yaml', 'text/plain'],
    ['conf.yml', 'text/plain'],
    ['data.json', 'text/plain'],
    ['MLmodel', 'text/plain'],
    ['requirements.txt', 'text/plain'],
    ['train.py', 'text/plain'],
    ['table.csv', 'text/plain'],
    ['README.md', 'text/plain'],
    ['plot.png', 'image/png'],
    ['photo.jpg', 'image/jpeg'],
    ['vector.svg', 'image/svg+xml'],
    ['page.html', 'text/html'],
    ['model.pkl', 'application/octet-stream'],
    ['no-extension', 'application/octet-stream'],
    ['weights.unknownext', 'application/octet-stream'],
  ])('streams %s back as %s, as an attachment, nosniff, with its length', async (name, type) => {
    const res = await api.fetch(`${PROXY}/artifacts/get/${name}`);
    expectDownload(res, onDisk(`get/${name}`), type, `attachment; filename=${name}`);
  });

  it('serves the same bytes under /ajax-api/2.0', async () => {
    expectDownload(await api.fetch(`${AJAX_PROXY}/artifacts/get/plot.png`), onDisk('get/plot.png'), 'image/png', 'attachment; filename=plot.png');
  });

  it('serves an empty file with Content-Length 0', async () => {
    expectDownload(await api.fetch(`${PROXY}/artifacts/get/empty.txt`), '', 'text/plain', 'attachment; filename=empty.txt');
  });

  it('quotes a file name with spaces and adds an RFC 5987 filename* for a non-ASCII one (werkzeug quoting)', async () => {
    expectDownload(await api.fetch(`${PROXY}/artifacts/get/${encodeURIComponent('with space(1).txt')}`), 'spaces', 'text/plain', 'attachment; filename="with space(1).txt"');
    expectDownload(
      await api.fetch(`${PROXY}/artifacts/get/${encodeURIComponent('café €.txt')}`),
      'unicode name',
      'text/plain',
      `attachment; filename="cafe .txt"; filename*=UTF-8''caf%C3%A9%20%E2%82%AC.txt`,
    );
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST "No such artifact" for a missing file', async () => {
    expectError(await api.fetch(`${PROXY}/artifacts/get/missing.txt`), 404, 'RESOURCE_DOES_NOT_EXIST', "No such artifact: 'get/missing.txt'");
    expectError(await api.fetch(`${AJAX_PROXY}/artifacts/nowhere/at/all.bin`), 404, 'RESOURCE_DOES_NOT_EXIST', "No such artifact: 'nowhere/at/all.bin'");
  });

  it('answers 400 for a directory', async () => {
    expectError(await api.fetch(`${PROXY}/artifacts/get`), 400, 'INVALID_PARAMETER_VALUE', "Artifact path refers to a directory, not a file: 'get'");
  });
});

describe('GET /mlflow-artifacts/artifacts?path= (list)', () => {
  beforeAll(async () => {
    ok(await api.put('ls/run/b.txt', 'bb'));
    ok(await api.put('ls/run/a.txt', 'a'));
    ok(await api.put('ls/run/empty.txt', ''));
    ok(await api.put('ls/run/Z-upper.txt', 'zzz'));
    ok(await api.put('ls/run/sub/deep/x.bin', 'xxxx'));
    ok(await api.put('ls/run/model/MLmodel', 'm'));
    fs.mkdirSync(path.join(api.root, 'ls/emptydir'), { recursive: true });
  });

  it('lists basenames only, sorted, file_size for non-empty files, none for directories and empty files', async () => {
    expect(ok(await list('ls/run'))).toEqual({
      files: [
        { path: 'Z-upper.txt', is_dir: false, file_size: 3 },
        { path: 'a.txt', is_dir: false, file_size: 1 },
        { path: 'b.txt', is_dir: false, file_size: 2 },
        { path: 'empty.txt', is_dir: false },
        { path: 'model', is_dir: true },
        { path: 'sub', is_dir: true },
      ],
    });
    expect(ok(await list('ls/run/sub'))).toEqual({ files: [{ path: 'deep', is_dir: true }] });
    expect(ok(await list('ls/run/sub/deep'))).toEqual({ files: [{ path: 'x.bin', is_dir: false, file_size: 4 }] });
  });

  it('answers the same under /ajax-api/2.0 and for a trailing-slash path', async () => {
    const expected = ok(await list('ls/run/sub'));
    expect(ok(await list('ls/run/sub', AJAX_PROXY))).toEqual(expected);
    expect(ok(await list('ls/run/sub/'))).toEqual(expected);
  });

  it('answers {} for a missing directory, an empty directory and a file', async () => {
    for (const dir of ['ls/missing', 'ls/run/missing/deeper', 'ls/emptydir', 'ls/run/a.txt', 'ls/run/empty.txt']) {
      const res = await list(dir);
      expect(ok(res), dir).toEqual({});
      expect(res.body).toBe('{}');
    }
  });

  it('lists the destination root without a path', async () => {
    const names = (ok(await list()).files ?? []).map((f) => f.path);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['get', 'ls']));
  });

  it('hides in-progress upload files', async () => {
    fs.writeFileSync(path.join(api.root, 'ls/run/sub/.minflow-upload-00000000-0000-0000-0000-000000000000'), 'partial');
    try {
      expect(ok(await list('ls/run/sub'))).toEqual({ files: [{ path: 'deep', is_dir: true }] });
    } finally {
      fs.rmSync(path.join(api.root, 'ls/run/sub/.minflow-upload-00000000-0000-0000-0000-000000000000'));
    }
  });
});

describe('DELETE /mlflow-artifacts/artifacts/<path>', () => {
  it('deletes a file and answers {}', async () => {
    ok(await api.put('del/one/a.txt', 'a'));
    ok(await api.put('del/one/b.txt', 'b'));
    const res = await api.send({ method: 'DELETE', url: `${PROXY}/artifacts/del/one/a.txt` });
    expect(ok(res)).toEqual({});
    expect(walk(path.join(api.root, 'del/one'))).toEqual(['b.txt']);
    expectError(await api.fetch(`${PROXY}/artifacts/del/one/a.txt`), 404, 'RESOURCE_DOES_NOT_EXIST', "No such artifact: 'del/one/a.txt'");
  });

  it('deletes a directory tree (with a JSON body, as the client may send) and answers {}', async () => {
    ok(await api.put('del/tree/model/MLmodel', 'm'));
    ok(await api.put('del/tree/model/data/weights.bin', BINARY));
    ok(await api.put('del/tree/keep.txt', 'k'));
    const res = await api.send({ method: 'DELETE', url: `${AJAX_PROXY}/artifacts/del/tree/model`, payload: '{"path": "del/tree/model"}' });
    expect(ok(res)).toEqual({});
    expect(walk(path.join(api.root, 'del/tree'))).toEqual(['keep.txt']);
    expect(ok(await list('del/tree/model'))).toEqual({});
  });

  it('answers {} for a path that does not exist', async () => {
    expect(ok(await api.send({ method: 'DELETE', url: `${PROXY}/artifacts/del/never/existed.txt` }))).toEqual({});
  });

  it('refuses to delete the destination root', async () => {
    ok(await api.put('del/root-guard.txt', 'g'));
    invalidPath(await api.send({ method: 'DELETE', url: `${PROXY}/artifacts/` }));
    expect(onDisk('del/root-guard.txt').toString()).toBe('g');
  });
});

describe('multipart upload and presigned download (local destination)', () => {
  const MPU = 'Multipart upload is not supported for the current artifact repository';
  const JSON_HEADERS = { 'content-type': 'application/json' };

  it.each([
    ['create', { path: 'big.bin', num_parts: 3 }],
    ['complete', { path: 'big.bin', upload_id: 'u-1', parts: [{ part_number: 1, etag: 'e1', url: 'http://x' }] }],
    ['abort', { path: 'big.bin', upload_id: 'u-1' }],
  ])('mpu/%s answers 501 NOT_IMPLEMENTED (the client falls back to a plain PUT)', async (action, body) => {
    for (const base of [PROXY, AJAX_PROXY]) {
      const res = await api.send({ method: 'POST', url: `${base}/mpu/${action}/mpu/big.bin`, payload: JSON.stringify(body), headers: JSON_HEADERS });
      const err = expectError(res, 501, 'NOT_IMPLEMENTED', MPU);
      expect(err).toEqual({ error_code: 'NOT_IMPLEMENTED', message: MPU });
    }
    expect(fs.existsSync(path.join(api.root, 'mpu'))).toBe(false);
  });

  it('mpu/create without a path in the body is a 400 first', async () => {
    const res = await api.send({ method: 'POST', url: `${PROXY}/mpu/create/mpu/big.bin`, payload: '{}', headers: JSON_HEADERS });
    expectError(res, 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'path'. See the API docs for more information about request parameters.");
  });

  it('presigned/<path> answers 501 NOT_IMPLEMENTED "Multipart download is not supported ..."', async () => {
    ok(await api.put('presigned/file.bin', 'x'));
    for (const base of [PROXY, AJAX_PROXY]) {
      const res = await api.fetch(`${base}/presigned/presigned/file.bin`);
      expect(expectError(res, 501, 'NOT_IMPLEMENTED')).toEqual({
        error_code: 'NOT_IMPLEMENTED',
        message: 'Multipart download is not supported for the current artifact repository',
      });
    }
  });
});

describe('with serveArtifacts: false (mlflow server --no-serve-artifacts)', () => {
  let off: ArtifactApi;
  beforeAll(async () => {
    off = await startArtifactApi({ serveArtifacts: false });
    fs.mkdirSync(path.join(off.root, 'd'));
    fs.writeFileSync(path.join(off.root, 'd/file.txt'), 'secret');
  });
  afterAll(async () => {
    await off.close();
  });

  const disabled = (route: string) =>
    `Endpoint: ${route} disabled due to the mlflow server running with \`--no-serve-artifacts\`. ` +
    'To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`';

  it.each([
    ['PUT', `${PROXY}/artifacts/d/new.txt`, `${PROXY}/artifacts/*`],
    ['GET', `${PROXY}/artifacts?path=d`, `${PROXY}/artifacts`],
    ['GET', `${AJAX_PROXY}/artifacts?path=d`, `${AJAX_PROXY}/artifacts`],
    ['DELETE', `${PROXY}/artifacts/d/file.txt`, `${PROXY}/artifacts/*`],
    ['POST', `${PROXY}/mpu/create/d/big.bin`, `${PROXY}/mpu/create/*`],
    ['POST', `${PROXY}/mpu/complete/d/big.bin`, `${PROXY}/mpu/complete/*`],
    ['POST', `${PROXY}/mpu/abort/d/big.bin`, `${PROXY}/mpu/abort/*`],
    ['GET', `${PROXY}/presigned/d/file.txt`, `${PROXY}/presigned/*`],
  ] as const)('%s %s answers 503 text/plain with MLflow’s message', async (method, url, route) => {
    const res = await off.send({ method, url, payload: method === 'GET' ? undefined : '{"path": "x"}', headers: method === 'GET' ? {} : { 'content-type': 'application/json' } });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe(disabled(route));
    expect(fs.readdirSync(path.join(off.root, 'd'))).toEqual(['file.txt']);
  });

  // Known bug: GET of a file is not guarded, so the destination stays readable with the proxy
  // disabled. MLflow 3.17.2 answers 503 here.
  it('GET of a file answers 503 too', async () => {
    const res = await off.fetch(`${PROXY}/artifacts/d/file.txt`);
    expect(res.status).toBe(503);
  });
});
