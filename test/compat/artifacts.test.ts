// Artifacts through the official mlflow client (unchanged) against a real Minflow process: log_artifact,
// log_artifacts (a nested tree of text and binary files plus a 200 MiB file made on the fly),
// list_artifacts, download_artifacts (whole run and a sub-path), compared byte for byte by SHA-256 on the
// client's side and in the server's storage (its disk, or its S3 prefix on the postgres backend).
// Driven by py3/artifacts_roundtrip.py.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { startCompatTarget } from '../helpers/compat-target.js';

const BIG_MB = 200;

interface Entry {
  path: string;
  is_dir: boolean;
  file_size: number | null;
}

interface Roundtrip {
  run_id: string;
  experiment_id: string;
  artifact_uri: string;
  source: { tree: Record<string, string>; single: string; big: string; big_size: number };
  listings: Record<'' | 'tree' | 'tree/nested/a' | 'one' | 'big' | 'missing', Entry[]>;
  whole: Record<string, string>;
  sub: Record<string, string>;
  sub_local_basename: string;
  single_download: string;
}

let server: ServerProcess;
let work: string;
let r: Roundtrip;


/** Every stored file under rel (relative, '/'-separated, sorted) → its SHA-256. */
async function storedHashes(rel: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await server.artifacts.list(rel)) {
    out[name] = createHash('sha256').update(await server.artifacts.read(`${rel}/${name}`)).digest('hex');
  }
  return out;
}

beforeAll(async () => {
  server = await startCompatTarget();
  work = tempDir('compat-artifacts');
  try {
    const res = await runPython<Roundtrip>('test/compat/py3/artifacts_roundtrip.py', [work, String(BIG_MB)], {
      MLFLOW_TRACKING_URI: server.url,
      PYTHONWARNINGS: 'ignore',
    });
    expect(res.code, res.stderr).toBe(0);
    r = res.json;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server output\n${server.output().slice(-4000)}`);
  }
}, 900_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of [work, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('artifacts with the official client', () => {
  it('gives the run a proxied artifact URI', () => {
    expect(r.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.artifact_uri).toBe(`mlflow-artifacts:/${r.experiment_id}/${r.run_id}/artifacts`);
  });

  it('downloads the whole run byte for byte (log_artifact, log_artifacts, the 200 MiB file)', () => {
    const expected: Record<string, string> = {
      'big/big.bin': r.source.big,
      'one/two/single.txt': r.source.single,
      'single.txt': r.source.single,
    };
    for (const [rel, hash] of Object.entries(r.source.tree)) expected[`tree/${rel}`] = hash;
    expect(Object.keys(r.source.tree)).toHaveLength(9);
    expect(r.source.big_size).toBe(BIG_MB * 1024 * 1024);
    expect(r.whole).toEqual(expected);
  });

  it('downloads a sub-path and a single file byte for byte', () => {
    const expected = Object.fromEntries(
      Object.entries(r.source.tree)
        .filter(([rel]) => rel.startsWith('nested/'))
        .map(([rel, hash]) => [rel.slice('nested/'.length), hash]),
    );
    expect(Object.keys(expected)).toHaveLength(4);
    expect(r.sub).toEqual(expected);
    expect(r.sub_local_basename).toBe('nested');
    expect(r.single_download).toBe(r.source.single);
  });

  it('lists the top level: directories and files, sorted, with sizes', () => {
    expect(r.listings['']).toEqual([
      { path: 'big', is_dir: true, file_size: null },
      { path: 'one', is_dir: true, file_size: null },
      { path: 'single.txt', is_dir: false, file_size: 32 },
      { path: 'tree', is_dir: true, file_size: null },
    ]);
  });

  it('lists nested directories with run-relative paths (an empty file has no file_size, as in MLflow)', () => {
    expect(r.listings.tree).toEqual([
      { path: 'tree/all-bytes.bin', is_dir: false, file_size: 16384 },
      { path: 'tree/empty.txt', is_dir: false, file_size: null },
      { path: 'tree/nested', is_dir: true, file_size: null },
      { path: 'tree/random.bin', is_dir: false, file_size: 3 * 1024 * 1024 + 17 },
      { path: 'tree/readme.txt', is_dir: false, file_size: 59 },
      { path: 'tree/with space.txt', is_dir: false, file_size: 25 },
    ]);
    expect(r.listings['tree/nested/a']).toEqual([
      { path: 'tree/nested/a/b', is_dir: true, file_size: null },
      { path: 'tree/nested/a/image.png', is_dir: false, file_size: 4104 },
    ]);
    expect(r.listings.one).toEqual([{ path: 'one/two', is_dir: true, file_size: null }]);
    expect(r.listings.big).toEqual([{ path: 'big/big.bin', is_dir: false, file_size: BIG_MB * 1024 * 1024 }]);
    expect(r.listings.missing).toEqual([]);
  });

  // In the artifact destination as the backend keeps it: <dataDir>/artifacts, or the S3 prefix.
  it('stores the files under <destination>/<exp>/<run>/artifacts, identical to the sources', async () => {
    const rel = `${r.experiment_id}/${r.run_id}/artifacts`;
    expect(await storedHashes(rel), `${server.artifacts.location}/${rel}`).toEqual(r.whole);
    expect((await server.artifacts.read(`${rel}/big/big.bin`)).length).toBe(BIG_MB * 1024 * 1024);
  });

  it('leaves no .minflow-upload-* temp files behind', async () => {
    const leftovers = (await server.artifacts.list()).filter((n) => path.basename(n).startsWith('.minflow-upload-'));
    expect(leftovers).toEqual([]);
  });

  it('serves the same bytes over REST with MLflow headers (proxy GET and /get-artifact)', async () => {
    const rel = `${r.experiment_id}/${r.run_id}/artifacts/tree/all-bytes.bin`;
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${rel}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename=all-bytes.bin');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(16384);
    expect(createHash('sha256').update(body).digest('hex')).toBe(r.source.tree['all-bytes.bin']);

    const text = await fetch(
      `${server.url}/get-artifact?run_uuid=${r.run_id}&path=${encodeURIComponent('tree/with space.txt')}`,
    );
    expect(text.status).toBe(200);
    expect(await text.text()).toBe('a file name with a space\n');

    const listed = await fetch(`${server.url}/api/2.0/mlflow/artifacts/list?run_id=${r.run_id}&path=tree/nested`);
    expect(await listed.json()).toEqual({
      root_uri: r.artifact_uri,
      files: [
        { path: 'tree/nested/a', is_dir: true },
        { path: 'tree/nested/config.json', is_dir: false, file_size: 24 },
      ],
    });
  });
});
