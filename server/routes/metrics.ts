// Metric history reads: get-history (paged), get-history-bulk-interval (sampled, proto RPC), the
// ajax-only get-history-bulk, and the ajax-only experiments/search-datasets.
import type { FastifyInstance } from 'fastify';
import { invalidParameter } from '../errors.js';
import type { MessageSpec } from '../protocol/fields.js';
import { rawMessage, readMessage } from '../protocol/request.js';
import { metricJson } from '../protocol/wire.js';
import { readJob } from '../reads/index.js';
import type { TrackingStore } from '../store/index.js';
import { endpoint } from './endpoint.js';

const GetMetricHistory = {
  run_id: { type: 'string', required: true },
  run_uuid: { type: 'string' },
  metric_key: { type: 'string', required: true },
  page_token: { type: 'string' },
  max_results: { type: 'int32' },
} as const satisfies MessageSpec;
const GetMetricHistoryBulkInterval = {
  run_ids: { type: 'string', repeated: true, required: true },
  metric_key: { type: 'string', required: true },
  start_step: { type: 'int32' },
  end_step: { type: 'int32' },
  max_results: { type: 'int32' },
} as const satisfies MessageSpec;
const GetMetricHistoryBulk = {
  run_id: { type: 'string', repeated: true },
  metric_key: { type: 'string' },
  max_results: { type: 'int32' },
} as const satisfies MessageSpec;
const SearchDatasets = { experiment_ids: { type: 'string', repeated: true } } as const satisfies MessageSpec;

const MAX_RUNS_GET_METRIC_HISTORY_BULK = 100;
const MAX_RESULTS_PER_RUN = 2500;
const MAX_HISTORY_RESULTS = 25000;

export function metricRoutes(app: FastifyInstance, store: TrackingStore): void {
  const history = store.history;

  endpoint(app, 'GET', '/mlflow/metrics/get-history', GetMetricHistory, (req) => {
    const m = readMessage(req, GetMetricHistory);
    if (m.max_results !== undefined && m.max_results <= 0) {
      throw invalidParameter(`Invalid value ${m.max_results} for parameter 'max_results' supplied. It must be a positive integer.`);
    }
    return readJob(store, { kind: 'metricHistory', runId: m.run_id!, metricKey: m.metric_key!, maxResults: m.max_results, pageToken: m.page_token || undefined });
  });

  endpoint(app, 'GET', '/mlflow/metrics/get-history-bulk-interval', GetMetricHistoryBulkInterval, (req) => {
    const m = readMessage(req, GetMetricHistoryBulkInterval);
    const runIds = m.run_ids ?? [];
    if (runIds.length > MAX_RUNS_GET_METRIC_HISTORY_BULK) {
      throw invalidParameter(
        `GetMetricHistoryBulkInterval request must specify at most ${MAX_RUNS_GET_METRIC_HISTORY_BULK} run_ids. ` +
          `Received ${runIds.length} run_ids. See the API docs for more information about request parameters.`,
      );
    }
    const maxResults = m.max_results ?? MAX_RESULTS_PER_RUN;
    if (maxResults < 1 || maxResults > MAX_RESULTS_PER_RUN) {
      throw invalidParameter(
        `max_results must be between 1 and ${MAX_RESULTS_PER_RUN}. See the API docs for more information about request parameters.`,
      );
    }
    const { start_step: start, end_step: end } = m;
    if (start !== undefined && end !== undefined) {
      if (start > end) {
        throw invalidParameter(`end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`);
      }
    } else if (start !== undefined || end !== undefined) {
      throw invalidParameter('If either start step or end step are specified, both must be specified.');
    }
    return readJob(store, { kind: 'bulkInterval', runIds, metricKey: m.metric_key!, maxResults, startStep: start, endStep: end });
  });

  endpoint(
    app,
    'GET',
    '/mlflow/metrics/get-history-bulk',
    GetMetricHistoryBulk,
    async (req) => {
      const raw = rawMessage(req, GetMetricHistoryBulk);
      const runIds = (raw.run_id as string[] | undefined) ?? [];
      if (runIds.length === 0) throw invalidParameter('GetMetricHistoryBulk request must specify at least one run_id.');
      if (runIds.length > MAX_RUNS_GET_METRIC_HISTORY_BULK) {
        throw invalidParameter(
          `GetMetricHistoryBulk request cannot specify more than ${MAX_RUNS_GET_METRIC_HISTORY_BULK} run_ids. Received ${runIds.length} run_ids.`,
        );
      }
      const metricKey = raw.metric_key;
      if (typeof metricKey !== 'string') throw invalidParameter('GetMetricHistoryBulk request must specify a metric_key.');
      const requested = raw.max_results === undefined ? MAX_HISTORY_RESULTS : Number.parseInt(String(raw.max_results), 10);
      if (!Number.isFinite(requested)) throw invalidParameter(`Invalid value ${String(raw.max_results)} for parameter 'max_results' supplied.`);
      const maxResults = Math.min(requested, MAX_HISTORY_RESULTS);
      return { metrics: (await history.bulk(runIds, metricKey, Math.max(0, maxResults))).map(metricJson) };
    },
    { ajaxOnly: true },
  );

  endpoint(
    app,
    'POST',
    '/mlflow/experiments/search-datasets',
    SearchDatasets,
    (req) => {
      const ids = readMessage(req, SearchDatasets).experiment_ids ?? [];
      if (ids.length === 0) throw invalidParameter('SearchDatasets request must specify at least one experiment_id.');
      if (ids.length > 20) {
        throw invalidParameter(`SearchDatasets request cannot specify more than 20 experiment_ids. Received ${ids.length} experiment_ids.`);
      }
      return readJob(store, { kind: 'searchDatasets', experimentIds: ids });
    },
    { ajaxOnly: true },
  );
}
