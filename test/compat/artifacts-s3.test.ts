// The official mlflow client (unchanged) with Minflow on S3, in MLflow's two S3 setups, against a real
// SeaweedFS: proxied (`--artifacts-destination s3://…`, mlflow-artifacts:/ URIs; server-info advertises
// multipart transfers as MLflow's does, so the big file goes through the mpu endpoints and presigned
// part URLs and downloads through presigned S3 URLs) and direct (`--default-
// artifact-root s3://… --no-serve-artifacts`: the client writes with boto3, the server lists and reads
// the same objects for the UI). Driven by py3/artifacts_s3.py; bytes compared by SHA-256 on both sides.
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';
import { startSeaweed, type Seaweed } from '../helpers/seaweedfs.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

interface Entry {
  path: string;
  is_dir: boolean;
  file_size: number | null;
}

interface Result {
  run_id: string;
  experiment_id: string;
  artifact_uri: string;
  source: Record<string, string>;
  downloaded: Record<string, string>;
  listings: Record<'' | 'tree' | 'tree/nested/a' | 'big' | 'missing', Entry[]>;
  server?: {
    list_tree: { root_uri: string; files: { path: string; is_dir: boolean; file_size?: number }[] };
    get_mlmodel: { status: number; body: string; type: string };
    get_missing: { status: number; json: { error_code: string } };
  };
}

let sw: Seaweed;
let s3: S3Client;
beforeAll(async () => {
  sw = await startSeaweed({ bucket: 'minflow-compat' });
  s3 = sw.client();
});
afterAll(async () => {
  s3?.destroy();
  await sw?.stop();
});

/** Every object under a prefix, relative to it → SHA-256. */
async function objectHashes(prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const list = await s3.send(new ListObjectsV2Command({ Bucket: sw.bucket, Prefix: `${prefix}/` }));
  for (const o of list.Contents ?? []) {
    const body = await s3.send(new GetObjectCommand({ Bucket: sw.bucket, Key: o.Key! }));
    const hash = createHash('sha256');
    for await (const c of body.Body as AsyncIterable<Buffer>) hash.update(c);
    out[o.Key!.slice(prefix.length + 1)] = hash.digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const expectedListings: Record<string, Entry[]> = {
  '': [
    { path: 'big', is_dir: true, file_size: null },
    { path: 'one', is_dir: true, file_size: null },
    { path: 'tree', is_dir: true, file_size: null },
  ],
  tree: [
    { path: 'tree/MLmodel', is_dir: false, file_size: 52 },
    // An empty file has no file_size on the wire (FileInfo.to_proto), as with local files.
    { path: 'tree/empty.txt', is_dir: false, file_size: null },
    { path: 'tree/nested', is_dir: true, file_size: null },
  ],
  'tree/nested/a': [{ path: 'tree/nested/a/weights.bin', is_dir: false, file_size: 70_000 }],
  big: [{ path: 'big/big.bin', is_dir: false, file_size: 12 * 1024 * 1024 }],
  missing: [],
};

describe.each(['proxied', 'direct'] as const)('official client, artifacts on S3 (%s)', (mode) => {
  let server: ServerProcess;
  let r: Result;
  const prefix = `${mode}-root`;

  beforeAll(async () => {
    const args =
      mode === 'proxied'
        ? ['--artifacts-destination', `s3://${sw.bucket}/${prefix}`]
        : ['--default-artifact-root', `s3://${sw.bucket}/${prefix}`, '--artifacts-destination', `s3://${sw.bucket}/${prefix}`, '--no-serve-artifacts'];
    server = await startServer({ args, env: sw.env, timeoutMs: 30_000 });
    const clientEnv: Record<string, string> =
      mode === 'proxied'
        ? {
            // The client needs no S3 credentials here, except that its presigned part PUTs go to S3.
            MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD: 'true',
            MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: String(10 * 1024 * 1024),
            MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: String(5 * 1024 * 1024),
            MLFLOW_S3_ENDPOINT_URL: '',
            AWS_ACCESS_KEY_ID: '',
            AWS_SECRET_ACCESS_KEY: '',
          }
        : sw.env;
    const res = await runPython<Result>('test/compat/py3/artifacts_s3.py', [mode, tempDir(`s3-${mode}`)], { MLFLOW_TRACKING_URI: server.url, ...clientEnv });
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    r = res.json;
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('hands out the artifact URI of the setup', () => {
    if (mode === 'proxied') expect(r.artifact_uri).toBe(`mlflow-artifacts:/${r.experiment_id}/${r.run_id}/artifacts`);
    else expect(r.artifact_uri).toBe(`s3://${sw.bucket}/${prefix}/${r.experiment_id}/${r.run_id}/artifacts`);
  });

  it('lists what was logged, as MLflow lists it', () => {
    // Direct, boto3 lists S3 itself: S3ArtifactRepository reports an empty object's size as 0.
    const expected = structuredClone(expectedListings);
    if (mode === 'direct') expected.tree[1]!.file_size = 0 as unknown as null;
    expect(r.listings).toEqual(expected);
  });

  it('stores every byte in the bucket, under the run prefix, and downloads the same bytes', async () => {
    const stored = await objectHashes(`${prefix}/${r.experiment_id}/${r.run_id}/artifacts`);
    // src/tree/x was logged as tree/x, src/one/x as one/x, src/big/x as big/x: the same relative paths.
    expect(stored).toEqual(r.source);
    expect(r.downloaded).toEqual(r.source);
    expect(Object.keys(r.source)).toHaveLength(6);
  });

  if (mode === 'proxied') {
    it('sent the big file as an S3 multipart upload (its ETag counts its parts)', async () => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: sw.bucket, Key: `${prefix}/${r.experiment_id}/${r.run_id}/artifacts/big/big.bin` }));
      expect(head.ETag).toMatch(/-3"$/);
    });
  } else {
    it('the server lists and reads the objects the client wrote itself (the UI path)', () => {
      expect(r.server!.list_tree).toEqual({
        root_uri: r.artifact_uri,
        files: [
          { path: 'tree/MLmodel', is_dir: false, file_size: 52 },
          { path: 'tree/empty.txt', is_dir: false },
          { path: 'tree/nested', is_dir: true },
        ],
      });
      expect(r.server!.get_mlmodel).toEqual({ status: 200, body: 'artifact_path: model\nflavors:\n  python_function: {}\n', type: 'text/plain' });
      expect(r.server!.get_missing).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    });
  }
});
