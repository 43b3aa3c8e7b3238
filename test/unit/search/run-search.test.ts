// search_runs semantics on a hand-built database: which runs match and in which order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowError } from '../../../server/errors.js';
import { compileRunSearch, type RunSearchInput } from '../../../server/search/index.js';
import { openDatabase, type Db } from '../../../server/store/db.js';

let db: Db;

interface RunRow {
  id: string;
  exp?: number;
  start?: number | null;
  end?: number | null;
  user?: string | null;
  status?: string;
  stage?: 'active' | 'deleted';
  /** runs.name; the mlflow.runName tag is set separately through `tags`. */
  name?: string | null;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

const RUNS: RunRow[] = [
  { id: 'a', start: 100, end: 200, user: 'alice', status: 'FINISHED', name: 'alpha', metrics: { acc: 0.9, loss: 0.3 }, params: { lr: '0.1', opt: 'Adam' }, tags: { env: 'prod', 'mlflow.runName': 'alpha' } },
  { id: 'b', start: 300, end: null, user: 'Bob', status: 'RUNNING', name: 'beta', metrics: { acc: NaN }, params: { lr: '0.01', opt: 'adam' }, tags: { env: 'Prod', 'mlflow.runName': 'beta' } },
  { id: 'c', start: 300, end: 350, user: 'carol', status: 'FAILED', name: 'gamma', metrics: { acc: 0.5 }, params: { lr: '1' }, tags: { 'mlflow.runName': 'gamma' } },
  { id: 'd', start: 200, end: 260, user: null, status: 'FINISHED', name: null, metrics: { acc: -1 }, params: {}, tags: { env: 'dev', 'mlflow.runName': 'delta' } },
  { id: 'e', start: null, end: null, user: 'alice', status: 'FINISHED', name: 'eps', metrics: {}, params: { lr: '0.1' }, tags: {} },
  { id: 'f', start: 400, end: 500, user: 'alice', status: 'FINISHED', stage: 'deleted', name: 'phi', metrics: { acc: 1 }, tags: { 'mlflow.runName': 'phi' } },
  { id: 'g', exp: 2, start: 50, end: 60, user: 'gus', status: 'FINISHED', name: 'g', metrics: { acc: 0.7 }, tags: { 'mlflow.runName': 'g' } },
];

beforeAll(() => {
  db = openDatabase(':memory:');
  const s = db.sqlite;
  s.prepare("INSERT OR REPLACE INTO experiments (experiment_id, name, lifecycle_stage) VALUES (1, 'one', 'active'), (2, 'two', 'active')").run();
  const run = s.prepare(
    'INSERT INTO runs (run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const metric = s.prepare('INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, 0, 0, ?, ?)');
  const param = s.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)');
  const tag = s.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
  for (const r of RUNS) {
    run.run(r.id, r.name ?? null, r.user ?? null, r.status ?? 'FINISHED', r.start ?? null, r.end ?? null, r.stage ?? 'active', `file:///art/${r.id}`, r.exp ?? 1);
    // As MLflow stores it: a NaN metric is value 0 with is_nan set.
    for (const [k, v] of Object.entries(r.metrics ?? {})) metric.run(k, Number.isNaN(v) ? 0 : v, Number.isNaN(v) ? 1 : 0, r.id);
    for (const [k, v] of Object.entries(r.params ?? {})) param.run(k, v, r.id);
    for (const [k, v] of Object.entries(r.tags ?? {})) tag.run(k, v, r.id);
  }
  s.prepare(
    "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source) VALUES ('d1', 1, 'train', 'abc', 'local', '{}'), ('d2', 1, 'eval', 'def', 'local', '{}')",
  ).run();
  const input = s.prepare("INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id) VALUES (?, 'DATASET', ?, 'RUN', ?)");
  input.run('i1', 'd1', 'a');
  input.run('i2', 'd2', 'a');
  input.run('i3', 'd1', 'c');
  s.prepare("INSERT INTO input_tags (input_uuid, name, value) VALUES ('i1', 'mlflow.data.context', 'training'), ('i2', 'mlflow.data.context', 'eval')").run();
});

afterAll(() => db.close());

function search(input: Partial<RunSearchInput>): string[] {
  const q = compileRunSearch({ experimentIds: ['1'], viewType: 'ACTIVE_ONLY', maxResults: 100, offset: 0, ...input });
  return (db.sqlite.prepare(q.sql).all(...q.params) as { run_uuid: string }[]).map((r) => r.run_uuid);
}

const where = (filter: string): string[] => search({ filter }).sort();
const ordered = (...orderBy: string[]): string[] => search({ orderBy });

describe('default order and paging', () => {
  it('orders by start_time DESC, NULL start_time last, then run_uuid', () => {
    expect(search({})).toEqual(['b', 'c', 'd', 'a', 'e']);
  });

  it('pages with LIMIT max_results + 1 and OFFSET', () => {
    expect(search({ maxResults: 2 })).toEqual(['b', 'c', 'd']);
    expect(search({ maxResults: 2, offset: 2 })).toEqual(['d', 'a', 'e']);
    expect(search({ maxResults: 2, offset: 4 })).toEqual(['e']);
  });

  it('filters by lifecycle stage (view type) and experiment', () => {
    expect(search({ viewType: 'DELETED_ONLY' })).toEqual(['f']);
    expect(search({ viewType: 'ALL' })).toEqual(['f', 'b', 'c', 'd', 'a', 'e']);
    expect(search({ experimentIds: ['1', '2'] })).toEqual(['b', 'c', 'd', 'a', 'g', 'e']);
    expect(search({ experimentIds: [] })).toEqual([]);
  });

  it("rejects experiment ids that are not integers, with MLflow's message", () => {
    expect(() => search({ experimentIds: ['1', 'abc'] })).toThrow("Invalid experiment ID 'abc'. Experiment ID must be a valid integer.");
  });
});

describe('metric filters use latest_metrics and never match a NaN placeholder', () => {
  it.each([
    ['metrics.acc > 0.5', ['a']],
    ['metrics.acc >= 0.5', ['a', 'c']],
    ['metrics.acc = 0.5', ['c']],
    ['metrics.acc < 0', ['d']],
    ['metrics.acc <= 0.5', ['c', 'd']],
    ['metrics.acc = 0', []],
    ['metrics.acc != 0.5', ['a', 'b', 'd']],
    ['metrics.loss < 1 AND metrics.acc > 0', ['a']],
    ['metrics.missing > 0', []],
    ['metrics.acc > -1e3', ['a', 'c', 'd']],
  ])('%s', (filter, ids) => expect(where(filter)).toEqual(ids));
});

describe('param and tag filters', () => {
  it.each([
    ["params.lr = '0.1'", ['a', 'e']],
    ["params.lr != '0.1'", ['b', 'c']],
    ["params.opt LIKE 'Ad%'", ['a']],
    ["params.opt LIKE 'ad%'", ['b']],
    ["params.opt ILIKE 'AD%'", ['a', 'b']],
    ["params.opt like 'a_am'", ['b']],
    ['params.opt IS NULL', ['c', 'd', 'e']],
    ['params.opt IS NOT NULL', ['a', 'b']],
    ["tags.env = 'prod'", ['a']],
    ["tags.env ILIKE 'prod'", ['a', 'b']],
    ['tags.env IS NULL', ['c', 'e']],
    ["tags.env IS NOT NULL AND tags.env != 'dev'", ['a', 'b']],
    ["tags.`mlflow.runName` = 'delta'", ['d']],
  ])('%s', (filter, ids) => expect(where(filter)).toEqual(ids));
});

describe('attribute filters', () => {
  it.each([
    ["attributes.status = 'FINISHED'", ['a', 'd', 'e']],
    ["status != 'FINISHED'", ['b', 'c']],
    ["status ILIKE 'fin%'", ['a', 'd', 'e']],
    ["user_id = 'alice'", ['a', 'e']],
    ["user_id LIKE 'b%'", []],
    ["user_id ILIKE 'b%'", ['b']],
    ["run_id IN ('a', 'c', 'zzz')", ['a', 'c']],
    ["run_id NOT IN ('a', 'c')", ['b', 'd', 'e']],
    ["artifact_uri LIKE '%/c'", ['c']],
    ['start_time >= 200', ['b', 'c', 'd']],
    ['created < 200', ['a']],
    ['end_time != 200', ['c', 'd']],
    // run_name reads the mlflow.runName tag, not the runs.name column.
    ["attributes.run_name = 'delta'", ['d']],
    ["run_name = 'eps'", []],
    ["`Run name` LIKE '%a'", ['a', 'b', 'c', 'd']],
  ])('%s', (filter, ids) => expect(where(filter)).toEqual(ids));
});

describe('dataset filters', () => {
  it.each([
    ["dataset.name = 'train'", ['a', 'c']],
    ["dataset.name IN ('eval')", ['a']],
    ["dataset.name != 'train'", ['a']],
    ["dataset.name NOT IN ('eval')", ['a', 'c']],
    ["dataset.digest LIKE 'de%'", ['a']],
    ["dataset.context = 'training'", ['a']],
    ["dataset.context ILIKE 'EVAL'", ['a']],
    ["dataset.name IN ('train') AND dataset.digest IN ('abc')", ['a', 'c']],
  ])('%s', (filter, ids) => expect(where(filter)).toEqual(ids));
});

describe('order_by', () => {
  it('puts NaN and then missing metrics last in both directions', () => {
    expect(ordered('metrics.acc DESC')).toEqual(['a', 'c', 'd', 'b', 'e']);
    expect(ordered('metrics.acc')).toEqual(['d', 'c', 'a', 'b', 'e']);
  });

  it('puts missing params/tags/attributes last in both directions', () => {
    expect(ordered('params.lr')).toEqual(['b', 'a', 'e', 'c', 'd']);
    expect(ordered('params.lr DESC')).toEqual(['c', 'a', 'e', 'b', 'd']);
    expect(ordered('tags.env DESC')).toEqual(['a', 'd', 'b', 'c', 'e']);
    expect(ordered('end_time')).toEqual(['a', 'd', 'c', 'b', 'e']);
    expect(ordered('end_time DESC')).toEqual(['c', 'd', 'a', 'b', 'e']);
    expect(ordered('user_id')).toEqual(['b', 'a', 'e', 'c', 'd']);
  });

  it('breaks ties by start_time DESC then run_uuid, unless start_time is ordered already', () => {
    expect(ordered('params.lr DESC')).toEqual(['c', 'a', 'e', 'b', 'd']);
    expect(ordered('attributes.start_time')).toEqual(['a', 'd', 'b', 'c', 'e']);
    expect(ordered('created DESC')).toEqual(['b', 'c', 'd', 'a', 'e']);
  });

  it('orders run_name by the runs.name column, and tags by their value', () => {
    expect(ordered('run_name')).toEqual(['a', 'b', 'e', 'c', 'd']);
    expect(ordered('tags.`mlflow.runName` DESC')).toEqual(['c', 'd', 'b', 'a', 'e']);
  });

  it('combines several keys', () => {
    expect(ordered('params.opt DESC', 'metrics.acc DESC')).toEqual(['b', 'a', 'c', 'd', 'e']);
  });
});

describe('SQL safety', () => {
  it('binds every user value as a parameter', () => {
    const evil = "x'); DROP TABLE runs; --";
    const q = compileRunSearch({
      experimentIds: ['1'],
      filter: `params.\`${evil}\` = '${evil.replaceAll("'", '')}' AND tags.t LIKE "%${evil.replaceAll('"', '')}%"`,
      orderBy: [`tags.\`${evil}\` DESC`],
      viewType: 'ALL',
      maxResults: 10,
      offset: 0,
    });
    expect(q.sql).not.toContain('DROP');
    expect(q.params).toContain(evil);
    expect(db.sqlite.prepare(q.sql).all(...q.params)).toEqual([]);
  });

  it('reports filter errors before order_by errors before comparator errors, as MLflow', () => {
    const err = (input: Partial<RunSearchInput>): string => {
      try {
        search(input);
      } catch (e) {
        expect(e).toBeInstanceOf(MlflowError);
        return (e as MlflowError).message;
      }
      return 'no error';
    };
    expect(err({ filter: "foo = 'x'", orderBy: ['bar'] })).toMatch(/^Invalid attribute key 'foo'/);
    expect(err({ filter: "params.a > 'x'", orderBy: ['bar'] })).toMatch(/^Invalid attribute key 'bar'/);
    expect(err({ filter: "params.a > 'x'", experimentIds: ['x'] })).toMatch(/^Invalid comparator '>'/);
  });
});
