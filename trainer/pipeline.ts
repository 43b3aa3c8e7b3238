// One training, start to finish, as a function the CLI and the demo share: load and split the table,
// open a parent run, train and log one nested run per candidate model, register the best one and let
// it challenge `@production`. Talks to the server only through client/.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MlflowClient, MlflowRestError, type Experiment, type KeyValue } from '../client/index.js';
import { candidates as defaultCandidates, DEFAULT_MODELS } from './candidates.js';
import {
  abtToCsv,
  generateSyntheticAbt,
  loadDataset,
  parseDataset,
  splitDataset,
  type Dataset,
  type LoadOptions,
} from './data/index.js';
import { TrainerError, TrackingServerUnreachable } from './errors.js';
import { registerAndPromote, type Promotion } from './promotion/register.js';
import { CrossValidator, DEFAULT_CV_FOLDS, groupFolds, stratifiedFolds, type CvResult } from './selection/cv.js';
import { findLeakage, leakageMessage, type Leakage } from './selection/leakage.js';
import { planBlend } from './selection/blend.js';
import { randomSearch, type SearchResult } from './selection/tuning.js';
import { datasetInput, type DatasetOrigin } from './tracking/dataset-input.js';
import { trainAndLogModel, type Candidate, type ModelRunResult } from './tracking/model-run.js';
import { comparisonPlot } from './tracking/plots.js';
import { SILENT, type ProgressSink } from './tracking/progress-sink.js';
import { resolveSourceContext, sourceTags, type SourceContext } from './tracking/source-tags.js';

export type DataSource = { kind: 'csv'; path: string } | { kind: 'synthetic'; rows: number; seed?: number };

export interface TrainOptions {
  trackingUri: string;
  source: DataSource;
  /** Target, positive label, dropped columns. */
  load?: LoadOptions;
  /** `random` (default: scikit-learn's 80/20 split, seed 42), `group:<col>` or `time:<col>`. */
  split?: string;
  /** Test share (a fraction) or row count, as train_test_split's test_size; default 0.2. */
  testSize?: number;
  /** Seed of the split and of the cross-validation folds; default 42. */
  seed?: number;
  /**
   * Folds of the cross-validation on the training rows that chooses the best model (default 5).
   * 0 skips it and chooses on the test rows, as the seed did (the best test AUC is then biased upwards).
   */
  cvFolds?: number;
  /** Seconds the hyperparameter search of tunable candidates (gb) may take in all; 0 = no search. Default 20. */
  timeBudget?: number;
  experiment?: string;
  modelName?: string;
  minImprovement?: number;
  /** The models to compare; default: decision tree, 500-tree forest, ensemble, gradient boosting. */
  candidates?: Candidate[];
  progress?: ProgressSink;
  /** `mlflow.source.name`; default: the running script. */
  sourceName?: string;
  /** Extra params for the parent run (the CLI records its knobs, e.g. n_estimators). */
  extraParams?: Record<string, string>;
}

export interface TrainResult {
  trackingUri: string;
  experimentId: string;
  parentRunId: string;
  train: Dataset;
  test: Dataset;
  models: ModelRunResult[];
  best: ModelRunResult;
  /** How the best model was chosen. */
  selection: { by: 'cv' | 'test'; folds: number };
  /** Id-like columns whose values are on both sides of the split (leakage the test scores do not show). */
  leakage: Leakage[];
  promotion: Promotion;
  seconds: { load: number; register: number; total: number };
}

/** Seconds of hyperparameter search a training spends by default. */
export const DEFAULT_TIME_BUDGET = 20;

export const EXPERIMENT_KIND_TAG = 'mlflow.experimentKind';
export const MODEL_TRAINING_KIND = 'custom_model_development';

/** The first request of a training: a server that is not there fails here, before any model is fitted. */
async function connect(client: MlflowClient, experiment: string): Promise<Experiment> {
  let found: Experiment;
  try {
    found = await client.setExperiment(experiment);
  } catch (e) {
    if (e instanceof MlflowRestError) {
      if (e.status === 404) throw new TrackingServerUnreachable(client.trackingUri, `no MLflow API there: ${e.message}`);
      throw e;
    }
    // The client's message repeats the whole request URL; the server's address is already in ours.
    const message = (e as Error).message.replace(/^request to \S+ failed: /, '');
    throw new TrackingServerUnreachable(client.trackingUri, `no answer: ${message}`);
  }
  // mlflow.set_experiment refuses a deleted experiment too: its name stays taken until it is purged.
  if (found.lifecycle_stage === 'deleted') {
    throw new TrainerError(`experiment "${experiment}" is deleted: restore it or pass another --experiment`);
  }
  // The MLflow UI shows an experiment by its kind, read from this tag (else guessed, GenAI first); the
  // value is the one the UI itself stores for a "Machine learning" experiment. A kind already set stays.
  if (!(found.tags ?? []).some((t) => t.key === EXPERIMENT_KIND_TAG)) {
    await client.setExperimentTag(found.experiment_id, EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND);
  }
  return found;
}

async function loadTable(source: DataSource, load: LoadOptions): Promise<{ ds: Dataset; name: string; origin: (ctx: SourceContext) => DatasetOrigin }> {
  if (source.kind === 'synthetic') {
    const seed = source.seed ?? 42;
    return {
      ds: parseDataset(abtToCsv(generateSyntheticAbt(source.rows, seed)), load),
      name: `synthetic_abt_${source.rows}`,
      origin: (ctx) => ({ kind: 'code', tags: Object.fromEntries(sourceTags(ctx).map((t) => [t.key, t.value])) }),
    };
  }
  const file = path.resolve(source.path);
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) throw new TrainerError(`${source.path} is not a file`);
  } catch (e) {
    if (e instanceof TrainerError) throw e;
    throw new TrainerError(`cannot read ${source.path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return { ds: await loadDataset(file, load), name: path.basename(file).replace(/\.[^.]+$/, ''), origin: () => ({ kind: 'file', path: file }) };
}

/** The first model with the highest score (mean CV ROC AUC, or test ROC AUC without CV); NaN loses. */
function bestBy(models: ModelRunResult[], score: (m: ModelRunResult) => number): ModelRunResult {
  const s = (m: ModelRunResult) => (Number.isNaN(score(m)) ? -Infinity : score(m));
  return models.reduce((best, m) => (s(m) > s(best) ? m : best));
}

/** Folds that keep apart what the split keeps apart: grouped by the split's column, else stratified. */
function foldAssignment(train: Dataset, split: string, folds: number, seed: number): Int32Array {
  const group = /^group:(.+)$/.exec(split)?.[1];
  if (group !== undefined) {
    const values = train.extra.get(group) ?? Array.from(train.columns[train.featureNames.indexOf(group)] ?? [], (v) => String(v));
    return groupFolds(values, folds);
  }
  return stratifiedFolds(train.y, folds, seed);
}

function kv(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

function runName(): string {
  return `training-${new Date().toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '')}`;
}

export async function trainChurn(o: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const progress = o.progress ?? SILENT;
  const client = new MlflowClient(o.trackingUri);
  const load = o.load ?? {};
  const split = o.split ?? 'random';
  const modelName = o.modelName ?? 'churn';
  const minImprovement = o.minImprovement ?? 0;
  const seed = o.seed ?? 42;
  const cvFolds = o.cvFolds ?? DEFAULT_CV_FOLDS;
  const timeBudget = o.timeBudget ?? DEFAULT_TIME_BUDGET;
  const cands = o.candidates ?? defaultCandidates(DEFAULT_MODELS);
  if (cands.length === 0) throw new RangeError('no models to train');
  if (!(Number.isInteger(cvFolds) && (cvFolds === 0 || cvFolds >= 2))) throw new RangeError(`cvFolds must be 0 or an integer >= 2, got ${cvFolds}`);

  progress.phase('loading data', 1);
  const table = await loadTable(o.source, load);
  const { train, test } = splitDataset(table.ds, split, { randomState: seed, ...(o.testSize !== undefined ? { testSize: o.testSize } : {}) });
  const loadSeconds = (performance.now() - started) / 1000;
  progress.advance(1);
  const leakage = findLeakage(train, test, split);
  for (const l of leakage) progress.note(`warning: ${leakageMessage(l)}`);

  progress.phase(`connecting to ${o.trackingUri}`, 1);
  const experiment = await connect(client, o.experiment ?? 'churn');
  const source = await resolveSourceContext({ sourceName: o.sourceName });
  progress.advance(1);

  const origin = table.origin(source);
  const inputs = {
    train: datasetInput(train, { name: `${table.name}_train`, origin, context: 'train' }),
    test: datasetInput(test, { name: `${table.name}_test`, origin, context: 'eval' }),
  };
  const parent = await client.createRun(experiment.experiment_id, { runName: runName(), userId: source.user, tags: sourceTags(source) });
  const parentRunId = parent.info.run_id;
  try {
    await client.logBatch(parentRunId, {
      params: kv({
        data: o.source.kind === 'csv' ? path.resolve(o.source.path) : `synthetic:${o.source.rows}`,
        target: train.target.name,
        positive_label: train.target.positiveLabel,
        split,
        seed: String(seed),
        cv_folds: String(cvFolds),
        time_budget: String(timeBudget),
        n_train: String(train.nRows),
        n_test: String(test.nRows),
        n_features: String(train.featureNames.length),
        models: cands.map((c) => c.key).join(','),
        registered_model_name: modelName,
        min_improvement: String(minImprovement),
        ...o.extraParams,
      }),
    });
    await client.logInputs(parentRunId, [inputs.train, inputs.test]);

    if (leakage.length > 0) await client.logBatch(parentRunId, { tags: [{ key: 'split_leakage', value: leakage.map(leakageMessage).join(' ') }] });

    // Cross-validation first, on the training rows only: it chooses the model; the test rows then score
    // each model once. Blends come after the models they vote over: they reuse those models' CV fold
    // probabilities and, later, their fitted models.
    const singles = cands.filter((c) => c.blend === undefined);
    const blends = cands.filter((c) => c.blend !== undefined);
    const cv = new Map<Candidate, CvResult>();
    const tuned = new Map<Candidate, SearchResult>();
    const final = new Map<Candidate, Candidate>(cands.map((c) => [c, c]));
    const validator =
      cvFolds > 0 ? new CrossValidator(train, foldAssignment(train, split, cvFolds, seed), { onFold: () => progress.advance(1) }) : undefined;
    if (validator) {
      const tunable = singles.filter((c) => c.tune !== undefined && timeBudget > 0);
      for (const c of singles) {
        if (c.tune !== undefined && tunable.includes(c)) {
          const budget = timeBudget / tunable.length;
          const search = await randomSearch(validator, c.tune, {
            budgetSeconds: budget,
            seed,
            onTrial: (t, s) => progress.phase(`tuning ${c.key}: trial ${t + 1}, ${s.toFixed(0)} of ${budget.toFixed(0)} s (${cvFolds}-fold CV of the training rows)`, cvFolds),
          });
          tuned.set(c, search);
          cv.set(c, search.best.cv);
          const best = search.best.params;
          final.set(c, { ...c, make: () => c.tune!.make(best), detail: `tuned: ${Object.entries(best).map(([k, v]) => `${k}=${v}`).join(' ')}` });
          continue;
        }
        progress.phase(`cross-validating ${c.key}${c.detail ? ` (${c.detail})` : ''}: ${cvFolds} folds of the training rows`, cvFolds);
        cv.set(c, await validator.evaluate(c.make(), c.key));
      }
    }

    const ctx = { client, experimentId: experiment.experiment_id, parentRunId, source, train, test, inputs, progress };
    const trained = new Map<Candidate, ModelRunResult>();
    for (const c of singles) trained.set(c, await trainAndLogModel(ctx, final.get(c)!, cv.get(c), tuned.get(c)));
    const byKey = new Map(singles.map((c) => [c.key, c]));
    for (const c of blends) {
      const plan = await planBlend(c, byKey, final, trained, validator, progress);
      if (plan.cv) cv.set(c, plan.cv);
      trained.set(c, await trainAndLogModel(ctx, plan.candidate, cv.get(c)));
    }
    const models = cands.map((c) => trained.get(c)!);
    const best = cvFolds > 0 ? bestBy(models, (m) => m.cv!.mean) : bestBy(models, (m) => m.test.report.rocAuc);

    const registerStart = performance.now();
    const promotion = await registerAndPromote(client, {
      modelName,
      modelId: best.modelId,
      estimator: best.estimator,
      challengerScore: best.test.report.rocAuc,
      test,
      minImprovement,
      progress,
    });
    const registerSeconds = (performance.now() - registerStart) / 1000;

    progress.phase('finishing the parent run', 1);
    const metrics = [{ key: 'best_test_roc_auc', value: best.test.report.rocAuc }];
    if (best.cv) metrics.push({ key: 'best_cv_roc_auc', value: best.cv.mean });
    const prodScore = promotion.previousProduction?.score;
    if (prodScore !== undefined) metrics.push({ key: 'production_test_roc_auc', value: prodScore });
    const now = Date.now();
    await client.logBatch(parentRunId, {
      metrics: metrics.map((m) => ({ ...m, timestamp: now, step: 0 })),
      tags: kv({
        best_model: best.estimator,
        best_run_id: best.runId,
        best_model_id: best.modelId,
        best_model_selection: cvFolds > 0 ? `mean ROC AUC of ${cvFolds}-fold cross-validation on the training rows` : 'ROC AUC on the test rows',
        registered_version: promotion.version,
        promotion_decision: promotion.decision.outcome,
        promotion_reason: promotion.decision.reason,
      }),
    });
    const plot = comparisonPlot(models);
    await client.artifacts.logBytes(parent.info.artifact_uri!, plot.path, plot.png, 'image/png');
    await client.setTerminated(parentRunId, 'FINISHED');
    progress.advance(1);
    progress.end();
    return {
      trackingUri: client.trackingUri,
      experimentId: experiment.experiment_id,
      parentRunId,
      train,
      test,
      models,
      best,
      selection: cvFolds > 0 ? { by: 'cv', folds: cvFolds } : { by: 'test', folds: 0 },
      leakage,
      promotion,
      seconds: { load: loadSeconds, register: registerSeconds, total: (performance.now() - started) / 1000 },
    };
  } catch (e) {
    progress.end();
    await client.setTerminated(parentRunId, 'FAILED').catch(() => undefined);
    throw e;
  }
}
