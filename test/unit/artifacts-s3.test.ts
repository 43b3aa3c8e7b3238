// One contract, two artifact stores: the same tests run against the local-file store and the S3 store
// on a real SeaweedFS (test/helpers/seaweedfs.ts). Then what only S3 has: the bucket check, errors as
// MLflow JSON codes, multipart uploads through presigned URLs, and the resolver's S3 confinement.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowError } from '../../server/errors.js';
import { LocalArtifactStore } from '../../server/artifacts/local-store.js';
import { S3ConfigError, makeS3Client, s3SettingsFromEnv, type S3Settings } from '../../server/artifacts/s3-config.js';
import { S3ArtifactStore } from '../../server/artifacts/s3-store.js';
import { S3Roots } from '../../server/artifacts/s3-roots.js';
import { ArtifactResolver } from '../../server/artifacts/locations.js';
import type { ArtifactStore } from '../../server/artifacts/store.js';
import { RangeNotSatisfiable, parseRangeHeader, type RangeRequest } from '../../server/artifacts/range.js';
import { startSeaweed, type Seaweed } from '../helpers/seaweedfs.js';
import { tempDir } from '../helpers/paths.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;

let sw: Seaweed;
let settings: S3Settings;
let client: S3Client;
const localDirs: string[] = [];

beforeAll(async () => {
  sw = await startSeaweed();
  settings = s3SettingsFromEnv(sw.env);
  client = makeS3Client(settings);
});
afterAll(async () => {
  client?.destroy();
  await sw?.stop();
  for (const d of localDirs) fs.rmSync(d, { recursive: true, force: true });
});

let counter = 0;
const factories: [string, () => ArtifactStore][] = [
  [
    'local',
    () => {
      const dir = tempDir('contract');
      localDirs.push(dir);
      return new LocalArtifactStore(path.join(dir, 'root'));
    },
  ],
  // Small parts so that a few MiB already go through a multipart upload.
  ['s3', () => new S3ArtifactStore(client, sw.bucket, `contract/${++counter}/root`, settings, { partSize: PART, queueSize: 2 })],
];

async function readAll(store: ArtifactStore, rel: string): Promise<Buffer> {
  const file = await store.read(rel);
  const chunks: Buffer[] = [];
  for await (const c of file.stream) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  expect(body.length).toBe(file.size);
  return body;
}

const put = (store: ArtifactStore, rel: string, body: string | Buffer) => store.write(rel, Readable.from([Buffer.from(body)]));

async function expectMlflowError(p: Promise<unknown>, code: string, status: number, message?: RegExp | string): Promise<MlflowError> {
  const e = await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MlflowError);
  const m = e as MlflowError;
  expect({ code: m.errorCode, status: m.statusCode }).toEqual({ code, status });
  if (message !== undefined) expect(m.message).toMatch(message);
  return m;
}

/** A body that sends `bytes` then fails, as a client that disconnects mid-upload. */
function failingBody(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        return;
      }
      const n = Math.min(MiB, bytes - sent);
      sent += n;
      this.push(randomBytes(n));
    },
  });
}

async function pendingUploads(): Promise<number> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: sw.bucket }));
  return out.Uploads?.length ?? 0;
}

describe.each(factories)('artifact store contract (%s)', (kind, make) => {
  it('writes and reads back bytes, returning the size', async () => {
    const store = make();
    const bytes = randomBytes(100_000);
    expect(await put(store, 'model/model.pkl', bytes)).toBe(bytes.length);
    expect((await readAll(store, 'model/model.pkl')).equals(bytes)).toBe(true);
  });

  it('lists directories and files directly under a path, sorted, with sizes', async () => {
    const store = make();
    for (const rel of ['a/b/c.txt', 'a/d.txt', 'a/e/f/g.txt', 'top.txt', 'B.txt', 'a-b/x', 'a.txt', '_u/v', 'Z/z', 'ä/ü.txt']) {
      await put(store, rel, `content of ${rel}`);
    }
    expect(await store.list('')).toEqual([
      { path: 'B.txt', isDir: false, fileSize: 'content of B.txt'.length },
      { path: 'Z', isDir: true },
      { path: '_u', isDir: true },
      { path: 'a', isDir: true },
      { path: 'a-b', isDir: true },
      { path: 'a.txt', isDir: false, fileSize: 'content of a.txt'.length },
      { path: 'top.txt', isDir: false, fileSize: 'content of top.txt'.length },
      { path: 'ä', isDir: true },
    ]);
    expect(await store.list('a')).toEqual([
      { path: 'a/b', isDir: true },
      { path: 'a/d.txt', isDir: false, fileSize: 'content of a/d.txt'.length },
      { path: 'a/e', isDir: true },
    ]);
    expect(await store.list('a/e/')).toEqual([{ path: 'a/e/f', isDir: true }]);
    expect(await store.list('./a/e/f')).toEqual([{ path: 'a/e/f/g.txt', isDir: false, fileSize: 'content of a/e/f/g.txt'.length }]);
    expect(await store.list('ä')).toEqual([{ path: 'ä/ü.txt', isDir: false, fileSize: Buffer.byteLength('content of ä/ü.txt') }]);
  });

  it('lists a file or a missing path as empty', async () => {
    const store = make();
    await put(store, 'dir/file.txt', 'x');
    expect(await store.list('dir/file.txt')).toEqual([]);
    expect(await store.list('missing')).toEqual([]);
    expect(await store.list('dir/missing/deeper')).toEqual([]);
  });

  it('lists more entries than one S3 page holds', async () => {
    const store = make();
    const names = Array.from({ length: 1010 }, (_, i) => `f${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((n) => put(store, `many/${n}`, n)));
    const listed = await store.list('many');
    expect(listed.length).toBe(1010);
    expect(listed.map((f) => f.path)).toEqual(names.map((n) => `many/${n}`));
  });

  it('stores empty files, and refuseEmpty keeps the file that is there', async () => {
    const store = make();
    expect(await put(store, 'e/empty.txt', '')).toBe(0);
    expect(await store.list('e')).toEqual([{ path: 'e/empty.txt', isDir: false, fileSize: 0 }]);
    expect((await readAll(store, 'e/empty.txt')).length).toBe(0);
    await put(store, 'e/kept.txt', 'kept');
    const refusal = new MlflowError('INVALID_PARAMETER_VALUE', 'Request must specify data.');
    await expect(store.write('e/kept.txt', Readable.from([]), undefined, () => refusal)).rejects.toBe(refusal);
    expect((await readAll(store, 'e/kept.txt')).toString()).toBe('kept');
  });

  it('replaces a file on a second write', async () => {
    const store = make();
    await put(store, 'r/file', 'first version, longer');
    await put(store, 'r/file', 'second');
    expect((await readAll(store, 'r/file')).toString()).toBe('second');
    expect(await store.list('r')).toEqual([{ path: 'r/file', isDir: false, fileSize: 6 }]);
  });

  it('streams a multi-part body and reads back the same bytes', async () => {
    const store = make();
    const hash = createHash('sha256');
    const blocks = Array.from({ length: 13 }, (_, i) => {
      const b = randomBytes(MiB);
      b.writeUInt32BE(i, 0);
      hash.update(b);
      return b;
    });
    expect(await store.write('big/blob.bin', Readable.from(blocks))).toBe(13 * MiB);
    const back = createHash('sha256');
    const file = await store.read('big/blob.bin');
    expect(file.size).toBe(13 * MiB);
    for await (const c of file.stream) back.update(c as Buffer);
    expect(back.digest('hex')).toBe(hash.digest('hex'));
  });

  it('answers RESOURCE_DOES_NOT_EXIST (404) for a missing file, INVALID_PARAMETER_VALUE for a directory', async () => {
    const store = make();
    await put(store, 'd/sub/f.txt', 'x');
    await expectMlflowError(store.read('d/missing.txt'), 'RESOURCE_DOES_NOT_EXIST', 404, "No such artifact: 'd/missing.txt'");
    await expectMlflowError(store.read('nothing/at/all'), 'RESOURCE_DOES_NOT_EXIST', 404);
    await expectMlflowError(store.read('d/sub'), 'INVALID_PARAMETER_VALUE', 400, "Artifact path refers to a directory, not a file: 'd/sub'");
    await expectMlflowError(store.read(''), 'INVALID_PARAMETER_VALUE', 400, /refers to a directory/);
  });

  it('deletes a file, a directory tree, and a missing path without error; refuses the root', async () => {
    const store = make();
    for (const rel of ['x/keep.txt', 'x/gone/a.txt', 'x/gone/b/c.txt', 'x/gone.txt', 'x/gonex/k']) await put(store, rel, rel);
    await store.delete('x/gone');
    expect((await store.list('x')).map((f) => f.path)).toEqual(['x/gone.txt', 'x/gonex', 'x/keep.txt']);
    await store.delete('x/gone.txt');
    expect((await store.list('x')).map((f) => f.path)).toEqual(['x/gonex', 'x/keep.txt']);
    await store.delete('x/never/was');
    await expectMlflowError(store.delete(''), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
    await store.delete('x');
    expect(await store.list('')).toEqual([]);
  });

  it('deletes a directory whose only content is directories emptied by earlier deletes', async () => {
    const store = make();
    await put(store, 'h/x/e/f/deep.txt', 'd');
    await put(store, 'h/keep', 'k');
    await store.delete('h/x/e/f/deep.txt');
    await store.delete('h/x');
    expect(await store.list('h')).toEqual([{ path: 'h/keep', isDir: false, fileSize: 1 }]);
  });

  it.each(['../escape.txt', 'a/../../escape.txt', '%2e%2e/escape.txt', '%252e%252e/escape.txt', '/etc/passwd', 'a\\b', 'C:/x', 'a#b'])(
    'refuses the path %s for every operation',
    async (bad) => {
      const store = make();
      await expectMlflowError(store.read(bad), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
      await expectMlflowError(store.list(bad), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
      await expectMlflowError(store.delete(bad), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
      await expectMlflowError(put(store, bad, 'x'), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
    },
  );

  it('refuses a file where a directory must be, and a file over a directory', async () => {
    const store = make();
    await put(store, 'f/file', 'x');
    await expectMlflowError(put(store, 'f/file/child', 'y'), 'INVALID_PARAMETER_VALUE', 400, /a file stands where a directory must be/);
    await put(store, 'f/dir/inner', 'z');
    await expectMlflowError(put(store, 'f/dir', 'w'), 'INVALID_PARAMETER_VALUE', 400, /refers to a directory/);
    expect(await store.list('f')).toEqual([
      { path: 'f/dir', isDir: true },
      { path: 'f/file', isDir: false, fileSize: 1 },
    ]);
  });

  it('refuses a body over maxBytes with 413, leaving nothing visible', async () => {
    const store = make();
    await expectMlflowError(store.write('m/too-big', Readable.from([randomBytes(3 * MiB), randomBytes(3 * MiB)]), 4 * MiB), 'INVALID_PARAMETER_VALUE', 413);
    await expectMlflowError(store.read('m/too-big'), 'RESOURCE_DOES_NOT_EXIST', 404);
    expect(await store.list('m')).toEqual([]);
  });

  it('reads byte ranges: start-end, open-ended, suffix, clipped; refuses one past the end', async () => {
    const store = make();
    await put(store, 'rg/ten.txt', '0123456789');
    await put(store, 'rg/empty', '');
    const ranged = async (range: RangeRequest) => {
      const file = await store.read('rg/ten.txt', range);
      const chunks: Buffer[] = [];
      for await (const c of file.stream) chunks.push(c as Buffer);
      return { body: Buffer.concat(chunks).toString(), size: file.size, range: file.range };
    };
    expect(await ranged({ start: 2, end: 5 })).toEqual({ body: '2345', size: 4, range: { start: 2, end: 5, total: 10 } });
    expect(await ranged({ start: 7 })).toEqual({ body: '789', size: 3, range: { start: 7, end: 9, total: 10 } });
    expect(await ranged({ suffix: 3 })).toEqual({ body: '789', size: 3, range: { start: 7, end: 9, total: 10 } });
    expect(await ranged({ suffix: 50 })).toEqual({ body: '0123456789', size: 10, range: { start: 0, end: 9, total: 10 } });
    expect(await ranged({ start: 8, end: 500 })).toEqual({ body: '89', size: 2, range: { start: 8, end: 9, total: 10 } });
    for (const [rel, range, size] of [['rg/ten.txt', { start: 10 }, 10], ['rg/ten.txt', { suffix: 0 }, 10], ['rg/empty', { start: 0 }, 0], ['rg/empty', { suffix: 4 }, 0]] as const) {
      const e = await store.read(rel, range).then(() => null, (err: unknown) => err);
      expect(e, `${rel} ${JSON.stringify(range)}`).toBeInstanceOf(RangeNotSatisfiable);
      expect((e as RangeNotSatisfiable).size).toBe(size);
    }
    await expectMlflowError(store.read('rg/none', { start: 0 }), 'RESOURCE_DOES_NOT_EXIST', 404);
  });

  it('leaves no object after an interrupted upload, and keeps the previous version', async () => {
    const store = make();
    // 12 MiB before the failure: with 5 MiB parts, two parts have reached S3 by then.
    await expect(store.write('i/new.bin', failingBody(12 * MiB))).rejects.toThrow();
    await expectMlflowError(store.read('i/new.bin'), 'RESOURCE_DOES_NOT_EXIST', 404);
    await put(store, 'i/old.bin', 'old');
    await expect(store.write('i/old.bin', failingBody(7 * MiB))).rejects.toThrow();
    expect((await readAll(store, 'i/old.bin')).toString()).toBe('old');
    expect(await store.list('i')).toEqual([{ path: 'i/old.bin', isDir: false, fileSize: 3 }]);
    if (kind === 's3') expect(await pendingUploads()).toBe(0);
  });
});

describe('Range header parsing', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100 }],
    ['bytes=-5', { suffix: 5 }],
    ['Bytes = 3 - 4', { start: 3, end: 4 }],
    ['bytes=5-1', undefined],
    ['bytes=0-1,5-6', undefined],
    ['items=0-1', undefined],
    ['bytes=-', undefined],
    ['bytes=a-b', undefined],
    [undefined, undefined],
  ])('%s → %j', (header, expected) => {
    expect(parseRangeHeader(header)).toEqual(expected);
  });
});

describe('the SeaweedFS test helper', () => {
  it('fails with the install command when weed is missing', async () => {
    const { execFile } = await import('node:child_process');
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', '-e', "import('./test/helpers/seaweedfs.ts').then((m) => m.startSeaweed()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })"],
        { env: { ...process.env, MINFLOW_WEED: '/nonexistent/weed' } },
        () => {},
      );
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('/nonexistent/weed is missing: install SeaweedFS with `.venv/bin/pip install -r test/compat/requirements.txt`');
  });
});

describe("MLflow's S3 environment", () => {
  it('reads the endpoint, credentials, region and addressing style as boto3 is configured by MLflow', () => {
    expect(s3SettingsFromEnv({ MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:8333', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't', AWS_DEFAULT_REGION: 'eu-west-1' })).toEqual({
      endpoint: 'http://127.0.0.1:8333',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's', sessionToken: 't' },
      forcePathStyle: true,
      ignoreTls: false,
      uploadExtraArgs: {},
      presignedTransfers: true,
    });
    expect(s3SettingsFromEnv({ MINFLOW_S3_PRESIGNED_TRANSFERS: 'false' }).presignedTransfers).toBe(false);
    // AWS itself: virtual-hosted style, the SDK's credential chain, us-east-1 unless told.
    expect(s3SettingsFromEnv({})).toMatchObject({ endpoint: undefined, region: 'us-east-1', credentials: undefined, forcePathStyle: false });
    expect(s3SettingsFromEnv({ AWS_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
    expect(s3SettingsFromEnv({ MLFLOW_S3_ENDPOINT_URL: 'https://s3.example', MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: 'virtual' }).forcePathStyle).toBe(false);
    expect(s3SettingsFromEnv({ MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: 'path' }).forcePathStyle).toBe(true);
    expect(s3SettingsFromEnv({ MLFLOW_S3_IGNORE_TLS: 'True' }).ignoreTls).toBe(true);
    expect(s3SettingsFromEnv({ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '{"ServerSideEncryption": "AES256"}' }).uploadExtraArgs).toEqual({ ServerSideEncryption: 'AES256' });
  });

  it.each([
    [{ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '{not json' }, /MLFLOW_S3_UPLOAD_EXTRA_ARGS is not JSON/],
    [{ MLFLOW_S3_UPLOAD_EXTRA_ARGS: '["a"]' }, /must be a JSON object/],
    [{ MLFLOW_S3_IGNORE_TLS: 'maybe' }, /MLFLOW_S3_IGNORE_TLS must be true, false, 1 or 0/],
    [{ MLFLOW_S3_ENDPOINT_URL: 'localhost:9000' }, /must be an http:\/\/ or https:\/\/ URL/],
    [{ MLFLOW_S3_ENDPOINT_URL: 'not a url' }, /is not a URL/],
    [{ MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: 'sideways' }, /auto, path or virtual/],
  ])('refuses %j', (env, message) => {
    expect(() => s3SettingsFromEnv(env)).toThrow(S3ConfigError);
    expect(() => s3SettingsFromEnv(env)).toThrow(message);
  });

  it('MLFLOW_S3_UPLOAD_EXTRA_ARGS reach both single-request and multipart uploads', async () => {
    const extra = { ...settings, uploadExtraArgs: { Metadata: { origin: 'minflow' }, CacheControl: 'no-cache' } };
    const s = new S3ArtifactStore(client, sw.bucket, 'extra-args', extra, { partSize: PART, queueSize: 2 });
    await put(s, 'small.txt', 'small');
    await s.write('big.bin', Readable.from([randomBytes(PART), randomBytes(PART), randomBytes(10)]));
    for (const key of ['extra-args/small.txt', 'extra-args/big.bin']) {
      const head = await client.send(new HeadObjectCommand({ Bucket: sw.bucket, Key: key }));
      expect({ key, meta: head.Metadata, cache: head.CacheControl }).toEqual({ key, meta: { origin: 'minflow' }, cache: 'no-cache' });
    }
  });
});

describe('S3 store: what only S3 has', () => {
  const store = (prefix: string) => new S3ArtifactStore(client, sw.bucket, prefix, settings, { partSize: PART, queueSize: 2 });

  it('stays inside its prefix: neighbours and parents are out of reach', async () => {
    await client.send(new PutObjectCommand({ Bucket: sw.bucket, Key: 'conf/secret.txt', Body: 'secret' }));
    await client.send(new PutObjectCommand({ Bucket: sw.bucket, Key: 'conf/inner-sibling/x.txt', Body: 'sibling' }));
    const inner = store('conf/inner');
    await put(inner, 'mine.txt', 'mine');
    expect(await inner.list('')).toEqual([{ path: 'mine.txt', isDir: false, fileSize: 4 }]);
    await expectMlflowError(inner.read('../secret.txt'), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
    await expectMlflowError(inner.delete('..'), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
    // A prefix that merely starts like ours is not ours: deleting our tree leaves it alone.
    await put(store('conf'), 'inner-other/y.txt', 'y');
    await inner.delete('mine.txt');
    expect((await store('conf').list('')).map((f) => f.path)).toEqual(expect.arrayContaining(['inner-other', 'inner-sibling', 'secret.txt']));
    expect((await store('conf').list('inner-sibling')).map((f) => f.path)).toEqual(['inner-sibling/x.txt']);
  });

  it('hides zero-byte directory markers and shows their directory', async () => {
    await client.send(new PutObjectCommand({ Bucket: sw.bucket, Key: 'markers/root/emptydir/', Body: '' }));
    await client.send(new PutObjectCommand({ Bucket: sw.bucket, Key: 'markers/root/', Body: '' }));
    await client.send(new PutObjectCommand({ Bucket: sw.bucket, Key: 'markers/root/file.txt', Body: 'f' }));
    expect(await store('markers/root').list('')).toEqual([
      { path: 'emptydir', isDir: true },
      { path: 'file.txt', isDir: false, fileSize: 1 },
    ]);
  });

  it('checkBucket accepts the bucket, refuses a missing one and bad credentials with clear messages', async () => {
    await store('x').checkBucket();
    await expectMlflowError(new S3ArtifactStore(client, 'no-such-bucket', 'p', settings).checkBucket(), 'RESOURCE_DOES_NOT_EXIST', 404, /The S3 bucket 'no-such-bucket' of s3:\/\/no-such-bucket\/p does not exist at http:\/\/127\.0\.0\.1:\d+/);
    const badSettings = s3SettingsFromEnv({ ...sw.env, AWS_SECRET_ACCESS_KEY: 'wrong' });
    const bad = makeS3Client(badSettings);
    try {
      await expectMlflowError(new S3ArtifactStore(bad, sw.bucket, '', badSettings).checkBucket(), 'PERMISSION_DENIED', 403, /S3 refused access to the bucket/);
    } finally {
      bad.destroy();
    }
  });

  it('maps S3 errors on reads and writes to MLflow error codes', async () => {
    const missing = new S3ArtifactStore(client, 'no-such-bucket', '', settings);
    await expectMlflowError(missing.list(''), 'RESOURCE_DOES_NOT_EXIST', 404, /Failed to list s3:\/\/no-such-bucket: NoSuchBucket/);
    await expectMlflowError(put(missing, 'a.txt', 'x'), 'RESOURCE_DOES_NOT_EXIST', 404, /NoSuchBucket/);
    const badSettings = s3SettingsFromEnv({ ...sw.env, AWS_ACCESS_KEY_ID: 'nobody' });
    const bad = makeS3Client(badSettings);
    try {
      await expectMlflowError(new S3ArtifactStore(bad, sw.bucket, '', badSettings).list(''), 'UNAUTHENTICATED', 401, /InvalidAccessKeyId/);
    } finally {
      bad.destroy();
    }
    const downSettings = s3SettingsFromEnv({ ...sw.env, MLFLOW_S3_ENDPOINT_URL: 'http://127.0.0.1:9' });
    const down = makeS3Client(downSettings);
    try {
      await expectMlflowError(new S3ArtifactStore(down, sw.bucket, '', downSettings).list(''), 'TEMPORARILY_UNAVAILABLE', 503, /cannot be reached/);
    } finally {
      down.destroy();
    }
  });

  it('multipart upload through presigned part URLs: create, PUT parts, complete', async () => {
    const s = store('mpu/root');
    const parts = [randomBytes(PART), randomBytes(PART), randomBytes(1234)];
    const created = await s.createMultipartUpload('model/data', '/home/user/weights.bin', parts.length);
    expect(created.credentials.map((c) => c.part_number)).toEqual([1, 2, 3]);
    const etags: { part_number: number; etag: string }[] = [];
    for (const [i, c] of created.credentials.entries()) {
      const res = await fetch(c.url, { method: 'PUT', body: parts[i]! });
      expect(res.status, await res.clone().text()).toBe(200);
      etags.push({ part_number: c.part_number, etag: res.headers.get('etag') ?? '' });
    }
    // Not visible until completed.
    await expectMlflowError(s.read('model/data/weights.bin'), 'RESOURCE_DOES_NOT_EXIST', 404);
    await s.completeMultipartUpload('model/data', '/home/user/weights.bin', created.upload_id, etags);
    expect((await readAll(s, 'model/data/weights.bin')).equals(Buffer.concat(parts))).toBe(true);
  });

  it('multipart upload abort leaves nothing; a bad upload id is an MLflow error', async () => {
    const s = store('mpu-abort/root');
    const created = await s.createMultipartUpload('d', 'file.bin', 2);
    const res = await fetch(created.credentials[0]!.url, { method: 'PUT', body: randomBytes(PART) });
    expect(res.status).toBe(200);
    await s.abortMultipartUpload('d', 'file.bin', created.upload_id);
    await expectMlflowError(s.read('d/file.bin'), 'RESOURCE_DOES_NOT_EXIST', 404);
    expect(await pendingUploads()).toBe(0);
    await expect(s.completeMultipartUpload('d', 'file.bin', 'not-an-upload', [{ part_number: 1, etag: '"x"' }])).rejects.toBeInstanceOf(MlflowError);
    // The artifact is named by the basename of the client's file, as MLflow names it.
    await expectMlflowError(s.createMultipartUpload('d', '/tmp/..', 1), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
    await expectMlflowError(s.createMultipartUpload('../d', 'x', 1), 'INVALID_PARAMETER_VALUE', 400, 'Invalid path');
    await expectMlflowError(s.createMultipartUpload('d', 'x', 0), 'INVALID_PARAMETER_VALUE', 400);
  });

  it('a presigned download URL reads the object, with Range, as an attachment', async () => {
    const s = store('presigned/root');
    await put(s, 'dir/report file.txt', 'hello presigned world');
    const p = await s.presignedDownload('dir/report file.txt');
    expect(p.file_size).toBe(21);
    const whole = await fetch(p.url);
    expect(await whole.text()).toBe('hello presigned world');
    expect(whole.headers.get('content-disposition')).toBe('attachment; filename="report file.txt"');
    const part = await fetch(p.url, { headers: { range: 'bytes=6-14' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('presigned');
    await expectMlflowError(s.presignedDownload('dir/none'), 'RESOURCE_DOES_NOT_EXIST', 404);
    // The signature covers the key: the same URL for another key is refused.
    const forged = await fetch(p.url.replace('report%20file.txt', 'other.txt'));
    expect(forged.status).toBe(403);
  });

  it('the resolver serves s3:// locations inside its S3 roots only', async () => {
    const roots = new S3Roots([`s3://${sw.bucket}/served`, `s3://${sw.bucket}/served/deeper`], settings, {}, client);
    const resolver = new ArtifactResolver(roots.storeFor(`s3://${sw.bucket}/served`), false, [], roots);
    const loc = resolver.resolve(`s3://${sw.bucket}/served/1/abc/artifacts`);
    expect(loc.base).toBe('1/abc/artifacts');
    await put(loc.store, `${loc.base}/model/MLmodel`, 'flavors: {}');
    expect(await loc.store.list(`${loc.base}/model`)).toEqual([{ path: '1/abc/artifacts/model/MLmodel', isDir: false, fileSize: 11 }]);
    expect(resolver.resolve(`s3://${sw.bucket}/served/deeper/x`).base).toBe('x');
    for (const outside of [`s3://${sw.bucket}/servedx/1`, `s3://${sw.bucket}/other`, `s3://other-bucket/served/1`, `s3://${sw.bucket}`]) {
      expect(() => resolver.resolve(outside), outside).toThrow(/S3 artifact locations must lie inside/);
    }
    expect(() => resolver.resolve(`s3://${sw.bucket}/served/../other`)).toThrow(/Invalid S3 URI/);
    // A server without S3 roots refuses s3:// locations instead of reading with its own credentials.
    const local = new ArtifactResolver(new LocalArtifactStore(path.join(tempDir('resolver'), 'a')), true);
    expect(() => local.resolve(`s3://${sw.bucket}/served/1`)).toThrow(/S3 artifact locations must lie inside/);
  });
});
