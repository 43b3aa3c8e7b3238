// experiments/set-experiment-tag and delete-experiment-tag.
// Expected texts were checked against the official MLflow 3.17.2 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asMap,
  createExperiment,
  expectError,
  getExperiment,
  missingValue,
  ok,
  startApi,
  unique,
  type TestApi,
} from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

describe('experiments/set-experiment-tag and delete-experiment-tag', () => {
  it('sets, overwrites and deletes a tag', async () => {
    const id = await createExperiment(api);
    ok(await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v1' }));
    ok(await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v2' }));
    ok(await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'novalue' }));
    expect(asMap((await getExperiment(api, id)).tags)).toEqual({ k: 'v2', novalue: '' });
    expect(ok(await api.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'k' }))).toEqual({});
    expect(asMap((await getExperiment(api, id)).tags)).toEqual({ novalue: '' });
  });

  it('deleting a missing tag is a 404', async () => {
    const id = await createExperiment(api);
    expectError(
      await api.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'nope' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `No tag with name: nope in experiment with id ${id}`,
    );
  });

  it('invalid keys and values are a 400', async () => {
    const id = await createExperiment(api);
    expectError(
      await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'bad!', value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "bad!" for parameter 'key' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
    expectError(
      await api.post('experiments/set-experiment-tag', { experiment_id: id, value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      missingValue('key'),
    );
    expectError(
      await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k'.repeat(251), value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'key' exceeds the maximum length of 250 characters",
    );
    // MLflow 3.17 allows experiment tag values up to 20000 characters, and refuses (not truncates) longer ones.
    ok(await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'big', value: 'v'.repeat(20000) }));
    expectError(
      await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'big', value: 'v'.repeat(20001) }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'value' exceeds the maximum length of 20000 characters",
    );
    expect(asMap((await getExperiment(api, id)).tags).big).toHaveLength(20000);
  });

  it('404 for a missing experiment', async () => {
    expectError(
      await api.post('experiments/set-experiment-tag', { experiment_id: '9999', key: 'k', value: 'v' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=9999 exists',
    );
    expectError(
      await api.post('experiments/delete-experiment-tag', { experiment_id: '9999', key: 'k' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=9999 exists',
    );
  });

  it('tags of a deleted experiment cannot change', async () => {
    const id = await createExperiment(api, unique('deleted-tags'), { tags: [{ key: 'grp', value: 'x' }] });
    ok(await api.post('experiments/delete', { experiment_id: id }));
    const message = `The experiment ${id} must be in the 'active' state. Current state is deleted.`;
    expectError(await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE', message);
    expectError(await api.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'grp' }), 400, 'INVALID_PARAMETER_VALUE', message);
  });
});
