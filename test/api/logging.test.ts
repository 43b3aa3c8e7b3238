// Writes to a run: log-metric, log-parameter, log-inputs, runs/outputs (log-batch: log-batch.test.ts).
// Expected texts were checked against the official MLflow 3.17.2 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AJAX,
  BAD_CHARS,
  asMap,
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

describe('runs/log-metric', () => {
  it('logs values, int64 as strings, step defaulting to 0; runs/get shows the latest by step', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-metric', { run_id: run, key: 'acc', value: 0.5, timestamp: 10 }));
    ok(await api.post('runs/log-metric', { run_id: run, key: 'acc', value: '0.75', timestamp: '1700000000123', step: '3' }));
    ok(await api.post('runs/log-metric', { run_id: run, key: 'acc', value: 0.6, timestamp: 20, step: 2 }));
    expect(await metricHistory(api, run, 'acc')).toEqual([
      { key: 'acc', value: 0.5, timestamp: 10, step: 0 },
      { key: 'acc', value: 0.6, timestamp: 20, step: 2 },
      { key: 'acc', value: 0.75, timestamp: 1_700_000_000_123, step: 3 },
    ]);
    expect((await getRun(api, run)).data.metrics).toEqual([{ key: 'acc', value: 0.75, timestamp: 1_700_000_000_123, step: 3 }]);
  });

  it('accepts run_uuid for run_id, and negative steps', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-metric', { run_uuid: run, key: 'm', value: 1, timestamp: 1, step: '-3' }));
    expect(await metricHistory(api, run, 'm')).toEqual([{ key: 'm', value: 1, timestamp: 1, step: -3 }]);
  });

  it('NaN and ±Infinity as strings: NaN reads back "NaN", ±Inf as ±DBL_MAX (as MLflow stores them)', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-metric', { run_id: run, key: 'n', value: 'NaN', timestamp: 1 }));
    ok(await api.post('runs/log-metric', { run_id: run, key: 'i', value: 'Infinity', timestamp: 1 }));
    ok(await api.post('runs/log-metric', { run_id: run, key: 'j', value: '-Infinity', timestamp: 1 }));
    expect(await metricHistory(api, run, 'n')).toEqual([{ key: 'n', value: 'NaN', timestamp: 1, step: 0 }]);
    expect(await metricHistory(api, run, 'i')).toEqual([{ key: 'i', value: 1.7976931348623157e308, timestamp: 1, step: 0 }]);
    expect(await metricHistory(api, run, 'j')).toEqual([{ key: 'j', value: -1.7976931348623157e308, timestamp: 1, step: 0 }]);
    expect(byKey((await getRun(api, run)).data.metrics)).toEqual([
      { key: 'i', value: 1.7976931348623157e308, timestamp: 1, step: 0 },
      { key: 'j', value: -1.7976931348623157e308, timestamp: 1, step: 0 },
      { key: 'n', value: 'NaN', timestamp: 1, step: 0 },
    ]);
  });

  it('an exact duplicate is ignored, not an error', async () => {
    const run = await newRun();
    const m = { run_id: run, key: 'd', value: 1.5, timestamp: '4', step: '3' };
    ok(await api.post('runs/log-metric', m));
    ok(await api.post('runs/log-metric', m));
    expect(await metricHistory(api, run, 'd')).toHaveLength(1);
  });

  it.each([
    [{ key: 'm', value: 1 }, 'timestamp'],
    [{ key: 'm', value: 1, timestamp: null }, 'timestamp'],
    [{ key: 'm', timestamp: 1 }, 'value'],
    [{ key: 'm', value: null, timestamp: 1 }, 'value'],
    [{ value: 1, timestamp: 1 }, 'key'],
  ])('missing field %j → MLflow’s missing-value message', async (body, field) => {
    const run = await newRun();
    expectError(await api.post('runs/log-metric', { run_id: run, ...body }), 400, 'INVALID_PARAMETER_VALUE', missingValue(field));
  });

  it('400 without a run id; 404 for an unknown run', async () => {
    expectError(await api.post('runs/log-metric', { key: 'm', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_id'));
    expectError(
      await api.post('runs/log-metric', { run_id: MISSING_RUN_ID, key: 'm', value: 1, timestamp: 1 }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${MISSING_RUN_ID} not found`,
    );
  });

  it.each([
    ['../x', resolvesTo('../x')],
    ['a/./b', resolvesTo('a/b')],
    ['/abs', resolvesTo('/abs')],
    ['bad!', BAD_CHARS],
  ])('refuses the key %j with MLflow’s path/character message', async (key, why) => {
    const run = await newRun();
    expectError(
      await api.post('runs/log-metric', { run_id: run, key, value: 1, timestamp: 1 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${JSON.stringify(key)} for parameter 'name' supplied: ${why}`,
    );
  });

  it('refuses a key over 250 characters', async () => {
    expectError(
      await api.post('runs/log-metric', { run_id: await newRun(), key: 'k'.repeat(251), value: 1, timestamp: 1 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'Metric name' exceeds the maximum length of 250 characters",
    );
  });

  it.each([
    ['value', 'abc', `Invalid value "abc" for parameter 'value' supplied:  Hint: Value was of type 'str'.${SEE_DOCS}`],
    ['timestamp', 'x', `Invalid value "x" for parameter 'timestamp' supplied:  Hint: Value was of type 'str'.${SEE_DOCS}`],
    ['step', 'x', `Invalid value "x" for parameter 'step' supplied:  Hint: Value was of type 'str'.${SEE_DOCS}`],
  ])('refuses a non-numeric %s', async (field, bad, message) => {
    const body: Record<string, unknown> = { run_id: await newRun(), key: 'm', value: 1, timestamp: 1, [field]: bad };
    expectError(await api.post('runs/log-metric', body), 400, 'INVALID_PARAMETER_VALUE', message);
  });

  it('refuses a bool value', async () => {
    // (MLflow's REST handler stores `true` as 1.0; Minflow refuses it — see /tmp/api-findings.md.)
    const run = await newRun();
    expectError(
      await api.post('runs/log-metric', { run_id: run, key: 'm', value: true, timestamp: 1 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value true for parameter 'value' supplied:  Hint: Value was of type 'bool'.${SEE_DOCS}`,
    );
    expect(await metricHistory(api, run, 'm')).toEqual([]);
  });

  it('refuses a negative timestamp with MLflow’s message (value printed as a Python float)', async () => {
    expectError(
      await api.post('runs/log-metric', { run_id: await newRun(), key: 'm', value: 1, timestamp: -1 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value -1 for parameter 'timestamp' supplied: metric 'm' (value=1.0). Timestamp must be a nonnegative long (64-bit integer) ",
    );
  });
});

describe('runs/log-parameter', () => {
  it('logs a param; the same value again is fine; a different one is refused with MLflow’s message', async () => {
    const run = await newRun();
    expect(ok(await api.post('runs/log-parameter', { run_id: run, key: 'k', value: 'a' }))).toEqual({});
    ok(await api.post('runs/log-parameter', { run_id: run, key: 'k', value: 'a' }));
    expectError(
      await api.post('runs/log-parameter', { run_id: run, key: 'k', value: 'b' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Changing param values is not allowed. Param with key='k' was already logged with value='a' for run ID='${run}'. Attempted logging new value 'b'.`,
    );
    expect((await getRun(api, run)).data.params).toEqual([{ key: 'k', value: 'a' }]);
  });

  it('an empty value counts as a value', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-parameter', { run_id: run, key: 'e', value: '' }));
    ok(await api.post('runs/log-parameter', { run_uuid: run, key: 'novalue' }));
    expectError(
      await api.post('runs/log-parameter', { run_id: run, key: 'e', value: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Changing param values is not allowed. Param with key='e' was already logged with value='' for run ID='${run}'. Attempted logging new value 'x'.`,
    );
    expect(asMap((await getRun(api, run)).data.params)).toEqual({ e: '', novalue: '' });
  });

  it('truncates values over 6000 characters to 6000', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-parameter', { run_id: run, key: 'long', value: 'x'.repeat(6001) }));
    expect(asMap((await getRun(api, run)).data.params).long).toBe('x'.repeat(6000));
    // Logging the same long value again matches the truncated one.
    ok(await api.post('runs/log-parameter', { run_id: run, key: 'long', value: 'x'.repeat(6001) }));
  });

  it('validates keys and types like MLflow', async () => {
    const run = await newRun();
    expectError(await api.post('runs/log-parameter', { run_id: run, value: 'x' }), 400, 'INVALID_PARAMETER_VALUE', missingValue('key'));
    expectError(
      await api.post('runs/log-parameter', { run_id: run, key: 'bad!', value: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "bad!" for parameter 'key' supplied: ${BAD_CHARS}`,
    );
    expectError(
      await api.post('runs/log-parameter', { run_id: run, key: '../p', value: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "../p" for parameter 'key' supplied: ${resolvesTo('../p')}`,
    );
    expectError(
      await api.post('runs/log-parameter', { run_id: run, key: 'k'.repeat(251), value: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'Param key' exceeds the maximum length of 250 characters",
    );
    expectError(
      await api.post('runs/log-parameter', { run_id: run, key: 'num', value: 5 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value 5 for parameter 'value' supplied:  Hint: Value was of type 'int'.${SEE_DOCS}`,
    );
    expectError(
      await api.post('runs/log-parameter', { run_id: MISSING_RUN_ID, key: 'k', value: 'x' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${MISSING_RUN_ID} not found`,
    );
    expect((await getRun(api, run)).data.params).toBeUndefined();
  });
});

describe('runs/log-inputs', () => {
  const dataset = {
    name: 'train',
    digest: 'abc123',
    source_type: 'local',
    source: '{"uri": "/data"}',
    schema: '{}',
    profile: '{"rows": 10}',
  };

  it('logs datasets with tags and models; runs/get echoes them; the same name+digest is kept once', async () => {
    const run = await newRun();
    const input = { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset };
    expect(ok(await api.post('runs/log-inputs', { run_id: run, datasets: [input] }))).toEqual({});
    ok(await api.post('runs/log-inputs', { run_id: run, datasets: [input] }));
    ok(
      await api.post('runs/log-inputs', {
        run_id: run,
        datasets: [
          { dataset: { ...dataset, digest: 'd2' } },
          { dataset: { ...dataset, digest: 'd2' } },
        ],
      }),
    );
    ok(await api.post('runs/log-inputs', { run_id: run, models: [{ model_id: 'm-abc' }] }));
    const got = await getRun(api, run);
    expect(got.inputs.dataset_inputs).toEqual([input, { dataset: { ...dataset, digest: 'd2' } }]);
    expect(got.inputs.model_inputs).toEqual([{ model_id: 'm-abc' }]);
  });

  it('schema and profile are optional and omitted when absent', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: 'n', digest: 'd', source_type: 's', source: 'x' } }] }));
    expect((await getRun(api, run)).inputs.dataset_inputs).toEqual([{ dataset: { name: 'n', digest: 'd', source_type: 's', source: 'x' } }]);
  });

  it('absent dataset fields read as empty strings, as protobuf does', async () => {
    const run = await newRun();
    ok(await api.post('runs/log-inputs', { run_id: run, datasets: [{ dataset: { name: 'only-name' } }] }));
    expect((await getRun(api, run)).inputs.dataset_inputs).toEqual([{ dataset: { name: 'only-name', digest: '', source_type: '', source: '' } }]);
  });

  it('an empty request is fine', async () => {
    expect(ok(await api.post('runs/log-inputs', { run_id: await newRun() }))).toEqual({});
  });

  it.each([
    ['name', { dataset: { ...dataset, name: 'n'.repeat(501) } }, "'name' exceeds the maximum length of 500 characters"],
    ['digest', { dataset: { ...dataset, digest: 'd'.repeat(37) } }, "'digest' exceeds the maximum length of 36 characters"],
    ['tag key', { tags: [{ key: 'k'.repeat(256), value: 'v' }], dataset }, "'key' exceeds the maximum length of 255 characters"],
    ['tag value', { tags: [{ key: 'k', value: 'v'.repeat(501) }], dataset }, "'value' exceeds the maximum length of 500 characters"],
  ])('refuses a too-long dataset %s', async (_what, input, message) => {
    const run = await newRun();
    expectError(await api.post('runs/log-inputs', { run_id: run, datasets: [input] }), 400, 'INVALID_PARAMETER_VALUE', message);
    expect((await getRun(api, run)).inputs).toEqual({});
  });

  it('run id errors', async () => {
    expectError(await api.post('runs/log-inputs', { datasets: [] }), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_id'));
    expectError(
      await api.post('runs/log-inputs', { run_id: MISSING_RUN_ID, datasets: [] }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${MISSING_RUN_ID} not found`,
    );
  });
});

describe('runs/outputs', () => {
  it('records model outputs (step as int64 string) that runs/get echoes', async () => {
    const run = await newRun();
    expect(ok(await api.post('runs/outputs', { run_id: run, models: [{ model_id: 'm-out', step: '3' }] }))).toEqual({});
    expect((await getRun(api, run)).outputs).toEqual({ model_outputs: [{ model_id: 'm-out', step: 3 }] });
  });

  it('requires models; an empty list is fine', async () => {
    const run = await newRun();
    expectError(await api.post('runs/outputs', { run_id: run }), 400, 'INVALID_PARAMETER_VALUE', missingValue('models'));
    ok(await api.post('runs/outputs', { run_id: run, models: [] }));
    expect((await getRun(api, run)).outputs).toEqual({});
  });

  it('404 for an unknown run', async () => {
    expectError(
      await api.post('runs/outputs', { run_id: MISSING_RUN_ID, models: [{ model_id: 'm-x' }] }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${MISSING_RUN_ID} not found`,
    );
  });
});

describe('logging endpoints under /ajax-api', () => {
  it('log-metric, log-parameter, log-batch, log-inputs, outputs', async () => {
    const run = await newRun();
    ok(await api.post(`${AJAX}/runs/log-metric`, { run_id: run, key: 'm', value: 1, timestamp: 1 }));
    ok(await api.post(`${AJAX}/runs/log-parameter`, { run_id: run, key: 'p', value: 'v' }));
    ok(await api.post(`${AJAX}/runs/log-batch`, { run_id: run, metrics: [{ key: 'm', value: 2, timestamp: 2, step: 1 }], tags: [{ key: 't', value: 'v' }] }));
    ok(await api.post(`${AJAX}/runs/log-inputs`, { run_id: run, datasets: [{ dataset: { name: 'n', digest: 'd', source_type: 's', source: 'x' } }] }));
    ok(await api.post(`${AJAX}/runs/outputs`, { run_id: run, models: [{ model_id: 'm-1', step: 1 }] }));
    const got = await getRun(api, run);
    expect(got.data.metrics).toEqual([{ key: 'm', value: 2, timestamp: 2, step: 1 }]);
    expect(asMap(got.data.params)).toEqual({ p: 'v' });
    expect(asMap(got.data.tags).t).toBe('v');
    expect(got.inputs.dataset_inputs).toHaveLength(1);
    expect(got.outputs?.model_outputs).toEqual([{ model_id: 'm-1', step: 1 }]);
    expectError(
      await api.post(`${AJAX}/runs/log-parameter`, { run_id: run, key: 'p', value: 'w' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Changing param values is not allowed. Param with key='p' was already logged with value='v' for run ID='${run}'. Attempted logging new value 'w'.`,
    );
  });
});
