// The registry going away must not take scoring with it: with the tracking server stopped, `minflow
// serve` keeps answering with the model it has, /health reports the failed checks, and once the server
// is back (same data, same port) the next poll picks up an alias move. A version whose files cannot be
// loaded as our flavor is refused the same way: the current model keeps serving.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowClient } from '../../client/index.js';
import { tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { churnRecords, invoke, registerVersion, restartTrackingServer, startScorer, trainTwoModels, type ScorerProcess, type TestModel } from './serving-fixtures.js';

let server: ServerProcess;
let restarted: Awaited<ReturnType<typeof restartTrackingServer>> | undefined;
let scorer: ScorerProcess;
let cacheDir: string;
let models: [TestModel, TestModel];
const body = JSON.stringify({ dataframe_records: churnRecords(10) });

async function health(): Promise<any> {
  return (await fetch(`${scorer.url}/health`)).json();
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${scorer.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startServer();
  const client = new MlflowClient(server.url);
  models = await trainTwoModels();
  await registerVersion(client, 'churn', models[0]);
  await registerVersion(client, 'churn', models[1]);
  await client.registry.setRegisteredModelAlias('churn', 'production', '1');
  cacheDir = tempDir('serving-cache');
  scorer = await startScorer(['models:/churn@production', '--tracking-uri', server.url, '--poll-interval', '0.5', '--cache-dir', cacheDir]);
});

afterAll(async () => {
  await scorer?.stop();
  await restarted?.stop();
  await server?.stop();
  for (const dir of [cacheDir, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('registry unreachable', () => {
  it('keeps serving, reports the error on /health, and recovers when the server is back', async () => {
    const before = await invoke(scorer.url, body);
    expect(before.status).toBe(200);
    const okAt = Date.parse((await health()).last_successful_check);

    await server.stop();
    const during: number[] = [];
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      const res = await invoke(scorer.url, body);
      during.push(res.status);
      expect(res.version).toBe('1');
      expect(res.json.predictions).toEqual(before.json.predictions);
    }
    expect(during.length).toBeGreaterThan(10);
    expect(during.every((s) => s === 200)).toBe(true);

    const degraded = await waitFor('a failed check on /health', async () => {
      const h = await health();
      return h.status === 'degraded' ? h : undefined;
    });
    expect(degraded.model.version).toBe('1');
    expect(degraded.last_error.message).toMatch(/failed|ECONNREFUSED|fetch/i);
    expect(Date.parse(degraded.last_error.at)).toBeGreaterThan(okAt);
    expect(Date.parse(degraded.last_successful_check)).toBeLessThan(Date.parse(degraded.last_error.at));
    expect(scorer.output()).toMatch(/"level":40.*model check failed; still serving the current version/);
    // POST /reload reports the failure too, and still answers.
    const reload = await fetch(`${scorer.url}/reload`, { method: 'POST' });
    expect(reload.status).toBe(200);
    expect(await reload.json()).toMatchObject({ outcome: 'failed', version: '1', model: { version: '1' } });

    restarted = await restartTrackingServer(server.dataDir, server.port);
    await new MlflowClient(restarted.url).registry.setRegisteredModelAlias('churn', 'production', '2');
    const recovered = await waitFor('version 2 after the restart', async () => {
      const h = await health();
      return h.status === 'ok' && h.model.version === '2' ? h : undefined;
    });
    expect(recovered.last_error).not.toBeNull(); // the last error stays on record, with its time
    expect(Date.parse(recovered.last_successful_check)).toBeGreaterThan(Date.parse(recovered.last_error.at));
    expect((await invoke(scorer.url, body)).version).toBe('2');
  });

  it('a version that does not load keeps the current model serving', async () => {
    const client = new MlflowClient(restarted!.url);
    // A model directory in another flavor: MLmodel without our "minflow" flavor.
    const dir = path.join(tempDir('serving-foreign'), 'model');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'MLmodel'), 'artifact_path: model\nflavors:\n  sklearn:\n    pickled_model: model.pkl\n');
    fs.writeFileSync(path.join(dir, 'model.pkl'), 'not a pickle');
    const v3 = await registerVersion(client, 'churn', { dir } as TestModel);
    await client.registry.setRegisteredModelAlias('churn', 'production', v3);
    const h = await waitFor('the failed load on /health', async () => {
      const r = await health();
      return r.status === 'degraded' && /minflow/.test(r.last_error?.message ?? '') ? r : undefined;
    });
    expect(h.model.version).toBe('2');
    expect(h.last_error.message).toMatch(/no "minflow" flavor \(flavors: sklearn\)/);
    const res = await invoke(scorer.url, body);
    expect(res.status).toBe(200);
    expect(res.version).toBe('2');
    // Nothing half-loaded was left in the cache.
    expect(fs.readdirSync(cacheDir).filter((d) => d.includes('partial') || d.startsWith(`churn-v${v3}-`))).toEqual([]);
  });
});
