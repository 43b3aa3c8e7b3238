// POST logged-models/search: experiment_ids (required), the filter grammar on attributes, metrics,
// params and tags, `datasets`, order_by objects (metrics with missing values last both ways),
// max_results and page tokens that carry the request (refused when the next request changes it), and
// deleted models hidden. Every result list below was checked against the official MLflow 3.17.2 server
// fed the same models.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AJAX, createExperiment, createRun, expectError, missingValue, ok } from './helpers.js';
import { createLoggedModel, startArtifactApi, type ArtifactApi, type LoggedModelJson } from './artifact-helpers.js';

let api: ArtifactApi;
let exp: string;
let otherExp: string;
/** name → model id */
const ids: Record<string, string> = {};
const names: Record<string, string> = {};
const T0 = 1_700_000_000_000;

interface SearchJson {
  models?: LoggedModelJson[];
  next_page_token?: string;
}

beforeAll(async () => {
  api = await startArtifactApi();
  exp = await createExperiment(api, 'search');
  otherExp = await createExperiment(api, 'search-other');
  const run = (await createRun(api, exp)).info.run_id;
  // name, acc (dataset), param p, tag t, model_type — created one second apart.
  const specs: [string, number | null, string, string, string | null, string | undefined][] = [
    ['alpha', 0.9, 'ds1', 'a', 'x', undefined],
    ['Beta', 0.4, 'ds1', 'b', 'y', 'clf'],
    ['gamma', null, '', 'c', 'x', undefined],
    ['delta', 0.7, 'ds2', 'a', null, 'clf'],
  ];
  vi.useFakeTimers({ toFake: ['Date'] });
  for (const [i, [name, acc, dataset, p, t, modelType]] of specs.entries()) {
    vi.setSystemTime(T0 + i * 1000);
    const m = await createLoggedModel(api, exp, {
      name,
      params: [{ key: 'p', value: p }],
      ...(t ? { tags: [{ key: 't', value: t }] } : {}),
      ...(modelType ? { model_type: modelType } : {}),
    });
    ids[name] = m.info.model_id;
    names[m.info.model_id] = name;
    if (acc !== null) {
      ok(
        await api.post('runs/log-batch', {
          run_id: run,
          metrics: [{ key: 'acc', value: acc, timestamp: 1000 + i, step: 0, model_id: m.info.model_id, dataset_name: dataset, dataset_digest: 'd1' }],
        }),
      );
    }
  }
  vi.setSystemTime(T0 + 10_000);
  const other = await createLoggedModel(api, otherExp, { name: 'elsewhere' });
  ids.elsewhere = other.info.model_id;
  names[other.info.model_id] = 'elsewhere';
  vi.useRealTimers();
});
afterAll(async () => {
  await api.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const search = (body: Record<string, unknown>, base = 'logged-models/search') => api.post<SearchJson>(base, { experiment_ids: [exp], ...body });
async function found(body: Record<string, unknown>): Promise<string[]> {
  const res = ok(await search(body));
  return (res.models ?? []).map((m) => names[m.info.model_id] ?? m.info.model_id);
}

describe('search: experiments and defaults', () => {
  it('returns the experiment’s models, newest first, as full LoggedModels', async () => {
    const res = ok(await search({}));
    expect(res.models!.map((m) => names[m.info.model_id])).toEqual(['delta', 'gamma', 'Beta', 'alpha']);
    expect(res.next_page_token).toBeUndefined();
    const alpha = res.models!.find((m) => m.info.name === 'alpha')!;
    expect(alpha.info).toMatchObject({ experiment_id: exp, status: 'LOGGED_MODEL_PENDING', creation_timestamp_ms: T0, tags: [{ key: 't', value: 'x' }] });
    expect(alpha.data).toEqual({
      params: [{ key: 'p', value: 'a' }],
      metrics: [expect.objectContaining({ key: 'acc', value: 0.9, dataset_name: 'ds1', dataset_digest: 'd1', model_id: ids.alpha })],
    });
  });

  it('searches several experiments at once, and answers under /ajax-api/2.0', async () => {
    expect(await found({ experiment_ids: [exp, otherExp] })).toEqual(['elsewhere', 'delta', 'gamma', 'Beta', 'alpha']);
    expect(await found({ experiment_ids: [otherExp] })).toEqual(['elsewhere']);
    const ajax = ok(await search({}, `${AJAX}/logged-models/search`));
    expect(ajax.models!.map((m) => names[m.info.model_id])).toEqual(['delta', 'gamma', 'Beta', 'alpha']);
  });

  it('answers {} when nothing matches', async () => {
    const empty = await createExperiment(api, 'search-empty');
    const res = await api.post('logged-models/search', { experiment_ids: [empty] });
    expect(ok(res)).toEqual({});
  });

  it('requires experiment_ids', async () => {
    expectError(await api.post('logged-models/search', {}), 400, 'INVALID_PARAMETER_VALUE', missingValue('experiment_ids'));
    // An empty list passes the required check and matches nothing (MLflow answers the same).
    expect(ok(await api.post('logged-models/search', { experiment_ids: [] }))).toEqual({});
  });

  it('hides deleted models', async () => {
    const doomed = await createLoggedModel(api, exp, { name: 'doomed' });
    expect(await found({ filter: "name = 'doomed'" })).toEqual([doomed.info.model_id]);
    ok(await api.del(`logged-models/${doomed.info.model_id}`));
    expect(await found({ filter: "name = 'doomed'" })).toEqual([]);
    expect(await found({})).toEqual(['delta', 'gamma', 'Beta', 'alpha']);
  });
});

describe('search: filter', () => {
  it.each([
    ["name = 'alpha'", ['alpha']],
    ["attributes.name = 'alpha'", ['alpha']],
    ["name != 'alpha'", ['delta', 'gamma', 'Beta']],
    ["name LIKE 'b%'", []],
    ["name LIKE 'B%'", ['Beta']],
    ["name ILIKE 'b%'", ['Beta']],
    ["name IN ('alpha', 'gamma')", ['gamma', 'alpha']],
    ["name NOT IN ('alpha')", ['delta', 'gamma', 'Beta']],
    ["model_type = 'clf'", ['delta', 'Beta']],
    ['metrics.acc > 0.5', ['delta', 'alpha']],
    ['metrics.acc = 0.4', ['Beta']],
    ['metrics.acc <= 0.7', ['delta', 'Beta']],
    ['metrics.nope > 0', []],
    ["params.p = 'a'", ['delta', 'alpha']],
    ["params.`p` = 'a'", ['delta', 'alpha']],
    ["params.p LIKE 'a%'", ['delta', 'alpha']],
    ["params.p ILIKE 'A'", ['delta', 'alpha']],
    ["tags.t = 'x'", ['gamma', 'alpha']],
    ["tags.t != 'x'", ['Beta']],
    ["tags.t ILIKE 'X'", ['gamma', 'alpha']],
    ["params.p = 'a' AND metrics.acc < 0.8", ['delta']],
    [`creation_timestamp > ${T0 + 1000}`, ['delta', 'gamma']],
    [`creation_time >= ${T0 + 1000}`, ['delta', 'gamma', 'Beta']],
  ] as [string, string[]][])('%s', async (filter, expected) => {
    expect(await found({ filter })).toEqual(expected);
  });

  it('filters on model_id', async () => {
    expect(await found({ filter: `model_id = '${ids.gamma}'` })).toEqual(['gamma']);
  });

  it('answers 400 for an OR, a LIKE on a metric and an unknown order field', async () => {
    expectError(
      await search({ filter: "name = 'a' OR name = 'b'" }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid filter string: "name = 'a' OR name = 'b'". Expected a list of comparisons separated by 'AND' (e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').`,
    );
    expectError(
      await search({ filter: "metrics.acc LIKE '1'" }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid comparison operator for metrics.acc: 'LIKE'. Expected one of ('<', '<=', '>', '>=', '=', '!=').",
    );
    expectError(await search({ order_by: [{ field_name: 'params.p' }] }), 400, 'INVALID_PARAMETER_VALUE', 'Invalid order by field name: params.p. Only metrics are supported.');
    expectError(await search({ order_by: [{ field_name: 'bogus' }] }), 400, 'INVALID_PARAMETER_VALUE', 'Invalid order by field name: bogus');
  });

  it('answers 400 (MLflow: 500) for an unknown attribute and a string compared with a metric', async () => {
    expectError(await search({ filter: 'foo = 1' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid attribute key 'foo' specified\./);
    expectError(await search({ filter: "metrics.acc > 'x'" }), 400, 'INVALID_PARAMETER_VALUE', `could not convert string to float: "'x'"`);
  });
});

describe('search: datasets', () => {
  it('keeps models with metrics on the given datasets (name and digest)', async () => {
    expect(await found({ datasets: [{ dataset_name: 'ds1', dataset_digest: 'd1' }] })).toEqual(['Beta', 'alpha']);
    expect(await found({ datasets: [{ dataset_name: 'ds2', dataset_digest: 'd1' }] })).toEqual(['delta']);
    expect(await found({ datasets: [{ dataset_name: 'ds1', dataset_digest: 'd1' }, { dataset_name: 'ds2', dataset_digest: 'd1' }] })).toEqual(['delta', 'Beta', 'alpha']);
    expect(await found({ datasets: [{ dataset_name: 'ds1', dataset_digest: 'other' }] })).toEqual([]);
  });

  it('restricts metric filters to those datasets', async () => {
    expect(await found({ filter: 'metrics.acc > 0.5', datasets: [{ dataset_name: 'ds1', dataset_digest: 'd1' }] })).toEqual(['alpha']);
  });

  it('requires a dataset_name in each entry', async () => {
    expectError(await search({ datasets: [{ dataset_digest: 'd1' }] }), 400, 'INVALID_PARAMETER_VALUE', '`dataset_name` in the `datasets` clause must be specified.');
  });
});

describe('search: order_by', () => {
  it.each([
    [[{ field_name: 'metrics.acc', ascending: true }], ['Beta', 'delta', 'alpha', 'gamma']],
    [[{ field_name: 'metrics.acc', ascending: false }], ['alpha', 'delta', 'Beta', 'gamma']],
    [[{ field_name: 'metrics.acc' }], ['Beta', 'delta', 'alpha', 'gamma']],
    [[{ field_name: 'metrics.acc', ascending: false, dataset_name: 'ds1' }], ['alpha', 'Beta', 'delta', 'gamma']],
    [[{ field_name: 'name' }], ['Beta', 'alpha', 'delta', 'gamma']],
    [[{ field_name: 'name', ascending: false }], ['gamma', 'delta', 'alpha', 'Beta']],
    [[{ field_name: 'creation_time', ascending: false }], ['delta', 'gamma', 'Beta', 'alpha']],
    [[{ field_name: 'creation_timestamp' }], ['alpha', 'Beta', 'gamma', 'delta']],
    [[{ field_name: 'last_updated_timestamp', ascending: true }], ['alpha', 'Beta', 'gamma', 'delta']],
    [
      [
        { field_name: 'model_type', ascending: false },
        { field_name: 'name', ascending: true },
      ],
      ['Beta', 'delta', 'alpha', 'gamma'],
    ],
  ] as [Record<string, unknown>[], string[]][])('%j', async (orderBy, expected) => {
    expect(await found({ order_by: orderBy })).toEqual(expected);
  });
});

describe('search: pagination', () => {
  it('pages with max_results and next_page_token, then drops the token', async () => {
    const body = { filter: "name != 'x'", order_by: [{ field_name: 'name', ascending: true }], max_results: 1 };
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = ok(await search(token ? { ...body, page_token: token } : body));
      seen.push(...(res.models ?? []).map((m) => names[m.info.model_id]!));
      token = res.next_page_token;
      if (!token) break;
      expect(typeof token).toBe('string');
    }
    expect(seen).toEqual(['Beta', 'alpha', 'delta', 'gamma']);
    expect(token).toBeUndefined();
  });

  it('answers exactly max_results models with a token when more remain', async () => {
    const res = ok(await search({ max_results: 2 }));
    expect(res.models!.map((m) => names[m.info.model_id])).toEqual(['delta', 'gamma']);
    expect(res.next_page_token).toEqual(expect.any(String));
    const rest = ok(await search({ max_results: 2, page_token: res.next_page_token }));
    expect(rest.models!.map((m) => names[m.info.model_id])).toEqual(['Beta', 'alpha']);
    expect(rest).not.toHaveProperty('next_page_token');
  });

  describe('a page token is refused when the next request changes the search', () => {
    const first = { filter: "name != 'x'", order_by: [{ field_name: 'name' }], max_results: 2 };
    let token: string;
    beforeAll(async () => {
      token = ok(await search(first)).next_page_token!;
    });

    it('accepts the same search (max_results may change)', async () => {
      expect((ok(await search({ ...first, page_token: token })).models ?? []).map((m) => names[m.info.model_id])).toEqual(['delta', 'gamma']);
      expect((ok(await search({ ...first, max_results: 3, page_token: token })).models ?? []).map((m) => names[m.info.model_id])).toEqual(['delta', 'gamma']);
    });

    it('refuses another filter, or none, with MLflow’s message', async () => {
      expectError(
        await search({ ...first, filter: "name != 'y'", page_token: token }),
        400,
        'INVALID_PARAMETER_VALUE',
        "Filter string in the page token does not match the requested filter string. Expected: name != 'y'. Found: name != 'x'",
      );
      expectError(
        await search({ order_by: first.order_by, max_results: 2, page_token: token }),
        400,
        'INVALID_PARAMETER_VALUE',
        "Filter string in the page token does not match the requested filter string. Expected: None. Found: name != 'x'",
      );
    });

    it('refuses another order_by', async () => {
      // MLflow appends ". Expected: [...]. Found: [...]" with the Python reprs of both lists.
      expectError(
        await search({ ...first, order_by: [{ field_name: 'name', ascending: false }], page_token: token }),
        400,
        'INVALID_PARAMETER_VALUE',
        /^Order by in the page token does not match the requested order by\./,
      );
      expectError(await search({ ...first, order_by: [], page_token: token }), 400, 'INVALID_PARAMETER_VALUE', /^Order by in the page token does not match/);
    });

    it('refuses other experiments', async () => {
      // MLflow prints both lists as Python reprs (['1', '2']); Minflow prints JSON (["1","2"]).
      expectError(
        await search({ ...first, experiment_ids: [exp, otherExp], page_token: token }),
        400,
        'INVALID_PARAMETER_VALUE',
        /^Experiment IDs in the page token do not match the requested experiment IDs\. Expected: .*Found: /,
      );
    });

    it('refuses a token that is not one (MLflow: 500)', async () => {
      expectError(await search({ page_token: 'not-a-token' }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid page token/);
    });
  });
});
