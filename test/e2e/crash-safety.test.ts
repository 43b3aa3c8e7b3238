// Crash safety: 64 concurrent writers log batches and upload artifacts to a real server, which is
// killed with SIGKILL at a random moment, five times, and restarted on the same data directory. After
// every crash: the database passes PRAGMA integrity_check; every log-batch the server acknowledged is
// there in full, and no batch is there in part (each carries 20 metrics whose values encode the batch);
// every listed artifact has exactly the bytes that were sent for it (no half-written file is visible,
// no temporary file is listed), and every acknowledged upload is there; the restarted server removes
// the temporary files the kill left.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const ROUNDS = 5;
const WRITERS = 64;
const METRICS_PER_BATCH = 20;
const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

interface Upload {
  path: string;
  sha256: string;
  size: number;
  acked: boolean;
}

interface Writer {
  index: number;
  runId: string;
  nextBatch: number;
  /** Batches sent (step numbers), and those answered 200. */
  sent: Set<number>;
  acked: Set<number>;
  uploads: Map<string, Upload>;
}

const dataDir = tempDir('crash');
let server: ServerProcess | undefined;
const totals = { rounds: 0, batchesAcked: 0, batchesLandedUnacked: 0, uploadsAcked: 0, uploadsLandedUnacked: 0, filesVerified: 0, errors: 0, tempFilesOnDisk: 0 };

afterAll(async () => {
  await server?.stop();
  process.stdout.write(
    `crash-safety: ${totals.rounds} kill -9 rounds survived, ${WRITERS} concurrent writers; checked ${totals.batchesAcked} acknowledged log-batches ` +
      `(${totals.batchesAcked * METRICS_PER_BATCH} metrics) and ${totals.uploadsAcked} acknowledged uploads (${totals.filesVerified} listed files hashed); ` +
      `${totals.batchesLandedUnacked} batches and ${totals.uploadsLandedUnacked} uploads in flight at a kill landed whole; ${totals.errors} requests cut off by the kills ` +
      `(connection errors; ${httpErrors.length} non-200 answers); ` +
      `${totals.tempFilesOnDisk} temporary upload files left on disk by the kills (never listed, removed at restart)\n`,
  );
});

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function valueOf(batch: number, i: number): number {
  return batch * 1000 + i;
}

/** Answers other than 200 while the server was up: never expected, unlike the connection errors at a kill. */
const httpErrors: string[] = [];

/** One writer's loop: alternate log-batches and uploads until a request fails (the server died). */
async function write(w: Writer, url: string, round: number): Promise<number> {
  let errors = 0;
  for (let n = 0; ; n++) {
    try {
      if (n % 2 === 0) {
        const batch = w.nextBatch++;
        const timestamp = Date.now();
        const metrics = Array.from({ length: METRICS_PER_BATCH }, (_, i) => ({ key: `m${i}`, value: valueOf(batch, i), timestamp, step: batch }));
        w.sent.add(batch);
        const res = await post(`${url}/api/2.0/mlflow/runs/log-batch`, { run_id: w.runId, metrics });
        await res.arrayBuffer();
        if (res.status !== 200) httpErrors.push(`log-batch answered ${res.status}`);
        if (res.status !== 200) throw new Error(`log-batch answered ${res.status}`);
        w.acked.add(batch);
      } else {
        const bytes = crypto.randomBytes(1024 + crypto.randomInt(96 * 1024));
        const rel = `crash/w${w.index}/r${round}-${n}.bin`;
        const upload: Upload = { path: rel, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), size: bytes.length, acked: false };
        w.uploads.set(rel, upload);
        const res = await fetch(`${url}${PROXY}/${rel}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
        await res.arrayBuffer();
        if (res.status !== 200) httpErrors.push(`PUT answered ${res.status}`);
        if (res.status !== 200) throw new Error(`PUT answered ${res.status}`);
        upload.acked = true;
      }
    } catch {
      errors += 1;
      return errors;
    }
  }
}

/** The database straight after a crash, before the server touches it again. */
function checkDatabase(writers: Writer[]): void {
  const db = new Database(path.join(dataDir, 'mlflow.db'));
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('SELECT run_uuid AS run, key, step, value FROM metrics').all() as { run: string; key: string; step: number; value: number }[];
    const byRun = new Map<string, Map<number, Map<string, number>>>();
    for (const r of rows) {
      const steps = byRun.get(r.run) ?? byRun.set(r.run, new Map()).get(r.run)!;
      const keys = steps.get(r.step) ?? steps.set(r.step, new Map()).get(r.step)!;
      keys.set(r.key, r.value);
    }
    for (const w of writers) {
      const steps = byRun.get(w.runId) ?? new Map<number, Map<string, number>>();
      for (const batch of w.acked) expect(steps.has(batch), `writer ${w.index}: acknowledged batch ${batch} lost`).toBe(true);
      for (const [batch, keys] of steps) {
        expect(w.sent.has(batch), `writer ${w.index}: batch ${batch} was never sent`).toBe(true);
        // All 20 metrics with their own values, or none: a torn batch would show here.
        expect(keys.size, `writer ${w.index}: batch ${batch} stored ${keys.size} of ${METRICS_PER_BATCH} metrics`).toBe(METRICS_PER_BATCH);
        for (let i = 0; i < METRICS_PER_BATCH; i++) expect(keys.get(`m${i}`)).toBe(valueOf(batch, i));
      }
    }
  } finally {
    db.close();
  }
}

async function listFiles(url: string, dir: string): Promise<{ path: string; is_dir: boolean; file_size?: number }[]> {
  const res = await fetch(`${url}${PROXY}?path=${encodeURIComponent(dir)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { files?: { path: string; is_dir: boolean; file_size?: number }[] }).files ?? [];
}

/** Through the restarted server: acknowledged batches readable, every listed file whole. */
async function checkThroughServer(url: string, writers: Writer[], round: number): Promise<void> {
  await Promise.all(
    writers.map(async (w) => {
      // The first and last metric of every batch, through the API.
      for (const key of ['m0', `m${METRICS_PER_BATCH - 1}`]) {
        const res = await fetch(`${url}/api/2.0/mlflow/metrics/get-history?run_id=${w.runId}&metric_key=${key}&max_results=25000`);
        const steps = new Set((((await res.json()) as { metrics?: { step: number }[] }).metrics ?? []).map((m) => m.step));
        for (const batch of w.acked) expect(steps.has(batch), `writer ${w.index}: batch ${batch} not readable`).toBe(true);
      }
      const listed = await listFiles(url, `crash/w${w.index}`);
      const names = new Set(listed.map((f) => f.path));
      for (const f of listed) {
        expect(f.path.startsWith('.minflow-upload-'), `temporary file listed: ${f.path}`).toBe(false);
        const upload = w.uploads.get(`crash/w${w.index}/${f.path}`);
        expect(upload, `writer ${w.index}: unknown file ${f.path}`).toBeDefined();
        expect(f.file_size).toBe(upload!.size);
        // Files of this round are downloaded and hashed; earlier rounds were hashed after their crash.
        if (f.path.startsWith(`r${round}-`)) {
          const res = await fetch(`${url}${PROXY}/${upload!.path}`);
          const sha = crypto.createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
          expect(sha, `writer ${w.index}: ${f.path} is not the bytes sent`).toBe(upload!.sha256);
          totals.filesVerified += 1;
          if (!upload!.acked) totals.uploadsLandedUnacked += 1;
        }
      }
      for (const u of w.uploads.values()) {
        if (u.acked) expect(names.has(path.basename(u.path)), `writer ${w.index}: acknowledged upload ${u.path} lost`).toBe(true);
      }
    }),
  );
}

function tempFilesOnDisk(dir: string): number {
  let n = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.name.startsWith('.minflow-upload-')) n += 1;
  return n;
}

describe(`${ROUNDS} kill -9 rounds with ${WRITERS} concurrent writers`, () => {
  it('loses no acknowledged write and shows no partial one', async () => {
    server = await startServer({ dataDir });
    const runs = await Promise.all(
      Array.from({ length: WRITERS }, async (_, index) => {
        const res = await post(`${server!.url}/api/2.0/mlflow/runs/create`, { experiment_id: '0', run_name: `writer-${index}` });
        return ((await res.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
      }),
    );
    const writers: Writer[] = runs.map((runId, index) => ({ index, runId, nextBatch: 0, sent: new Set(), acked: new Set(), uploads: new Map() }));

    for (let round = 1; round <= ROUNDS; round++) {
      const ackedBefore = writers.reduce((n, w) => n + w.acked.size, 0);
      const loops = writers.map((w) => write(w, server!.url, round));
      await new Promise((r) => setTimeout(r, 500 + crypto.randomInt(1500)));
      await server!.kill9();
      totals.errors += (await Promise.all(loops)).reduce((a, b) => a + b, 0);
      totals.tempFilesOnDisk += tempFilesOnDisk(path.join(dataDir, 'artifacts'));
      const ackedNow = writers.reduce((n, w) => n + w.acked.size, 0);
      expect(ackedNow, `round ${round}: nothing was written before the kill`).toBeGreaterThan(ackedBefore);

      expect(httpErrors, `round ${round}`).toEqual([]);
      checkDatabase(writers);
      server = await startServer({ dataDir });
      await checkThroughServer(server.url, writers, round);
      // The restarted server removes the temporary files the kill left behind.
      const deadline = Date.now() + 10_000;
      while (tempFilesOnDisk(path.join(dataDir, 'artifacts')) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(tempFilesOnDisk(path.join(dataDir, 'artifacts')), `round ${round}: temporary files left after restart`).toBe(0);
      totals.rounds = round;
    }
    totals.batchesAcked = writers.reduce((n, w) => n + w.acked.size, 0);
    totals.batchesLandedUnacked = writers.reduce((n, w) => n + [...w.sent].filter((b) => !w.acked.has(b)).length, 0);
    totals.uploadsAcked = writers.reduce((n, w) => n + [...w.uploads.values()].filter((u) => u.acked).length, 0);
    // Unacknowledged batches: counted above as sent-not-acked; those that landed were checked whole.
    const db = new Database(path.join(dataDir, 'mlflow.db'), { readonly: true });
    const landed = db.prepare('SELECT run_uuid AS run, step FROM metrics GROUP BY run_uuid, step').all() as { run: string; step: number }[];
    db.close();
    const byRun = new Map(writers.map((w) => [w.runId, w]));
    totals.batchesLandedUnacked = landed.filter((r) => byRun.get(r.run) && !byRun.get(r.run)!.acked.has(r.step)).length;
  });
});
