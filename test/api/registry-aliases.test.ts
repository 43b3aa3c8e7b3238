// Registered-model aliases: set (upsert), get a version by alias, delete; MLflow's alias rules, the
// reserved `latest` and `v<N>`, and the 400 (not 404) for a missing alias that clients depend on.
// Expected texts were checked against the official MLflow 3.17.2 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AJAX,
  createModel,
  createVersion,
  expectError,
  getModel,
  getVersion,
  missingParam,
  ok,
  startRegistryApi,
  type ModelVersionJson,
  type RegistryApi,
} from './registry-helpers.js';

let api: RegistryApi;
beforeAll(async () => {
  api = await startRegistryApi();
  await createModel(api, 'churn');
  for (let i = 0; i < 3; i++) await createVersion(api, 'churn', { source: `s3://bucket/churn/${i + 1}` });
});
afterAll(async () => {
  await api.close();
});

const setAlias = (body: Record<string, unknown>) => api.post('registered-models/alias', body);
const byAlias = (name: string, alias: string) => api.get<{ model_version: ModelVersionJson }>('registered-models/alias', { name, alias });

describe('registered-models/alias', () => {
  it('sets an alias ({}), resolves it to the version with all of its aliases, and lists it on the model', async () => {
    expect(ok(await setAlias({ name: 'churn', alias: 'production', version: '1' }))).toEqual({});
    ok(await setAlias({ name: 'churn', alias: 'champion', version: '1' }));
    const mv = ok(await byAlias('churn', 'production')).model_version;
    expect(mv).toMatchObject({ name: 'churn', version: '1', source: 's3://bucket/churn/1', status: 'READY', aliases: ['champion', 'production'] });
    expect((await getModel(api, 'churn')).aliases).toEqual([
      { alias: 'champion', version: '1' },
      { alias: 'production', version: '1' },
    ]);
    expect((await getVersion(api, 'churn', '1')).aliases).toEqual(['champion', 'production']);
  });

  it('moves an existing alias (upsert) — how @production is promoted', async () => {
    ok(await setAlias({ name: 'churn', alias: 'production', version: '2' }));
    expect(ok(await byAlias('churn', 'production')).model_version.version).toBe('2');
    expect((await getVersion(api, 'churn', '1')).aliases).toEqual(['champion']);
    ok(await setAlias({ name: 'churn', alias: 'production', version: ' 3 ' }));
    expect(ok(await byAlias('churn', 'production')).model_version.version).toBe('3');
  });

  it('answers the UI under /ajax-api', async () => {
    const res = await api.request<{ model_version: ModelVersionJson }>({ method: 'GET', url: `${AJAX}/registered-models/alias?name=churn&alias=champion` });
    expect(ok(res).model_version.version).toBe('1');
  });

  it('a missing alias is 400 INVALID_PARAMETER_VALUE, not 404', async () => {
    expectError(await byAlias('churn', 'staging'), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias staging not found.');
    expectError(await byAlias('churn', 'v1'), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias v1 not found.');
    expectError(await byAlias('nope', 'x'), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
  });

  it('resolves `latest` (any case) to the newest live version', async () => {
    expect(ok(await byAlias('churn', 'latest')).model_version.version).toBe('3');
    expect(ok(await byAlias('churn', 'LATEST')).model_version.version).toBe('3');
    await createModel(api, 'empty');
    expectError(await byAlias('empty', 'latest'), 404, 'RESOURCE_DOES_NOT_EXIST', 'Latest version not found for model empty.');
  });

  it.each([
    ['latest', "'latest' alias name (case insensitive) is reserved."],
    ['LaTeSt', "'latest' alias name (case insensitive) is reserved."],
    ['v1', "Version alias name 'v1' is reserved."],
    ['V12', "Version alias name 'V12' is reserved."],
    ['a b', "Invalid alias name: 'a b'. Names may only contain alphanumerics, underscores (_), and dashes (-)."],
    ['x.y', "Invalid alias name: 'x.y'. Names may only contain alphanumerics, underscores (_), and dashes (-)."],
    ['a'.repeat(256), "'Registered model alias name' exceeds the maximum length of 255 characters"],
  ])('refuses the alias %j', async (alias, message) => {
    expectError(await setAlias({ name: 'churn', alias, version: '1' }), 400, 'INVALID_PARAMETER_VALUE', message);
  });

  it.each(['v1a', 'é-ü_1', 'a'.repeat(255), 'release-2024_01'])('accepts the alias %j', async (alias) => {
    ok(await setAlias({ name: 'churn', alias, version: '1' }));
    expect(ok(await byAlias('churn', alias)).model_version.version).toBe('1');
  });

  it('checks the request, the version and the model', async () => {
    expectError(await setAlias({ name: 'churn', alias: '', version: '1' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('alias'));
    expectError(await setAlias({ name: 'churn', alias: 'ok' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('version'));
    expectError(await setAlias({ name: 'churn', alias: 'ok', version: 'x' }), 400, 'INVALID_PARAMETER_VALUE', "Parameter 'version' must be an integer, got 'x'.");
    expectError(
      await setAlias({ name: 'churn', alias: 'ok', version: 1 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 1 for parameter 'version' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
    );
    expectError(await setAlias({ name: 'churn', alias: 'ok', version: '99' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=churn, version=99) not found');
    expectError(await setAlias({ name: 'nope', alias: 'ok', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=nope, version=1) not found');
    expectError(await byAlias('churn', 'bad alias'), 400, 'INVALID_PARAMETER_VALUE', "Invalid alias name: 'bad alias'. Names may only contain alphanumerics, underscores (_), and dashes (-).");
    expectError(await api.get('registered-models/alias', { name: 'churn' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('alias'));
  });

  it('deletes with a JSON body; deleting an unknown alias is fine; the name is checked', async () => {
    ok(await setAlias({ name: 'churn', alias: 'temp', version: '2' }));
    expect(ok(await api.del('registered-models/alias', { name: 'churn', alias: 'temp' }))).toEqual({});
    expectError(await byAlias('churn', 'temp'), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias temp not found.');
    ok(await api.del('registered-models/alias', { name: 'churn', alias: 'never-set' }));
    // Reserved names are only refused when setting.
    ok(await api.del('registered-models/alias', { name: 'churn', alias: 'latest' }));
    expectError(await api.del('registered-models/alias', { name: 'nope', alias: 'x' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
    expectError(await api.del('registered-models/alias', { name: 'churn', alias: 'bad alias' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid alias name: 'bad alias'/);
    expectError(await api.del('registered-models/alias', { name: 'churn' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('alias'));
  });

  it('an alias goes with the version it points to', async () => {
    await createModel(api, 'short-lived');
    await createVersion(api, 'short-lived');
    ok(await setAlias({ name: 'short-lived', alias: 'prod', version: '1' }));
    ok(await api.del('model-versions/delete', { name: 'short-lived', version: '1' }));
    expectError(await byAlias('short-lived', 'prod'), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias prod not found.');
    expect((await getModel(api, 'short-lived')).aliases).toBeUndefined();
  });
});
