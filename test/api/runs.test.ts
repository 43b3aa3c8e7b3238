// Run lifecycle RPCs: create, get, update, delete/restore, set-tag/delete-tag.
// Expected texts were checked against the official MLflow 3.17.2 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AJAX,
  asMap,
  createExperiment,
  createRun,
  expectError,
  getRun,
  MISSING_RUN_ID,
  missingValue,
  notActiveRun,
  ok,
  SEE_DOCS,
  startApi,
  type RunInfoJson,
  type RunJson,
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

describe('runs/create', () => {
  it('creates a RUNNING run with both run_id and run_uuid, string experiment_id, and the run name as a tag', async () => {
    const res = ok(
      await api.post<{ run: RunJson }>('runs/create', {
        experiment_id: exp,
        run_name: 'r1',
        user_id: 'alice',
        start_time: '1700000000000',
        tags: [{ key: 'a', value: 'b' }],
      }),
    );
    const { info, data } = res.run;
    expect(info).toEqual({
      run_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      run_uuid: info.run_id,
      run_name: 'r1',
      experiment_id: exp,
      user_id: 'alice',
      status: 'RUNNING',
      start_time: 1_700_000_000_000,
      artifact_uri: `mlflow-artifacts:/${exp}/${info.run_id}/artifacts`,
      lifecycle_stage: 'active',
    });
    expect(asMap(data.tags)).toEqual({ a: 'b', 'mlflow.runName': 'r1' });
    expect(data.metrics).toBeUndefined();
    expect(data.params).toBeUndefined();
    expect(res.run.inputs).toEqual({});
  });

  it('start_time as a number', async () => {
    const run = await createRun(api, exp, { start_time: 1_700_000_000_001 });
    expect(run.info.start_time).toBe(1_700_000_000_001);
  });

  it('uses the Default experiment when experiment_id is omitted', async () => {
    const run = ok(await api.post<{ run: RunJson }>('runs/create', { start_time: 5 })).run;
    expect(run.info.experiment_id).toBe('0');
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/0/${run.info.run_id}/artifacts`);
  });

  it('takes the run name from the mlflow.runName tag', async () => {
    const run = await createRun(api, exp, { tags: [{ key: 'mlflow.runName', value: 'tagname' }] });
    expect(run.info.run_name).toBe('tagname');
    expect(asMap(run.data.tags)).toEqual({ 'mlflow.runName': 'tagname' });
  });

  it('run_name and an equal mlflow.runName tag agree', async () => {
    const run = await createRun(api, exp, { run_name: 'x', tags: [{ key: 'mlflow.runName', value: 'x' }] });
    expect(run.info.run_name).toBe('x');
  });

  it('run_name vs a different mlflow.runName tag → 400', async () => {
    expectError(
      await api.post('runs/create', { experiment_id: exp, run_name: 'x', tags: [{ key: 'mlflow.runName', value: 'y' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='x', mlflow.runName='y').",
    );
  });

  it('picks a random <adjective>-<noun>-<n> name when none is given', async () => {
    const a = await createRun(api, exp);
    expect(a.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
    expect(asMap(a.data.tags)['mlflow.runName']).toBe(a.info.run_name);
  });

  it('404 / 400 for a missing or malformed experiment', async () => {
    expectError(await api.post('runs/create', { experiment_id: '9999' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=9999 exists');
    expectError(
      await api.post('runs/create', { experiment_id: 'abc' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.",
    );
    // experiment_id is a string field: a JSON number is refused, as by MLflow.
    expectError(
      await api.post('runs/create', { experiment_id: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value 0 for parameter 'experiment_id' supplied:  Hint: Value was of type 'int'.${SEE_DOCS}`,
    );
  });

  it('400 for a start_time that is not an int64', async () => {
    expectError(
      await api.post('runs/create', { experiment_id: exp, start_time: 'abc' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "abc" for parameter 'start_time' supplied:  Hint: Value was of type 'str'.${SEE_DOCS}`,
    );
  });
});

describe('runs/get', () => {
  it('by run_id and by run_uuid', async () => {
    const run = await createRun(api, exp, { run_name: 'getme' });
    const byId = ok(await api.get<{ run: RunJson }>('runs/get', { run_id: run.info.run_id })).run;
    const byUuid = ok(await api.get<{ run: RunJson }>('runs/get', { run_uuid: run.info.run_id })).run;
    expect(byUuid).toEqual(byId);
    expect(byId.info).toEqual(run.info);
    expect(byId.inputs).toEqual({});
    expect(byId.outputs).toEqual({});
  });

  it('404 with MLflow’s message for an unknown run', async () => {
    expectError(await api.get('runs/get', { run_id: MISSING_RUN_ID }), 404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${MISSING_RUN_ID} not found`);
    expectError(await api.get('runs/get', { run_id: 'bad id!' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Run with id=bad id! not found');
  });

  it('400 without a run id', async () => {
    expectError(await api.get('runs/get', {}), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_id'));
  });
});

describe('runs/update', () => {
  it('status by name, end_time as a string int64; returns run_info', async () => {
    const run = await createRun(api, exp, { run_name: 'upd' });
    const res = ok(
      await api.post<{ run_info: RunInfoJson }>('runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: '1700000001000' }),
    );
    expect(res.run_info).toEqual({ ...run.info, status: 'FINISHED', end_time: 1_700_000_001_000 });
    expect((await getRun(api, run.info.run_id)).info.status).toBe('FINISHED');
  });

  it.each([
    [1, 'RUNNING'],
    [2, 'SCHEDULED'],
    [3, 'FINISHED'],
    [4, 'FAILED'],
    [5, 'KILLED'],
    ['4', 'FAILED'],
  ])('status by number %j → %s', async (status, name) => {
    const run = await createRun(api, exp);
    const res = ok(await api.post<{ run_info: RunInfoJson }>('runs/update', { run_id: run.info.run_id, status }));
    expect(res.run_info.status).toBe(name);
  });

  it('accepts run_uuid instead of run_id', async () => {
    const run = await createRun(api, exp);
    const res = ok(await api.post<{ run_info: RunInfoJson }>('runs/update', { run_uuid: run.info.run_id, status: 'KILLED' }));
    expect(res.run_info.status).toBe('KILLED');
  });

  it('run_name renames the run and its mlflow.runName tag; an empty run_name changes nothing', async () => {
    const run = await createRun(api, exp, { run_name: 'before' });
    const res = ok(await api.post<{ run_info: RunInfoJson }>('runs/update', { run_id: run.info.run_id, run_name: 'after' }));
    expect(res.run_info.run_name).toBe('after');
    let got = await getRun(api, run.info.run_id);
    expect(got.info.run_name).toBe('after');
    expect(asMap(got.data.tags)['mlflow.runName']).toBe('after');
    ok(await api.post('runs/update', { run_id: run.info.run_id, run_name: '' }));
    got = await getRun(api, run.info.run_id);
    expect(got.info.run_name).toBe('after');
  });

  it('an invalid status name is refused with 400 (deliberate: MLflow ignores it)', async () => {
    const run = await createRun(api, exp);
    expectError(
      await api.post('runs/update', { run_id: run.info.run_id, status: 'BOGUS' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "BOGUS" for parameter 'status' supplied:  Hint: Value was of type 'str'.${SEE_DOCS}`,
    );
    expect((await getRun(api, run.info.run_id)).info.status).toBe('RUNNING');
  });

  it('an out-of-range status number is refused, as by MLflow', async () => {
    const run = await createRun(api, exp);
    expectError(
      await api.post('runs/update', { run_id: run.info.run_id, status: 9 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value 9 for parameter 'status' supplied:  Hint: Value was of type 'int'.${SEE_DOCS}`,
    );
  });

  it('400 for a bad end_time, a missing run id; 404 for an unknown run', async () => {
    const run = await createRun(api, exp);
    expectError(
      await api.post('runs/update', { run_id: run.info.run_id, end_time: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "x" for parameter 'end_time' supplied:  Hint: Value was of type 'str'.${SEE_DOCS}`,
    );
    expectError(await api.post('runs/update', { status: 'FINISHED' }), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_id'));
    expectError(
      await api.post('runs/update', { run_id: MISSING_RUN_ID, status: 'FINISHED' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${MISSING_RUN_ID} not found`,
    );
  });
});

describe('runs/delete and runs/restore', () => {
  it('delete marks the run deleted (still readable); restore brings it back; both are idempotent', async () => {
    const run = await createRun(api, exp);
    const id = run.info.run_id;
    expect(ok(await api.post('runs/delete', { run_id: id }))).toEqual({});
    ok(await api.post('runs/delete', { run_id: id }));
    expect((await getRun(api, id)).info.lifecycle_stage).toBe('deleted');
    expect(ok(await api.post('runs/restore', { run_id: id }))).toEqual({});
    ok(await api.post('runs/restore', { run_id: id }));
    expect((await getRun(api, id)).info.lifecycle_stage).toBe('active');
  });

  it('every write to a deleted run is refused with MLflow’s message', async () => {
    const run = await createRun(api, exp);
    const id = run.info.run_id;
    ok(await api.post('runs/set-tag', { run_id: id, key: 't', value: 'v' }));
    ok(await api.post('runs/delete', { run_id: id }));
    const writes: [string, Record<string, unknown>][] = [
      ['runs/log-metric', { key: 'm', value: 1, timestamp: 1 }],
      ['runs/log-parameter', { key: 'p', value: '1' }],
      ['runs/set-tag', { key: 'p', value: '1' }],
      ['runs/delete-tag', { key: 't' }],
      ['runs/update', { status: 'FAILED' }],
      ['runs/log-batch', { params: [{ key: 'p', value: '1' }] }],
      ['runs/log-inputs', { datasets: [] }],
      ['runs/outputs', { models: [{ model_id: 'm-1', step: 0 }] }],
    ];
    for (const [rpc, body] of writes) {
      const res = await api.post(rpc, { run_id: id, ...body });
      expect(res.status, rpc).toBe(400);
      expectError(res, 400, 'INVALID_PARAMETER_VALUE', notActiveRun(id));
    }
    const after = await getRun(api, id);
    expect(after.info.status).toBe('RUNNING');
    expect(asMap(after.data.tags).t).toBe('v');
    expect(after.data.metrics).toBeUndefined();
    expect(after.data.params).toBeUndefined();
  });

  it('404 for an unknown run, 400 without a run id', async () => {
    for (const rpc of ['runs/delete', 'runs/restore']) {
      expectError(await api.post(rpc, { run_id: MISSING_RUN_ID }), 404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${MISSING_RUN_ID} not found`);
      expectError(await api.post(rpc, {}), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_id'));
    }
  });
});

describe('runs/set-tag and runs/delete-tag', () => {
  it('sets, overwrites and deletes tags', async () => {
    const run = await createRun(api, exp, { run_name: 'tags' });
    const id = run.info.run_id;
    expect(ok(await api.post('runs/set-tag', { run_id: id, key: 't', value: '1' }))).toEqual({});
    ok(await api.post('runs/set-tag', { run_id: id, key: 't', value: '2' }));
    ok(await api.post('runs/set-tag', { run_uuid: id, key: 'empty' }));
    expect(asMap((await getRun(api, id)).data.tags)).toEqual({ t: '2', empty: '', 'mlflow.runName': 'tags' });
    expect(ok(await api.post('runs/delete-tag', { run_id: id, key: 't' }))).toEqual({});
    expect(asMap((await getRun(api, id)).data.tags)).toEqual({ empty: '', 'mlflow.runName': 'tags' });
  });

  it('setting mlflow.runName renames the run', async () => {
    const run = await createRun(api, exp, { run_name: 'old' });
    ok(await api.post('runs/set-tag', { run_id: run.info.run_id, key: 'mlflow.runName', value: 'viaTag' }));
    const got = await getRun(api, run.info.run_id);
    expect(got.info.run_name).toBe('viaTag');
    expect(asMap(got.data.tags)['mlflow.runName']).toBe('viaTag');
  });

  it('truncates tag values to 8000 characters', async () => {
    const run = await createRun(api, exp);
    ok(await api.post('runs/set-tag', { run_id: run.info.run_id, key: 'long', value: 'x'.repeat(8001) }));
    expect(asMap((await getRun(api, run.info.run_id)).data.tags).long).toBe('x'.repeat(8000));
  });

  it('validates keys like MLflow', async () => {
    const id = (await createRun(api, exp)).info.run_id;
    expectError(
      await api.post('runs/set-tag', { run_id: id, key: '../x', value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "../x" for parameter 'key' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '../x'`,
    );
    expectError(
      await api.post('runs/set-tag', { run_id: id, key: 'k'.repeat(251), value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'key' exceeds the maximum length of 250 characters",
    );
    expectError(await api.post('runs/set-tag', { run_id: id, value: 'v' }), 400, 'INVALID_PARAMETER_VALUE', missingValue('key'));
  });

  it('404s: unknown run, missing tag', async () => {
    const id = (await createRun(api, exp)).info.run_id;
    expectError(
      await api.post('runs/set-tag', { run_id: MISSING_RUN_ID, key: 'k', value: 'v' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${MISSING_RUN_ID} not found`,
    );
    expectError(
      await api.post('runs/delete-tag', { run_id: MISSING_RUN_ID, key: 'k' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${MISSING_RUN_ID} not found`,
    );
    expectError(
      await api.post('runs/delete-tag', { run_id: id, key: 'nope' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `No tag with name: nope in run with id ${id}`,
    );
  });
});

describe('run endpoints under /ajax-api', () => {
  it('create, get, update, set-tag, delete-tag, delete, restore', async () => {
    const run = ok(await api.post<{ run: RunJson }>(`${AJAX}/runs/create`, { experiment_id: exp, run_name: 'ajax' })).run;
    const id = run.info.run_id;
    expect(ok(await api.get<{ run: RunJson }>(`${AJAX}/runs/get`, { run_id: id })).run.info.run_name).toBe('ajax');
    expect(ok(await api.get<{ run: RunJson }>(`${AJAX}/runs/get`, { run_uuid: id })).run.info.run_id).toBe(id);
    expect(ok(await api.post<{ run_info: RunInfoJson }>(`${AJAX}/runs/update`, { run_id: id, status: 'FINISHED' })).run_info.status).toBe('FINISHED');
    ok(await api.post(`${AJAX}/runs/set-tag`, { run_id: id, key: 'k', value: 'v' }));
    ok(await api.post(`${AJAX}/runs/delete-tag`, { run_id: id, key: 'k' }));
    ok(await api.post(`${AJAX}/runs/delete`, { run_id: id }));
    expect((await getRun(api, id)).info.lifecycle_stage).toBe('deleted');
    ok(await api.post(`${AJAX}/runs/restore`, { run_id: id }));
    const got = await getRun(api, id);
    expect(got.info).toMatchObject({ lifecycle_stage: 'active', status: 'FINISHED' });
    expect(asMap(got.data.tags)).toEqual({ 'mlflow.runName': 'ajax' });
    expectError(await api.get(`${AJAX}/runs/get`, { run_id: MISSING_RUN_ID }), 404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${MISSING_RUN_ID} not found`);
  });
});
