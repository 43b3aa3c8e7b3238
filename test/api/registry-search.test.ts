// registered-models/search and model-versions/search: filters, prompts hidden unless asked for,
// deleted versions hidden, ordering with MLflow's tiebreakers, max_results bounds, page tokens.
// Expected result lists were produced by the official MLflow 3.17.2 server on the same data.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AJAX,
  createExperimentAndRun,
  createModel,
  createVersion,
  expectError,
  ok,
  startRegistryApi,
  type ModelVersionJson,
  type RegisteredModelJson,
  type RegistryApi,
} from './registry-helpers.js';

interface ModelsPage {
  registered_models?: RegisteredModelJson[];
  next_page_token?: string;
}
interface VersionsPage {
  model_versions?: ModelVersionJson[];
  next_page_token?: string;
}

let api: RegistryApi;
let runId: string;
let run2: string;
const T0 = 1_700_000_000_000;
const PROMPT = { key: 'mlflow.prompt.is_prompt', value: 'true' };

beforeAll(async () => {
  api = await startRegistryApi();
  ({ runId } = await createExperimentAndRun(api, 'search'));
  run2 = ok(await api.post<{ run: { info: { run_id: string } } }>('runs/create', { experiment_id: '1' })).run.info.run_id;
  vi.useFakeTimers({ toFake: ['Date'] });
  let t = T0;
  const tick = () => vi.setSystemTime((t += 1000));
  for (const name of ['alpha', 'Beta', 'gamma', 'delta', 'al_pha']) {
    tick();
    await createModel(api, name, { tags: [{ key: 'team', value: `${name}-team` }, { key: 'Team2', value: name.toUpperCase() }] });
  }
  tick();
  await createModel(api, 'notprompt', { tags: [{ key: 'mlflow.prompt.is_prompt', value: 'false' }] });
  tick();
  await createModel(api, 'a-prompt', { tags: [PROMPT] });
  for (const [name, source] of [
    ['alpha', 's3://a/1'],
    ['alpha', 's3://a/2'],
    ['alpha', 's3://a/3'],
    ['Beta', 's3://b/1'],
  ] as const) {
    tick();
    await createVersion(api, name, { source, tags: [{ key: 'src', value: source }] });
  }
  tick();
  ok(await api.post('model-versions/create', { name: 'gamma', source: `runs:/${runId}/m`, run_id: runId, tags: [{ key: 'src', value: 'run' }] }));
  tick();
  ok(await api.post('model-versions/create', { name: 'a-prompt', source: 'dummy-source', tags: [PROMPT] }));
  tick();
  ok(await api.post('model-versions/transition-stage', { name: 'alpha', version: '1', stage: 'Production' }));
  tick();
  ok(await api.post('model-versions/transition-stage', { name: 'alpha', version: '2', stage: 'Staging' }));
  tick();
  await createVersion(api, 'delta', { source: 's3://d/1' });
  tick();
  ok(await api.del('model-versions/delete', { name: 'delta', version: '1' }));
  ok(await api.post('registered-models/alias', { name: 'alpha', alias: 'champ', version: '3' }));
  vi.useRealTimers();
});
afterAll(async () => {
  await api.close();
});

const searchModels = (query: Record<string, string | number | string[]> = {}) => api.get<ModelsPage>('registered-models/search', query);
const searchVersions = (query: Record<string, string | number | string[]> = {}) => api.get<VersionsPage>('model-versions/search', query);
const names = async (query: Record<string, string | number | string[]> = {}) => (ok(await searchModels(query)).registered_models ?? []).map((m) => m.name);
const versions = async (query: Record<string, string | number | string[]> = {}) =>
  (ok(await searchVersions(query)).model_versions ?? []).map((v) => `${v.name}/${v.version}`);

describe('registered-models/search', () => {
  it('lists ordinary models by name (binary order) and leaves prompts out', async () => {
    expect(await names()).toEqual(['Beta', 'al_pha', 'alpha', 'delta', 'gamma', 'notprompt']);
  });

  it.each([
    ["name ilike '%A%'", ['Beta', 'al_pha', 'alpha', 'delta', 'gamma']],
    ["name like '%ph%'", ['al_pha', 'alpha']],
    ["name LIKE 'al_pha'", ['al_pha']],
    ["name LIKE 'al_ha'", ['alpha']],
    ["name = 'alpha'", ['alpha']],
    ['name = "alpha"', ['alpha']],
    ["name != 'alpha'", ['Beta', 'al_pha', 'delta', 'gamma', 'notprompt']],
    ["name IN ('alpha','Beta')", ['Beta', 'alpha']],
    ["name NOT IN ('alpha','Beta')", ['al_pha', 'delta', 'gamma', 'notprompt']],
    ["tags.team = 'alpha-team'", ['alpha']],
    ["tags.`team` LIKE '%a-team'", ['Beta', 'al_pha', 'alpha', 'delta', 'gamma']],
    ["tags.team ILIKE '%ALPHA%'", ['alpha']],
    ["tags.Team2 = 'ALPHA' and tags.team = 'alpha-team'", ['alpha']],
    ["tags.team = 'alpha-team' and tags.team != 'x'", ['alpha']],
    ["attribute.name = 'alpha'", ['alpha']],
  ])('filter %s', async (filter, expected) => {
    expect(await names({ filter })).toEqual(expected);
  });

  it('shows prompts only when the filter asks for them; other conditions on the prompt tag are dropped', async () => {
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'" })).toEqual(['a-prompt']);
    // 'TRUE' asks for prompts, and then the (case-sensitive) tag condition itself matches none.
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` = 'TRUE'" })).toEqual([]);
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` != 'false'" })).toEqual(['a-prompt']);
    const ordinary = ['Beta', 'al_pha', 'alpha', 'delta', 'gamma', 'notprompt'];
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` = 'false'" })).toEqual(ordinary);
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` != 'true'" })).toEqual(ordinary);
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` LIKE 'tr%'" })).toEqual(ordinary);
  });

  it('returns latest_versions (stages by name), tags and aliases for each model', async () => {
    const [alpha] = ok(await searchModels({ filter: "name = 'alpha'" })).registered_models!;
    expect(alpha!.latest_versions!.map((v) => [v.version, v.current_stage])).toEqual([
      ['3', 'None'],
      ['1', 'Production'],
      ['2', 'Staging'],
    ]);
    expect(alpha!.aliases).toEqual([{ alias: 'champ', version: '3' }]);
    expect(alpha!.tags).toEqual([
      { key: 'team', value: 'alpha-team' },
      { key: 'Team2', value: 'ALPHA' },
    ]);
    // A model whose only version was deleted has no latest versions.
    const [delta] = ok(await searchModels({ filter: "name = 'delta'" })).registered_models!;
    expect(delta!.latest_versions).toBeUndefined();
  });

  it('orders by name or last update, with name ASC as the tiebreaker', async () => {
    expect(await names({ order_by: 'name DESC' })).toEqual(['notprompt', 'gamma', 'delta', 'alpha', 'al_pha', 'Beta']);
    // Versions bump their model: delta (create + delete) and alpha (stage changes) were updated last.
    expect(await names({ order_by: 'timestamp DESC' })).toEqual(['delta', 'alpha', 'gamma', 'Beta', 'notprompt', 'al_pha']);
    expect(await names({ order_by: 'last_updated_timestamp' })).toEqual(['al_pha', 'notprompt', 'Beta', 'gamma', 'alpha', 'delta']);
    expect(await names({ order_by: ['last_updated_timestamp DESC', 'name DESC'] })).toEqual(['delta', 'alpha', 'gamma', 'Beta', 'notprompt', 'al_pha']);
  });

  it('pages with MLflow-compatible offset tokens and leaves next_page_token out on the last page', async () => {
    const first = ok(await searchModels({ max_results: 4 }));
    expect(first.registered_models!.map((m) => m.name)).toEqual(['Beta', 'al_pha', 'alpha', 'delta']);
    expect(first.next_page_token).toBe('eyJvZmZzZXQiOiA0fQ==');
    const second = ok(await searchModels({ max_results: 4, page_token: first.next_page_token! }));
    expect(second.registered_models!.map((m) => m.name)).toEqual(['gamma', 'notprompt']);
    expect(second).not.toHaveProperty('next_page_token');
    expect(await names({ max_results: 2, page_token: 'eyJvZmZzZXQiOiAyfQ==' })).toEqual(['alpha', 'delta']);
    // Exactly max_results left: MLflow still hands out a token (its query asks for one row more).
    expect(ok(await searchModels({ max_results: 6 }))).not.toHaveProperty('next_page_token');
    expect(ok(await searchModels({ max_results: 5 })).next_page_token).toBe('eyJvZmZzZXQiOiA1fQ==');
  });

  it('keeps MLflow’s arithmetic for max_results 0', async () => {
    expect(ok(await searchModels({ max_results: 0 }))).toEqual({ next_page_token: 'eyJvZmZzZXQiOiAwfQ==' });
  });

  it('answers the UI’s Models page query under /ajax-api', async () => {
    const url = `${AJAX}/registered-models/search?filter=${encodeURIComponent("name ilike '%alp%'")}&max_results=10&order_by=${encodeURIComponent('name ASC')}`;
    const body = ok(await api.request<ModelsPage>({ method: 'GET', url }));
    expect(body.registered_models!.map((m) => m.name)).toEqual(['alpha']);
  });

  it('reports bad requests with MLflow’s texts', async () => {
    expectError(
      await searchModels({ max_results: 1001 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "1001" for parameter 'max_results' supplied:  Hint: Value was of type 'str'. See the API docs for more information about request parameters.`,
    );
    ok(await searchModels({ max_results: 1000 }));
    expectError(await searchModels({ filter: "bogus = 'x'" }), 400, 'INVALID_PARAMETER_VALUE', "Invalid attribute key 'bogus' specified. Valid keys are '{'name'}'");
    expectError(await searchModels({ filter: "name = 'alpha' OR name = 'x'" }), 400, 'INVALID_PARAMETER_VALUE', 'Invalid clause(s) in filter string: OR');
    expectError(await searchModels({ page_token: 'garbage' }), 400, 'INVALID_PARAMETER_VALUE', 'Invalid page token, could not base64-decode');
    expectError(await searchModels({ order_by: 'creation_timestamp' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid order by key 'creation_timestamp' specified\. Valid keys are /);
    expectError(await searchModels({ order_by: ['name', 'name'] }), 400, 'INVALID_PARAMETER_VALUE', "`order_by` contains duplicate fields: ['name', 'name']");
    expectError(await searchModels({ filter: 'tags.team IS NULL' }), 400, 'INVALID_PARAMETER_VALUE');
  });
});

describe('model-versions/search', () => {
  it('lists live, non-prompt versions by last update DESC, then name ASC, version DESC; without aliases', async () => {
    const page = ok(await searchVersions());
    expect(page.model_versions!.map((v) => `${v.name}/${v.version}`)).toEqual(['alpha/2', 'alpha/1', 'gamma/1', 'Beta/1', 'alpha/3']);
    expect(page.model_versions!.every((v) => v.aliases === undefined)).toBe(true);
    expect(page.model_versions!.find((v) => v.version === '3')!.tags).toEqual([{ key: 'src', value: 's3://a/3' }]);
  });

  it.each([
    ["name='alpha'", ['alpha/2', 'alpha/1', 'alpha/3']],
    ['run_id IN (\'RUN\')', ['gamma/1']],
    ["run_id = 'RUN'", ['gamma/1']],
    ["run_id IN ('RUN', 'RUN2')", ['gamma/1']],
    ["run_id NOT IN ('RUN')", ['alpha/2', 'alpha/1', 'Beta/1', 'alpha/3']],
    ["source_path LIKE 's3://%'", ['alpha/2', 'alpha/1', 'Beta/1', 'alpha/3']],
    ["source_path ILIKE 'S3://A/%'", ['alpha/2', 'alpha/1', 'alpha/3']],
    ['version_number > 1', ['alpha/2', 'alpha/3']],
    ["version_number >= 2 and name = 'alpha'", ['alpha/2', 'alpha/3']],
    ["version_number = '2'", ['alpha/2']],
    ["tags.src = 's3://a/1'", ['alpha/1']],
    ["tags.src LIKE 's3://%' and name='alpha'", ['alpha/2', 'alpha/1', 'alpha/3']],
    ["name IN ('alpha', 'Beta')", ['alpha/2', 'alpha/1', 'Beta/1', 'alpha/3']],
    ["name = 'delta'", []],
    ["name = 'a-prompt'", []],
    ["tags.`mlflow.prompt.is_prompt` = 'true'", ['a-prompt/1']],
  ])('filter %s', async (filter, expected) => {
    expect(await versions({ filter: filter.replace(/RUN2/g, run2).replace(/RUN(?!2)/g, runId) })).toEqual(expected);
  });

  it('orders and pages as the UI asks (creation_timestamp DESC, 25 a page)', async () => {
    const first = ok(await searchVersions({ order_by: 'creation_timestamp DESC', max_results: 3 }));
    expect(first.model_versions!.map((v) => `${v.name}/${v.version}`)).toEqual(['gamma/1', 'Beta/1', 'alpha/3']);
    expect(first.next_page_token).toBe('eyJvZmZzZXQiOiAzfQ==');
    const rest = ok(await searchVersions({ order_by: 'creation_timestamp DESC', max_results: 3, page_token: first.next_page_token! }));
    expect(rest.model_versions!.map((v) => `${v.name}/${v.version}`)).toEqual(['alpha/2', 'alpha/1']);
    expect(rest).not.toHaveProperty('next_page_token');
    expect(await versions({ order_by: ['version_number', 'name DESC'] })).toEqual(['gamma/1', 'alpha/1', 'Beta/1', 'alpha/2', 'alpha/3']);
    const url = `${AJAX}/model-versions/search?filter=${encodeURIComponent("name='alpha'")}&max_results=25&order_by=${encodeURIComponent('creation_timestamp DESC')}`;
    expect(ok(await api.request<VersionsPage>({ method: 'GET', url })).model_versions!.map((v) => v.version)).toEqual(['3', '2', '1']);
  });

  it('reports bad requests with MLflow’s texts', async () => {
    expectError(
      await searchVersions({ max_results: 200_001 }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "200001" for parameter 'max_results' supplied:  Hint: Value was of type 'str'. See the API docs for more information about request parameters.`,
    );
    expectError(await searchVersions({ max_results: 0 }), 400, 'INVALID_PARAMETER_VALUE', 'Invalid value for max_results. It must be a positive integer, but got 0');
    expectError(await searchVersions({ filter: 'version_number > 1.5' }), 400, 'INVALID_PARAMETER_VALUE', "Invalid value for numeric attribute 'version_number': 1.5");
    expectError(await searchVersions({ filter: 'bogus = 1' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid attribute key 'bogus' specified\. Valid keys are /);
    expectError(await searchVersions({ order_by: 'timestamp' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid attribute key 'timestamp' specified\. Valid keys are /);
    expectError(await searchVersions({ page_token: 'eyJvZmZzZXQiOiAwfQ==' }), 400, 'INVALID_PARAMETER_VALUE', "Invalid page token, parsed value={'offset': 0}");
  });
});
