// The official mlflow client's searches against a real Minflow server: search_runs filters and
// order_by as a DataFrame (mlflow.search_runs) and as a list (MlflowClient.search_runs, with
// max_results + page_token paging), search_experiments (name/tag filters, order_by, view types),
// rename / delete / restore experiment. Script: py/search.py. Expected orders were checked against
// the official MLflow 3.17.2 server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { runCompatScript, type CompatRun } from './harness.js';

let server: ServerProcess;
let run: CompatRun;

beforeAll(async () => {
  server = await startServer();
  run = await runCompatScript('search.py', server);
});
afterAll(async () => {
  await server?.stop();
});

type Results = { results: Record<string, string[]> };

// A subset of the script's tables, checked again here so a change on either side shows up.
const FILTERS: Record<string, string[]> = {
  'metric gt': ['Alphabet', 'alpha'],
  'metric lt excludes NaN': ['beta'],
  'metric != includes NaN': ['epsilon', 'Alphabet', 'gamma', 'alpha'],
  'param eq': ['Alphabet', 'gamma', 'alpha'],
  'runName LIKE': ['Alphabet', 'delta', 'gamma', 'beta', 'alpha'],
  'LIKE is case-sensitive': ['Alphabet'],
  'ILIKE is not': ['Alphabet', 'alpha'],
  'status FINISHED': ['epsilon', 'Alphabet', 'beta', 'alpha'],
  'run_id IN': ['delta', 'alpha'],
  'tag IS NULL': ['epsilon', 'delta'],
  'three-way AND': ['Alphabet', 'alpha'],
  'no match': [],
};

const ORDERS: Record<string, string[]> = {
  'metric DESC (NaN then missing last)': ['Alphabet', 'alpha', 'gamma', 'beta', 'epsilon', 'delta'],
  'metric ASC (NaN then missing last)': ['beta', 'gamma', 'alpha', 'Alphabet', 'epsilon', 'delta'],
  'start_time ASC': ['alpha', 'beta', 'gamma', 'delta', 'Alphabet', 'epsilon'],
  'start_time DESC': ['epsilon', 'Alphabet', 'delta', 'gamma', 'beta', 'alpha'],
  'param ASC, ties by start_time DESC, missing last': ['beta', 'delta', 'Alphabet', 'gamma', 'alpha', 'epsilon'],
};

describe('official client: searches (py/search.py)', () => {
  it('reports every section (the script ran to its end)', () => {
    expect(Object.keys(run.summary.sections)).toEqual([
      'setup',
      'filters_list',
      'filters_dataframe',
      'order_by_list',
      'order_by_dataframe',
      'dataframe_shape',
      'paging',
      'experiments',
      'experiment_lifecycle',
    ]);
    expect(run.code, 'exit code 0 exactly when no section failed').toBe(run.summary.ok ? 0 : 1);
  });

  it('creates the six fixture runs', () => {
    expect(run.section<{ run_count: number }>('setup').run_count).toBe(6);
  });

  it('MlflowClient.search_runs filter strings (metrics, params, tags, attributes, LIKE/ILIKE, IN, IS NULL, AND)', () => {
    const { results } = run.section<Results>('filters_list');
    for (const [label, names] of Object.entries(FILTERS)) expect(results[label], label).toEqual(names);
  });

  it('mlflow.search_runs (DataFrame) with the same filter strings', () => {
    const { results } = run.section<Results>('filters_dataframe');
    for (const [label, names] of Object.entries(FILTERS)) expect(results[label], label).toEqual(names);
  });

  it('MlflowClient.search_runs order_by: metric DESC/ASC with NaN and missing last, start_time, params, tags', () => {
    const { results } = run.section<Results>('order_by_list');
    for (const [label, names] of Object.entries(ORDERS)) expect(results[label], label).toEqual(names);
    expect(results['filter + order_by']).toEqual(['gamma', 'alpha', 'Alphabet']);
  });

  it('mlflow.search_runs (DataFrame) with the same order_by', () => {
    const { results } = run.section<Results>('order_by_dataframe');
    for (const [label, names] of Object.entries(ORDERS)) expect(results[label], label).toEqual(names);
  });

  it('the DataFrame has run, metrics.*, params.* and tags.* columns', () => {
    const d = run.section<{ columns: string[]; rows: number }>('dataframe_shape');
    expect(d.rows).toBe(6);
    expect(d.columns).toEqual(expect.arrayContaining(['run_id', 'status', 'metrics.acc', 'params.model', 'tags.team', 'tags.mlflow.runName']));
  });

  it('max_results + page_token paging covers all 23 runs once, in order', () => {
    const d = run.section<{ page_sizes: number[]; total: number; filtered: number[] }>('paging');
    expect(d.page_sizes).toEqual([5, 5, 5, 5, 3]);
    expect(d.total).toBe(23);
    expect(d.filtered).toEqual([4, 9, 14, 19, 3, 8, 13, 18, 2, 7, 12, 17, 22]);
  });

  it('search_experiments: name LIKE/ILIKE, tags, IS NULL, order_by, view_type incl. deleted, paging', () => {
    const { results } = run.section<Results>('experiments');
    expect(results['LIKE active (default order creation_time DESC)']).toEqual(['beta', 'alpha']);
    expect(results['LIKE ALL']).toEqual(['gamma', 'beta', 'alpha']);
    expect(results['LIKE DELETED_ONLY']).toEqual(['gamma']);
    expect(results['tag = AND name']).toEqual(['gamma', 'alpha']);
    expect(results['tag IS NULL']).toEqual(['gamma', 'beta']);
    expect(results['order name DESC']).toEqual(['gamma', 'beta', 'alpha']);
  });

  it('rename_experiment, delete_experiment / restore_experiment (with its runs)', () => {
    const d = run.section<{ renamed: string }>('experiment_lifecycle');
    expect(d.renamed).toMatch(/^compat-exps-[0-9a-f]{8}-renamed$/);
    expect(d.errors?.['set_experiment on a deleted experiment']?.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
