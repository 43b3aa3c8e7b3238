// Experiment RPCs: create, get, get-by-name, update, delete/restore (search: experiments-search.test.ts,
// tags: experiment-tags.test.ts).
// Expected texts were checked against the official MLflow 3.17.2 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AJAX,
  asMap,
  createExperiment,
  createRun,
  expectError,
  getExperiment,
  getRun,
  missingValue,
  ok,
  SEE_DOCS,
  startApi,
  unique,
  type ExperimentJson,
  type TestApi,
} from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

interface SearchReply {
  experiments?: ExperimentJson[];
  next_page_token?: string;
}

describe('experiments/create', () => {
  it('creates an experiment with tags and an artifact location, id as a string', async () => {
    const name = unique('with-tags');
    const res = ok(
      await api.post<{ experiment_id: string }>('experiments/create', {
        name,
        artifact_location: '/tmp/minflow-elsewhere',
        tags: [
          { key: 't1', value: 'v1' },
          { key: 'team', value: 'churn' },
        ],
      }),
    );
    expect(res).toEqual({ experiment_id: expect.stringMatching(/^[1-9]\d*$/) });
    const exp = await getExperiment(api, res.experiment_id);
    expect(exp).toMatchObject({
      experiment_id: res.experiment_id,
      name,
      artifact_location: '/tmp/minflow-elsewhere',
      lifecycle_stage: 'active',
    });
    expect(typeof exp.creation_time).toBe('number');
    expect(typeof exp.last_update_time).toBe('number');
    expect(asMap(exp.tags)).toEqual({ t1: 'v1', team: 'churn' });
  });

  it('defaults the artifact location to <default root>/<id>', async () => {
    const id = await createExperiment(api);
    expect((await getExperiment(api, id)).artifact_location).toBe(`mlflow-artifacts:/${id}`);
  });

  it('omits tags when there are none', async () => {
    const id = await createExperiment(api);
    expect('tags' in (await getExperiment(api, id))).toBe(false);
  });

  it('refuses a duplicate name with 400 RESOURCE_ALREADY_EXISTS', async () => {
    const name = unique('dup');
    await createExperiment(api, name);
    // MLflow appends the SQLAlchemy error text after "Error: "; only the prefix is stable.
    expectError(
      await api.post('experiments/create', { name }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      new RegExp(`^Experiment\\(name=${name}\\) already exists\\. Error: `),
    );
  });

  it('a deleted experiment still holds its name', async () => {
    const name = unique('deleted-holds-name');
    const id = await createExperiment(api, name);
    ok(await api.post('experiments/delete', { experiment_id: id }));
    expectError(await api.post('experiments/create', { name }), 400, 'RESOURCE_ALREADY_EXISTS');
  });

  it.each([
    ['empty', { name: '' }],
    ['missing', {}],
  ])('refuses a %s name', async (_label, body) => {
    expectError(await api.post('experiments/create', body), 400, 'INVALID_PARAMETER_VALUE', missingValue('name'));
  });

  it.each([
    [123, 'int', '123'],
    [1.5, 'float', '1.5'],
    [true, 'bool', 'true'],
    [['a'], 'list', '["a"]'],
  ])('refuses a non-string name %j with MLflow’s hint', async (name, pyType, shown) => {
    expectError(
      await api.post('experiments/create', { name }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${shown} for parameter 'name' supplied:  Hint: Value was of type '${pyType}'.${SEE_DOCS}`,
    );
  });

  it('refuses tags that are not a list', async () => {
    expectError(
      await api.post('experiments/create', { name: unique('x'), tags: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "x" for parameter 'tags' supplied:  Hint: Value was of type 'str'.${SEE_DOCS}`,
    );
  });

  it('refuses a runs:/ artifact location', async () => {
    expectError(
      await api.post('experiments/create', { name: unique('runs-loc'), artifact_location: 'runs:/abc/x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/x'",
    );
  });

  it('refuses a name over 500 characters', async () => {
    expectError(
      await api.post('experiments/create', { name: 'x'.repeat(501) }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'name' exceeds the maximum length of 500 characters",
    );
  });

  it('validates tag keys like MLflow', async () => {
    expectError(
      await api.post('experiments/create', { name: unique('bad-tag'), tags: [{ key: 'a!', value: 'v' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "a!" for parameter 'key' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
    expectError(
      await api.post('experiments/create', { name: unique('bad-tag'), tags: [{ key: 'a/../b', value: 'v' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "a/../b" for parameter 'key' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to 'b'`,
    );
  });

  it('a failed create leaves no experiment behind', async () => {
    const name = unique('half');
    await api.post('experiments/create', { name, tags: [{ key: 'ok', value: '1' }, { key: 'bad!', value: '2' }] });
    expectError(await api.get('experiments/get-by-name', { experiment_name: name }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('experiments/get', () => {
  it('returns the Default experiment 0', async () => {
    const exp = await getExperiment(api, '0');
    expect(exp).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active', artifact_location: 'mlflow-artifacts:/0' });
  });

  it('404 RESOURCE_DOES_NOT_EXIST for a missing id', async () => {
    expectError(await api.get('experiments/get', { experiment_id: '5000' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=5000 exists');
  });

  it('400 for an id that is not an integer', async () => {
    expectError(
      await api.get('experiments/get', { experiment_id: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid experiment ID 'x'. Experiment ID must be a valid integer.",
    );
  });

  it('400 for a missing id', async () => {
    expectError(await api.get('experiments/get', {}), 400, 'INVALID_PARAMETER_VALUE', missingValue('experiment_id'));
  });

  it('returns deleted experiments too', async () => {
    const id = await createExperiment(api);
    ok(await api.post('experiments/delete', { experiment_id: id }));
    expect((await getExperiment(api, id)).lifecycle_stage).toBe('deleted');
  });
});

describe('experiments/get-by-name', () => {
  it('finds an experiment by name', async () => {
    const name = unique('by-name');
    const id = await createExperiment(api, name, { tags: [{ key: 'k', value: 'v' }] });
    const exp = ok(await api.get<{ experiment: ExperimentJson }>('experiments/get-by-name', { experiment_name: name })).experiment;
    expect(exp).toMatchObject({ experiment_id: id, name, tags: [{ key: 'k', value: 'v' }] });
  });

  it('404 with MLflow’s message on a miss', async () => {
    expectError(
      await api.get('experiments/get-by-name', { experiment_name: 'churn' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      "Could not find experiment with name 'churn'",
    );
  });

  it('400 without experiment_name', async () => {
    expectError(await api.get('experiments/get-by-name', {}), 400, 'INVALID_PARAMETER_VALUE', missingValue('experiment_name'));
  });
});


describe('experiments/update', () => {
  it('renames', async () => {
    const id = await createExperiment(api);
    const newName = unique('renamed');
    expect(ok(await api.post('experiments/update', { experiment_id: id, new_name: newName }))).toEqual({});
    expect((await getExperiment(api, id)).name).toBe(newName);
  });

  it('requires new_name', async () => {
    const id = await createExperiment(api);
    expectError(await api.post('experiments/update', { experiment_id: id }), 400, 'INVALID_PARAMETER_VALUE', missingValue('new_name'));
    expectError(await api.post('experiments/update', { experiment_id: id, new_name: '' }), 400, 'INVALID_PARAMETER_VALUE', missingValue('new_name'));
  });

  it('404 for a missing experiment', async () => {
    expectError(
      await api.post('experiments/update', { experiment_id: '9999', new_name: unique('zz') }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=9999 exists',
    );
  });

  it('renaming a deleted experiment is INVALID_STATE with HTTP 400 (deliberate: MLflow answers 500)', async () => {
    const id = await createExperiment(api);
    ok(await api.post('experiments/delete', { experiment_id: id }));
    const res = await api.post('experiments/update', { experiment_id: id, new_name: unique('renamed') });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error_code: 'INVALID_STATE',
      message: 'Cannot rename a non-active experiment.',
      sqlstate: 'XXM00',
      error_class: 'CLIENT_INTERNAL_ERROR',
    });
  });

  it('renaming onto a taken name is a 400', async () => {
    const taken = unique('taken');
    await createExperiment(api, taken);
    const id = await createExperiment(api);
    // MLflow: 400 BAD_REQUEST carrying the SQLite UNIQUE-constraint text.
    const res = await api.post('experiments/update', { experiment_id: id, new_name: taken });
    expect(res.status).toBe(400);
  });
});

describe('experiments/delete and restore', () => {
  it('delete hides the experiment from search and marks its runs deleted; restore brings both back', async () => {
    const name = unique('del');
    const id = await createExperiment(api, name);
    const run = await createRun(api, id);
    const runId = run.info.run_id;

    expect(ok(await api.post('experiments/delete', { experiment_id: id }))).toEqual({});
    expect((await getExperiment(api, id)).lifecycle_stage).toBe('deleted');
    expect((await getRun(api, runId)).info.lifecycle_stage).toBe('deleted');
    expect(ok(await api.post('experiments/search', { filter: `name = '${name}'`, max_results: 5 }))).toEqual({});

    // Writes to the deleted experiment and its runs are refused.
    expectError(
      await api.post('runs/create', { experiment_id: id }),
      400,
      'INVALID_PARAMETER_VALUE',
      `The experiment ${id} must be in the 'active' state. Current state is deleted.`,
    );
    expectError(
      await api.post('runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: 1 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `The run ${runId} must be in the 'active' state. Current state is deleted.`,
    );

    expect(ok(await api.post('experiments/restore', { experiment_id: id }))).toEqual({});
    expect((await getExperiment(api, id)).lifecycle_stage).toBe('active');
    expect((await getRun(api, runId)).info.lifecycle_stage).toBe('active');
  });

  it('delete of a deleted / restore of an active experiment is a 404', async () => {
    const id = await createExperiment(api);
    expectError(await api.post('experiments/restore', { experiment_id: id }), 404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`);
    ok(await api.post('experiments/delete', { experiment_id: id }));
    expectError(await api.post('experiments/delete', { experiment_id: id }), 404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`);
  });

  it('404 / 400 for missing and malformed ids', async () => {
    expectError(await api.post('experiments/delete', { experiment_id: '9999' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=9999 exists');
    expectError(await api.post('experiments/restore', { experiment_id: '9999' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=9999 exists');
    expectError(
      await api.post('experiments/delete', { experiment_id: 'abc' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.",
    );
    expectError(await api.post('experiments/delete', {}), 400, 'INVALID_PARAMETER_VALUE', missingValue('experiment_id'));
  });
});

describe('experiment endpoints under /ajax-api', () => {
  it('create, get, get-by-name, search, update, tags, delete, restore', async () => {
    const name = unique('ajax');
    const { experiment_id: id } = ok(await api.post<{ experiment_id: string }>(`${AJAX}/experiments/create`, { name }));
    expect(ok(await api.get<{ experiment: ExperimentJson }>(`${AJAX}/experiments/get`, { experiment_id: id })).experiment.name).toBe(name);
    expect(ok(await api.get<{ experiment: ExperimentJson }>(`${AJAX}/experiments/get-by-name`, { experiment_name: name })).experiment.experiment_id).toBe(id);
    const found = ok(await api.post<SearchReply>(`${AJAX}/experiments/search`, { filter: `name = '${name}'`, max_results: 5 }));
    expect(found.experiments?.map((e) => e.experiment_id)).toEqual([id]);
    const viaGet = ok(await api.get<SearchReply>(`${AJAX}/experiments/search`, { filter: `name = '${name}'`, max_results: 5 }));
    expect(viaGet.experiments?.map((e) => e.experiment_id)).toEqual([id]);
    ok(await api.post(`${AJAX}/experiments/set-experiment-tag`, { experiment_id: id, key: 'k', value: 'v' }));
    ok(await api.post(`${AJAX}/experiments/delete-experiment-tag`, { experiment_id: id, key: 'k' }));
    const renamed = unique('ajax-renamed');
    ok(await api.post(`${AJAX}/experiments/update`, { experiment_id: id, new_name: renamed }));
    ok(await api.post(`${AJAX}/experiments/delete`, { experiment_id: id }));
    ok(await api.post(`${AJAX}/experiments/restore`, { experiment_id: id }));
    const exp = await getExperiment(api, id);
    expect(exp).toMatchObject({ name: renamed, lifecycle_stage: 'active' });
    expect(exp.tags).toBeUndefined();
    expectError(await api.get(`${AJAX}/experiments/get`, { experiment_id: '9999' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'No Experiment with id=9999 exists');
  });
});
