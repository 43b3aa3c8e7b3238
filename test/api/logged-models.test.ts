// MLflow 3 logged models: create (name rules, experiment checks, params/tags), get (allow_deleted),
// finalize by PATCH (status as enum name or number), delete (with and without a JSON body), tags,
// params, metrics logged through runs with a model_id, runs/outputs linkage, and the model's artifact
// listing and file download. Expected shapes and texts were checked against the official MLflow 3.17.2.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AJAX, API, asMap, createExperiment, createRun, expectError, getRun, missingValue, ok } from './helpers.js';
import {
  createLoggedModel,
  expectDownload,
  getLoggedModel,
  proxiedPath,
  startArtifactApi,
  type ArtifactApi,
  type LoggedModelJson,
} from './artifact-helpers.js';

let api: ArtifactApi;
let exp: string;
let runId: string;
beforeAll(async () => {
  api = await startArtifactApi();
  exp = await createExperiment(api, 'logged-models');
  runId = (await createRun(api, exp)).info.run_id;
});
afterAll(async () => {
  await api.close();
});
afterEach(() => {
  vi.useRealTimers();
});

function at(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
}

const MISSING_MODEL = 'm-00000000000000000000000000000000';
const notFound = (id: string) => `Logged model with ID '${id}' not found.`;
const BAD_NAME = (shown: string) =>
  `Invalid model name (${shown}) provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`;

describe('POST logged-models (create)', () => {
  it('creates a PENDING model with an m-<32 hex> id and an artifact URI under the experiment', async () => {
    at(1_700_000_000_000);
    const res = await api.post<{ model: LoggedModelJson }>('logged-models', {
      experiment_id: exp,
      name: 'model',
      model_type: 'sklearn',
      source_run_id: runId,
      params: [
        { key: 'alpha', value: '0.5' },
        { key: 'max_depth', value: '5' },
      ],
      tags: [
        { key: 'mlflow.user', value: 'alice' },
        { key: 'mlflow.source.type', value: 'LOCAL' },
      ],
    });
    const model = ok(res).model;
    expect(model.info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model).toEqual({
      info: {
        model_id: model.info.model_id,
        experiment_id: exp,
        name: 'model',
        artifact_uri: `mlflow-artifacts:/${exp}/models/${model.info.model_id}/artifacts`,
        creation_timestamp_ms: 1_700_000_000_000,
        last_updated_timestamp_ms: 1_700_000_000_000,
        status: 'LOGGED_MODEL_PENDING',
        model_type: 'sklearn',
        source_run_id: runId,
        tags: [
          { key: 'mlflow.user', value: 'alice' },
          { key: 'mlflow.source.type', value: 'LOCAL' },
        ],
      },
      data: {
        params: [
          { key: 'alpha', value: '0.5' },
          { key: 'max_depth', value: '5' },
        ],
      },
    });
    expect(await getLoggedModel(api, model.info.model_id)).toEqual(model);
  });

  it('answers under /ajax-api/2.0 too, and gives distinct ids to models with the same name', async () => {
    const a = ok(await api.send<{ model: LoggedModelJson }>({ method: 'POST', url: `${AJAX}/logged-models`, payload: JSON.stringify({ experiment_id: exp, name: 'twin' }), headers: { 'content-type': 'application/json' } })).model;
    const b = await createLoggedModel(api, exp, { name: 'twin' });
    expect(a.info.name).toBe('twin');
    expect(b.info.name).toBe('twin');
    expect(a.info.model_id).not.toBe(b.info.model_id);
  });

  it('generates a run-style name when none (or an empty one) is given', async () => {
    for (const body of [{}, { name: '' }]) {
      const m = await createLoggedModel(api, exp, body);
      expect(m.info.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
      expect(m.data).toEqual({});
    }
  });

  it('accepts names with spaces, dashes, underscores and unicode', async () => {
    for (const name of ['a b-c_d', 'modèle', 'UPPER']) expect((await createLoggedModel(api, exp, { name })).info.name).toBe(name);
  });

  it.each([
    ['a/b', "'a/b'"],
    ['a:b', "'a:b'"],
    ['v1.2', "'v1.2'"],
    ['100%', "'100%'"],
    ['say "hi"', `'say "hi"'`],
    ["it's", `"it's"`],
  ])('refuses the name %s with MLflow’s message', async (name, shown) => {
    expectError(await api.post('logged-models', { experiment_id: exp, name }), 400, 'INVALID_PARAMETER_VALUE', BAD_NAME(shown));
  });

  it('answers 400 without experiment_id or with a non-numeric one', async () => {
    expectError(await api.post('logged-models', { name: 'x' }), 400, 'INVALID_PARAMETER_VALUE', missingValue('experiment_id'));
    expectError(await api.post('logged-models', { experiment_id: 'abc', name: 'x' }), 400, 'INVALID_PARAMETER_VALUE', "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.");
  });

  it('answers 404 for a missing experiment and 400 for a deleted one', async () => {
    expectError(await api.post('logged-models', { experiment_id: '999999', name: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=999999 exists');
    const gone = await createExperiment(api, 'gone');
    ok(await api.post('experiments/delete', { experiment_id: gone }));
    expectError(
      await api.post('logged-models', { experiment_id: gone, name: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `The experiment ${gone} must be in the 'active' state. Current state is deleted.`,
    );
  });

  it('needs Content-Type: application/json on the POST', async () => {
    const res = await api.send({ method: 'POST', url: `${API}/logged-models`, payload: JSON.stringify({ experiment_id: exp }) });
    expectError(res, 400, 'INVALID_PARAMETER_VALUE', 'Bad Request. Content-Type header is missing.');
  });
});

describe('GET logged-models/<id>', () => {
  it('answers 404 "Logged model with ID ... not found." for an unknown id', async () => {
    expectError(await api.get(`logged-models/${MISSING_MODEL}`), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(MISSING_MODEL));
    expectError(await api.get(`${AJAX}/logged-models/not-even-an-id`), 404, 'RESOURCE_DOES_NOT_EXIST', notFound('not-even-an-id'));
  });
});

describe('PATCH logged-models/<id> (finalize)', () => {
  it('sets LOGGED_MODEL_READY from the enum name, as the client sends it (JSON body, no content type)', async () => {
    at(1_700_000_000_000);
    const m = await createLoggedModel(api, exp, { name: 'fin' });
    at(1_700_000_005_000);
    const res = await api.patch<{ model: LoggedModelJson }>(`logged-models/${m.info.model_id}`, { model_id: m.info.model_id, status: 'LOGGED_MODEL_READY' });
    const done = ok(res).model;
    expect(done.info).toMatchObject({ status: 'LOGGED_MODEL_READY', creation_timestamp_ms: 1_700_000_000_000, last_updated_timestamp_ms: 1_700_000_005_000 });
    expect((await getLoggedModel(api, m.info.model_id)).info.status).toBe('LOGGED_MODEL_READY');
  });

  it.each([
    [2, 'LOGGED_MODEL_READY'],
    ['2', 'LOGGED_MODEL_READY'],
    [3, 'LOGGED_MODEL_UPLOAD_FAILED'],
    ['LOGGED_MODEL_UPLOAD_FAILED', 'LOGGED_MODEL_UPLOAD_FAILED'],
    [1, 'LOGGED_MODEL_PENDING'],
    [0, 'LOGGED_MODEL_STATUS_UNSPECIFIED'],
  ])('takes status %j (enum numbers are 0-based) → %s', async (status, expected) => {
    const m = await createLoggedModel(api, exp, { name: 'num' });
    const done = ok(await api.patch<{ model: LoggedModelJson }>(`logged-models/${m.info.model_id}`, { model_id: m.info.model_id, status })).model;
    expect(done.info.status).toBe(expected);
  });

  it('answers under /ajax-api/2.0 and with Content-Type: application/json', async () => {
    const m = await createLoggedModel(api, exp, { name: 'ajax-fin' });
    const res = await api.send<{ model: LoggedModelJson }>({
      method: 'PATCH',
      url: `${AJAX}/logged-models/${m.info.model_id}`,
      payload: JSON.stringify({ model_id: m.info.model_id, status: 'LOGGED_MODEL_READY' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(ok(res).model.info.status).toBe('LOGGED_MODEL_READY');
  });

  it('answers 400 without a status and 404 for an unknown model', async () => {
    const m = await createLoggedModel(api, exp, { name: 'nostatus' });
    expectError(await api.patch(`logged-models/${m.info.model_id}`, { model_id: m.info.model_id }), 400, 'INVALID_PARAMETER_VALUE', missingValue('status'));
    expectError(
      await api.patch(`logged-models/${MISSING_MODEL}`, { model_id: MISSING_MODEL, status: 'LOGGED_MODEL_READY' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      notFound(MISSING_MODEL),
    );
  });
});

describe('DELETE logged-models/<id>', () => {
  it('deletes with a JSON body (as the client) and without one; deleted models are 404 unless allow_deleted', async () => {
    const a = await createLoggedModel(api, exp, { name: 'del-a' });
    const b = await createLoggedModel(api, exp, { name: 'del-b' });
    expect(ok(await api.del(`logged-models/${a.info.model_id}`, { model_id: a.info.model_id }))).toEqual({});
    expect(ok(await api.send({ method: 'DELETE', url: `${AJAX}/logged-models/${b.info.model_id}` }))).toEqual({});
    for (const m of [a, b]) {
      expectError(await api.get(`logged-models/${m.info.model_id}`), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(m.info.model_id));
      expect((await getLoggedModel(api, m.info.model_id, true)).info.model_id).toBe(m.info.model_id);
      expect(ok(await api.get(`logged-models/${m.info.model_id}`, { allow_deleted: 'True' }))).toHaveProperty('model.info.name', m.info.name);
      expectError(await api.get(`logged-models/${m.info.model_id}`, { allow_deleted: 'false' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    }
  });

  it('answers {} for an already deleted model and 404 for an unknown one', async () => {
    const m = await createLoggedModel(api, exp, { name: 'del-twice' });
    ok(await api.del(`logged-models/${m.info.model_id}`));
    expect(ok(await api.del(`logged-models/${m.info.model_id}`))).toEqual({});
    expectError(await api.del(`logged-models/${MISSING_MODEL}`), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(MISSING_MODEL));
  });
});

describe('tags and params', () => {
  let id: string;
  beforeAll(async () => {
    id = (await createLoggedModel(api, exp, { name: 'tagged', tags: [{ key: 'stage', value: 'dev' }], params: [{ key: 'p0', value: '0' }] })).info.model_id;
  });

  it('PATCH tags sets and overwrites tags, answers {}', async () => {
    const res = await api.patch(`logged-models/${id}/tags`, { tags: [{ key: 'team', value: 'ml' }, { key: 'stage', value: 'prod' }] });
    expect(ok(res)).toEqual({});
    expect(res.body).toBe('{}');
    expect(asMap((await getLoggedModel(api, id)).info.tags)).toEqual({ stage: 'prod', team: 'ml' });
  });

  it('DELETE tags/<key> removes one tag (dotted keys included), answers {}', async () => {
    ok(await api.patch(`logged-models/${id}/tags`, { tags: [{ key: 'mlflow.model.isExternal', value: 'true' }] }));
    expect(ok(await api.del(`logged-models/${id}/tags/mlflow.model.isExternal`))).toEqual({});
    expect(ok(await api.send({ method: 'DELETE', url: `${AJAX}/logged-models/${id}/tags/team` }))).toEqual({});
    expect(asMap((await getLoggedModel(api, id)).info.tags)).toEqual({ stage: 'prod' });
  });

  it('DELETE of a missing tag or on a missing model answers 404 with MLflow’s messages', async () => {
    expectError(await api.del(`logged-models/${id}/tags/nokey`), 404, 'RESOURCE_DOES_NOT_EXIST', `No tag with key 'nokey' found for model with ID '${id}'.`);
    expectError(await api.del(`logged-models/${MISSING_MODEL}/tags/stage`), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(MISSING_MODEL));
    expectError(await api.patch(`logged-models/${MISSING_MODEL}/tags`, { tags: [{ key: 'k', value: 'v' }] }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(MISSING_MODEL));
  });

  it('POST params adds params (the client batches 100 at a time), answers {}', async () => {
    const params = Array.from({ length: 100 }, (_, i) => ({ key: `p${i + 1}`, value: String(i + 1) }));
    const res = await api.post(`logged-models/${id}/params`, { model_id: id, params });
    expect(ok(res)).toEqual({});
    const got = asMap((await getLoggedModel(api, id)).data.params);
    expect(Object.keys(got)).toHaveLength(101);
    expect(got).toMatchObject({ p0: '0', p1: '1', p100: '100' });
    expectError(await api.post(`logged-models/${MISSING_MODEL}/params`, { model_id: MISSING_MODEL, params }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(MISSING_MODEL));
  });
});

describe('metrics and run linkage', () => {
  it('metrics logged through runs/log-batch and log-metric with model_id appear in data.metrics', async () => {
    const run = (await createRun(api, exp)).info.run_id;
    const m = await createLoggedModel(api, exp, { name: 'with-metrics', source_run_id: run });
    const id = m.info.model_id;
    ok(
      await api.post('runs/log-batch', {
        run_id: run,
        metrics: [
          { key: 'acc', value: 0.5, timestamp: 1000, step: 1, model_id: id },
          { key: 'loss', value: 0.25, timestamp: 1001, step: 0, model_id: id, dataset_name: 'eval', dataset_digest: 'abc123' },
          { key: 'acc', value: 0.6, timestamp: 1002, step: 2, model_id: id },
          { key: 'run_only', value: 1, timestamp: 1003, step: 0 },
        ],
      }),
    );
    ok(await api.post('runs/log-metric', { run_id: run, key: 'f1', value: 0.7, timestamp: 1004, step: 0, model_id: id }));
    expect((await getLoggedModel(api, id)).data.metrics).toEqual([
      { key: 'acc', value: 0.5, timestamp: 1000, step: 1, model_id: id, run_id: run },
      { key: 'loss', value: 0.25, timestamp: 1001, step: 0, dataset_name: 'eval', dataset_digest: 'abc123', model_id: id, run_id: run },
      { key: 'acc', value: 0.6, timestamp: 1002, step: 2, model_id: id, run_id: run },
      { key: 'f1', value: 0.7, timestamp: 1004, step: 0, model_id: id, run_id: run },
    ]);
    // The run keeps its own metrics, model_id or not.
    const runMetrics = (await getRun(api, run)).data.metrics ?? [];
    expect(runMetrics.map((x) => x.key).sort()).toEqual(['acc', 'f1', 'loss', 'run_only']);
  });

  it('runs/outputs links the model to the run: runs/get shows outputs.model_outputs', async () => {
    const run = (await createRun(api, exp)).info.run_id;
    const a = await createLoggedModel(api, exp, { name: 'out-a', source_run_id: run });
    const b = await createLoggedModel(api, exp, { name: 'out-b', source_run_id: run });
    expect(ok(await api.post('runs/outputs', { run_id: run, models: [{ model_id: a.info.model_id, step: 0 }] }))).toEqual({});
    ok(await api.post('runs/outputs', { run_id: run, models: [{ model_id: b.info.model_id, step: 3 }] }));
    expect((await getRun(api, run)).outputs).toEqual({
      model_outputs: [
        { model_id: a.info.model_id, step: 0 },
        { model_id: b.info.model_id, step: 3 },
      ],
    });
  });
});

describe('logged-model artifacts: directories listing and file download', () => {
  let model: LoggedModelJson;
  let dir: string;
  beforeAll(async () => {
    model = await createLoggedModel(api, exp, { name: 'with-artifacts' });
    dir = proxiedPath(model.info.artifact_uri);
    // What client.log_model_artifacts uploads, one PUT per file.
    ok(await api.put(`${dir}/MLmodel`, 'artifact_path: model\n', { 'content-type': 'text/plain' }));
    ok(await api.put(`${dir}/model.pkl`, Buffer.from([0x80, 0x05, 0x95]), { 'content-type': 'application/octet-stream' }));
    ok(await api.put(`${dir}/conda.yaml`, 'name: env\n', { 'content-type': 'text/plain' }));
    ok(await api.put(`${dir}/empty.txt`, '', { 'content-type': 'text/plain' }));
    ok(await api.put(`${dir}/metadata/requirements.txt`, 'numpy\n', { 'content-type': 'text/plain' }));
  });

  it('lists the artifact root with model-relative paths, under /api and /ajax-api', async () => {
    const expected = {
      root_uri: model.info.artifact_uri,
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 21 },
        { path: 'conda.yaml', is_dir: false, file_size: 10 },
        { path: 'empty.txt', is_dir: false },
        { path: 'metadata', is_dir: true },
        { path: 'model.pkl', is_dir: false, file_size: 3 },
      ],
    };
    expect(ok(await api.get(`logged-models/${model.info.model_id}/artifacts/directories`))).toEqual(expected);
    expect(ok(await api.get(`${AJAX}/logged-models/${model.info.model_id}/artifacts/directories`))).toEqual(expected);
    expect(ok(await api.get(`logged-models/${model.info.model_id}/artifacts/directories`, { artifact_directory_path: '' }))).toEqual(expected);
  });

  it('lists a sub-directory; a missing one or a file has no files', async () => {
    const id = model.info.model_id;
    expect(ok(await api.get(`logged-models/${id}/artifacts/directories`, { artifact_directory_path: 'metadata' }))).toEqual({
      root_uri: model.info.artifact_uri,
      files: [{ path: 'metadata/requirements.txt', is_dir: false, file_size: 6 }],
    });
    for (const p of ['nope', 'MLmodel']) {
      expect(ok(await api.get(`logged-models/${id}/artifacts/directories`, { artifact_directory_path: p }))).toEqual({ root_uri: model.info.artifact_uri });
    }
  });

  it('downloads files with the attachment headers', async () => {
    const files = `${AJAX}/logged-models/${model.info.model_id}/artifacts/files`;
    expectDownload(await api.fetch(files, { artifact_file_path: 'MLmodel' }), 'artifact_path: model\n', 'text/plain', 'attachment; filename=MLmodel');
    expectDownload(await api.fetch(files, { artifact_file_path: 'model.pkl' }), Buffer.from([0x80, 0x05, 0x95]), 'application/octet-stream', 'attachment; filename=model.pkl');
    expectDownload(await api.fetch(files, { artifact_file_path: 'metadata/requirements.txt' }), 'numpy\n', 'text/plain', 'attachment; filename=requirements.txt');
  });

  it('answers 400 BAD_REQUEST without artifact_file_path, 404 for a missing file, 400 for a directory', async () => {
    const files = `${AJAX}/logged-models/${model.info.model_id}/artifacts/files`;
    const MISSING_PARAM = 'Request must include the "artifact_file_path" query parameter.';
    expectError(await api.fetch(files), 400, 'BAD_REQUEST', MISSING_PARAM);
    expectError(await api.fetch(files, { artifact_file_path: '' }), 400, 'BAD_REQUEST', MISSING_PARAM);
    expectError(await api.fetch(files, { artifact_file_path: 'nope.bin' }), 404, 'RESOURCE_DOES_NOT_EXIST', `No such artifact: '${dir}/nope.bin'`);
    expectError(await api.fetch(files, { artifact_file_path: 'metadata' }), 400, 'INVALID_PARAMETER_VALUE', `Artifact path refers to a directory, not a file: '${dir}/metadata'`);
  });

  it('answers 404 for unknown and deleted models', async () => {
    expectError(await api.get(`logged-models/${MISSING_MODEL}/artifacts/directories`), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(MISSING_MODEL));
    expectError(await api.fetch(`${AJAX}/logged-models/${MISSING_MODEL}/artifacts/files`, { artifact_file_path: 'MLmodel' }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(MISSING_MODEL));
    const gone = await createLoggedModel(api, exp, { name: 'gone' });
    ok(await api.del(`logged-models/${gone.info.model_id}`));
    expectError(await api.get(`logged-models/${gone.info.model_id}/artifacts/directories`), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(gone.info.model_id));
    expectError(await api.fetch(`${AJAX}/logged-models/${gone.info.model_id}/artifacts/files`, { artifact_file_path: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound(gone.info.model_id));
  });

  it('serves files only under /ajax-api (a Flask route, as MLflow)', async () => {
    const res = await api.fetch(`${API}/logged-models/${model.info.model_id}/artifacts/files`, { artifact_file_path: 'MLmodel' });
    expectError(res, 404, 'ENDPOINT_NOT_FOUND');
  });
});
