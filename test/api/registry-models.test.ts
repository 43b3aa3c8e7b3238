// Registered-model RPCs: create, get, update, rename, delete, tags, latest versions.
// Expected shapes and texts were checked against the official MLflow 3.17.2 server.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AJAX,
  createModel,
  createVersion,
  expectError,
  getModel,
  getVersion,
  latest,
  missingParam,
  missingStoreParam,
  ok,
  startRegistryApi,
  type ModelVersionJson,
  type RegisteredModelJson,
  type RegistryApi,
} from './registry-helpers.js';

let api: RegistryApi;
beforeAll(async () => {
  api = await startRegistryApi();
});
afterAll(async () => {
  await api.close();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Date.now() fixed at `ms` (only Date is faked, so Fastify's timers keep running). */
function at(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
}

const NAME_RULE = (name: string) => `Invalid model name '${name}'. Names cannot contain '/' or ':'.`;
const RESOLVES_TO = (name: string, to: string) =>
  `Invalid value ${JSON.stringify(name)} for parameter 'name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${to}'`;

describe('registered-models/create', () => {
  it('returns the model: tags deduplicated (last value wins, first position kept), empty parts left out', async () => {
    at(1_700_000_000_000);
    const body = ok(
      await api.post<{ registered_model: RegisteredModelJson }>('registered-models/create', {
        name: 'create-1',
        tags: [
          { key: 'a', value: '1' },
          { key: 'b' },
          { key: 'a', value: '2' },
        ],
        description: 'the model',
      }),
    );
    expect(body).toEqual({
      registered_model: {
        name: 'create-1',
        creation_timestamp: 1_700_000_000_000,
        last_updated_timestamp: 1_700_000_000_000,
        description: 'the model',
        tags: [
          { key: 'a', value: '2' },
          { key: 'b', value: '' },
        ],
      },
    });
    expect(ok(await api.post('registered-models/create', { name: 'create-2' }))).toEqual({
      registered_model: { name: 'create-2', creation_timestamp: 1_700_000_000_000, last_updated_timestamp: 1_700_000_000_000 },
    });
  });

  it('answers under /ajax-api too, with the same body', async () => {
    const res = await api.request({
      method: 'POST',
      url: `${AJAX}/registered-models/create`,
      payload: JSON.stringify({ name: 'create-ajax' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(ok(res)).toMatchObject({ registered_model: { name: 'create-ajax' } });
  });

  it('refuses a second model of the same name with 400 RESOURCE_ALREADY_EXISTS (the client relies on it)', async () => {
    await createModel(api, 'dup');
    expectError(await api.post('registered-models/create', { name: 'dup' }), 400, 'RESOURCE_ALREADY_EXISTS', 'Registered Model (name=dup) already exists.');
  });

  it('tells prompts and models apart when their names clash', async () => {
    const promptTag = [{ key: 'mlflow.prompt.is_prompt', value: 'true' }];
    await createModel(api, 'clash-model');
    await createModel(api, 'clash-prompt', { tags: promptTag });
    expectError(
      await api.post('registered-models/create', { name: 'clash-model', tags: promptTag }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      "Tried to create a prompt with name 'clash-model', but the name is already taken by a registered model. MLflow does not allow creating a model and a prompt with the same name.",
    );
    expectError(
      await api.post('registered-models/create', { name: 'clash-prompt' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      "Tried to create a registered model with name 'clash-prompt', but the name is already taken by a prompt. MLflow does not allow creating a model and a prompt with the same name.",
    );
    expectError(
      await api.post('registered-models/create', { name: 'clash-prompt', tags: promptTag }),
      400,
      'RESOURCE_ALREADY_EXISTS',
      'Prompt (name=clash-prompt) already exists.',
    );
  });

  it.each([
    ['a/b', NAME_RULE('a/b')],
    ['a:b', NAME_RULE('a:b')],
    ['../x', NAME_RULE('../x')],
    ['  ', missingStoreParam('name')],
    ['.', RESOLVES_TO('.', '.')],
    ['a\\..', null],
  ])('applies MLflow’s name rules to %j', async (name, message) => {
    const res = await api.post('registered-models/create', { name });
    if (message === null) ok(res);
    else expectError(res, 400, 'INVALID_PARAMETER_VALUE', message);
  });

  it('accepts names with spaces and non-ASCII letters', async () => {
    expect((await createModel(api, 'ünïcode model')).name).toBe('ünïcode model');
  });

  it('checks the request schema first: missing, empty and non-string names', async () => {
    expectError(await api.post('registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE', missingParam('name'));
    expectError(await api.post('registered-models/create', { name: '' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('name'));
    expectError(
      await api.post('registered-models/create', { name: 123 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 123 for parameter 'name' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
    );
  });

  it('validates tags: key characters, a missing key, length limits', async () => {
    expectError(
      await api.post('registered-models/create', { name: 'tags-bad', tags: [{ key: 'bad key!', value: '1' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid value "bad key!" for parameter \'key\' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).',
    );
    expectError(
      await api.post('registered-models/create', { name: 'tags-bad', tags: [{ value: '1' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid value "" for parameter \'key\' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to \'.\'',
    );
    expectError(
      await api.post('registered-models/create', { name: 'tags-bad', tags: [{ key: 'k'.repeat(251), value: '1' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'key' exceeds the maximum length of 250 characters",
    );
    expectError(
      await api.post('registered-models/create', { name: 'tags-bad', tags: [{ key: 'k', value: 'v'.repeat(100_001) }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'value' exceeds the maximum length of 100000 characters",
    );
    expectError(await api.get('registered-models/get', { name: 'tags-bad' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('needs Content-Type: application/json on POST', async () => {
    const res = await api.request({ method: 'POST', url: '/api/2.0/mlflow/registered-models/create', payload: '{"name":"noct"}' });
    expectError(res, 400, 'INVALID_PARAMETER_VALUE', 'Bad Request. Content-Type header is missing.');
  });
});

describe('registered-models/get', () => {
  it('returns the model with tags, aliases and the latest version of each stage', async () => {
    await createModel(api, 'get-1', { tags: [{ key: 'z', value: '1' }, { key: 'a', value: '2' }] });
    await createVersion(api, 'get-1');
    await createVersion(api, 'get-1');
    ok(await api.post('registered-models/alias', { name: 'get-1', alias: 'zz', version: '1' }));
    ok(await api.post('registered-models/alias', { name: 'get-1', alias: 'aa', version: '2' }));
    const model = await getModel(api, 'get-1');
    // Tags in the order they were written, aliases by name; latest_versions carry no aliases.
    expect(model.tags).toEqual([
      { key: 'z', value: '1' },
      { key: 'a', value: '2' },
    ]);
    expect(model.aliases).toEqual([
      { alias: 'aa', version: '2' },
      { alias: 'zz', version: '1' },
    ]);
    expect(model.latest_versions).toHaveLength(1);
    expect(model.latest_versions![0]).toMatchObject({ name: 'get-1', version: '2', current_stage: 'None' });
    expect(model.latest_versions![0]!.aliases).toBeUndefined();
  });

  it('404s a missing model and checks the name', async () => {
    expectError(await api.get('registered-models/get', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
    expectError(await api.get('registered-models/get'), 400, 'INVALID_PARAMETER_VALUE', missingParam('name'));
    expectError(await api.get('registered-models/get', { name: 'a/b' }), 400, 'INVALID_PARAMETER_VALUE', NAME_RULE('a/b'));
  });
});

describe('latest_versions and get-latest-versions', () => {
  const stage = (name: string, version: string, s: string) =>
    api.post('model-versions/transition-stage', { name, version, stage: s });

  beforeAll(async () => {
    await createModel(api, 'stages');
    for (let i = 0; i < 6; i++) await createVersion(api, 'stages');
    ok(await stage('stages', '1', 'Production'));
    ok(await stage('stages', '3', 'staging'));
    ok(await stage('stages', '4', 'production'));
    ok(await stage('stages', '5', 'ARCHIVED'));
    ok(await api.del('model-versions/delete', { name: 'stages', version: '6' }));
    ok(await api.post('registered-models/alias', { name: 'stages', alias: 'champion', version: '4' }));
  });

  it('keeps the highest live version per stage, stages in the order their first version appears', async () => {
    // v1 Production, v2 None, v3 Staging, v4 Production, v5 Archived, v6 deleted.
    expect(latest(await getModel(api, 'stages'))).toEqual([
      ['4', 'Production'],
      ['2', 'None'],
      ['3', 'Staging'],
      ['5', 'Archived'],
    ]);
  });

  it('get-latest-versions (POST and GET) filters by stage, case-insensitively, and fills aliases', async () => {
    const all = ok(await api.post<{ model_versions: ModelVersionJson[] }>('registered-models/get-latest-versions', { name: 'stages' }));
    expect(all.model_versions.map((v) => [v.version, v.current_stage, v.aliases])).toEqual([
      ['4', 'Production', ['champion']],
      ['2', 'None', undefined],
      ['3', 'Staging', undefined],
      ['5', 'Archived', undefined],
    ]);
    const some = ok(
      await api.get<{ model_versions: ModelVersionJson[] }>('registered-models/get-latest-versions', { name: 'stages', stages: ['staging', 'PRODUCTION'] }),
    );
    expect(some.model_versions.map((v) => v.version)).toEqual(['4', '3']);
    const viaAjax = ok(
      await api.request<{ model_versions: ModelVersionJson[] }>({
        method: 'POST',
        url: `${AJAX}/registered-models/get-latest-versions`,
        payload: JSON.stringify({ name: 'stages', stages: ['None'] }),
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(viaAjax.model_versions.map((v) => v.version)).toEqual(['2']);
  });

  it('answers {} for a model without versions, and reports bad stages and missing models', async () => {
    await createModel(api, 'no-versions');
    expect(ok(await api.post('registered-models/get-latest-versions', { name: 'no-versions' }))).toEqual({});
    expectError(
      await api.post('registered-models/get-latest-versions', { name: 'stages', stages: ['bogus'] }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid Model Version stage: bogus. Value must be one of None, Staging, Production, Archived.',
    );
    expectError(
      await api.post('registered-models/get-latest-versions', { name: 'nope', stages: ['bogus'] }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Registered Model with name=nope not found',
    );
  });
});

describe('registered-models/update', () => {
  it('sets the description from a PATCH body without content type, bumps last_updated_timestamp, clears it when absent', async () => {
    at(1_700_000_000_000);
    await createModel(api, 'upd', { description: 'old' });
    at(1_700_000_005_000);
    const res = ok(await api.patch<{ registered_model: RegisteredModelJson }>('registered-models/update', { name: 'upd', description: 'new' }));
    expect(res.registered_model).toEqual({
      name: 'upd',
      creation_timestamp: 1_700_000_000_000,
      last_updated_timestamp: 1_700_000_005_000,
      description: 'new',
    });
    const cleared = ok(await api.patch<{ registered_model: RegisteredModelJson }>('registered-models/update', { name: 'upd' }));
    expect(cleared.registered_model.description).toBeUndefined();
    expect((await getModel(api, 'upd')).description).toBeUndefined();
  });

  it('404s a missing model', async () => {
    expectError(await api.patch('registered-models/update', { name: 'nope', description: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
    expectError(await api.patch('registered-models/update', {}), 400, 'INVALID_PARAMETER_VALUE', missingParam('name'));
  });
});

describe('registered-models/rename', () => {
  it('carries versions, their tags, the model’s tags and aliases to the new name', async () => {
    at(1_700_000_000_000);
    await createModel(api, 'ren-old', { tags: [{ key: 't', value: '1' }] });
    await createVersion(api, 'ren-old', { tags: [{ key: 'vt', value: 'x' }] });
    await createVersion(api, 'ren-old');
    ok(await api.post('registered-models/alias', { name: 'ren-old', alias: 'prod', version: '1' }));
    at(1_700_000_009_000);
    const renamed = ok(await api.post<{ registered_model: RegisteredModelJson }>('registered-models/rename', { name: 'ren-old', new_name: 'ren-new' }));
    expect(renamed.registered_model).toMatchObject({
      name: 'ren-new',
      creation_timestamp: 1_700_000_000_000,
      last_updated_timestamp: 1_700_000_009_000,
      tags: [{ key: 't', value: '1' }],
      aliases: [{ alias: 'prod', version: '1' }],
    });
    expect(renamed.registered_model.latest_versions).toEqual([expect.objectContaining({ name: 'ren-new', version: '2', last_updated_timestamp: 1_700_000_009_000 })]);
    const v1 = await getVersion(api, 'ren-new', '1');
    expect(v1).toMatchObject({ name: 'ren-new', tags: [{ key: 'vt', value: 'x' }], aliases: ['prod'], last_updated_timestamp: 1_700_000_009_000 });
    const byAlias = ok(await api.get<{ model_version: ModelVersionJson }>('registered-models/alias', { name: 'ren-new', alias: 'prod' }));
    expect(byAlias.model_version.version).toBe('1');
    expectError(await api.get('registered-models/get', { name: 'ren-old' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api.get('model-versions/get', { name: 'ren-old', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=ren-old, version=1) not found');
    // A new version continues the numbering under the new name.
    expect((await createVersion(api, 'ren-new')).version).toBe('3');
  });

  it('allows renaming to the same name, refuses a taken one', async () => {
    await createModel(api, 'ren-a');
    await createModel(api, 'ren-b');
    expect(ok(await api.post<{ registered_model: RegisteredModelJson }>('registered-models/rename', { name: 'ren-a', new_name: 'ren-a' })).registered_model.name).toBe('ren-a');
    const err = expectError(await api.post('registered-models/rename', { name: 'ren-a', new_name: 'ren-b' }), 400, 'RESOURCE_ALREADY_EXISTS');
    expect(err.message).toMatch(/^Registered Model \(name=ren-b\) already exists\. Error: /);
  });

  it('validates the new name before looking the model up', async () => {
    expectError(await api.post('registered-models/rename', { name: 'nope', new_name: 'a:b' }), 400, 'INVALID_PARAMETER_VALUE', NAME_RULE('a:b'));
    expectError(await api.post('registered-models/rename', { name: 'ren-a', new_name: ' ' }), 400, 'INVALID_PARAMETER_VALUE', missingStoreParam('new_name'));
    expectError(await api.post('registered-models/rename', { name: 'ren-a' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('new_name'));
    expectError(await api.post('registered-models/rename', { name: 'nope', new_name: 'zzz' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
  });
});

describe('registered-models/delete', () => {
  it('takes a JSON body on DELETE and removes versions (tombstones too), tags and aliases', async () => {
    await createModel(api, 'del', { tags: [{ key: 't', value: '1' }] });
    await createVersion(api, 'del', { tags: [{ key: 'vt', value: '1' }] });
    await createVersion(api, 'del');
    ok(await api.del('model-versions/delete', { name: 'del', version: '2' }));
    ok(await api.post('registered-models/alias', { name: 'del', alias: 'prod', version: '1' }));
    expect(ok(await api.del('registered-models/delete', { name: 'del' }))).toEqual({});
    expectError(await api.get('registered-models/get', { name: 'del' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=del not found');
    expectError(await api.get('registered-models/alias', { name: 'del', alias: 'prod' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    // Nothing is left behind: a new model of that name starts again at version 1, without tags.
    const again = await createModel(api, 'del');
    expect(again.tags).toBeUndefined();
    const v1 = await createVersion(api, 'del');
    expect(v1.version).toBe('1');
    expect(v1.tags).toBeUndefined();
  });

  it('404s a missing model; checks the body', async () => {
    expectError(await api.del('registered-models/delete', { name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
    expectError(await api.del('registered-models/delete', {}), 400, 'INVALID_PARAMETER_VALUE', missingParam('name'));
    // A query string is not read on DELETE, as in MLflow.
    expectError(
      await api.request({ method: 'DELETE', url: '/api/2.0/mlflow/registered-models/delete?name=nope' }),
      400,
      'INVALID_PARAMETER_VALUE',
      missingParam('name'),
    );
  });
});

describe('registered-models/set-tag and delete-tag', () => {
  it('sets, overwrites (in place) and deletes tags; deleting a missing tag is fine', async () => {
    await createModel(api, 'tagged', { tags: [{ key: 'first', value: '0' }] });
    ok(await api.post('registered-models/set-tag', { name: 'tagged', key: 'k1', value: 'v1' }));
    ok(await api.post('registered-models/set-tag', { name: 'tagged', key: 'empty' }));
    ok(await api.post('registered-models/set-tag', { name: 'tagged', key: 'first', value: '9' }));
    expect((await getModel(api, 'tagged')).tags).toEqual([
      { key: 'first', value: '9' },
      { key: 'k1', value: 'v1' },
      { key: 'empty', value: '' },
    ]);
    expect(ok(await api.del('registered-models/delete-tag', { name: 'tagged', key: 'k1' }))).toEqual({});
    ok(await api.del('registered-models/delete-tag', { name: 'tagged', key: 'never-set' }));
    expect((await getModel(api, 'tagged')).tags?.map((t) => t.key)).toEqual(['first', 'empty']);
  });

  it('reports MLflow’s errors', async () => {
    expectError(await api.post('registered-models/set-tag', { name: 'nope', key: 'k', value: 'v' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
    expectError(await api.post('registered-models/set-tag', { name: 'tagged', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('key'));
    expectError(await api.post('registered-models/set-tag', { name: 'tagged', key: 'bad!' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid value "bad!" for parameter 'key' supplied: Names may only/);
    expectError(
      await api.post('registered-models/set-tag', { name: 'tagged', key: 'k', value: 'v'.repeat(100_001) }),
      400,
      'INVALID_PARAMETER_VALUE',
      "'value' exceeds the maximum length of 100000 characters",
    );
    expectError(await api.del('registered-models/delete-tag', { name: 'nope', key: 'k' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
    expectError(await api.del('registered-models/delete-tag', { name: 'tagged', key: 'bad!' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid value "bad!"/);
    expectError(await api.del('registered-models/delete-tag', { name: 'tagged' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('key'));
  });
});
