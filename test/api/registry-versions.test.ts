// Model-version RPCs: get, update, delete (tombstones), stage transitions, download URI, tags
// (create: registry-versions-create.test.ts).
// Expected shapes and texts were checked against the official MLflow 3.17.2 server.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createModel,
  createVersion,
  expectError,
  getModel,
  getVersion,
  missingParam,
  missingStoreParam,
  ok,
  startRegistryApi,
  type ModelVersionJson,
  type RegistryApi,
} from './registry-helpers.js';

let api: RegistryApi;
beforeAll(async () => {
  api = await startRegistryApi();
  await createModel(api, 'mv');
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

describe('model-versions/get', () => {
  it('reads the version with its tags and aliases; versions are integers however written', async () => {
    await createModel(api, 'get-mv');
    await createVersion(api, 'get-mv', { tags: [{ key: 'z', value: '1' }, { key: 'a', value: '2' }] });
    ok(await api.post('registered-models/alias', { name: 'get-mv', alias: 'zz', version: '1' }));
    ok(await api.post('registered-models/alias', { name: 'get-mv', alias: 'aa', version: '1' }));
    const v = await getVersion(api, 'get-mv', '1');
    expect(v.tags).toEqual([
      { key: 'z', value: '1' },
      { key: 'a', value: '2' },
    ]);
    expect(v.aliases).toEqual(['aa', 'zz']);
    for (const version of [' 1 ', '+1', '0_1', '01']) expect((await getVersion(api, 'get-mv', version)).version).toBe('1');
  });

  it('reports bad versions, missing versions and missing models', async () => {
    for (const version of ['x', '1.0', '1e3', '']) {
      const res = await api.get('model-versions/get', { name: 'get-mv', version });
      if (version === '') expectError(res, 400, 'INVALID_PARAMETER_VALUE', missingParam('version'));
      else expectError(res, 400, 'INVALID_PARAMETER_VALUE', `Parameter 'version' must be an integer, got '${version}'.`);
    }
    expectError(await api.get('model-versions/get', { name: 'get-mv' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('version'));
    expectError(await api.get('model-versions/get', { name: 'get-mv', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=get-mv, version=2) not found');
    expectError(await api.get('model-versions/get', { name: 'get-mv', version: '-1' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=get-mv, version=-1) not found');
    expectError(await api.get('model-versions/get', { name: 'nope', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=nope, version=1) not found');
  });
});

describe('model-versions/update', () => {
  it('sets the description and bumps last_updated_timestamp; a request without one clears it', async () => {
    at(1_700_000_000_000);
    await createModel(api, 'upd-mv');
    await createVersion(api, 'upd-mv', { description: 'old' });
    at(1_700_000_003_000);
    const v = ok(await api.patch<{ model_version: ModelVersionJson }>('model-versions/update', { name: 'upd-mv', version: '1', description: 'new' })).model_version;
    expect(v).toMatchObject({ description: 'new', creation_timestamp: 1_700_000_000_000, last_updated_timestamp: 1_700_000_003_000 });
    const empty = ok(await api.patch<{ model_version: ModelVersionJson }>('model-versions/update', { name: 'upd-mv', version: '1', description: '' })).model_version;
    expect(empty.description).toBe('');
    const cleared = ok(await api.patch<{ model_version: ModelVersionJson }>('model-versions/update', { name: 'upd-mv', version: '1' })).model_version;
    expect(cleared).not.toHaveProperty('description');
    // The model itself is not touched.
    expect((await getModel(api, 'upd-mv')).last_updated_timestamp).toBe(1_700_000_000_000);
    expectError(await api.patch('model-versions/update', { name: 'upd-mv', version: '9' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=upd-mv, version=9) not found');
  });
});

describe('model-versions/delete', () => {
  it('leaves a tombstone: the version is gone everywhere, its number is never reused, its aliases go', async () => {
    at(1_700_000_000_000);
    await createModel(api, 'tomb');
    await createVersion(api, 'tomb');
    await createVersion(api, 'tomb');
    ok(await api.post('registered-models/alias', { name: 'tomb', alias: 'two', version: '2' }));
    ok(await api.post('registered-models/alias', { name: 'tomb', alias: 'one', version: '1' }));
    at(1_700_000_007_000);
    expect(ok(await api.del('model-versions/delete', { name: 'tomb', version: '2' }))).toEqual({});
    const notFound = 'Model Version (name=tomb, version=2) not found';
    expectError(await api.get('model-versions/get', { name: 'tomb', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound);
    expectError(await api.get('model-versions/get-download-uri', { name: 'tomb', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound);
    expectError(await api.del('model-versions/delete', { name: 'tomb', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound);
    expectError(await api.post('model-versions/set-tag', { name: 'tomb', version: '2', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST', notFound);
    expectError(await api.get('registered-models/alias', { name: 'tomb', alias: 'two' }), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias two not found.');
    const model = await getModel(api, 'tomb');
    expect(model.last_updated_timestamp).toBe(1_700_000_007_000);
    expect(model.aliases).toEqual([{ alias: 'one', version: '1' }]);
    expect(model.latest_versions?.map((v) => v.version)).toEqual(['1']);
    expect((await createVersion(api, 'tomb')).version).toBe('3');
    const search = ok(await api.get<{ model_versions: ModelVersionJson[] }>('model-versions/search', { filter: "name = 'tomb'" }));
    expect(search.model_versions.map((v) => v.version)).toEqual(['3', '1']);
  });

  it('checks the version before the name, as MLflow', async () => {
    expectError(await api.del('model-versions/delete', { name: '', version: 'x' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('name'));
    expectError(await api.del('model-versions/delete', { name: 'a/b', version: 'x' }), 400, 'INVALID_PARAMETER_VALUE', "Parameter 'version' must be an integer, got 'x'.");
    expectError(await api.del('model-versions/delete', { name: 'nope', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=nope, version=1) not found');
  });
});

describe('model-versions/transition-stage', () => {
  beforeAll(async () => {
    await createModel(api, 'st');
    for (let i = 0; i < 4; i++) await createVersion(api, 'st');
  });

  it('moves a version to a stage given in any case and bumps version and model', async () => {
    at(1_700_000_000_000);
    const v = ok(await api.post<{ model_version: ModelVersionJson }>('model-versions/transition-stage', { name: 'st', version: '1', stage: 'production' }))
      .model_version;
    expect(v).toMatchObject({ version: '1', current_stage: 'Production', last_updated_timestamp: 1_700_000_000_000 });
    expect((await getModel(api, 'st')).last_updated_timestamp).toBe(1_700_000_000_000);
  });

  it('archive_existing_versions archives the other versions of that stage only', async () => {
    ok(await api.post('model-versions/transition-stage', { name: 'st', version: '2', stage: 'STAGING' }));
    at(1_700_000_050_000);
    ok(await api.post('model-versions/transition-stage', { name: 'st', version: '3', stage: 'Production', archive_existing_versions: true }));
    const stages = await Promise.all(['1', '2', '3', '4'].map((n) => getVersion(api, 'st', n)));
    expect(stages.map((v) => v.current_stage)).toEqual(['Archived', 'Staging', 'Production', 'None']);
    expect(stages[0]!.last_updated_timestamp).toBe(1_700_000_050_000);
    // Without the flag nothing else moves.
    ok(await api.post('model-versions/transition-stage', { name: 'st', version: '4', stage: 'staging', archive_existing_versions: false }));
    expect((await getVersion(api, 'st', '2')).current_stage).toBe('Staging');
  });

  it('reports bad stages, non-active archive targets (MLflow’s 500 as 400) and missing versions without side effects', async () => {
    expectError(
      await api.post('model-versions/transition-stage', { name: 'st', version: '3', stage: 'bogus' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid Model Version stage: bogus. Value must be one of None, Staging, Production, Archived.',
    );
    expectError(
      await api.post('model-versions/transition-stage', { name: 'st', version: '3', stage: 'archived', archive_existing_versions: true }),
      400,
      'INTERNAL_ERROR',
      "Model version transition cannot archive existing model versions because 'archived' is not an Active stage. Valid stages are ['Staging', 'Production']",
    );
    expectError(await api.post('model-versions/transition-stage', { name: 'st', version: '3' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('stage'));
    expectError(
      await api.post('model-versions/transition-stage', { name: 'st', version: '99', stage: 'Staging', archive_existing_versions: true }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Model Version (name=st, version=99) not found',
    );
    expect((await getVersion(api, 'st', '2')).current_stage).toBe('Staging');
  });
});

describe('model-versions/get-download-uri', () => {
  it('answers the source when there is no storage location; reads missing fields as ""', async () => {
    await createModel(api, 'dl');
    await createVersion(api, 'dl', { source: 's3://bucket/dl' });
    expect(ok(await api.get('model-versions/get-download-uri', { name: 'dl', version: '1' }))).toEqual({ artifact_uri: 's3://bucket/dl' });
    expectError(await api.get('model-versions/get-download-uri', { name: 'dl' }), 400, 'INVALID_PARAMETER_VALUE', "Parameter 'version' must be an integer, got ''.");
    expectError(await api.get('model-versions/get-download-uri', { version: '1' }), 400, 'INVALID_PARAMETER_VALUE', missingStoreParam('name'));
    expectError(await api.get('model-versions/get-download-uri'), 400, 'INVALID_PARAMETER_VALUE', missingStoreParam('name'));
  });
});

describe('model-versions/set-tag and delete-tag', () => {
  it('sets, overwrites and deletes version tags; deleting a missing tag is fine', async () => {
    await createModel(api, 'vtags');
    await createVersion(api, 'vtags');
    ok(await api.post('model-versions/set-tag', { name: 'vtags', version: '1', key: 'k', value: 'v' }));
    ok(await api.post('model-versions/set-tag', { name: 'vtags', version: '1', key: 'empty' }));
    ok(await api.post('model-versions/set-tag', { name: 'vtags', version: '1', key: 'k', value: 'w' }));
    expect((await getVersion(api, 'vtags', '1')).tags).toEqual([
      { key: 'k', value: 'w' },
      { key: 'empty', value: '' },
    ]);
    ok(await api.del('model-versions/delete-tag', { name: 'vtags', version: '1', key: 'k' }));
    ok(await api.del('model-versions/delete-tag', { name: 'vtags', version: '1', key: 'never' }));
    expect((await getVersion(api, 'vtags', '1')).tags).toEqual([{ key: 'empty', value: '' }]);
  });

  it('reports MLflow’s errors', async () => {
    expectError(await api.post('model-versions/set-tag', { name: 'vtags', version: 'x', key: 'k', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE', "Parameter 'version' must be an integer, got 'x'.");
    expectError(await api.post('model-versions/set-tag', { name: 'vtags', version: '1', key: 'bad!', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid value "bad!"/);
    expectError(
      await api.post('model-versions/set-tag', { name: 'vtags', version: '1', key: 'big', value: 'x'.repeat(100_001) }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'value' exceeds the maximum length of 100000 characters",
    );
    expectError(await api.post('model-versions/set-tag', { name: 'vtags', version: '5', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=vtags, version=5) not found');
    expectError(await api.del('model-versions/delete-tag', { name: 'vtags', version: '5', key: 'k' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=vtags, version=5) not found');
    expectError(await api.del('model-versions/delete-tag', { name: 'vtags', version: '1' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('key'));
  });
});
