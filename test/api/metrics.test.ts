// Metric history reads: get-history (paged), get-history-bulk-interval (sampled), the ajax-only
// get-history-bulk, and the ajax-only experiments/search-datasets.
// Expected texts and samples were checked against the official MLflow 3.17.2 server.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AJAX,
  API,
  createExperiment,
  createRun,
  expectError,
  MISSING_RUN_ID,
  missingValue,
  ok,
  startApi,
  type MetricJson,
  type TestApi,
} from './helpers.js';

interface HistoryReply {
  metrics?: MetricJson[];
  next_page_token?: string;
}

let api: TestApi;
let exp: string;
/** loss: steps 0..9, value 100-i, timestamp 1000+i. */
let run1: string;
/** loss: steps 0,2,..,8, value i, timestamp 2000+i. */
let run2: string;

beforeAll(async () => {
  api = await startApi();
  exp = await createExperiment(api);
  run1 = (await createRun(api, exp, { start_time: 1 })).info.run_id;
  run2 = (await createRun(api, exp, { start_time: 2 })).info.run_id;
  ok(
    await api.post('runs/log-batch', {
      run_id: run1,
      metrics: Array.from({ length: 10 }, (_, i) => ({ key: 'loss', value: 100 - i, timestamp: 1000 + i, step: i })),
    }),
  );
  ok(
    await api.post('runs/log-batch', {
      run_id: run2,
      metrics: Array.from({ length: 5 }, (_, i) => ({ key: 'loss', value: i, timestamp: 2000 + i, step: i * 2 })),
    }),
  );
});
afterAll(async () => {
  await api.close();
});

const point = (i: number): MetricJson => ({ key: 'loss', value: 100 - i, timestamp: 1000 + i, step: i });

describe('metrics/get-history', () => {
  it('returns the whole history without run_id in each point and without a page token', async () => {
    const res = ok(await api.get<HistoryReply>('metrics/get-history', { run_id: run1, metric_key: 'loss' }));
    expect(res).toEqual({ metrics: Array.from({ length: 10 }, (_, i) => point(i)) });
  });

  it('pages with max_results + page_token until exhausted', async () => {
    const seen: MetricJson[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = ok(
        await api.get<HistoryReply>('metrics/get-history', { run_id: run1, metric_key: 'loss', max_results: 4, page_token: token }),
      );
      seen.push(...(res.metrics ?? []));
      token = res.next_page_token;
      if (token === undefined) {
        expect('next_page_token' in res).toBe(false);
        break;
      }
      expect(token).not.toBe('');
      tokens.push(token);
    }
    expect(tokens).toHaveLength(2);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => point(i)));
  });

  it('MLflow-made page tokens ({"offset": 5}) work', async () => {
    const res = ok(
      await api.get<HistoryReply>('metrics/get-history', { run_id: run1, metric_key: 'loss', max_results: 5, page_token: 'eyJvZmZzZXQiOiA1fQ==' }),
    );
    expect(res).toEqual({ metrics: [5, 6, 7, 8, 9].map(point) });
  });

  it('orders by timestamp, then step, then value; NaN comes back as "NaN"', async () => {
    const run = (await createRun(api, exp)).info.run_id;
    ok(
      await api.post('runs/log-batch', {
        run_id: run,
        metrics: [
          { key: 'o', value: 3, timestamp: 20, step: 0 },
          { key: 'o', value: 2, timestamp: 10, step: 5 },
          { key: 'o', value: 9, timestamp: 10, step: 1 },
          { key: 'o', value: 1, timestamp: 10, step: 1 },
          { key: 'o', value: 'NaN', timestamp: 5, step: 7 },
        ],
      }),
    );
    const res = ok(await api.get<HistoryReply>('metrics/get-history', { run_id: run, metric_key: 'o' }));
    expect(res.metrics).toEqual([
      { key: 'o', value: 'NaN', timestamp: 5, step: 7 },
      { key: 'o', value: 1, timestamp: 10, step: 1 },
      { key: 'o', value: 9, timestamp: 10, step: 1 },
      { key: 'o', value: 2, timestamp: 10, step: 5 },
      { key: 'o', value: 3, timestamp: 20, step: 0 },
    ]);
  });

  it('accepts run_uuid for run_id', async () => {
    const res = ok(await api.get<HistoryReply>('metrics/get-history', { run_uuid: run1, metric_key: 'loss', max_results: 2 }));
    expect(res).toEqual({ metrics: [point(0), point(1)], next_page_token: expect.any(String) });
  });

  it('an unknown key or run is an empty message', async () => {
    expect(ok(await api.get('metrics/get-history', { run_id: run1, metric_key: 'nope' }))).toEqual({});
    expect(ok(await api.get('metrics/get-history', { run_id: MISSING_RUN_ID, metric_key: 'loss' }))).toEqual({});
  });

  it('errors: missing fields, max_results 0, bad page token', async () => {
    expectError(await api.get('metrics/get-history', { run_id: run1 }), 400, 'INVALID_PARAMETER_VALUE', missingValue('metric_key'));
    expectError(await api.get('metrics/get-history', { metric_key: 'loss' }), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_id'));
    expectError(
      await api.get('metrics/get-history', { run_id: run1, metric_key: 'loss', max_results: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer.",
    );
    expectError(
      await api.get('metrics/get-history', { run_id: run1, metric_key: 'loss', page_token: 'bad' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid page token, could not base64-decode',
    );
  });

  it('answers under /ajax-api', async () => {
    const res = ok(await api.get<HistoryReply>(`${AJAX}/metrics/get-history`, { run_id: run1, metric_key: 'loss', max_results: 1 }));
    expect(res).toEqual({ metrics: [point(0)], next_page_token: expect.any(String) });
  });
});

describe('metrics/get-history-bulk-interval', () => {
  const BI = 'metrics/get-history-bulk-interval';
  const steps = (r: HistoryReply, runId: string): number[] => (r.metrics ?? []).filter((m) => m.run_id === runId).map((m) => m.step);

  it('returns every point with its run_id when under max_results', async () => {
    const res = ok(await api.get<HistoryReply>(BI, { run_ids: run1, metric_key: 'loss' }));
    expect(res.metrics).toEqual(Array.from({ length: 10 }, (_, i) => ({ ...point(i), run_id: run1 })));
  });

  it('samples each run down to max_results, keeping the first and the last point (MLflow’s picks)', async () => {
    const three = ok(await api.get<HistoryReply>(BI, { run_ids: [run1, run2], metric_key: 'loss', max_results: 3 }));
    expect(three.metrics).toEqual([
      { ...point(0), run_id: run1 },
      { ...point(4), run_id: run1 },
      { ...point(9), run_id: run1 },
      { key: 'loss', value: 0, timestamp: 2000, step: 0, run_id: run2 },
      { key: 'loss', value: 2, timestamp: 2002, step: 4, run_id: run2 },
      { key: 'loss', value: 4, timestamp: 2004, step: 8, run_id: run2 },
    ]);
    const four = ok(await api.get<HistoryReply>(BI, { run_ids: run1, metric_key: 'loss', max_results: 4 }));
    expect(steps(four, run1)).toEqual([0, 3, 6, 9]);
  });

  it('max_results=1 keeps only the last point', async () => {
    const res = ok(await api.get<HistoryReply>(BI, { run_ids: run1, metric_key: 'loss', max_results: 1 }));
    expect(res.metrics).toEqual([{ ...point(9), run_id: run1 }]);
  });

  it('samples a long history evenly', async () => {
    const run = (await createRun(api, exp)).info.run_id;
    ok(await api.post('runs/log-batch', { run_id: run, metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'x', value: i, timestamp: i, step: i })) }));
    const res = ok(await api.get<HistoryReply>(BI, { run_ids: run, metric_key: 'x', max_results: 10 }));
    const got = steps(res, run);
    expect(got).toHaveLength(10);
    expect(got[0]).toBe(0);
    expect(got[9]).toBe(999);
    expect([...got].sort((a, b) => a - b)).toEqual(got);
  });

  it('picks the same rows as MLflow’s NTILE query for any row count, duplicate steps and ranges', async () => {
    // The oracle is MLflow's own sampling SQL (_sample_rows_with_window_functions: NTILE, then the first
    // row of each tile) run by a separate SQLite on the same rows; the server computes the tiles itself.
    const oracle = new Database(':memory:');
    oracle.exec('CREATE TABLE metrics (key TEXT, value REAL, timestamp INTEGER, step INTEGER, is_nan INTEGER)');
    const ntile = oracle.prepare(`WITH b AS (SELECT *, NTILE(?) OVER (ORDER BY step, timestamp, value, is_nan) AS tile FROM metrics WHERE step BETWEEN ? AND ?),
      r AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY tile ORDER BY step, timestamp, value, is_nan) AS rn FROM b)
      SELECT step, timestamp, value FROM r WHERE rn = 1 ORDER BY step, timestamp, value, is_nan`);
    const lastRow = oracle.prepare('SELECT step, timestamp, value FROM metrics WHERE step BETWEEN ? AND ? ORDER BY step DESC, timestamp DESC, value DESC LIMIT 1');
    for (const rows of [7, 2499, 2500, 2501, 5003, 7777]) {
      const run = (await createRun(api, exp)).info.run_id;
      // Two points per step (a loop that logs twice), timestamps and values in no particular order.
      const points = Array.from({ length: rows }, (_, i) => ({ key: 'y', value: (i * 7919) % 1000, timestamp: 5000 + ((i * 31) % 97), step: Math.floor(i / 2) }));
      for (let i = 0; i < points.length; i += 1000) ok(await api.post('runs/log-batch', { run_id: run, metrics: points.slice(i, i + 1000) }));
      oracle.exec('DELETE FROM metrics');
      const insert = oracle.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, 0)');
      for (const p of points) insert.run(p.key, p.value, p.timestamp, p.step);
      for (const [maxResults, range] of [[2500, undefined], [10, undefined], [3, undefined], [7, [100, 1234]], [5, [3, 3]]] as const) {
        const [lo, hi] = range ?? [-1, Number.MAX_SAFE_INTEGER];
        const expected = ntile.all(maxResults, lo, hi) as { step: number; timestamp: number; value: number }[];
        const tail = lastRow.get(lo, hi) as { step: number; timestamp: number; value: number } | undefined;
        const end = expected[expected.length - 1];
        if (tail && (!end || end.step !== tail.step || end.timestamp !== tail.timestamp || end.value !== tail.value)) {
          if (expected.length >= maxResults) expected[expected.length - 1] = tail;
          else expected.push(tail);
        }
        const query = { run_ids: run, metric_key: 'y', max_results: maxResults, ...(range ? { start_step: range[0], end_step: range[1] } : {}) };
        const got = ok(await api.get<HistoryReply>(BI, query)).metrics ?? [];
        expect(got.map((m) => [m.step, m.timestamp, m.value]), `${rows} rows, max_results ${maxResults}, range ${range}`).toEqual(
          expected.map((m) => [m.step, m.timestamp, m.value]),
        );
      }
    }
    oracle.close();
  });

  it('writes each point as get-history does (NaN, ±Infinity, 10.0), on both fetch paths: steps that fit a JS number, and steps beyond 2^53', async () => {
    // SQLite picks rows by step when every step survives a JS number, and numbers them in SQL otherwise.
    const values = ['NaN', 'Infinity', '-Infinity', 10, 0.1, -2.5e-7, 1e16, 123456789.125];
    for (const big of [false, true]) {
      const run = (await createRun(api, exp)).info.run_id;
      // 2^53 + 2: not a safe integer, yet printed exactly by a JS number (so both engines store it as sent).
      const step = (i: number) => (big && i === values.length - 1 ? 2 ** 53 + 2 : i);
      ok(await api.post('runs/log-batch', { run_id: run, metrics: values.map((value, i) => ({ key: 'v', value, timestamp: 100 + i, step: step(i) })) }));
      // get-history's text, item by item (timestamps rise with the steps, so both orders agree).
      const history = (await api.get('metrics/get-history', { run_id: run, metric_key: 'v' })).body;
      expect(history).toContain('"value":10.0,');
      expect(history).toContain('"value":1.7976931348623157e+308,'); // MLflow stores ±Infinity as ±max float
      const items = history.slice('{"metrics":[{'.length, -'}]}'.length).split('},{');
      expect(items).toHaveLength(values.length);
      const point = (i: number) => `{${items[i]},"run_id":"${run}"}`;
      const all = await api.get(BI, { run_ids: run, metric_key: 'v' });
      expect(all.body, `steps beyond 2^53: ${big}`).toBe(`{"metrics":[${values.map((_, i) => point(i)).join(',')}]}`);
      // 8 rows in 3 tiles (3, 3, 2): 0, 3, then 6 replaced by the last row.
      const three = await api.get(BI, { run_ids: run, metric_key: 'v', max_results: 3 });
      expect(three.body, `steps beyond 2^53: ${big}`).toBe(`{"metrics":[${[0, 3, 7].map(point).join(',')}]}`);
    }
  });

  it('an answer served again reflects every point logged since (the sampled history is kept by its row count)', async () => {
    const run = (await createRun(api, exp)).info.run_id;
    const log = (from: number, count: number) =>
      api.post('runs/log-batch', { run_id: run, metrics: Array.from({ length: count }, (_, i) => ({ key: 'c', value: from + i, timestamp: 10 + from + i, step: from + i })) });
    const sample = async (query: Record<string, number> = {}) => steps(ok(await api.get<HistoryReply>(BI, { run_ids: run, metric_key: 'c', max_results: 4, ...query })), run);
    const inRange = { start_step: 2, end_step: 5, max_results: 3 };
    ok(await log(0, 10));
    expect(await sample()).toEqual([0, 3, 6, 9]);
    expect(await sample()).toEqual([0, 3, 6, 9]);
    expect(await sample(inRange)).toEqual([2, 4, 5]);
    // 13 rows in 4 tiles (4, 3, 3, 3): 0, 4, 7, then 10 replaced by the last row.
    ok(await log(10, 3));
    expect(await sample()).toEqual([0, 4, 7, 12]);
    expect(await sample({ max_results: 2 })).toEqual([0, 12]);
    // A point logged again is not a new row (MLflow's key): the same answer.
    ok(await log(12, 1));
    expect(await sample()).toEqual([0, 4, 7, 12]);
    // A second point at step 3 (earlier by timestamp): 5 rows in the range, tiles (2, 2, 1).
    expect(await sample(inRange)).toEqual([2, 4, 5]);
    ok(await api.post('runs/log-batch', { run_id: run, metrics: [{ key: 'c', value: -1, timestamp: 0, step: 3 }] }));
    const picked = ok(await api.get<HistoryReply>(BI, { run_ids: run, metric_key: 'c', ...inRange })).metrics ?? [];
    expect(picked.map((m) => [m.step, m.value])).toEqual([[2, 2], [3, 3], [5, 5]]);
  });

  it('restricts to [start_step, end_step]', async () => {
    const res = ok(await api.get<HistoryReply>(BI, { run_ids: run1, metric_key: 'loss', start_step: 2, end_step: 6, max_results: 3 }));
    expect(steps(res, run1)).toEqual([2, 4, 6]);
    const all = ok(await api.get<HistoryReply>(BI, { run_ids: run1, metric_key: 'loss', start_step: 3, end_step: 3 }));
    expect(all.metrics).toEqual([{ ...point(3), run_id: run1 }]);
  });

  it('start_step and end_step go together, and in order', async () => {
    const both = 'If either start step or end step are specified, both must be specified.';
    expectError(await api.get(BI, { run_ids: run1, metric_key: 'loss', start_step: 2 }), 400, 'INVALID_PARAMETER_VALUE', both);
    expectError(await api.get(BI, { run_ids: run1, metric_key: 'loss', end_step: 2 }), 400, 'INVALID_PARAMETER_VALUE', both);
    expectError(
      await api.get(BI, { run_ids: run1, metric_key: 'loss', start_step: 6, end_step: 2 }),
      400,
      'INVALID_PARAMETER_VALUE',
      'end_step must be greater than start_step. Found start_step=6 and end_step=2.',
    );
  });

  it('max_results must be 1..2500', async () => {
    for (const max_results of [0, 2501]) {
      expectError(
        await api.get(BI, { run_ids: run1, metric_key: 'loss', max_results }),
        400,
        'INVALID_PARAMETER_VALUE',
        'max_results must be between 1 and 2500. See the API docs for more information about request parameters.',
      );
    }
  });

  it('at most 100 run_ids', async () => {
    expectError(
      await api.get(BI, { run_ids: Array.from({ length: 101 }, () => run1), metric_key: 'loss' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids. See the API docs for more information about request parameters.',
    );
  });

  it('run_ids and metric_key are required', async () => {
    expectError(await api.get(BI, { run_ids: run1 }), 400, 'INVALID_PARAMETER_VALUE', missingValue('metric_key'));
    expectError(await api.get(BI, { metric_key: 'loss' }), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_ids'));
  });

  it('an unknown run contributes nothing', async () => {
    expect(ok(await api.get(BI, { run_ids: MISSING_RUN_ID, metric_key: 'loss' }))).toEqual({});
  });

  it('answers under /ajax-api', async () => {
    const res = ok(await api.get<HistoryReply>(`${AJAX}/${BI}`, { run_ids: run1, metric_key: 'loss', max_results: 2 }));
    expect(steps(res, run1)).toEqual([0, 9]);
  });
});

describe('ajax-only metrics/get-history-bulk', () => {
  const BU = `${AJAX}/metrics/get-history-bulk`;

  it('returns points of several runs ordered by run_id, then timestamp, each with its run_id', async () => {
    const res = ok(await api.get<HistoryReply>(BU, { run_id: [run2, run1], metric_key: 'loss' }));
    const [first, second] = [run1, run2].sort();
    const expected = [first!, second!].flatMap((id) =>
      id === run1
        ? Array.from({ length: 10 }, (_, i) => ({ ...point(i), run_id: run1 }))
        : Array.from({ length: 5 }, (_, i) => ({ key: 'loss', value: i, timestamp: 2000 + i, step: i * 2, run_id: run2 })),
    );
    expect(res.metrics).toEqual(expected);
  });

  it('max_results caps the total', async () => {
    const res = ok(await api.get<HistoryReply>(BU, { run_id: [run1], metric_key: 'loss', max_results: 3 }));
    expect(res.metrics).toEqual([0, 1, 2].map((i) => ({ ...point(i), run_id: run1 })));
  });

  it('errors: no run_id, no metric_key, more than 100 run_ids', async () => {
    expectError(await api.get(BU, { metric_key: 'loss' }), 400, 'INVALID_PARAMETER_VALUE', 'GetMetricHistoryBulk request must specify at least one run_id.');
    expectError(await api.get(BU, { run_id: run1 }), 400, 'INVALID_PARAMETER_VALUE', 'GetMetricHistoryBulk request must specify a metric_key.');
    expectError(
      await api.get(BU, { run_id: Array.from({ length: 101 }, () => run1), metric_key: 'loss' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received 101 run_ids.',
    );
  });

  it('does not exist under /api', async () => {
    const res = await api.get(`${API}/metrics/get-history-bulk`, { run_id: run1, metric_key: 'loss' });
    expect(res.status).toBe(404);
  });
});

describe('ajax-only experiments/search-datasets', () => {
  const SD = `${AJAX}/experiments/search-datasets`;

  it('summarises the datasets of experiments with their context', async () => {
    const dsExp = await createExperiment(api);
    const run = (await createRun(api, dsExp)).info.run_id;
    const ds = { name: 'train', digest: 'abc123', source_type: 'local', source: 'x' };
    ok(
      await api.post('runs/log-inputs', {
        run_id: run,
        datasets: [
          { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: ds },
          { dataset: { ...ds, name: 'eval', digest: 'e1' } },
        ],
      }),
    );
    const res = ok(await api.post<{ dataset_summaries?: { experiment_id: string; name: string; digest: string; context?: string }[] }>(SD, { experiment_ids: [dsExp, exp] }));
    const summaries = [...(res.dataset_summaries ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    expect(summaries).toEqual([
      { experiment_id: dsExp, name: 'eval', digest: 'e1' },
      { experiment_id: dsExp, name: 'train', digest: 'abc123', context: 'training' },
    ]);
  });

  it('nothing found is an empty message', async () => {
    expect(ok(await api.post(SD, { experiment_ids: ['9999'] }))).toEqual({});
  });

  it('takes 1..20 experiment ids', async () => {
    const none = 'SearchDatasets request must specify at least one experiment_id.';
    expectError(await api.post(SD, { experiment_ids: [] }), 400, 'INVALID_PARAMETER_VALUE', none);
    expectError(await api.post(SD, {}), 400, 'INVALID_PARAMETER_VALUE', none);
    expectError(
      await api.post(SD, { experiment_ids: Array.from({ length: 21 }, (_, i) => String(i)) }),
      400,
      'INVALID_PARAMETER_VALUE',
      'SearchDatasets request cannot specify more than 20 experiment_ids. Received 21 experiment_ids.',
    );
    ok(await api.post(SD, { experiment_ids: Array.from({ length: 20 }, (_, i) => String(i)) }));
    expectError(
      await api.post(SD, { experiment_ids: ['abc'] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.",
    );
  });

  it('requires a JSON content type', async () => {
    expectError(
      await api.request({ method: 'POST', url: SD, payload: JSON.stringify({ experiment_ids: ['0'] }) }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Bad Request. Content-Type header is missing.',
    );
  });

  it('does not exist under /api', async () => {
    expect((await api.post(`${API}/experiments/search-datasets`, { experiment_ids: [exp] })).status).toBe(404);
  });
});
