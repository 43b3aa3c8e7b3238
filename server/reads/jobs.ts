// The heavy reads — runs/search, get-history, get-history-bulk-interval, experiments/search — as
// plain-data jobs: the route coerces and validates the request, then a job does the store call and
// shapes the response. The same function runs in a read worker (server/reads/worker.ts) or, when
// there is none (an in-memory database), on the event loop: the bytes of the answer are the same.
import { JsonText, datasetSummaryJson, experimentJson, runJsonText, withPageToken } from '../protocol/wire.js';
import type { ExperimentSearch, ExperimentStore } from '../store/experiments.js';
import type { MetricHistory } from '../store/history.js';
import type { RunSearch, RunStore } from '../store/runs.js';
import type { WorkerGraphqlRequest } from '../graphql/offload.js';

type Json = Record<string, unknown>;

export type ReadJob =
  | { kind: 'searchRuns'; search: RunSearch }
  | { kind: 'metricHistory'; runId: string; metricKey: string; maxResults?: number | undefined; pageToken?: string | undefined }
  | {
      kind: 'bulkInterval';
      runIds: string[];
      metricKey: string;
      maxResults: number;
      startStep?: number | undefined;
      endStep?: number | undefined;
    }
  | { kind: 'searchExperiments'; search: ExperimentSearch }
  | { kind: 'searchDatasets'; experimentIds: string[] }
  // runs/get: a run may carry hundreds of thousands of tags (MLflow does not bound them).
  | { kind: 'getRun'; runId: string; outputs?: boolean }
  // A whole GraphQL query the server has checked (graphql/offload.ts), answered as its response's text.
  | { kind: 'graphql'; request: WorkerGraphqlRequest };

/** What a job reads from: the tracking store's entity stores, on whichever connection. */
export interface ReadStores {
  runs: RunStore;
  history: MetricHistory;
  experiments: ExperimentStore;
}

export async function executeReadJob(stores: ReadStores, job: ReadJob): Promise<Json | JsonText> {
  switch (job.kind) {
    case 'searchRuns': {
      // Built as text: the metrics come rendered by the database (issue 18's wide runs), already as Python floats.
      const page = await stores.runs.search(job.search, { metrics: false });
      const metrics = await stores.runs.loader.metricsJson.load(page.items.map((r) => r.info.runId));
      const parts: string[] = [];
      if (page.items.length > 0) parts.push(`"runs":[${page.items.map((r, i) => runJsonText(r, metrics[i])).join(',')}]`);
      if (page.nextPageToken) parts.push(`"next_page_token":${JSON.stringify(page.nextPageToken)}`);
      return new JsonText(`{${parts.join(',')}}`, true);
    }
    case 'metricHistory': {
      const page = await stores.history.getJson(job.runId, job.metricKey, job.maxResults, job.pageToken);
      const parts: string[] = [];
      if (page.metrics) parts.push(`"metrics":[${page.metrics}]`);
      if (page.nextPageToken) parts.push(`"next_page_token":${JSON.stringify(page.nextPageToken)}`);
      return new JsonText(`{${parts.join(',')}}`, true);
    }
    case 'bulkInterval': {
      const metrics = await stores.history.bulkIntervalJson(job.runIds, job.metricKey, job.maxResults, job.startStep, job.endStep);
      return new JsonText(metrics ? `{"metrics":[${metrics}]}` : '{}', true);
    }
    case 'searchExperiments': {
      const page = await stores.experiments.search(job.search);
      const body: Json = {};
      if (page.items.length > 0) body.experiments = page.items.map(experimentJson);
      return withPageToken(body, page.nextPageToken);
    }
    case 'getRun': {
      const run = await stores.runs.get(job.runId, { metrics: false });
      const [metrics] = await stores.runs.loader.metricsJson.load([job.runId]);
      return new JsonText(`{"run":${runJsonText(run, metrics, { outputs: job.outputs })}}`, true);
    }
    case 'searchDatasets': {
      const summaries = await stores.history.searchDatasets(job.experimentIds);
      return summaries.length > 0 ? { dataset_summaries: summaries.map(datasetSummaryJson) } : {};
    }
    case 'graphql': {
      // Loaded on the first such job: graphql-js and the schema cost ~90 ms, which REST-only workers never pay.
      const { answerInReadWorker } = await import('../graphql/in-worker.js');
      return new JsonText(await answerInReadWorker(stores, job.request), true);
    }
  }
}
