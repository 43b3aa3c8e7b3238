// Every filter, order_by list and page token below was run through the official MLflow 3.17.2
// SQL stores (fixtures/generate.py); we must accept what it accepts, with the same meaning, and
// reject what it rejects, with the same INVALID_PARAMETER_VALUE message.
import { describe, it } from 'vitest';
import { createPageToken, parseFilter, parseOrderBy, parseStartOffset, type SearchKind } from '../../../server/search/index.js';
import type { StringOrderByKind } from '../../../server/search/order-by.js';
import { expectLikeMlflow, loadFixture, type Outcome } from './mlflow-fixtures.js';

interface ParseFixtures {
  filters: Record<SearchKind, ({ filter: string } & Outcome<unknown>)[]>;
  orderBy: Record<StringOrderByKind, ({ orderBy: string[] } & Outcome<unknown>)[]>;
  pageTokens: ({ token: string } & Outcome<number>)[];
  createdTokens: { offset: number; token: string }[];
}

const fixtures = loadFixture<ParseFixtures>('mlflow-parse-cases.json');

describe.each(Object.keys(fixtures.filters) as SearchKind[])('%s filters match MLflow', (kind) => {
  it.each(fixtures.filters[kind].map((c) => [c.filter, c] as const))('%j', (filter, outcome) => {
    expectLikeMlflow(outcome, () => parseFilter(kind, filter));
  });
});

describe.each(Object.keys(fixtures.orderBy) as StringOrderByKind[])('%s order_by matches MLflow', (kind) => {
  it.each(fixtures.orderBy[kind].map((c) => [c.orderBy, c] as const))('%j', (orderBy, outcome) => {
    expectLikeMlflow(outcome, () => parseOrderBy(kind, orderBy));
  });
});

describe('page tokens match MLflow', () => {
  it.each(fixtures.pageTokens.map((c) => [c.token, c] as const))('parse %j', (token, outcome) => {
    expectLikeMlflow(outcome, () => parseStartOffset(token));
  });

  it.each(fixtures.createdTokens.map((c) => [c.offset, c.token] as const))('create_page_token(%d)', (offset, token) => {
    expectLikeMlflow({ ok: token }, () => createPageToken(offset));
  });
});
