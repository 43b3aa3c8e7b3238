// What the trainer logs for each model against what `mlflow.sklearn.autolog()` logs for the same
// scikit-learn estimator fitted on the same rows (py3/trainer_autolog.py, the seed's split of abt.csv),
// both read back by the official client from one Minflow server: the same params (str() of
// get_params(deep=True), thread counts and seeds as used), estimator tags, metric names with the same
// values (weighted training precision/recall/F1, <Estimator>_score_X_test, ...), dataset contexts,
// artifact names, logged-model params and metric links, and metric_info.json.
//
// The trainer logs a little more than autolog does (noted in EXTRA): test-side ROC AUC and average
// precision, which autolog cannot name (roc_auc_score on predict_proba(X)[:, 1] is on a new array), the
// cross-validation scores, the test plots and feature importances. Everything autolog logs, the trainer logs too.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidates } from '../../trainer/candidates.js';
import { trainChurn } from '../../trainer/pipeline.js';
import { startCompatTarget } from '../helpers/compat-target.js';
import { ABT_CSV } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';
import type { ServerProcess } from '../helpers/server-process.js';

const N_ESTIMATORS = 100;
const EXPERIMENT = 'autolog-compare';
const KINDS = ['decision_tree', 'random_forest', 'logistic_regression', 'voting_ensemble'] as const;
const EXTRA = {
  // Plus the cross-validation on the training rows that chose the best model.
  metrics: ['roc_auc_score_X_test', 'average_precision_score_X_test', 'cv_roc_auc', 'cv_roc_auc_std', 'cv_fold_roc_auc'],
  artifacts: ['feature_importance.png', 'precision_recall_curve.png', 'roc_curve.png', 'test_confusion_matrix.png'],
};

interface RunView {
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  inputs: { context: string | null; rows: number }[];
  artifacts: string[];
  metric_info: Record<string, string> | null;
  logged_models: { params: Record<string, string>; metrics: Record<string, { value: number; dataset: boolean }> }[];
}

let server: ServerProcess;
let both: { reference: Record<string, RunView>; minflow: Record<string, RunView> };

beforeAll(async () => {
  if (!fs.existsSync(ABT_CSV)) throw new Error(`${ABT_CSV} is missing: the seed's table must sit in ../shared/data/abt.csv`);
  server = await startCompatTarget();
  try {
    const result = await trainChurn({
      trackingUri: server.url,
      source: { kind: 'csv', path: ABT_CSV },
      candidates: candidates(['dt', 'rf', 'lr', 'ensemble'], N_ESTIMATORS),
      experiment: EXPERIMENT,
    });
    // The reference fits with the thread counts the trainer's forests used (n_jobs is logged as used).
    const threads = (key: string) => {
      const m = result.models.find((r) => r.key === key)!;
      const c = m.classifier as unknown as { lastFitThreads?: number; members?: { name: string; model: { lastFitThreads: number } }[] };
      return c.lastFitThreads ?? c.members!.find((x) => x.name === 'rf')!.model.lastFitThreads;
    };
    const res = await runPython<typeof both>(
      'test/compat/py3/trainer_autolog.py',
      [EXPERIMENT, String(N_ESTIMATORS), String(threads('rf')), String(threads('ensemble'))],
      { MLFLOW_TRACKING_URI: server.url, PYTHONWARNINGS: 'ignore' },
    );
    expect(res.code, res.stderr.slice(-4000)).toBe(0);
    both = res.json;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server output\n${server?.output().slice(-4000)}`);
  }
}, 900_000);

afterAll(async () => {
  await server?.stop();
  if (server?.dataDir) fs.rmSync(server.dataDir, { recursive: true, force: true });
}, 60_000);

describe.each(KINDS)('%s: the trainer logs what autolog logs', (kind) => {
  const ours = () => both.minflow[kind]!;
  const ref = () => both.reference[kind]!;

  it('params: str() of get_params(deep=True), seeds and threads as used', () => {
    expect(ours().params).toEqual(ref().params);
  });

  it('estimator tags', () => {
    expect(ours().tags).toEqual(ref().tags);
  });

  it('metric names, each with autolog’s value (weighted training scores, <Estimator>_score_X_test, …)', () => {
    const mine = ours().metrics;
    const theirs = ref().metrics;
    expect(Object.keys(mine).sort()).toEqual([...Object.keys(theirs), ...EXTRA.metrics].sort());
    for (const [key, value] of Object.entries(theirs)) {
      expect(Math.abs(mine[key]! - value), `${kind} ${key}: ours ${mine[key]} vs autolog ${value}`).toBeLessThanOrEqual(1e-9);
    }
  });

  it('dataset contexts: the rows fit() saw as train, the rows scored after as eval', () => {
    expect(ours().inputs.map((i) => i.context)).toEqual(['eval', 'train']);
    // Autolog logs the rows of each predict() call: X_train and X_test both appear as eval datasets in
    // its run, whereas the trainer names the test rows once; the contexts and the row counts agree.
    expect(ref().inputs.map((i) => i.context)).toEqual(expect.arrayContaining(['eval', 'train']));
    expect(ours().inputs.map((i) => i.rows)).toEqual([811, 3244]);
    expect(ref().inputs.find((i) => i.context === 'train')!.rows).toBe(3244);
  });

  it('artifact names', () => {
    expect(ours().artifacts).toEqual([...ref().artifacts, ...EXTRA.artifacts].sort());
  });

  it('metric_info.json: the call behind each post-training metric', () => {
    const mine = ours().metric_info!;
    for (const [key, call] of Object.entries(ref().metric_info!)) expect(mine[key], key).toBe(call);
  });

  it('the logged model: same params, every metric linked, the training ones to the training dataset', () => {
    expect(ours().logged_models).toHaveLength(1);
    expect(ref().logged_models).toHaveLength(1);
    const mine = ours().logged_models[0]!;
    const theirs = ref().logged_models[0]!;
    expect(mine.params).toEqual(theirs.params);
    for (const [key, m] of Object.entries(theirs.metrics)) {
      expect(mine.metrics[key], key).toBeDefined();
      expect(mine.metrics[key]!.dataset, `${key} linked to a dataset`).toBe(m.dataset);
      expect(Math.abs(mine.metrics[key]!.value - m.value)).toBeLessThanOrEqual(1e-9);
    }
  });
});
