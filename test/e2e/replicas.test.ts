// Three Minflow replicas on one PostgreSQL database and one SeaweedFS bucket, behind nginx (issue 13's
// topology, as processes). The replicas start at the same moment on an empty database and must create
// its schema once. Then, with the figures printed:
//   (a) the seed workflow through the official client via nginx: autolog, log_model, register as churn,
//       @production, and a fresh process loading models:/churn@production predicts what was trained;
//   (b) 64 concurrent writers send log-batches through nginx (spread over the replicas) with 0 errors,
//       and every acknowledged write reads back, metric by metric and param by param;
//   (c) 50 concurrent create_model_version calls sent straight to the three replicas get versions
//       1..50 exactly;
//   (d) a replica is killed with SIGKILL under 64 writers: nginx fails over, no acknowledged batch is
//       lost and no batch is there in part (its 10 metrics and its param encode the batch);
//   (e) an artifact of random bytes uploaded through one replica reads back byte for byte through each
//       of the others (the killed one restarted on its port first).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { builtCli, tempDir } from '../helpers/paths.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { runPython } from '../helpers/python.js';
import { startSeaweed } from '../helpers/seaweedfs.js';
import { freePort, waitForHealth } from '../helpers/server-process.js';

const REPLICAS = 3;
const WRITERS = 64;
const BATCHES_PER_WRITER = 20;
const METRICS_PER_BATCH = 10;
const VERSIONS = 50;
const ARTIFACT_BYTES = 5 * 1024 * 1024 + 12345;
const API = '/api/2.0/mlflow';
const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

interface Replica {
  index: number;
  port: number;
  url: string;
  child: ChildProcess;
  startupMs: number;
  output(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

type Database = Awaited<ReturnType<typeof createTestDatabase>>;
type Seaweed = Awaited<ReturnType<typeof startSeaweed>>;

let db: Database | undefined;
let s3: Seaweed | undefined;
let nginx: Nginx | undefined;
const replicas: Replica[] = [];
const figures: string[] = [];
let work: string;

function note(figure: string): void {
  figures.push(figure);
  process.stdout.write(`replicas: ${figure}\n`);
}

function replicaEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...s3!.env };
}

/** Spawns a replica on `port` (not yet healthy: see ready()). */
function spawnReplica(index: number, port: number): { replica: Replica; ready(): Promise<Replica> } {
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      builtCli(),
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--backend-store-uri',
      db!.uri,
      '--artifacts-destination',
      `s3://${s3!.bucket}/replicas`,
      '--log-level',
      'warn',
    ],
    { env: replicaEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const replica: Replica = {
    index,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    startupMs: 0,
    output: () => out,
    stop: () => stopWith('SIGTERM'),
    kill9: () => stopWith('SIGKILL'),
  };
  return {
    replica,
    async ready() {
      const died = exited.then(() => {
        throw new Error(`replica ${index} exited (${child.exitCode ?? child.signalCode}) before it was healthy\n${out}`);
      });
      await Promise.race([waitForHealth(replica.url, 120_000, () => out), died]);
      replica.startupMs = Date.now() - t0;
      return replica;
    },
  };
}

function outputs(): string {
  return replicas.map((r) => `--- replica ${r.index} (${r.url})\n${r.output().slice(-3000)}`).join('\n') + (nginx ? `\n--- nginx\n${nginx.output()}` : '');
}

interface Answer<T> {
  status: number;
  json: T;
  text: string;
  upstream: string | null;
}

async function call<T = Record<string, unknown>>(base: string, route: string, body?: unknown): Promise<Answer<T>> {
  const res = await fetch(`${base}${API}/${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: T;
  try {
    json = JSON.parse(text) as T;
  } catch {
    json = {} as T;
  }
  return { status: res.status, json, text, upstream: res.headers.get('x-minflow-upstream') };
}

async function ok<T = Record<string, unknown>>(base: string, route: string, body?: unknown): Promise<T> {
  const a = await call<T>(base, route, body);
  expect(a.status, `${route} via ${base} → ${a.status} ${a.text.slice(0, 500)}`).toBe(200);
  return a.json;
}

async function createRuns(base: string, experimentName: string, count: number): Promise<string[]> {
  const { experiment_id } = await ok<{ experiment_id: string }>(base, 'experiments/create', { name: experimentName });
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const { run } = await ok<{ run: { info: { run_id: string } } }>(base, 'runs/create', { experiment_id, run_name: `${experimentName}-${i}`, start_time: Date.now() });
      return run.info.run_id;
    }),
  );
}

/** The value metric k of batch b of writer w carries: decodable, so a stray value shows. */
const valueOf = (w: number, b: number, k: number) => w * 1_000_000 + b * 100 + k;

function batchBody(runId: string, w: number, b: number) {
  const timestamp = 1_700_000_000_000 + b;
  return {
    run_id: runId,
    metrics: Array.from({ length: METRICS_PER_BATCH }, (_, k) => ({ key: `m${k}`, value: valueOf(w, b, k), timestamp, step: b })),
    params: [{ key: `batch-${b}`, value: `w${w}-b${b}` }],
    tags: [{ key: `tag-${b}`, value: `w${w}` }],
  };
}

interface RunContent {
  /** step → metric key → value */
  steps: Map<number, Map<string, number>>;
  params: Map<string, string>;
  tags: Map<string, string>;
}

/** A run's metrics (every key's full history), params and tags, read through `base`. */
async function readRun(base: string, runId: string): Promise<RunContent> {
  const { run } = await ok<{ run: { data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] } } }>(base, `runs/get?run_id=${runId}`);
  const steps = new Map<number, Map<string, number>>();
  for (let k = 0; k < METRICS_PER_BATCH; k++) {
    const { metrics } = await ok<{ metrics?: { key: string; value: number; step: number }[] }>(
      base,
      `metrics/get-history?run_id=${runId}&metric_key=m${k}&max_results=25000`,
    );
    for (const m of metrics ?? []) {
      const keys = steps.get(m.step) ?? steps.set(m.step, new Map()).get(m.step)!;
      expect(keys.has(m.key), `run ${runId}: m${k} step ${m.step} stored twice`).toBe(false);
      keys.set(m.key, m.value);
    }
  }
  return {
    steps,
    params: new Map((run.data.params ?? []).map((p) => [p.key, p.value])),
    tags: new Map((run.data.tags ?? []).map((t) => [t.key, t.value])),
  };
}

/** Each batch of the run is there whole with its own values, or (only if never acknowledged) not at all. */
function checkBatches(content: RunContent, w: number, acked: Set<number>, sent: Set<number>): number {
  let landedUnacked = 0;
  for (const b of acked) expect(content.steps.has(b), `writer ${w}: acknowledged batch ${b} lost`).toBe(true);
  for (const [b, keys] of content.steps) {
    expect(sent.has(b), `writer ${w}: batch ${b} was never sent`).toBe(true);
    expect(keys.size, `writer ${w}: batch ${b} stored ${keys.size} of ${METRICS_PER_BATCH} metrics`).toBe(METRICS_PER_BATCH);
    for (let k = 0; k < METRICS_PER_BATCH; k++) expect(keys.get(`m${k}`), `writer ${w}: batch ${b} m${k}`).toBe(valueOf(w, b, k));
    expect(content.params.get(`batch-${b}`), `writer ${w}: batch ${b}'s metrics landed without its param`).toBe(`w${w}-b${b}`);
    expect(content.tags.get(`tag-${b}`), `writer ${w}: batch ${b}'s metrics landed without its tag`).toBe(`w${w}`);
    if (!acked.has(b)) landedUnacked += 1;
  }
  for (const key of content.params.keys()) {
    const b = Number(key.slice('batch-'.length));
    expect(content.steps.has(b), `writer ${w}: param ${key} landed without its metrics`).toBe(true);
  }
  return landedUnacked;
}

function countUpstreams(counts: Map<string, number>, upstream: string | null): void {
  // After a failover nginx lists every upstream it tried ("a, b"): the last one answered.
  const last = (upstream ?? 'none').split(',').pop()!.trim();
  counts.set(last, (counts.get(last) ?? 0) + 1);
}

function spread(counts: Map<string, number>): string {
  return replicas.map((r) => `${counts.get(`127.0.0.1:${r.port}`) ?? 0}`).join('/');
}

const elapsed = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

/**
 * The schema's bookkeeping in the database: MLflow's alembic_version (one row: the revision), Minflow's
 * minflow_schema (one row per addition applied) and any migrations journal; each step recorded once.
 */
async function migrationRecords(uri: string): Promise<{ table: string; rows: number; distinct: number }[]> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; table: string }>(
      "SELECT table_schema AS schema, table_name AS table FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') " +
        "AND (table_name IN ('alembic_version', 'minflow_schema') OR table_name ILIKE '%migration%')",
    );
    const out: { table: string; rows: number; distinct: number }[] = [];
    for (const t of tables.rows) {
      const columns = await client.query<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
        [t.schema, t.table],
      );
      const names = columns.rows.map((c) => c.column_name);
      const key = ['version_num', 'hash', 'version', 'name', 'tag', 'migration'].find((c) => names.includes(c)) ?? names[0]!;
      const q = `SELECT count(*)::int AS rows, count(DISTINCT ${pg.escapeIdentifier(key)})::int AS distinct FROM ${pg.escapeIdentifier(t.schema)}.${pg.escapeIdentifier(t.table)}`;
      const r = await client.query<{ rows: number; distinct: number }>(q);
      out.push({ table: `${t.schema}.${t.table}`, rows: r.rows[0]!.rows, distinct: r.rows[0]!.distinct });
    }
    return out;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  work = tempDir('replicas');
  db = await createTestDatabase();
  s3 = await startSeaweed();
  const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
  // All three at the same moment, on the empty database.
  const spawned = ports.map((port, i) => spawnReplica(i, port));
  replicas.push(...spawned.map((s) => s.replica));
  try {
    await Promise.all(spawned.map((s) => s.ready()));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${outputs()}`);
  }
  nginx = await startNginx(replicas.map((r) => r.url));
  note(`3 replicas started together on an empty database, healthy after ${replicas.map((r) => r.startupMs).join('/')} ms; nginx on ${nginx.url}`);
}, 300_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(replicas.map((r) => r.stop()));
  await s3?.stop();
  await db?.drop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(`replicas summary: ${figures.join('; ')}\n`);
}, 120_000);

describe('3 Minflow replicas on one PostgreSQL and one SeaweedFS behind nginx', () => {
  it('migrated the empty database once, though all three started together', async () => {
    const records = await migrationRecords(db!.uri);
    expect(records.length, 'no migration bookkeeping table in the database').toBeGreaterThan(0);
    for (const r of records) {
      expect(r.rows, `${r.table} is empty`).toBeGreaterThan(0);
      expect(r.rows, `${r.table}: a schema step recorded twice`).toBe(r.distinct);
      if (r.table.endsWith('.alembic_version')) expect(r.rows, 'alembic_version holds one revision').toBe(1);
    }
    // Each replica answers over the same state: an experiment made on one is seen by the others.
    const { experiment_id } = await ok<{ experiment_id: string }>(replicas[0]!.url, 'experiments/create', { name: 'seen-by-all' });
    for (const r of replicas) expect((await ok<{ experiment: { name: string } }>(r.url, `experiments/get?experiment_id=${experiment_id}`)).experiment.name).toBe('seen-by-all');
    note(`schema created once (${records.map((r) => `${r.table}: ${r.rows} row${r.rows === 1 ? '' : 's'}`).join(', ')})`);
  });

  it('(a) runs the seed workflow with the official client through nginx', async () => {
    const t0 = Date.now();
    const py = async <T>(script: string, args: string[]): Promise<T> => {
      const res = await runPython<T>(`test/compat/py3/${script}`, args, { MLFLOW_TRACKING_URI: nginx!.url, PYTHONWARNINGS: 'ignore' }).catch((e: Error) => {
        throw new Error(`${script}: ${e.message}\n${outputs()}`);
      });
      expect(res.code, `${script}\n${res.stderr.slice(-4000)}\n${outputs()}`).toBe(0);
      return res.json;
    };
    const train = await py<{ v1: { run_id: string; model_id: string; registered_version: string; acc_test: number }; by_alias: { version: string; aliases: string[] } }>(
      'seed_train.py',
      [work],
    );
    expect(train.v1.registered_version).toBe('1');
    expect(train.by_alias).toMatchObject({ version: '1', aliases: ['production'] });
    const loaded = await py<{ loads: Record<string, { predictions: number[]; model_id: string }> }>('seed_load.py', [work, 'models:/churn@production']);
    const expected = JSON.parse(fs.readFileSync(path.join(work, 'expected_v1.json'), 'utf8')) as number[];
    const prod = loaded.loads['models:/churn@production']!;
    expect(prod.predictions).toHaveLength(811);
    expect(prod.predictions).toEqual(expected);
    expect(prod.model_id).toBe(train.v1.model_id);
    // Every replica answers the alias the same way.
    for (const r of replicas) {
      const { model_version } = await ok<{ model_version: { version: string } }>(r.url, 'registered-models/alias?name=churn&alias=production');
      expect(model_version.version).toBe('1');
    }
    note(`(a) seed workflow via nginx in ${elapsed(t0)} s: churn v1 (acc_test ${train.v1.acc_test.toFixed(3)}) @production loaded by a fresh process, ${prod.predictions.length} predictions identical`);
  }, 900_000);

  it('(b) 64 concurrent writers through nginx: 0 errors, every acknowledged write reads back', async () => {
    const runIds = await createRuns(nginx!.url, 'writers', WRITERS);
    const upstreams = new Map<string, number>();
    const errors: string[] = [];
    const acked = runIds.map(() => new Set<number>());
    const t0 = Date.now();
    await Promise.all(
      runIds.map(async (runId, w) => {
        for (let b = 0; b < BATCHES_PER_WRITER; b++) {
          try {
            const a = await call(nginx!.url, 'runs/log-batch', batchBody(runId, w, b));
            countUpstreams(upstreams, a.upstream);
            if (a.status === 200) acked[w]!.add(b);
            else errors.push(`writer ${w} batch ${b}: ${a.status} ${a.text.slice(0, 200)}`);
          } catch (e) {
            errors.push(`writer ${w} batch ${b}: ${(e as Error).message}`);
          }
        }
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    expect(errors, outputs()).toEqual([]);
    // Every replica served a share (round robin).
    for (const r of replicas) expect(upstreams.get(`127.0.0.1:${r.port}`) ?? 0, `replica ${r.index} served no log-batch`).toBeGreaterThan(0);
    // Read back through the replicas in turn (a run written through one, read through another).
    const t1 = Date.now();
    await Promise.all(
      runIds.map(async (runId, w) => {
        const content = await readRun(replicas[w % REPLICAS]!.url, runId);
        const all = new Set(Array.from({ length: BATCHES_PER_WRITER }, (_, b) => b));
        expect(checkBatches(content, w, acked[w]!, all)).toBe(0);
        expect(content.steps.size).toBe(BATCHES_PER_WRITER);
        expect([...content.params.keys()].filter((k) => k.startsWith('batch-'))).toHaveLength(BATCHES_PER_WRITER);
      }),
    );
    const batches = WRITERS * BATCHES_PER_WRITER;
    note(
      `(b) ${WRITERS} writers × ${BATCHES_PER_WRITER} log-batches (${batches * METRICS_PER_BATCH} metrics, ${batches} params, ${batches} tags) in ${seconds.toFixed(1)} s ` +
        `(${(batches / seconds).toFixed(0)} batches/s), replicas served ${spread(upstreams)}, 0 errors; all read back in ${elapsed(t1)} s`,
    );
  }, 600_000);

  it('(c) 50 concurrent create_model_version calls on the three replicas get versions 1..50', async () => {
    await ok(replicas[0]!.url, 'registered-models/create', { name: 'concurrent' });
    const [runId] = await createRuns(replicas[1]!.url, 'registry-source', 1);
    const t0 = Date.now();
    const answers = await Promise.all(
      Array.from({ length: VERSIONS }, (_, i) =>
        call<{ model_version?: { version: string } }>(replicas[i % REPLICAS]!.url, 'model-versions/create', {
          name: 'concurrent',
          source: `runs:/${runId}/model`,
          run_id: runId,
          description: `call ${i}`,
        }),
      ),
    );
    const seconds = (Date.now() - t0) / 1000;
    const failed = answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.text.slice(0, 300)}`);
    expect(failed, outputs()).toEqual([]);
    const versions = answers.map((a) => Number(a.json.model_version!.version)).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: VERSIONS }, (_, i) => i + 1));
    // Each call's version holds that call's description: no two calls shared a row.
    for (const [i, a] of answers.entries()) {
      const { model_version } = await ok<{ model_version: { description: string } }>(
        replicas[(i + 1) % REPLICAS]!.url,
        `model-versions/get?name=concurrent&version=${a.json.model_version!.version}`,
      );
      expect(model_version.description).toBe(`call ${i}`);
    }
    const { registered_model } = await ok<{ registered_model: { latest_versions: { version: string }[] } }>(replicas[2]!.url, 'registered-models/get?name=concurrent');
    expect(registered_model.latest_versions.map((v) => v.version)).toEqual([String(VERSIONS)]);
    note(`(c) ${VERSIONS} concurrent create_model_version over ${REPLICAS} replicas in ${seconds.toFixed(2)} s → versions 1..${VERSIONS} exactly, no gap, no duplicate`);
  }, 300_000);

  it('(d) kill -9 of a replica under 64 writers: nginx fails over, no acknowledged batch lost, none partial', async () => {
    const runIds = await createRuns(nginx!.url, 'failover', WRITERS);
    const victim = replicas[2]!;
    const sent = runIds.map(() => new Set<number>());
    const acked = runIds.map(() => new Set<number>());
    const upstreamsAfter = new Map<string, number>();
    const failures: string[] = [];
    let killedAt = 0;
    let ackedAfterKill = 0;
    /** Answers nginx got from another replica after the first one failed (X-Minflow-Upstream lists both). */
    let failedOver = 0;
    let stop = false;
    const loops = runIds.map(async (runId, w) => {
      for (let b = 0; !stop; b++) {
        sent[w]!.add(b);
        // Sent after the victim had exited: nginx must not route it there (or fail over from there).
        const afterKill = killedAt > 0;
        try {
          const a = await call(nginx!.url, 'runs/log-batch', batchBody(runId, w, b));
          if (a.upstream?.includes(',')) failedOver += 1;
          if (a.status === 200) {
            acked[w]!.add(b);
            if (afterKill) {
              ackedAfterKill += 1;
              countUpstreams(upstreamsAfter, a.upstream);
            }
          } else failures.push(`${a.status} ${a.text.slice(0, 120)}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    });
    await new Promise((r) => setTimeout(r, 2_000));
    const ackedBeforeKill = acked.reduce((n, s) => n + s.size, 0);
    await victim.kill9();
    killedAt = Date.now();
    await new Promise((r) => setTimeout(r, 4_000));
    stop = true;
    await Promise.all(loops);
    // The killed replica comes back on its port (nginx takes it back after fail_timeout).
    const again = spawnReplica(victim.index, victim.port);
    replicas[victim.index] = await again.ready();
    const totalSent = sent.reduce((n, s) => n + s.size, 0);
    const totalAcked = acked.reduce((n, s) => n + s.size, 0);
    expect(ackedBeforeKill, 'nothing was written before the kill').toBeGreaterThan(0);
    expect(ackedAfterKill, `no write succeeded after the kill: nginx did not fail over\n${outputs()}`).toBeGreaterThan(WRITERS);
    expect(upstreamsAfter.get(`127.0.0.1:${victim.port}`) ?? 0, 'the killed replica answered a request sent after its death').toBe(0);
    // Only the requests in flight on the victim at the kill may fail: at most one per writer.
    expect(failures.length, failures.slice(0, 5).join('\n')).toBeLessThanOrEqual(WRITERS);
    let landedUnacked = 0;
    await Promise.all(
      runIds.map(async (runId, w) => {
        landedUnacked += checkBatches(await readRun(replicas[w % REPLICAS]!.url, runId), w, acked[w]!, sent[w]!);
      }),
    );
    note(
      `(d) kill -9 of replica ${victim.index} under ${WRITERS} writers: ${totalAcked} of ${totalSent} batches acknowledged (${ackedBeforeKill} before the kill, ${ackedAfterKill} after, ` +
        `served ${spread(upstreamsAfter)} after), ${failedOver} answered by another replica after nginx's first choice failed, ${failures.length} requests failed to the client, ` +
        `${landedUnacked} unacknowledged batches landed whole; 0 acknowledged lost, 0 partial, 0 stored twice`,
    );
    note(`replica ${victim.index} restarted on its port, healthy after ${replicas[victim.index]!.startupMs} ms`);
  }, 600_000);

  it('(e) an artifact uploaded through one replica reads back byte for byte through each of the others', async () => {
    const bytes = crypto.randomBytes(ARTIFACT_BYTES);
    const sha = crypto.createHash('sha256').update(bytes).digest('hex');
    const rel = 'replicas/e/blob.bin';
    let t0 = Date.now();
    const put = await fetch(`${replicas[0]!.url}${PROXY}/${rel}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(put.status, `${await put.text()}\n${outputs()}`).toBe(200);
    const putSeconds = (Date.now() - t0) / 1000;
    const reads: string[] = [];
    for (const r of replicas.slice(1)) {
      const list = await fetch(`${r.url}${PROXY}?path=replicas/e`);
      expect(list.status).toBe(200);
      const listed = (await list.json()) as { files?: { path: string; file_size?: number; is_dir: boolean }[] };
      expect(listed.files).toEqual([{ path: 'blob.bin', is_dir: false, file_size: ARTIFACT_BYTES }]);
      t0 = Date.now();
      const res = await fetch(`${r.url}${PROXY}/${rel}`);
      expect(res.status).toBe(200);
      const back = Buffer.from(await res.arrayBuffer());
      expect(back.length).toBe(ARTIFACT_BYTES);
      expect(crypto.createHash('sha256').update(back).digest('hex'), `replica ${r.index} returned other bytes`).toBe(sha);
      reads.push(`replica ${r.index} ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    }
    note(`(e) ${(ARTIFACT_BYTES / 2 ** 20).toFixed(1)} MiB of random bytes PUT through replica 0 in ${putSeconds.toFixed(2)} s, read back identical (SHA-256) through ${reads.join(', ')}`);
  }, 300_000);
});
