// The official mlflow client against a real Minflow server: a 30,000-step metric history (log_batch
// chunks of 1000; get_metric_history pages 25,000 at a time) and the error codes the client sees for
// a missing run, a param overwrite, a duplicate experiment name and bad filter strings, with the HTTP
// statuses behind them (a 5xx would make the client retry for minutes), and int64 values past 2^53.
// Script: py/history_and_errors.py.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { runCompatScript, type CompatRun } from './harness.js';

let server: ServerProcess;
let run: CompatRun;

beforeAll(async () => {
  server = await startServer();
  run = await runCompatScript('history_and_errors.py', server);
});
afterAll(async () => {
  await server?.stop();
});

describe('official client: metric history and errors (py/history_and_errors.py)', () => {
  it('reports every section (the script ran to its end)', () => {
    expect(Object.keys(run.summary.sections)).toEqual(['setup', 'history', 'errors', 'int64']);
    expect(run.code, 'exit code 0 exactly when no section failed').toBe(run.summary.ok ? 0 : 1);
  });

  it('get_metric_history returns all 30,000 steps in step order (REST pages 25,000 + 5,000)', () => {
    const d = run.section<{ count: number; first_step: number; last_step: number; page_sizes: number[]; log_seconds: number; read_seconds: number }>(
      'history',
    );
    expect(d.count).toBe(30_000);
    expect(d.first_step).toBe(0);
    expect(d.last_step).toBe(29_999);
    expect(d.page_sizes).toEqual([25_000, 5_000]);
  });

  it('int64 past 2^53 round-trips exactly: steps, timestamps, start_time, searches, an 18-digit experiment id', () => {
    // The checks themselves are on the Python side, where ints are exact; a failed one fails here.
    const d = run.section<Record<string, unknown>>('int64');
    expect(d.errors?.['set_experiment of an 18-digit id']?.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('error codes: RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, RESOURCE_ALREADY_EXISTS, bad filters', () => {
    const d = run.section<{ http: Record<string, [number, string]> }>('errors');
    const code = (label: string) => d.errors?.[label]?.error_code;
    expect(code('get_run of a missing run')).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(code('get_experiment of a missing id')).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(code('mlflow.log_param overwrite')).toBe('INVALID_PARAMETER_VALUE');
    expect(code('log_batch param overwrite')).toBe('INVALID_PARAMETER_VALUE');
    expect(code('duplicate experiment name')).toBe('RESOURCE_ALREADY_EXISTS');
    expect(code('client bad filter: dangling comparator')).toBe('INVALID_PARAMETER_VALUE');
    expect(code('mlflow.search_runs bad filter')).toBe('INVALID_PARAMETER_VALUE');
    expect(code('bad page token')).toBe('INVALID_PARAMETER_VALUE');
    expect(d.http).toEqual({
      'missing run': [404, 'RESOURCE_DOES_NOT_EXIST'],
      'param overwrite': [400, 'INVALID_PARAMETER_VALUE'],
      'duplicate experiment': [400, 'RESOURCE_ALREADY_EXISTS'],
      'bad filter': [400, 'INVALID_PARAMETER_VALUE'],
    });
  });
});
