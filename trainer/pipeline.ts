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
  experiment?: string;
  modelName?: string;
  minImprovement?: number;
  /** The models to compare; default: decision tree, 500-tree forest, ensemble. */
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
  promotion: Promotion;
  seconds: { load: number; register: number; total: number };
}

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

function bestByTestAuc(models: ModelRunResult[]): ModelRunResult {
  const auc = (m: ModelRunResult) => (Number.isNaN(m.test.report.rocAuc) ? -Infinity : m.test.report.rocAuc);
  return models.reduce((best, m) => (auc(m) > auc(best) ? m : best));
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
  const cands = o.candidates ?? defaultCandidates(DEFAULT_MODELS);
  if (cands.length === 0) throw new RangeError('no models to train');

  progress.phase('loading data', 1);
  const table = await loadTable(o.source, load);
  const { train, test } = splitDataset(table.ds, split);
  const loadSeconds = (performance.now() - started) / 1000;
  progress.advance(1);

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

    const ctx = { client, experimentId: experiment.experiment_id, parentRunId, source, train, test, inputs, progress };
    const models: ModelRunResult[] = [];
    for (const c of cands) models.push(await trainAndLogModel(ctx, c));
    const best = bestByTestAuc(models);

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
    const prodScore = promotion.previousProduction?.score;
    if (prodScore !== undefined) metrics.push({ key: 'production_test_roc_auc', value: prodScore });
    const now = Date.now();
    await client.logBatch(parentRunId, {
      metrics: metrics.map((m) => ({ ...m, timestamp: now, step: 0 })),
      tags: kv({
        best_model: best.estimator,
        best_run_id: best.runId,
        best_model_id: best.modelId,
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
      promotion,
      seconds: { load: loadSeconds, register: registerSeconds, total: (performance.now() - started) / 1000 },
    };
  } catch (e) {
    progress.end();
    await client.setTerminated(parentRunId, 'FAILED').catch(() => undefined);
    throw e;
  }
}
