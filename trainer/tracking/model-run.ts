// One nested run per model, logged as sklearn autolog would log a fit inside a parent run: params and
// estimator tags of the equivalent scikit-learn estimator, the two dataset inputs (`train`, `eval`), the
// fit, the metrics (all attached to the logged model; the training ones also to the training dataset),
// autolog's artifacts (training plots, estimator.html, metric_info.json) plus test-side plots, and the
// model itself as an MLflow-3 logged model.
import type { DatasetInput, KeyValue, Metric, MlflowClient } from '../../client/index.js';
import type { Dataset } from '../data/index.js';
import { evaluateBinary } from '../metrics/index.js';
import { RandomForestClassifier, VotingEnsemble, type Classifier } from '../models/index.js';
import { autologMetrics, estimatorName, metricInfoJson } from './autolog.js';
import { logModel } from './logged-model.js';
import { modelPlots, type Scored } from './plots.js';
import { autologEstimatorTags, autologParams, sklearnEstimator } from './sklearn-params.js';
import { pyRepr } from './sklearn-repr.js';
import type { CvResult } from '../selection/cv.js';
import type { SearchResult, Tunable } from '../selection/tuning.js';
import type { ProgressSink } from './progress-sink.js';
import { sourceTags, type SourceContext } from './source-tags.js';

/** MLflow's log-batch caps (mlflow/utils/validation.py). */
const MAX_PARAMS_TAGS_PER_BATCH = 100;
const MAX_METRICS_PER_BATCH = 1000;

export interface Candidate {
  /** Short name used on the command line (dt, rf, …). */
  key: string;
  make(): Classifier;
  /** What the progress bar says while it fits, e.g. "500 trees". */
  detail?: string;
  /** Hyperparameters to search by cross-validation before the fit (within the training's time budget). */
  tune?: Tunable;
  /**
   * A soft vote over these members, weighted by ensemble selection on their CV fold probabilities
   * (selection/ensemble-selection.ts). A member whose key is another candidate of the same training is
   * that candidate's model (tuned, and already fitted); the others are `make()`'s.
   */
  blend?: BlendMember[];
}

export interface BlendMember {
  /** Member name in the ensemble (its params are logged as `<name>__<param>`). */
  name: string;
  /** The candidate that supplies it, when that candidate is trained too. */
  key: string;
  make(): Classifier;
}

export interface RunContext {
  client: MlflowClient;
  experimentId: string;
  parentRunId: string;
  source: SourceContext;
  train: Dataset;
  test: Dataset;
  inputs: Record<'train' | 'test', DatasetInput>;
  progress: ProgressSink;
}

export interface ModelRunResult {
  key: string;
  estimator: string;
  runId: string;
  modelId: string;
  classifier: Classifier;
  train: Scored;
  test: Scored;
  /** Cross-validation on the training rows, when the training ran one. */
  cv?: CvResult;
  fitSeconds: number;
  /** Logging the run: metrics, plots, model upload. */
  logSeconds: number;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Why a forest (alone or in an ensemble) fell back to one thread: the fit is fine, only slower. */
function workerErrors(model: Classifier): string[] {
  if (model instanceof RandomForestClassifier) return model.lastFitWorkerErrors;
  if (model instanceof VotingEnsemble) return model.members.flatMap((m) => workerErrors(m.model));
  return [];
}

function score(model: Classifier, ds: Dataset): Scored {
  const proba = model.predictProba(ds);
  return { y: ds.y, proba, report: evaluateBinary(ds.y, proba) };
}

async function logParams(client: MlflowClient, runId: string, params: KeyValue[]): Promise<void> {
  for (const batch of chunks(params, MAX_PARAMS_TAGS_PER_BATCH)) await client.logBatch(runId, { params: batch });
}

/** estimator.html: autolog writes scikit-learn's HTML view of the estimator; ours shows its repr. */
export function estimatorHtml(repr: string): string {
  const escaped = repr.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8"/>\n  </head>\n  <body>\n    <pre>${escaped}</pre>\n  </body>\n</html>\n`;
}

/** The CV metrics: mean and spread, and each fold's AUC as the steps of one metric's history. */
function cvMetrics(cv: CvResult): { key: string; value: number; step: number }[] {
  return [
    { key: 'cv_roc_auc', value: cv.mean, step: 0 },
    { key: 'cv_roc_auc_std', value: cv.std, step: 0 },
    ...cv.foldAuc.map((value, step) => ({ key: 'cv_fold_roc_auc', value, step })),
  ];
}

export async function trainAndLogModel(ctx: RunContext, candidate: Candidate, cv?: CvResult, tuning?: SearchResult): Promise<ModelRunResult> {
  const { client, progress } = ctx;
  const classifier = candidate.make();
  const estimator = estimatorName(classifier.kind);
  const run = await client.createRun(ctx.experimentId, {
    runName: estimator,
    userId: ctx.source.user,
    tags: [{ key: 'mlflow.parentRunId', value: ctx.parentRunId }, ...sourceTags(ctx.source)],
  });
  const runId = run.info.run_id;
  try {
    const tags = Object.entries(autologEstimatorTags(classifier)).map(([key, value]) => ({ key, value }));
    await client.logBatch(runId, { tags });
    await client.logInputs(runId, [ctx.inputs.train, ctx.inputs.test]);

    progress.phase(`fitting ${estimator}${candidate.detail ? ` (${candidate.detail})` : ''}`, 1);
    const fitStart = performance.now();
    await classifier.fit(ctx.train, ctx.train.y);
    const fitSeconds = (performance.now() - fitStart) / 1000;
    progress.advance(1);
    for (const reason of workerErrors(classifier)) progress.note(`${estimator}: forest worker threads did not start (${reason}); fitted on the main thread`);

    // Logged after the fit (autolog logs them before): a thread count left to Minflow is known only now.
    const params = Object.entries(autologParams(classifier)).map(([key, value]) => ({ key, value }));
    await logParams(client, runId, params);

    const logStart = performance.now();
    const train = score(classifier, ctx.train);
    const test = score(classifier, ctx.test);
    const model = await logModel(client, {
      experimentId: ctx.experimentId,
      runId,
      name: classifier.kind,
      classifier,
      train: ctx.train,
      params,
      tags: sourceTags(ctx.source),
      progress,
    });
    const modelId = model.info.model_id;

    progress.phase(`logging ${estimator} metrics and plots`, 1);
    const timestamp = Date.now();
    const sklearn = sklearnEstimator(classifier);
    const named = autologMetrics(sklearn.name, train.report, test.report);
    const metrics: Metric[] = named.map((m) => ({
      key: m.key,
      value: m.value,
      timestamp,
      step: 0,
      run_id: runId,
      // As autolog does: every metric names the logged model (so it shows on the model's page); the
      // training ones also name the dataset they were computed on.
      model_id: modelId,
      ...(m.kind === 'training' ? { dataset_name: ctx.inputs.train.dataset.name, dataset_digest: ctx.inputs.train.dataset.digest } : {}),
    }));
    // Cross-validated on the training rows: linked to the model and the training dataset.
    if (cv) {
      for (const m of cvMetrics(cv)) {
        metrics.push({ ...m, timestamp, run_id: runId, model_id: modelId, dataset_name: ctx.inputs.train.dataset.name, dataset_digest: ctx.inputs.train.dataset.digest });
      }
    }
    if (tuning) metrics.push({ key: 'tuning_trials', value: tuning.trials.length, timestamp, step: 0, run_id: runId, model_id: modelId });
    for (const batch of chunks(metrics, MAX_METRICS_PER_BATCH)) await client.logBatch(runId, { metrics: batch });
    const artifactUri = run.info.artifact_uri!;
    if (tuning) {
      const trials = tuning.trials.map((t, i) => ({
        trial: i,
        started_seconds: t.started,
        params: t.params,
        cv_roc_auc: t.cv.mean,
        cv_roc_auc_std: t.cv.std,
        chosen: t === tuning.best,
      }));
      const doc = { seconds: tuning.seconds, stopped_by: tuning.stopped, trials };
      await client.artifacts.logBytes(artifactUri, 'tuning_trials.json', Buffer.from(JSON.stringify(doc, null, 2)), 'application/json');
    }
    await client.artifacts.logBytes(artifactUri, 'metric_info.json', Buffer.from(metricInfoJson(named)), 'application/json');
    await client.artifacts.logBytes(artifactUri, 'estimator.html', Buffer.from(estimatorHtml(pyRepr(sklearn))), 'text/html');
    const plots = modelPlots({
      estimator,
      target: ctx.train.target,
      featureNames: classifier.featureNames,
      importances: classifier.featureImportances(),
      train,
      test,
    });
    for (const p of plots) await client.artifacts.logBytes(artifactUri, p.path, p.png, 'image/png');
    await client.setTerminated(runId, 'FINISHED');
    progress.advance(1);
    const logSeconds = (performance.now() - logStart) / 1000;
    return { key: candidate.key, estimator, runId, modelId, classifier, train, test, ...(cv ? { cv } : {}), fitSeconds, logSeconds };
  } catch (e) {
    await client.setTerminated(runId, 'FAILED').catch(() => undefined);
    throw e;
  }
}
