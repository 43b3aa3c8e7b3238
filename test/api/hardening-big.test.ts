// Issue 14, item 6: big but legal requests do not freeze the server. MLflow puts no limit on the tags
// of runs/create, and a run of 500,000 tags held the event loop for 8.4 s to create and 6.2 s to read
// back (runs/get). Against a real server process: the tags are written in slices with a turn of the
// event loop between them and the run is read back through a read job (a worker on either engine), while
// /health is probed; the run comes back whole. MLflow's own per-request limits (log-batch: 1,000
// metrics, 100 params + tags; get-history-bulk-interval: 100 runs) are answered with its errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthDuring, postJson, report, startServer, type ServerProcess } from './hardening-helpers.js';

const TAGS = 500_000;

let server: ServerProcess;
let experimentId: string;

beforeAll(async () => {
  server = await startServer();
  experimentId = String((await postJson(`${server.url}/api/2.0/mlflow/experiments/create`, { name: 'big' })).json.experiment_id);
});

afterAll(async () => {
  await server?.stop();
});

describe('big but legal requests keep /health fast (issue 14 item 6)', () => {
  it(`runs/create with ${TAGS} tags, then runs/get of that run`, async () => {
    const body = JSON.stringify({ experiment_id: experimentId, tags: Array.from({ length: TAGS }, (_, i) => ({ key: `k${i}`, value: 'v' })) });
    let runId = '';
    const create = await healthDuring(server.url, async () => {
      const t0 = performance.now();
      const res = await postJson(`${server.url}/api/2.0/mlflow/runs/create`, body);
      expect(res.status, JSON.stringify(res.json).slice(0, 300)).toBe(200);
      const run = res.json.run as { info: { run_id: string }; data: { tags: unknown[] } };
      runId = run.info.run_id;
      expect(run.data.tags.length).toBe(TAGS + 1); // + mlflow.runName
      return Math.round(performance.now() - t0);
    });
    const get = await healthDuring(server.url, async () => {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
      const json = (await res.json()) as { run: { data: { tags: { key: string }[] } } };
      expect(res.status).toBe(200);
      expect(json.run.data.tags.length).toBe(TAGS + 1);
      expect(json.run.data.tags[0]!.key).toBe('k0');
      return Math.round(performance.now() - t0);
    });
    report('6 runs/create 500k tags', { requestMs: create.attack, p50: create.p50, p99: create.p99, slowest: create.slowest, samples: create.samples });
    report('6 runs/get 500k tags', { requestMs: get.attack, p50: get.p50, p99: get.p99, slowest: get.slowest, samples: get.samples });
    expect(create.failures + get.failures).toBe(0);
    expect(create.p99, JSON.stringify(create)).toBeLessThan(100);
    // Issue 14's target, on both engines. On PostgreSQL runs/get was read and shaped on the event loop
    // (p99 181-842 ms, then 344 ms with the lists written in slices); now a query worker does it: 18 ms.
    expect(get.p99, JSON.stringify(get)).toBeLessThan(100);
  });

  it("answers MLflow's per-request limits with its errors", async () => {
    const api = `${server.url}/api/2.0/mlflow`;
    const run = (await postJson(`${api}/runs/create`, { experiment_id: experimentId })).json.run as { info: { run_id: string } };
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: 1, timestamp: 1, step: 0 }));
    const tooManyMetrics = await postJson(`${api}/runs/log-batch`, { run_id: run.info.run_id, metrics });
    expect([tooManyMetrics.status, tooManyMetrics.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    const tooManyTags = await postJson(`${api}/runs/log-batch`, { run_id: run.info.run_id, tags });
    expect([tooManyTags.status, tooManyTags.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const ids = Array.from({ length: 101 }, () => run.info.run_id).map((id) => `run_ids=${id}`).join('&');
    const bulk = await fetch(`${api}/metrics/get-history-bulk-interval?${ids}&metric_key=m`);
    expect(bulk.status).toBe(400);
  });
});
