// The official mlflow client's fluent tracking API against a real Minflow server: set_experiment,
// start_run / nested runs / end_run, params, metrics, tags, log_input with a pandas dataset,
// MlflowClient.log_batch (NaN and Inf values), delete_run / restore_run. Script: py/tracking_basics.py.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { runCompatScript, type CompatRun } from './harness.js';

let server: ServerProcess;
let run: CompatRun;

beforeAll(async () => {
  server = await startServer();
  run = await runCompatScript('tracking_basics.py', server);
});
afterAll(async () => {
  await server?.stop();
});

describe('official client: tracking basics (py/tracking_basics.py)', () => {
  it('reports every section (the script ran to its end)', () => {
    expect(Object.keys(run.summary.sections)).toEqual(['experiment', 'runs', 'dataset', 'log_batch', 'lifecycle']);
    expect(run.summary.mlflow_version).toBe('3.17.2');
    expect(run.summary.tracking_uri).toBe(server.url);
    expect(run.code, 'exit code 0 exactly when no section failed').toBe(run.summary.ok ? 0 : 1);
  });

  it('set_experiment creates the experiment, then reuses it (same id)', () => {
    const d = run.section<{ name: string; first_id: string; second_id: string }>('experiment');
    expect(d.first_id).toMatch(/^[1-9]\d*$/);
    expect(d.second_id).toBe(d.first_id);
    expect(d.name).toMatch(/^compat-basics-/);
  });

  it('start_run / nested start_run / end_run: params as strings, latest metrics, system tags, parentRunId', () => {
    const d = run.section<{
      run_id: string;
      status: string;
      end_time_set: boolean;
      params: Record<string, string>;
      metrics: Record<string, number>;
      run_name_tag: string;
      user_tag: string;
      source_type_tag: string;
      child_parent_tag: string;
      loss_steps: number[];
    }>('runs');
    expect(d.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(d.status).toBe('FINISHED');
    expect(d.end_time_set).toBe(true);
    expect(d.params).toEqual({ lr: '0.01', depth: '5', model: 'rf', flag: 'True' });
    expect(d.metrics).toEqual({ loss: 0.35, acc: 0.85, f1: 0.75 });
    expect(d.run_name_tag).toBe('parent-run');
    expect(d.user_tag).toBeTruthy();
    expect(d.source_type_tag).toBe('LOCAL');
    expect(d.child_parent_tag).toBe(d.run_id);
    expect(d.loss_steps).toEqual([0, 1, 2, 3, 4]);
  });

  it('log_input(from_pandas(...), context="training"): name, digest, schema, profile, context tag; dataset.* filters', () => {
    const d = run.section<{ name: string; digest: string; digest_matches: boolean; context: string; profile: object }>('dataset');
    expect(d.name).toMatch(/^churn-train-/);
    expect(d.digest).toMatch(/^[0-9a-f]{8}$/);
    expect(d.digest_matches).toBe(true);
    expect(d.context).toBe('training');
    expect(d.profile).toEqual({ num_rows: 4, num_elements: 12 });
  });

  it('MlflowClient.log_batch: metrics, params, tags; a NaN metric comes back NaN', () => {
    const d = run.section<{ nan_metric: unknown; rmse: number; status: string }>('log_batch');
    expect(d.nan_metric).toBe('NaN'); // float('nan') on the Python side, encoded as "NaN" in the summary
    expect(d.rmse).toBe(1.0);
    expect(d.status).toBe('KILLED');
  });

  it('delete_run / restore_run round-trip lifecycle_stage and run_view_type; writes to a deleted run are refused', () => {
    const d = run.section<{ active_count: number }>('lifecycle');
    expect(d.active_count).toBe(4); // parent, child, with-dataset, batch-run
    expect(d.errors?.['log_param to a deleted run']?.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
