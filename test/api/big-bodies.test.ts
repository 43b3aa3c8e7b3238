// Bodies of a megabyte or more take another path (issue 14 item 6): parsed and coerced in slices on
// the event loop (server/protocol/sliced-json.ts), and on SQLite a runs/create is written by the write
// worker (server/store/big-writes.ts). Against a real server process: each mistake in a big body gets
// the answer the same mistake gets in a small one, what a big body stores is what a small one stores,
// and other clients' writes go on while a big one is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startServer, type ServerProcess } from './hardening-helpers.js';

let server: ServerProcess;
let api: string;
let experimentId: string;

/** Tags that take a body past the 1 MiB line (about 20 bytes each). */
const PADDING = 80_000;
const padding = Array.from({ length: PADDING }, (_, i) => ({ key: `pad${i}`, value: 'v' }));

beforeAll(async () => {
  server = await startServer();
  api = `${server.url}/api/2.0/mlflow`;
  experimentId = String((await postJson(`${api}/experiments/create`, { name: 'big-bodies' })).json.experiment_id);
});

afterAll(async () => {
  await server?.stop();
});

interface Answer {
  status: number;
  error_code: unknown;
  message: unknown;
}

async function answer(body: Record<string, unknown>, big: boolean): Promise<Answer> {
  const tags = [...((body.tags as unknown[] | undefined) ?? []), ...(big ? padding : [])];
  const text = JSON.stringify({ ...body, tags });
  expect(text.length >= 1024 * 1024).toBe(big);
  const res = await postJson(`${api}/runs/create`, text);
  return { status: res.status, error_code: res.json.error_code, message: res.json.message };
}

describe('runs/create with a body of a megabyte or more', () => {
  const mistakes: [string, () => Record<string, unknown>][] = [
    ['an unknown experiment', () => ({ experiment_id: '987654321' })],
    ['a tag without a key', () => ({ experiment_id: experimentId, tags: [{ value: 'x' }] })],
    ['a start_time that is not a number', () => ({ experiment_id: experimentId, start_time: 'soon' })],
    ['a tag value of the wrong type', () => ({ experiment_id: experimentId, tags: [{ key: 'a', value: { no: 1 } }] })],
    ['run_name and mlflow.runName that differ', () => ({ experiment_id: experimentId, run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] })],
    ['an experiment id that is not a string', () => ({ experiment_id: [1] })],
  ];
  for (const [what, body] of mistakes) {
    it(`answers ${what} as a small body does`, async () => {
      const small = await answer(body(), false);
      expect(small.status).toBeGreaterThanOrEqual(400);
      expect(await answer(body(), true)).toEqual(small);
    });
  }

  it('answers a deleted experiment as a small body does', async () => {
    const id = String((await postJson(`${api}/experiments/create`, { name: 'big-bodies-deleted' })).json.experiment_id);
    expect((await postJson(`${api}/experiments/delete`, { experiment_id: id })).status).toBe(200);
    const small = await answer({ experiment_id: id }, false);
    expect([small.status, small.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(await answer({ experiment_id: id }, true)).toEqual(small);
  });

  it('answers broken JSON and a wrong content type as for a small body', async () => {
    const text = JSON.stringify({ experiment_id: experimentId, tags: padding });
    // MLflow reads a body that is not JSON as an empty request (get_json(silent=True)): a run in the
    // default experiment, with none of the body's tags.
    const broken = await postJson(`${api}/runs/create`, text.slice(0, -2));
    const smallBroken = await postJson(`${api}/runs/create`, '{"experiment_id": "0", "tags": [');
    const shown = (r: typeof broken) => {
      const run = r.json.run as { info: { experiment_id: string }; data: { tags: { key: string }[] } } | undefined;
      return [r.status, run?.info.experiment_id, run?.data.tags.map((t) => t.key)];
    };
    expect(shown(broken)).toEqual(shown(smallBroken));
    expect(shown(broken)).toEqual([200, '0', ['mlflow.runName']]);
    const plain = await fetch(`${api}/runs/create`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text });
    const smallPlain = await fetch(`${api}/runs/create`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect([plain.status, await plain.json()]).toEqual([smallPlain.status, await smallPlain.json()]);
  });

  it('stores what a small body stores: the last value of a repeated key, at its first position', async () => {
    const tags = [
      { key: 'repeated', value: 'first' },
      { key: 'other', value: 'o' },
      { key: 'repeated', value: 'last' },
      { key: 'empty', value: '' },
    ];
    const body = { experiment_id: experimentId, run_name: 'same', start_time: 1_700_000_000_123, user_id: 'u', tags };
    const runs = [];
    for (const big of [false, true]) {
      const res = await postJson(`${api}/runs/create`, JSON.stringify({ ...body, tags: [...tags, ...(big ? padding : [])] }));
      expect(res.status, JSON.stringify(res.json).slice(0, 300)).toBe(200);
      runs.push(res.json.run as { info: Record<string, unknown>; data: { tags: { key: string; value: string }[] } });
    }
    const [small, big] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const shown = (run: typeof small) => ({
      info: { ...run.info, run_id: undefined, run_uuid: undefined, artifact_uri: undefined },
      tags: run.data.tags.filter((t) => !t.key.startsWith('pad')),
    });
    expect(shown(big)).toEqual(shown(small));
    expect(big.data.tags.length).toBe(small.data.tags.length + PADDING);
    expect(shown(small).tags.find((t) => t.key === 'repeated')?.value).toBe('last');
  });

  it("lets other clients' writes through while a big run is written", async () => {
    const other = (await postJson(`${api}/runs/create`, { experiment_id: experimentId })).json.run as { info: { run_id: string } };
    const runId = other.info.run_id;
    const bigBody = JSON.stringify({ experiment_id: experimentId, tags: Array.from({ length: 300_000 }, (_, i) => ({ key: `k${i}`, value: 'v' })) });
    const big = postJson(`${api}/runs/create`, bigBody);
    const logged: number[] = [];
    for (let step = 0; step < 20; step++) {
      const res = await postJson(`${api}/runs/log-metric`, { run_id: runId, key: 'm', value: step, timestamp: 1, step });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      logged.push(step);
    }
    const created = await big;
    expect(created.status, JSON.stringify(created.json).slice(0, 300)).toBe(200);
    const history = await fetch(`${api}/metrics/get-history?run_id=${runId}&metric_key=m`);
    const metrics = ((await history.json()) as { metrics: { step: number }[] }).metrics;
    expect(metrics.map((m) => m.step).sort((a, b) => a - b)).toEqual(logged);
    // Once the big run has been written, small ones still are (the write lock was given back).
    const after = await postJson(`${api}/runs/create`, { experiment_id: experimentId });
    expect(after.status).toBe(200);
  });
});
