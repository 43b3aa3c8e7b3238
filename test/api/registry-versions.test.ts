// Model-version RPCs: create (run, proxied-artifact, logged-model and registry sources, with MLflow's
// source checks), get, update, delete (tombstones), stage transitions, download URI, tags.
// Expected shapes and texts were checked against the official MLflow 3.17.2 server.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createExperimentAndRun,
  createLoggedModel,
  createModel,
  createVersion,
  expectError,
  getLoggedModelTags,
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
let exp: string;
let runId: string;
let otherRunId: string;
beforeAll(async () => {
  api = await startRegistryApi();
  ({ experimentId: exp, runId } = await createExperimentAndRun(api, 'versions'));
  otherRunId = ok(await api.post<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id: exp })).run.info.run_id;
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

const create = (body: Record<string, unknown>) => api.post<{ model_version: ModelVersionJson }>('model-versions/create', body);
const RUN_SOURCE = (source: string) =>
  `Invalid model version source: '${source}'. The run_id request parameter must identify the resource that contains the source.`;
const MODEL_SOURCE = (source: string) =>
  `Invalid model version source: '${source}'. The model_id request parameter must identify the resource that contains the source.`;
const RELATIVE = (source: string) =>
  `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`;
const LOCAL = (shown: string, id = 'run_id') =>
  `Invalid model version source: '${shown}'. To use a local path as a model version source, the ${id} request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the ${id}.`;
const HOST = (scheme: string) =>
  `'source' cannot use the '${scheme}' scheme: the '${scheme}' scheme addresses a host other than the tracking server's configured artifact storage, so the server would connect to the host named in the URI. Set the MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it.`;

describe('model-versions/create from a run', () => {
  it('creates READY version 1 of a runs:/ source, echoing empty description and run_link, and bumps the model', async () => {
    at(1_700_000_000_000);
    await createModel(api, 'from-run');
    at(1_700_000_001_000);
    const body = ok(await create({ name: 'from-run', source: `runs:/${runId}/model`, run_id: runId }));
    expect(body).toEqual({
      model_version: {
        name: 'from-run',
        version: '1',
        creation_timestamp: 1_700_000_001_000,
        last_updated_timestamp: 1_700_000_001_000,
        current_stage: 'None',
        description: '',
        source: `runs:/${runId}/model`,
        run_id: runId,
        status: 'READY',
        run_link: '',
      },
    });
    expect((await getModel(api, 'from-run')).last_updated_timestamp).toBe(1_700_000_001_000);
  });

  it('stores tags (deduplicated), description and run_link; numbers versions max + 1', async () => {
    const v = ok(
      await create({
        name: 'from-run',
        source: `mlflow-artifacts:/${exp}/${runId}/artifacts/model`,
        run_id: runId,
        tags: [
          { key: 't', value: '1' },
          { key: 't', value: '2' },
          { key: 'u' },
        ],
        description: 'desc',
        run_link: 'http://x',
      }),
    ).model_version;
    expect(v).toMatchObject({
      version: '2',
      description: 'desc',
      run_link: 'http://x',
      tags: [
        { key: 't', value: '2' },
        { key: 'u', value: '' },
      ],
    });
  });

  it('needs the run that holds the source', async () => {
    const runs = `runs:/${runId}/model`;
    expectError(await create({ name: 'mv', source: runs }), 400, 'INVALID_PARAMETER_VALUE', RUN_SOURCE(runs));
    expectError(await create({ name: 'mv', source: runs, run_id: otherRunId }), 400, 'INVALID_PARAMETER_VALUE', RUN_SOURCE(runs));
    const proxied = `mlflow-artifacts:/${exp}/${runId}/artifacts/model`;
    expectError(await create({ name: 'mv', source: proxied, run_id: 'nonexist' }), 400, 'INVALID_PARAMETER_VALUE', RUN_SOURCE(proxied));
    expectError(await create({ name: 'mv', source: proxied, run_id: otherRunId }), 400, 'INVALID_PARAMETER_VALUE', RUN_SOURCE(proxied));
    expectError(await create({ name: 'mv', source: proxied }), 400, 'INVALID_PARAMETER_VALUE', RUN_SOURCE(proxied));
    expectError(await create({ name: 'mv', source: 'runs://x/y', run_id: 'x' }), 400, 'INVALID_PARAMETER_VALUE', RUN_SOURCE('runs://x/y'));
  });

  it.each([
    (e: string, r: string) => `mlflow-artifacts:/${e}/${r}/artifacts/../x`,
    (e: string, r: string) => `mlflow-artifacts:/${e}/${r}/artifacts/%2e%2e/x`,
    (e: string, r: string) => `mlflow-artifacts:/${e}/${r}/artifacts/%252e%252e/x`,
    (e: string, r: string) => `mlflow-artifacts:/${e}/${r}/artifacts/./x`,
    () => 's3://bucket/a/../b',
    () => 's3://bucket',
    () => 'runs:/',
    () => 'runs:abc/model',
  ])('refuses relative path references (%#)', async (make) => {
    const source = make(exp, runId);
    expectError(await create({ name: 'mv', source, run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', RELATIVE(source));
  });

  it('refuses local paths outside a local run artifact directory, naming the resolved path when a run is given', async () => {
    expectError(await create({ name: 'mv', source: '/tmp/x', run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', LOCAL('/tmp/x'));
    expectError(await create({ name: 'mv', source: 'file:///tmp/x', run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', LOCAL('/tmp/x'));
    expectError(await create({ name: 'mv', source: 'rel/x', run_id: runId }), 400, 'INVALID_PARAMETER_VALUE', LOCAL(`${process.cwd()}/rel/x`));
    expectError(await create({ name: 'mv', source: 'rel/x' }), 400, 'INVALID_PARAMETER_VALUE', LOCAL('rel/x'));
    expectError(await create({ name: 'mv', source: 'dummy-source' }), 400, 'INVALID_PARAMETER_VALUE', LOCAL('dummy-source'));
  });

  it('refuses sources that would make the server connect to another host', async () => {
    for (const [source, scheme] of [
      ['http://host/a/b', 'http'],
      ['https://host:8443/a', 'https'],
      ['mlflow-artifacts://host/a/b', 'mlflow-artifacts'],
      ['ftp://host/a', 'ftp'],
    ] as const) {
      expectError(await create({ name: 'mv', source }), 400, 'INVALID_PARAMETER_VALUE', HOST(scheme));
    }
  });

  it('accepts object-store sources without a run (run_id "")', async () => {
    const v = await createVersion(api, 'mv', { source: 's3://bucket/a+b/c/' });
    expect(v).toMatchObject({ source: 's3://bucket/a+b/c/', run_id: '', run_link: '', description: '' });
  });

  it('checks the request and the model', async () => {
    expectError(await create({ source: 's3://x/y' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('name'));
    expectError(await create({ name: 'mv' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('source'));
    expectError(await create({ name: 'mv', source: '' }), 400, 'INVALID_PARAMETER_VALUE', missingParam('source'));
    expectError(await create({ name: 'nope', source: 's3://x/y' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
    expectError(await create({ name: 'a/b', source: 's3://x/y' }), 400, 'INVALID_PARAMETER_VALUE', "Invalid model name 'a/b'. Names cannot contain '/' or ':'.");
    expectError(
      await create({ name: 'mv', source: 's3://x/y', tags: [{ key: 'bad!', value: 'x' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      /^Invalid value "bad!" for parameter 'key' supplied/,
    );
    expectError(
      await create({ name: 'mv', source: 's3://x/y', tags: [{ key: 'mlflow.prompt.text', value: 'x'.repeat(100_001) }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Prompt text exceeds max length of 100000 characters.',
    );
  });
});

describe('model-versions/create from an MLflow 3 logged model', () => {
  let modelId: string;
  let artifactUri: string;
  let orphanId: string;
  beforeAll(async () => {
    await createModel(api, 'from-lm');
    ({ model_id: modelId, artifact_uri: artifactUri } = await createLoggedModel(api, exp, runId));
    orphanId = (await createLoggedModel(api, exp)).model_id;
  });

  it('stores the logged model’s artifact location, fills run_id from it, and links the version back', async () => {
    const v1 = ok(await create({ name: 'from-lm', source: `models:/${modelId}`, model_id: modelId })).model_version;
    expect(v1).toMatchObject({ version: '1', source: `models:/${modelId}`, run_id: runId, status: 'READY' });
    expect(v1).not.toHaveProperty('model_id');
    expect(v1).not.toHaveProperty('storage_location');
    const v2 = ok(await create({ name: 'from-lm', source: `models:/${modelId}`, model_id: modelId })).model_version;
    expect(v2.version).toBe('2');
    expect(ok(await api.get('model-versions/get-download-uri', { name: 'from-lm', version: '1' }))).toEqual({ artifact_uri: artifactUri });
    expect((await getLoggedModelTags(api, modelId))['mlflow.modelVersions']).toBe(
      '[{"name": "from-lm", "version": 1}, {"name": "from-lm", "version": 2}]',
    );
  });

  it('accepts a proxied artifact source under the logged model’s root; run_id "" when the model has no run', async () => {
    const v = ok(await create({ name: 'from-lm', source: `${artifactUri}/sub`, model_id: modelId })).model_version;
    expect(v.run_id).toBe(runId);
    const orphanRoot = `mlflow-artifacts:/${exp}/models/${orphanId}/artifacts`;
    const o = ok(await create({ name: 'from-lm', source: orphanRoot, model_id: orphanId })).model_version;
    expect(o.run_id).toBe('');
    expect(ok(await api.get('model-versions/get-download-uri', { name: 'from-lm', version: o.version }))).toEqual({ artifact_uri: orphanRoot });
    expectError(await create({ name: 'from-lm', source: orphanRoot, model_id: modelId }), 400, 'INVALID_PARAMETER_VALUE', MODEL_SOURCE(orphanRoot));
  });

  it('needs the model id that holds the source', async () => {
    const source = `models:/${modelId}`;
    expectError(await create({ name: 'from-lm', source }), 400, 'INVALID_PARAMETER_VALUE', MODEL_SOURCE(source));
    expectError(await create({ name: 'from-lm', source, model_id: 'm-other' }), 400, 'INVALID_PARAMETER_VALUE', MODEL_SOURCE(source));
    expectError(
      await create({ name: 'from-lm', source: `runs:/${runId}/m`, model_id: modelId }),
      400,
      'INVALID_PARAMETER_VALUE',
      MODEL_SOURCE(`runs:/${runId}/m`),
    );
    expectError(await create({ name: 'from-lm', source: '/tmp/x', model_id: modelId }), 400, 'INVALID_PARAMETER_VALUE', LOCAL('/tmp/x', 'model_id'));
  });

  it('reports an unknown logged model as MLflow does (its 500 INTERNAL_ERROR becomes a 400)', async () => {
    expectError(
      await create({ name: 'from-lm', source: 'models:/m-nonexist', model_id: 'm-nonexist' }),
      400,
      'INTERNAL_ERROR',
      "Unable to fetch model from model URI source artifact location 'models:/m-nonexist'.Error: Logged model with ID 'm-nonexist' not found.",
    );
    expectError(
      await create({ name: 'from-lm', source: 's3://a/b', model_id: 'm-nonexist' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      "Logged model with ID 'm-nonexist' not found.",
    );
  });
});

describe('model-versions/create from another registered version (models:/<name>/...)', () => {
  beforeAll(async () => {
    await createModel(api, 'src');
    await createModel(api, 'dst');
    ok(await create({ name: 'src', source: `runs:/${runId}/model`, run_id: runId })); // v1
    await createVersion(api, 'src', { source: 's3://b/2' }); // v2
    await createVersion(api, 'src', { source: 's3://b/3' }); // v3
    ok(await api.post('model-versions/transition-stage', { name: 'src', version: '2', stage: 'Production' }));
    ok(await api.post('registered-models/alias', { name: 'src', alias: 'champ', version: '1' }));
  });

  it.each([
    ['models:/src/1', 'models:/src/1', 'run'],
    ['models:/src@champ', 'models:/src/1', 'run'],
    ['models:/src/latest', 'models:/src/3', ''],
    ['models:/src/production', 'models:/src/2', ''],
    ['models:/src@latest', 'models:/src/3', ''],
  ])('pins %s to %s and inherits its run id', async (source, pinned, run) => {
    const v = ok(await create({ name: 'dst', source })).model_version;
    expect(v.source).toBe(pinned);
    expect(v.run_id).toBe(run === 'run' ? runId : '');
  });

  it('stores the referenced version’s download location', async () => {
    const v = ok(await create({ name: 'dst', source: 'models:/src/3' })).model_version;
    expect(ok(await api.get('model-versions/get-download-uri', { name: 'dst', version: v.version }))).toEqual({ artifact_uri: 's3://b/3' });
  });

  it('refuses mismatched run/model ids, prompts, other registries and missing versions', async () => {
    const mismatch = "Invalid model version source: 'models:/src/1'. The run_id and model_id request parameters must match the referenced model version.";
    expectError(await create({ name: 'dst', source: 'models:/src/1', run_id: 'other' }), 400, 'INVALID_PARAMETER_VALUE', mismatch);
    expectError(await create({ name: 'dst', source: 'models:/src/1', model_id: 'm-x' }), 400, 'INVALID_PARAMETER_VALUE', mismatch);
    ok(await create({ name: 'dst', source: 'models:/src/1', model_id: '' }));
    await createModel(api, 'a-prompt', { tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
    expectError(
      await create({ name: 'dst', source: 'models:/a-prompt/1' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid model version source: 'models:/a-prompt/1'. Prompt versions cannot be used as model version sources.",
    );
    expectError(
      await create({ name: 'dst', source: 'models://host/src/1' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid model version source: 'models://host/src/1'. Registered model sources must use the active model registry.",
    );
    expectError(await create({ name: 'dst', source: 'models:/a/b/c' }), 400, 'INVALID_PARAMETER_VALUE', MODEL_SOURCE('models:/a/b/c'));
    expectError(await create({ name: 'dst', source: 'models:/nope/1' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Registered Model with name=nope not found');
    expectError(await create({ name: 'dst', source: 'models:/src/99' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=src, version=99) not found');
    expectError(await create({ name: 'dst', source: 'models:/src@nope' }), 400, 'INVALID_PARAMETER_VALUE', 'Registered model alias nope not found.');
    expectError(await create({ name: 'dst', source: 'models:/src/Archived' }), 400, 'INTERNAL_ERROR', "No versions of model with name 'src' and stage 'Archived' found");
    expectError(
      await create({ name: 'dst', source: 'models:/src/bogus' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid Model Version stage: bogus. Value must be one of None, Staging, Production, Archived.',
    );
  });
});

describe('prompt versions', () => {
  it('take only MLflow’s placeholder sources and are created without source checks', async () => {
    const promptTag = { key: 'mlflow.prompt.is_prompt', value: 'true' };
    await createModel(api, 'my-prompt', { tags: [promptTag] });
    const v = ok(await create({ name: 'my-prompt', source: 'dummy-source', tags: [promptTag, { key: 'mlflow.prompt.text', value: 'Hi {{name}}' }] }))
      .model_version;
    expect(v).toMatchObject({ version: '1', source: 'dummy-source', run_id: '' });
    expectError(
      await create({ name: 'my-prompt', source: 's3://x/y', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'TRUE' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid prompt source: 's3://x/y'. Prompt sources must use an MLflow placeholder.",
    );
    // The last is_prompt tag decides: here it says "false", so the source is checked as a model's.
    expectError(
      await create({ name: 'my-prompt', source: 'prompt-template', tags: [promptTag, { key: 'mlflow.prompt.is_prompt', value: 'false' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      LOCAL('prompt-template'),
    );
  });
});

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
