// One nested run per model, logged as sklearn autolog would log a fit inside a parent run: params and
// estimator tags, the two dataset inputs, the fit, the metrics (attached to the logged model and to the
// split they were computed on), the plots, and the model itself as an MLflow-3 logged model.
import type { DatasetInput, KeyValue, Metric, MlflowClient } from '../../client/index.js';
import type { Dataset } from '../data/index.js';
import { evaluateBinary } from '../metrics/index.js';
import { paramsAsStrings, RandomForestClassifier, VotingEnsemble, type Classifier } from '../models/index.js';
import { autologMetrics, estimatorName, estimatorTags, type Side } from './autolog.js';
import { logModel } from './logged-model.js';
import { modelPlots, type Scored } from './plots.js';
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
}

export interface RunContext {
  client: MlflowClient;
  experimentId: string;
  parentRunId: string;
  source: SourceContext;
  train: Dataset;
  test: Dataset;
  inputs: Record<Side, DatasetInput>;
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

async function logParamsAndTags(client: MlflowClient, runId: string, params: KeyValue[], tags: KeyValue[]): Promise<void> {
  const paramBatches = chunks(params, MAX_PARAMS_TAGS_PER_BATCH);
  for (let i = 0; i < Math.max(1, paramBatches.length); i++) {
    await client.logBatch(runId, { params: paramBatches[i] ?? [], tags: i === 0 ? tags : [] });
  }
}

export async function trainAndLogModel(ctx: RunContext, candidate: Candidate): Promise<ModelRunResult> {
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
    const params = Object.entries(paramsAsStrings(classifier.params())).map(([key, value]) => ({ key, value }));
    const tags = Object.entries(estimatorTags(classifier.kind)).map(([key, value]) => ({ key, value }));
    await logParamsAndTags(client, runId, params, tags);
    await client.logInputs(runId, [ctx.inputs.train, ctx.inputs.test]);

    progress.phase(`fitting ${estimator}${candidate.detail ? ` (${candidate.detail})` : ''}`, 1);
    const fitStart = performance.now();
    await classifier.fit(ctx.train, ctx.train.y);
    const fitSeconds = (performance.now() - fitStart) / 1000;
    progress.advance(1);
    for (const reason of workerErrors(classifier)) progress.note(`${estimator}: forest worker threads did not start (${reason}); fitted on the main thread`);

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
    const metrics: Metric[] = autologMetrics(train.report, test.report).map((m) => ({
      key: m.key,
      value: m.value,
      timestamp,
      step: 0,
      run_id: runId,
      // As autolog does: a metric names the logged model and the dataset it was computed on, so it
      // also shows on the model's page and in the logged-models table per dataset.
      model_id: modelId,
      dataset_name: ctx.inputs[m.side].dataset.name,
      dataset_digest: ctx.inputs[m.side].dataset.digest,
    }));
    for (const batch of chunks(metrics, MAX_METRICS_PER_BATCH)) await client.logBatch(runId, { metrics: batch });
    const plots = modelPlots({
      estimator,
      target: ctx.train.target,
      featureNames: classifier.featureNames,
      importances: classifier.featureImportances(),
      train,
      test,
    });
    for (const p of plots) await client.artifacts.logBytes(run.info.artifact_uri!, p.path, p.png, 'image/png');
    await client.setTerminated(runId, 'FINISHED');
    progress.advance(1);
    const logSeconds = (performance.now() - logStart) / 1000;
    return { key: candidate.key, estimator, runId, modelId, classifier, train, test, fitSeconds, logSeconds };
  } catch (e) {
    await client.setTerminated(runId, 'FAILED').catch(() => undefined);
    throw e;
  }
}
