// model-versions/create from runs, proxied artifacts, MLflow 3 logged models, other registered versions
// and prompts, with MLflow's source checks.
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
  missingParam,
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
