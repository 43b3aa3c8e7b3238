// The production story end to end: two registered versions on a real tracking server, `minflow serve
// models:/churn@production` as a child process, a steady stream of scoring requests while the alias
// moves from version 1 to 2. Every request must succeed, answers must switch to version 2 within the
// poll interval (plus the load), never switch back, and equal what the in-memory models predict.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowClient } from '../../client/index.js';
import { matrixFromRecords } from '../../trainer/data/rows.js';
import { builtCli, tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { churnRecords, invoke, registerVersion, startScorer, trainTwoModels, type ScorerProcess, type TestModel } from './serving-fixtures.js';

const POLL_SECONDS = 1;
let server: ServerProcess;
let scorer: ScorerProcess;
let cacheDir: string;
let models: [TestModel, TestModel];
let client: MlflowClient;

beforeAll(async () => {
  server = await startServer();
  client = new MlflowClient(server.url);
  models = await trainTwoModels();
  expect(await registerVersion(client, 'churn', models[0])).toBe('1');
  expect(await registerVersion(client, 'churn', models[1])).toBe('2');
  await client.registry.setRegisteredModelAlias('churn', 'production', '1');
  cacheDir = tempDir('serving-cache');
  scorer = await startScorer(['models:/churn@production', '--tracking-uri', server.url, '--poll-interval', String(POLL_SECONDS), '--cache-dir', cacheDir]);
});

afterAll(async () => {
  await scorer?.stop();
  await server?.stop();
  for (const dir of [cacheDir, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function expectedFor(model: TestModel, rows: Record<string, number | null>[]): { probability: number; prediction: number }[] {
  const p = model.loaded.classifier.predictProba(matrixFromRecords(model.loaded.features, rows));
  return Array.from(p, (x) => ({ probability: x, prediction: x > 0.5 ? 1 : 0 }));
}

interface Answer {
  start: number;
  end: number;
  status: number;
  version: string | null;
  predictions: unknown;
  error?: string;
}

describe('minflow serve models:/churn@production', () => {
  it('serves version 1 and names it', async () => {
    const model = await (await fetch(`${scorer.url}/model`)).json();
    expect(model).toMatchObject({ name: 'churn', version: '1', alias: 'production', model_kind: 'decision_tree' });
    expect(model.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(model.model_id).toMatch(/^m-[0-9a-f]{32}$/);
    const rows = churnRecords(8);
    const res = await invoke(scorer.url, JSON.stringify({ dataframe_records: rows }));
    expect(res.status).toBe(200);
    expect(res.version).toBe('1');
    expect(res.json.predictions).toEqual(expectedFor(models[0], rows));
    // The download went through the server into the cache directory.
    expect(fs.readdirSync(cacheDir).filter((d) => d.startsWith('churn-v1-'))).toHaveLength(1);
  });

  it('follows the alias from 1 to 2 under a steady stream of requests, none failing', async () => {
    const rows = churnRecords(25, 100);
    const body = JSON.stringify({ dataframe_split: { columns: Object.keys(rows[0]!), data: rows.map((r) => Object.values(r)) } });
    const want = { '1': expectedFor(models[0], rows), '2': expectedFor(models[1], rows) };
    expect(want['1']).not.toEqual(want['2']);

    const answers: Answer[] = [];
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const start = performance.now();
        try {
          const res = await invoke(scorer.url, body);
          answers.push({ start, end: performance.now(), status: res.status, version: res.version, predictions: res.json.predictions });
        } catch (e) {
          answers.push({ start, end: performance.now(), status: 0, version: null, predictions: null, error: (e as Error).message });
        }
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());

    await new Promise((r) => setTimeout(r, 1500));
    const moved = performance.now();
    await client.registry.setRegisteredModelAlias('churn', 'production', '2');
    const deadline = moved + 10_000;
    while (!answers.some((a) => a.version === '2') && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(workers);

    const failed = answers.filter((a) => a.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    expect(answers.length).toBeGreaterThan(50);
    for (const a of answers) {
      expect(['1', '2']).toContain(a.version);
      expect(a.predictions).toEqual(want[a.version as '1' | '2']);
    }
    const firstV2 = answers.filter((a) => a.version === '2').sort((a, b) => a.end - b.end)[0];
    expect(firstV2, scorer.output()).toBeDefined();
    // Switched within one poll interval, plus the time to download and load version 2.
    const switchMs = firstV2!.end - moved;
    expect(switchMs).toBeLessThan(POLL_SECONDS * 1000 + 1500);
    // Before the move everything was version 1; once version 2 answered, no request started later got version 1.
    expect(answers.filter((a) => a.end < moved).every((a) => a.version === '1')).toBe(true);
    expect(answers.filter((a) => a.start > firstV2!.end && a.version === '1')).toEqual([]);
    expect(answers.filter((a) => a.version === '1').length).toBeGreaterThan(10);
    expect(answers.filter((a) => a.version === '2').length).toBeGreaterThan(10);

    const health = await (await fetch(`${scorer.url}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', following: 'churn@production', model: { version: '2' }, last_error: null });
    expect(scorer.output()).toMatch(/"from":"1","to":"2".*now serving the new version/);
  });

  it('POST /reload checks at once (a second scorer with polling off)', async () => {
    const manual = await startScorer(['models:/churn@production', '--tracking-uri', server.url, '--poll-interval', '0', '--cache-dir', cacheDir]);
    try {
      expect((await (await fetch(`${manual.url}/model`)).json()).version).toBe('2');
      await client.registry.setRegisteredModelAlias('churn', 'production', '1');
      const r = await (await fetch(`${manual.url}/reload`, { method: 'POST' })).json();
      expect(r).toMatchObject({ outcome: 'swapped', from: '2', to: '1', model: { version: '1' } });
      const res = await invoke(manual.url, JSON.stringify({ dataframe_records: churnRecords(3) }));
      expect(res.version).toBe('1');
      expect(res.json.predictions).toEqual(expectedFor(models[0], churnRecords(3)));
    } finally {
      await manual.stop();
    }
  });

  it('models:/churn/2 serves that version and does not poll', async () => {
    const fixed = await startScorer(['models:/churn/2', '--tracking-uri', server.url, '--cache-dir', cacheDir]);
    try {
      const rows = churnRecords(5, 40);
      const res = await invoke(fixed.url, JSON.stringify({ instances: rows }));
      expect(res.status).toBe(200);
      expect(res.version).toBe('2');
      expect(res.json.predictions).toEqual(expectedFor(models[1], rows));
      const health = await (await fetch(`${fixed.url}/health`)).json();
      expect(health).toMatchObject({ following: null, poll_interval_seconds: 0, model: { name: 'churn', version: '2', alias: null } });
    } finally {
      await fixed.stop();
    }
  });
});

describe('request errors from the running server', () => {
  const row = () => churnRecords(1)[0]!;

  it('a missing column: 400 BAD_REQUEST naming it', async () => {
    const r = row();
    delete r.qtd_iteracoes_d7;
    const res = await invoke(scorer.url, JSON.stringify({ dataframe_records: [r] }));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error_code: 'BAD_REQUEST', message: expect.stringContaining("The input column 'qtd_iteracoes_d7'") });
    expect(res.version).toMatch(/^[12]$/);
  });

  it('a wrong type: 400 naming the column and row', async () => {
    const rows = [row(), { ...row(), pontos_acum_life: 'lots' }];
    const res = await invoke(scorer.url, JSON.stringify({ dataframe_records: rows }));
    expect(res.status).toBe(400);
    expect(res.json.error_code).toBe('BAD_REQUEST');
    expect(res.json.message).toMatch(/column 'pontos_acum_life': row 1 has "lots" \(a string\), but the model signature expects double/);
    const csv = await invoke(scorer.url, `${Object.keys(rows[0]!).join(',')}\n${Object.keys(rows[0]!).map((k) => (k === 'saldo_atual_d7' ? 'x1' : '1')).join(',')}\n`, 'text/csv');
    expect(csv.status).toBe(400);
    expect(csv.json.message).toMatch(/column 'saldo_atual_d7': row 0 has "x1"/);
  });

  it('malformed JSON, an empty body, a wrong shape, a wrong content type', async () => {
    let res = await invoke(scorer.url, '{"dataframe_split": {"columns": ["a"], "data": [[1]]');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error_code: 'BAD_REQUEST', message: expect.stringMatching(/valid JSON/) });
    res = await invoke(scorer.url, '');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error_code: 'BAD_REQUEST', message: expect.stringMatching(/empty/) });
    res = await invoke(scorer.url, JSON.stringify({ rows: [row()] }));
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/exactly one of the input fields/);
    res = await invoke(scorer.url, 'x', 'text/plain');
    expect(res.status).toBe(415);
  });

  it('nulls are accepted where the signature allows them', async () => {
    const allNull = Object.fromEntries(Object.keys(row()).map((k) => [k, null]));
    const res = await invoke(scorer.url, JSON.stringify({ dataframe_records: [allNull] }));
    expect(res.status).toBe(200);
    expect(res.json.predictions).toHaveLength(1);
  });

  it('GET /ping, /version', async () => {
    expect((await fetch(`${scorer.url}/ping`)).status).toBe(200);
    expect(await (await fetch(`${scorer.url}/version`)).text()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('start-up failures', () => {
  const serve = (...args: string[]) => spawnSync(process.execPath, [builtCli(), 'serve', ...args, '--port', '0', '--cache-dir', cacheDir], { encoding: 'utf8', timeout: 60_000 });

  it('an alias that is not set, or a registry that is not there: exit 1 with the reason', () => {
    let r = serve('models:/churn@staging', '--tracking-uri', server.url);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not load churn@staging from http:\/\/127\.0\.0\.1:\d+: registered model 'churn' has no alias 'staging'/);
    r = serve('models:/churn/9', '--tracking-uri', server.url);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not load churn\/9 .*RESOURCE_DOES_NOT_EXIST/);
    r = serve('models:/churn@production', '--tracking-uri', 'http://127.0.0.1:9');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not load churn@production from http:\/\/127\.0\.0\.1:9: request to .* failed/);
  });

  it('usage errors: exit 2 with the help', () => {
    const r = serve('models:/churn/Production');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not a version number/);
    expect(r.stderr).toMatch(/Usage: minflow serve/);
    const help = spawnSync(process.execPath, [builtCli(), 'serve', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--poll-interval SEC/);
  });
});
