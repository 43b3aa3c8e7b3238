// The S3 store against the local store, differentially: random sequences of writes, deletes, reads and
// listings on small trees (names chosen to collide: files where directories go, prefixes of each other,
// case and non-ASCII neighbours) must give both stores the same answers — the same listings, bytes and
// error codes — on a real SeaweedFS.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowError } from '../../server/errors.js';
import { LocalArtifactStore } from '../../server/artifacts/local-store.js';
import { makeS3Client, s3SettingsFromEnv } from '../../server/artifacts/s3-config.js';
import { S3ArtifactStore } from '../../server/artifacts/s3-store.js';
import type { ArtifactStore } from '../../server/artifacts/store.js';
import { tempDir } from '../helpers/paths.js';
import { startSeaweed, type Seaweed } from '../helpers/seaweedfs.js';

let sw: Seaweed;
let client: S3Client;
const dirs: string[] = [];
beforeAll(async () => {
  sw = await startSeaweed();
  client = makeS3Client(s3SettingsFromEnv(sw.env));
});
afterAll(async () => {
  client?.destroy();
  await sw?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const segment = fc.constantFrom('a', 'b', 'a.txt', 'A', 'a-b', 'é', '_');
const relPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
const op = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), path: relPath, body: fc.constantFrom('', 'x', 'hello world') }),
  fc.record({ kind: fc.constant('delete' as const), path: relPath }),
  fc.record({ kind: fc.constant('read' as const), path: relPath }),
  fc.record({ kind: fc.constant('list' as const), path: fc.oneof(fc.constant(''), relPath) }),
);

/** What an operation answered, in a form both stores must agree on. */
async function outcome(store: ArtifactStore, o: { kind: string; path: string; body?: string }): Promise<unknown> {
  try {
    switch (o.kind) {
      case 'write':
        return await store.write(o.path, Readable.from([Buffer.from(o.body ?? '')]));
      case 'delete':
        await store.delete(o.path);
        return 'deleted';
      case 'read': {
        const f = await store.read(o.path);
        const chunks: Buffer[] = [];
        for await (const c of f.stream) chunks.push(c as Buffer);
        return { size: f.size, body: Buffer.concat(chunks).toString() };
      }
      default:
        return await store.list(o.path);
    }
  } catch (e) {
    if (e instanceof MlflowError) return { error: e.errorCode, status: e.statusCode };
    throw e;
  }
}

/** Every listing of the tree, from the root down. */
async function tree(store: ArtifactStore, dir = ''): Promise<unknown[]> {
  const entries = await store.list(dir);
  const out: unknown[] = [dir, entries];
  for (const e of entries) if (e.isDir) out.push(...(await tree(store, e.path)));
  return out;
}

describe('S3 store ≡ local store', () => {
  it('answers every random sequence of operations as the local store does', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const base = tempDir('differential');
        dirs.push(base);
        const local = new LocalArtifactStore(path.join(base, 'root'));
        const s3 = new S3ArtifactStore(client, sw.bucket, `diff/${++n}`, s3SettingsFromEnv(sw.env));
        for (const [i, o] of ops.entries()) {
          const l = await outcome(local, o);
          const s = await outcome(s3, o);
          expect(s, `op ${i} ${JSON.stringify(o)} of ${JSON.stringify(ops)}`).toEqual(l);
        }
        expect(await tree(s3), JSON.stringify(ops)).toEqual(await tree(local));
      }),
      // No shrinking: each step of it replays a sequence on S3; the failing sequence is in the message.
      // A fixed seed, as the other fuzz tests: CI runs the same sequences every time. One difference is
      // known and not modelled: after its last file is deleted, a directory stays on disk (and in
      // SeaweedFS's listings) but S3 has no object under it, so reading it is 404 on S3, 400 locally.
      { numRuns: 30, endOnFailure: true, seed: 20261127 },
    );
  }, 600_000);
});
