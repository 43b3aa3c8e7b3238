// experiments/search: filters, order_by, view types, paging and their errors.
// Expected texts were checked against the official MLflow 3.17.2 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createExperiment,
  expectError,
  ok,
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

describe('experiments/search', () => {
  let prefix: string;
  let ids: string[];
  beforeAll(async () => {
    prefix = unique('srch');
    ids = [];
    for (const n of ['alpha', 'beta', 'gamma']) {
      ids.push(await createExperiment(api, `${prefix}-${n}`, { tags: [{ key: 'grp', value: n }] }));
    }
  });

  const names = (r: SearchReply): string[] => (r.experiments ?? []).map((e) => e.name);

  it('filters by name LIKE and orders by name', async () => {
    const res = ok(
      await api.post<SearchReply>('experiments/search', { filter: `name LIKE '${prefix}-%'`, max_results: 10, order_by: ['name DESC'] }),
    );
    expect(names(res)).toEqual([`${prefix}-gamma`, `${prefix}-beta`, `${prefix}-alpha`]);
    expect('next_page_token' in res).toBe(false);
  });

  it('filters by tag', async () => {
    const res = ok(await api.post<SearchReply>('experiments/search', { filter: `tags.grp = 'beta' AND name LIKE '${prefix}%'`, max_results: 10 }));
    expect(names(res)).toEqual([`${prefix}-beta`]);
    expect(res.experiments![0]!.tags).toEqual([{ key: 'grp', value: 'beta' }]);
  });

  it('pages with next_page_token, absent on the last page', async () => {
    const filter = `name LIKE '${prefix}-%'`;
    const first = ok(await api.post<SearchReply>('experiments/search', { filter, max_results: 2, order_by: ['name ASC'] }));
    expect(names(first)).toEqual([`${prefix}-alpha`, `${prefix}-beta`]);
    expect(first.next_page_token).toEqual(expect.any(String));
    const second = ok(
      await api.post<SearchReply>('experiments/search', { filter, max_results: 2, order_by: ['name ASC'], page_token: first.next_page_token }),
    );
    expect(names(second)).toEqual([`${prefix}-gamma`]);
    expect('next_page_token' in second).toBe(false);
  });

  it('an exactly full last page has no token', async () => {
    const res = ok(await api.post<SearchReply>('experiments/search', { filter: `name LIKE '${prefix}-%'`, max_results: 3 }));
    expect(res.experiments).toHaveLength(3);
    expect('next_page_token' in res).toBe(false);
  });

  it('no match is an empty message, not an empty list', async () => {
    const res = await api.post('experiments/search', { filter: "name = 'no-such-experiment'", max_results: 10 });
    expect(ok(res)).toEqual({});
  });

  it('works over GET with repeated order_by keys', async () => {
    const res = ok(
      await api.get<SearchReply>('experiments/search', {
        filter: `name LIKE '${prefix}-%'`,
        max_results: '2',
        order_by: ['name DESC', 'creation_time ASC'],
      }),
    );
    expect(names(res)).toEqual([`${prefix}-gamma`, `${prefix}-beta`]);
    expect(res.next_page_token).toEqual(expect.any(String));
  });

  it('view_type by name and by number', async () => {
    const name = unique('srch-deleted');
    const id = await createExperiment(api, name);
    ok(await api.post('experiments/delete', { experiment_id: id }));
    const filter = `name = '${name}'`;
    expect(ok(await api.post('experiments/search', { filter, max_results: 5 }))).toEqual({});
    for (const view_type of ['DELETED_ONLY', 2, 'ALL', 3, '2']) {
      const res = ok(await api.post<SearchReply>('experiments/search', { filter, max_results: 5, view_type }));
      expect(names(res), `view_type=${String(view_type)}`).toEqual([name]);
    }
    for (const view_type of ['ACTIVE_ONLY', 1]) {
      expect(ok(await api.post('experiments/search', { filter, max_results: 5, view_type }))).toEqual({});
    }
    const viaGet = ok(await api.get<SearchReply>('experiments/search', { filter, max_results: 5, view_type: 'DELETED_ONLY' }));
    expect(names(viaGet)).toEqual([name]);
  });

  it('an unknown view_type name is ignored (ACTIVE_ONLY), as MLflow’s protobuf parsing does', async () => {
    const name = unique('srch-bogus-view');
    const id = await createExperiment(api, name);
    ok(await api.post('experiments/delete', { experiment_id: id }));
    expect(ok(await api.post('experiments/search', { filter: `name = '${name}'`, max_results: 5, view_type: 'BOGUS' }))).toEqual({});
  });

  it('400 for a bad page token', async () => {
    expectError(
      await api.post('experiments/search', { max_results: 3, page_token: 'garbage' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid page token, could not base64-decode',
    );
    // {"offset": 0}: MLflow requires a truthy offset.
    expectError(
      await api.post('experiments/search', { max_results: 3, page_token: 'eyJvZmZzZXQiOiAwfQ==' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid page token, parsed value={'offset': 0}",
    );
  });

  it('accepts MLflow-made page tokens ({"offset": N})', async () => {
    const filter = `name LIKE '${prefix}-%'`;
    const res = ok(
      await api.post<SearchReply>('experiments/search', { filter, max_results: 2, order_by: ['name ASC'], page_token: 'eyJvZmZzZXQiOiAyfQ==' }),
    );
    expect(names(res)).toEqual([`${prefix}-gamma`]);
  });

  it('max_results omitted defaults to 1000 (deliberate leniency, reference trap #4: MLflow answers 400)', async () => {
    const res = ok(await api.post<SearchReply>('experiments/search', { filter: `name LIKE '${prefix}-%'` }));
    expect(names(res)).toHaveLength(3);
    expect(ok(await api.get<SearchReply>('experiments/search', { filter: `name LIKE '${prefix}-%'` })).experiments).toHaveLength(3);
  });

  it('max_results bounds', async () => {
    expectError(
      await api.post('experiments/search', { max_results: 0 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer",
    );
    expectError(
      await api.post('experiments/search', { max_results: 50001 }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000",
    );
  });

  it.each([
    ["name = 'a' OR name = 'b'", 'Invalid clause(s) in filter string: OR'],
    ['(((', 'Invalid clause(s) in filter string: (, (, ('],
    ['name = ', 'Invalid clause(s) in filter string: name, ='],
    ["name like 's-%'", "Invalid comparator 'like' not one of '{'NOT IN', 'IN', 'LIKE', 'ILIKE', '!=', '='}'"],
  ])('malformed filter %j → 400 with MLflow’s message', async (filter, message) => {
    const res = await api.post('experiments/search', { max_results: 3, filter });
    expectError(res, 400, 'INVALID_PARAMETER_VALUE');
    // MLflow prints Python sets, whose order is not stable: compare as a multiset of characters
    // only where a set is printed.
    const msg = (res.json as { message: string }).message;
    if (message.includes('{')) expect([...msg].sort()).toEqual([...message].sort());
    else expect(msg).toBe(message);
  });

  it.each([["foo = 'a'"], ["tags.k = 'v' AND bar > 1"]])('unknown attribute in filter %j → 400', async (filter) => {
    expectError(await api.post('experiments/search', { max_results: 3, filter }), 400, 'INVALID_PARAMETER_VALUE', /^Invalid attribute key '(foo|bar)' specified\. Valid keys are /);
  });

  it('unknown order_by key → 400', async () => {
    expectError(
      await api.post('experiments/search', { max_results: 3, order_by: ['foo'] }),
      400,
      'INVALID_PARAMETER_VALUE',
      /^Invalid attribute key 'foo' specified\. Valid keys are /,
    );
  });
});
