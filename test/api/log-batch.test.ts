// runs/log-batch: limits, validation, and a batch that fails halfway leaving nothing of itself stored.
// Expected texts were checked against the official MLflow 3.17.2 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asMap,
  BAD_CHARS,
  byKey,
  createExperiment,
  createRun,
  expectError,
  getRun,
  metricHistory,
  MISSING_RUN_ID,
  missingValue,
  ok,
  resolvesTo,
  SEE_DOCS,
  startApi,
  type TestApi,
} from './helpers.js';

let api: TestApi;
let exp: string;
beforeAll(async () => {
  api = await startApi();
  exp = await createExperiment(api);
});
afterAll(async () => {
  await api.close();
});

async function newRun(): Promise<string> {
  return (await createRun(api, exp)).info.run_id;
}

describe('runs/log-batch', () => {
  const batchLimit = (what: string, limit: number, got: number): string =>
    `A batch logging request can contain at most ${limit} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`;

  it('logs metrics, params and tags together; mlflow.runName renames; long values are truncated', async () => {
    const run = await newRun();
    ok(
      await api.post('runs/log-batch', {
        run_id: run,
        metrics: [
          { key: 'loss', value: 0.5, timestamp: 1, step: 0 },
          { key: 'loss', value: 'NaN', timestamp: '2', step: '1' },
          { key: 'acc', value: 0.9, timestamp: 3 },
        ],
        params: [
          { key: 'lr', value: '0.1' },
          { key: 'long', value: 'p'.repeat(6001) },
        ],
        tags: [
          { key: 'team', value: 'churn' },
          { key: 'big', value: 't'.repeat(8001) },
          { key: 'mlflow.runName', value: 'batchname' },
        ],
      }),
    );
    const got = await getRun(api, run);
    expect(got.info.run_name).toBe('batchname');
    expect(asMap(got.data.params)).toEqual({ lr: '0.1', long: 'p'.repeat(6000) });
    expect(asMap(got.data.tags)).toEqual({ team: 'churn', big: 't'.repeat(8000), 'mlflow.runName': 'batchname' });
    expect(byKey(got.data.metrics)).toEqual([
      { key: 'acc', value: 0.9, timestamp: 3, step: 0 },
      { key: 'loss', value: 'NaN', timestamp: 2, step: 1 },
    ]);
    expect(await metricHistory(api, run, 'loss')).toEqual([
      { key: 'loss', value: 0.5, timestamp: 1, step: 0 },
      { key: 'loss', value: 'NaN', timestamp: 2, step: 1 },
    ]);
  });

  it('an empty batch is fine', async () => {
    expect(ok(await api.post('runs/log-batch', { run_id: await newRun() }))).toEqual({});
  });

  it('re-logging a param with the same value is fine', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-parameter', { run_id: run, key: 'k', value: 'a' }));
    ok(await api.post('runs/log-batch', { run_id: run, params: [{ key: 'k', value: 'a' }, { key: 'z', value: '1' }] }));
    expect(asMap((await getRun(api, run)).data.params)).toEqual({ k: 'a', z: '1' });
  });

  it.each([
    ['metrics', { metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: 1, timestamp: i })) }, batchLimit('metrics', 1000, 1001)],
    ['params', { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })) }, batchLimit('params', 100, 101)],
    ['tags', { tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' })) }, batchLimit('tags', 100, 101)],
    [
      'entities in total',
      {
        metrics: Array.from({ length: 950 }, (_, i) => ({ key: 'm', value: 1, timestamp: i })),
        params: Array.from({ length: 51 }, (_, i) => ({ key: `p${i}`, value: '1' })),
      },
      batchLimit('metrics, params, and tags', 1000, 1001),
    ],
  ])('refuses too many %s with MLflow’s message, writing nothing', async (_what, body, message) => {
    const run = await newRun();
    expectError(await api.post('runs/log-batch', { run_id: run, ...body }), 400, 'INVALID_PARAMETER_VALUE', message);
    const got = await getRun(api, run);
    expect(got.data.metrics).toBeUndefined();
    expect(got.data.params).toBeUndefined();
    expect(Object.keys(asMap(got.data.tags))).toEqual(['mlflow.runName']);
  });

  it('exactly 1000 metrics / 100 params / 100 tags is allowed', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-batch', { run_id: run, metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })) }));
    ok(
      await api.post('runs/log-batch', {
        run_id: run,
        params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: '1' })),
        tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: '1' })),
      }),
    );
    expect(await metricHistory(api, run, 'm')).toHaveLength(1000);
  });

  it('refuses duplicate param keys in one batch (even with equal values)', async () => {
    const run = await newRun();
    const message = "Duplicate parameter keys have been submitted: ['d']. Please ensure the request contains only one param value per param key.";
    expectError(
      await api.post('runs/log-batch', { run_id: run, params: [{ key: 'd', value: '1' }, { key: 'd', value: '2' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      message,
    );
    expectError(
      await api.post('runs/log-batch', { run_id: run, params: [{ key: 'd', value: '1' }, { key: 'd', value: '1' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      message,
    );
  });

  it('refuses a param overwrite with the log-batch variant of the message', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-parameter', { run_id: run, key: 'k', value: 'a' }));
    expectError(
      await api.post('runs/log-batch', { run_id: run, params: [{ key: 'k', value: 'b' }, { key: 'z', value: '1' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Changing param values is not allowed. Params were already logged='[{'key': 'k', 'old_value': 'a', 'new_value': 'b'}]' for run ID='${run}'.`,
    );
  });

  describe('a batch that fails validation halfway leaves nothing of itself stored', () => {
    async function expectUntouched(run: string, metricKeys: string[]): Promise<void> {
      const got = await getRun(api, run);
      expect(got.data.metrics, 'latest metrics').toBeUndefined();
      for (const key of metricKeys) expect(await metricHistory(api, run, key), `history of ${key}`).toEqual([]);
      expect(asMap(got.data.params), 'params').toEqual({ k: 'a' });
      expect(Object.keys(asMap(got.data.tags)).sort(), 'tags').toEqual(['mlflow.runName']);
      expect(got.info.run_name).toBe('untouched');
    }

    async function runWithParam(): Promise<string> {
      const run = (await createRun(api, exp, { run_name: 'untouched' })).info.run_id;
      ok(await api.post('runs/log-parameter', { run_id: run, key: 'k', value: 'a' }));
      return run;
    }

    it('valid metrics and tags + a param conflict', async () => {
      const run = await runWithParam();
      const res = await api.post('runs/log-batch', {
        run_id: run,
        metrics: [
          { key: 'm1', value: 1, timestamp: 1 },
          { key: 'm2', value: 2, timestamp: 1 },
        ],
        params: [
          { key: 'fresh', value: '1' },
          { key: 'k', value: 'b' },
        ],
        tags: [
          { key: 't', value: 'v' },
          { key: 'mlflow.runName', value: 'renamed' },
        ],
      });
      expectError(res, 400, 'INVALID_PARAMETER_VALUE', /^Changing param values is not allowed\. Params were already logged=/);
      await expectUntouched(run, ['m1', 'm2']);
    });

    it('valid params and tags + an invalid metric later in the list', async () => {
      const run = await runWithParam();
      const res = await api.post('runs/log-batch', {
        run_id: run,
        metrics: [
          { key: 'm1', value: 1, timestamp: 1 },
          { key: '../x', value: 1, timestamp: 1 },
        ],
        params: [{ key: 'fresh', value: '1' }],
        tags: [{ key: 't', value: 'v' }],
      });
      expectError(res, 400, 'INVALID_PARAMETER_VALUE', `Invalid value "../x" for parameter 'metrics[1].name' supplied: ${resolvesTo('../x')}`);
      await expectUntouched(run, ['m1']);
    });

    it('valid metrics and params + an invalid tag at the end', async () => {
      const run = await runWithParam();
      const res = await api.post('runs/log-batch', {
        run_id: run,
        metrics: [{ key: 'm1', value: 1, timestamp: 1 }],
        params: [{ key: 'fresh', value: '1' }],
        tags: [
          { key: 'mlflow.runName', value: 'renamed' },
          { key: 'bad!', value: 'v' },
        ],
      });
      expectError(res, 400, 'INVALID_PARAMETER_VALUE', `Invalid value "bad!" for parameter 'tags[1].key' supplied: ${BAD_CHARS}`);
      await expectUntouched(run, ['m1']);
    });

    it('valid entries + a metric with a negative timestamp', async () => {
      const run = await runWithParam();
      const res = await api.post('runs/log-batch', {
        run_id: run,
        metrics: [
          { key: 'm1', value: 1, timestamp: 1 },
          { key: 'm2', value: 1, timestamp: -5 },
        ],
        params: [{ key: 'fresh', value: '1' }],
      });
      expectError(
        res,
        400,
        'INVALID_PARAMETER_VALUE',
        "Invalid value -5 for parameter 'metrics[1].timestamp' supplied: metric 'm2' (value=1.0). Timestamp must be a nonnegative long (64-bit integer) ",
      );
      await expectUntouched(run, ['m1', 'm2']);
    });

    it('valid entries + duplicate param keys', async () => {
      const run = await runWithParam();
      const res = await api.post('runs/log-batch', {
        run_id: run,
        metrics: [{ key: 'm1', value: 1, timestamp: 1 }],
        params: [
          { key: 'd', value: '1' },
          { key: 'd', value: '2' },
        ],
        tags: [{ key: 't', value: 'v' }],
      });
      expectError(res, 400, 'INVALID_PARAMETER_VALUE');
      await expectUntouched(run, ['m1']);
    });
  });

  it.each([
    [{ metrics: [{ key: 'mm', value: 1 }] }, 'metrics[0].timestamp'],
    [{ metrics: [{ value: 1, timestamp: 1 }] }, 'metrics[0].key'],
    [{ metrics: [{ key: 'mm', timestamp: 1 }] }, 'metrics[0].value'],
    [{ params: [{ value: '1' }] }, 'params[0].key'],
    [{ tags: [{ value: '1' }] }, 'tags[0].key'],
  ])('missing field %j → missing-value message with its path', async (body, pathName) => {
    expectError(await api.post('runs/log-batch', { run_id: await newRun(), ...body }), 400, 'INVALID_PARAMETER_VALUE', missingValue(pathName));
  });

  it('refuses invalid keys with their position in the message', async () => {
    const run = await newRun();
    expectError(
      await api.post('runs/log-batch', { run_id: run, params: [{ key: 'bad!', value: '1' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "bad!" for parameter 'params[0].key' supplied: ${BAD_CHARS}`,
    );
    expectError(
      await api.post('runs/log-batch', { run_id: run, tags: [{ key: 'bad!', value: '1' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "bad!" for parameter 'tags[0].key' supplied: ${BAD_CHARS}`,
    );
  });

  it('refuses metrics that are not a list', async () => {
    expectError(
      await api.post('runs/log-batch', { run_id: await newRun(), metrics: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "x" for parameter 'metrics' supplied:  Hint: Value was of type 'str'.${SEE_DOCS}`,
    );
  });

  it('run id errors: missing, malformed, unknown', async () => {
    const params = [{ key: 'a', value: '1' }];
    expectError(await api.post('runs/log-batch', { params }), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_id'));
    expectError(
      await api.post('runs/log-batch', { run_id: 'bad id!', params }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "bad id!" for parameter 'run_id' supplied.`,
    );
    expectError(
      await api.post('runs/log-batch', { run_id: MISSING_RUN_ID, params }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${MISSING_RUN_ID} not found`,
    );
  });
});
