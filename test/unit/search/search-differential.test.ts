// Whole searches against the official MLflow: fixtures/generate_searches.py built a database with
// MLflow's own SqlAlchemyStore and recorded what search_runs / search_experiments returned. We load
// the same rows into our schema and must return the same ids, in the same order, with the same
// "is there a next page" answer — or the same error.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { compileExperimentSearch, compileRunSearch, type ViewType } from '../../../server/search/index.js';
import { openDatabase, type Db } from '../../../server/store/db.js';
import { expectLikeMlflow, loadFixture, type Outcome } from './mlflow-fixtures.js';

interface Page {
  ids: string[];
  names: string[];
  nextPage: boolean;
}

interface SearchFixtures {
  tables: Record<string, string[]>;
  rows: Record<string, unknown[][]>;
  runs: ({
    experimentIds: string[];
    filter: string | null;
    orderBy: string[] | null;
    viewType: ViewType;
    maxResults: number;
    offset: number;
  } & Outcome<Page>)[];
  experiments: ({ filter: string | null; orderBy: string[] | null; viewType: ViewType; maxResults: number; offset: number } & Outcome<Page>)[];
}

const fixtures = loadFixture<SearchFixtures>('mlflow-search-cases.json');
let db: Db;

beforeAll(() => {
  db = openDatabase(':memory:');
  db.sqlite.transaction(() => {
    for (const [table, columns] of Object.entries(fixtures.tables)) {
      const insert = db.sqlite.prepare(
        `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      for (const row of fixtures.rows[table] ?? []) insert.run(...row);
    }
  })();
});

afterAll(() => db.close());

function page(ids: string[], maxResults: number): Page {
  return { ids: ids.slice(0, maxResults), names: [], nextPage: ids.length > maxResults };
}

const withoutNames = (p: Page): Omit<Page, 'names'> => ({ ids: p.ids, nextPage: p.nextPage });

describe('search_runs matches MLflow', () => {
  const label = (c: SearchFixtures['runs'][number]): string =>
    `${JSON.stringify(c.filter)} order_by=${JSON.stringify(c.orderBy)} ${c.viewType} exps=${c.experimentIds.join(',')} ` +
    `max=${c.maxResults} offset=${c.offset}`;
  it.each(fixtures.runs.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    const expected = 'ok' in c ? { ok: withoutNames(c.ok) } : c;
    expectLikeMlflow(
      expected,
      () => {
        const q = compileRunSearch({
          experimentIds: c.experimentIds,
          filter: c.filter ?? undefined,
          orderBy: c.orderBy ?? undefined,
          viewType: c.viewType,
          maxResults: c.maxResults,
          offset: c.offset,
        });
        const rows = db.sqlite.prepare(q.sql).all(...q.params) as { run_uuid: string }[];
        return page(rows.map((r) => r.run_uuid), c.maxResults);
      },
      withoutNames,
    );
  });
});

describe('search_experiments matches MLflow', () => {
  const label = (c: SearchFixtures['experiments'][number]): string =>
    `${JSON.stringify(c.filter)} order_by=${JSON.stringify(c.orderBy)} ${c.viewType} max=${c.maxResults} offset=${c.offset}`;
  it.each(fixtures.experiments.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    const expected = 'ok' in c ? { ok: withoutNames(c.ok) } : c;
    expectLikeMlflow(
      expected,
      () => {
        const q = compileExperimentSearch({
          filter: c.filter ?? undefined,
          orderBy: c.orderBy ?? undefined,
          viewType: c.viewType,
          maxResults: c.maxResults,
          offset: c.offset,
        });
        const rows = db.sqlite.prepare(q.sql).all(...q.params) as { experiment_id: number }[];
        return page(rows.map((r) => String(r.experiment_id)), c.maxResults);
      },
      withoutNames,
    );
  });
});
