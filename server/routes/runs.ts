// Run RPCs of MlflowService: lifecycle, tags, search and every kind of logging.
import type { FastifyInstance } from 'fastify';
import { invalidValueError, type MessageSpec } from '../protocol/fields.js';
import { DatasetInputSpec, MetricSpec, TAGS, TagSpec, tagList } from '../protocol/messages.js';
import { CreateRun, createRunRequest } from '../protocol/create-run.js';
import { bigBodyText, readMessage } from '../protocol/request.js';
import { runInfoJson } from '../protocol/wire.js';
import { readJob } from '../reads/index.js';
import { RUN_STATUSES, VIEW_TYPES, type Metric } from '../store/entities.js';
import type { TrackingStore } from '../store/index.js';
import { endpoint, SEARCH_BODY_LIMIT } from './endpoint.js';
import type { Int64 } from '../protocol/int64.js';

const RUN_ID = { run_id: { type: 'string', required: true }, run_uuid: { type: 'string' } } as const;

const UpdateRun = {
  ...RUN_ID,
  status: { type: 'enum', values: RUN_STATUSES },
  end_time: { type: 'int64' },
  run_name: { type: 'string' },
} as const satisfies MessageSpec;
const RunIdOnly = RUN_ID satisfies MessageSpec;
const SearchRuns = {
  experiment_ids: { type: 'string', repeated: true },
  filter: { type: 'string' },
  run_view_type: { type: 'enum', values: VIEW_TYPES, dropUnknownNames: true },
  max_results: { type: 'int32' },
  order_by: { type: 'string', repeated: true },
  page_token: { type: 'string' },
} as const satisfies MessageSpec;
const SetTag = { ...RUN_ID, key: { type: 'string', required: true }, value: { type: 'string' } } as const satisfies MessageSpec;
const DeleteTag = { ...RUN_ID, key: { type: 'string', required: true } } as const satisfies MessageSpec;
// RUN_ID last: MetricSpec's optional run_id must not replace the required one.
const LogMetric = { ...MetricSpec, ...RUN_ID } as const satisfies MessageSpec;
const LogParam = { ...RUN_ID, key: { type: 'string', required: true }, value: { type: 'string' } } as const satisfies MessageSpec;
const LogBatch = {
  ...RUN_ID,
  metrics: { type: 'message', fields: MetricSpec, repeated: true },
  params: { type: 'message', fields: TagSpec, repeated: true },
  tags: TAGS,
} as const satisfies MessageSpec;
const LogInputs = {
  ...RUN_ID,
  datasets: { type: 'message', fields: DatasetInputSpec, repeated: true },
  models: { type: 'message', fields: { model_id: { type: 'string' } }, repeated: true },
} as const satisfies MessageSpec;
const LogOutputs = {
  ...RUN_ID,
  models: { type: 'message', fields: { model_id: { type: 'string' }, step: { type: 'int64' } }, repeated: true, required: true },
} as const satisfies MessageSpec;

const LogModel = { ...RUN_ID, model_json: { type: 'string', required: true } } as const satisfies MessageSpec;

const SEARCH_RUNS_DEFAULT_MAX_RESULTS = 1000;

function toMetric(m: { key?: string; value?: number; timestamp?: Int64; step?: Int64; model_id?: string; dataset_name?: string; dataset_digest?: string; run_id?: string }): Metric {
  return {
    key: m.key!,
    value: m.value!,
    timestamp: m.timestamp!,
    step: m.step ?? 0,
    modelId: m.model_id || undefined,
    datasetName: m.dataset_name || undefined,
    datasetDigest: m.dataset_digest || undefined,
    runId: m.run_id || undefined,
  };
}

export function runRoutes(app: FastifyInstance, store: TrackingStore): void {
  const { runs, logging, writes, bigWrites } = store;

  // The answer is read back through a read job, after the write: a run may come with 500,000 tags.
  // On SQLite a body of a megabyte or more is written by the write worker (store/big-writes.ts).
  endpoint(app, 'POST', '/mlflow/runs/create', CreateRun, async (req) => {
    const big = bigWrites ? bigBodyText(req) : undefined;
    const runId = await writes.run(async () => {
      if (big === undefined) return runs.createRun(createRunRequest(readMessage(req, CreateRun)));
      readMessage(req, CreateRun); // the content type, checked as on the event loop
      return bigWrites!.createRun(big);
    }, { alone: big !== undefined });
    return readJob(store, { kind: 'getRun', runId, outputs: false });
  });

  endpoint(app, 'POST', '/mlflow/runs/update', UpdateRun, (req) =>
    writes.run(async () => {
      const m = readMessage(req, UpdateRun);
      const info = await runs.update(m.run_id!, { status: m.status, endTime: m.end_time, runName: m.run_name });
      return { run_info: runInfoJson(info) };
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/delete', RunIdOnly, (req) =>
    writes.run(async () => {
      await runs.delete(readMessage(req, RunIdOnly).run_id!);
      return {};
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/restore', RunIdOnly, (req) =>
    writes.run(async () => {
      await runs.restore(readMessage(req, RunIdOnly).run_id!);
      return {};
    }),
  );

  // Through a read job (a read worker on SQLite): loading and shaping a run of 500,000 tags held the event loop for 6 s.
  endpoint(app, 'GET', '/mlflow/runs/get', RunIdOnly, (req) => readJob(store, { kind: 'getRun', runId: readMessage(req, RunIdOnly).run_id! }));

  endpoint(app, 'POST', '/mlflow/runs/search', SearchRuns, (req) => {
    const m = readMessage(req, SearchRuns);
    if (m.max_results !== undefined && m.max_results > 50000) throw invalidValueError('max_results', m.max_results);
    return readJob(store, {
      kind: 'searchRuns',
      search: {
        experimentIds: m.experiment_ids ?? [],
        filter: m.filter,
        orderBy: m.order_by,
        viewType: m.run_view_type ?? 'ACTIVE_ONLY',
        maxResults: m.max_results ?? SEARCH_RUNS_DEFAULT_MAX_RESULTS,
        pageToken: m.page_token || undefined,
      },
    });
  }, { bodyLimit: SEARCH_BODY_LIMIT });

  endpoint(app, 'POST', '/mlflow/runs/set-tag', SetTag, (req) =>
    writes.run(async () => {
      const m = readMessage(req, SetTag);
      await runs.setTag(m.run_id!, m.key, m.value ?? '');
      return {};
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/delete-tag', DeleteTag, (req) =>
    writes.run(async () => {
      const m = readMessage(req, DeleteTag);
      await runs.deleteTag(m.run_id!, m.key!);
      return {};
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/log-metric', LogMetric, (req) =>
    writes.run(async () => {
      const m = readMessage(req, LogMetric);
      await logging.logMetric(m.run_id!, toMetric(m));
      return {};
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/log-parameter', LogParam, (req) =>
    writes.run(async () => {
      const m = readMessage(req, LogParam);
      await logging.logParam(m.run_id!, m.key, m.value ?? '');
      return {};
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/log-batch', LogBatch, (req) =>
    writes.run(async () => {
      const m = readMessage(req, LogBatch);
      await logging.logBatch(m.run_id!, (m.metrics ?? []).map(toMetric), tagList(m.params), tagList(m.tags));
      return {};
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/log-inputs', LogInputs, (req) =>
    writes.run(async () => {
      const m = readMessage(req, LogInputs);
      const datasets = (m.datasets ?? []).map((d) => ({
        tags: tagList(d.tags),
        dataset: {
          // Absent strings read as "" (proto defaults): MLflow stores such datasets as they are.
          name: d.dataset?.name ?? '',
          digest: d.dataset?.digest ?? '',
          sourceType: d.dataset?.source_type ?? '',
          source: d.dataset?.source ?? '',
          schema: d.dataset?.schema,
          profile: d.dataset?.profile,
        },
      }));
      await logging.logInputs(m.run_id!, datasets, (m.models ?? []).map((x) => x.model_id ?? '').filter((id) => id !== ''));
      return {};
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/log-model', LogModel, (req) =>
    writes.run(async () => {
      const m = readMessage(req, LogModel);
      await logging.recordLoggedModel(m.run_id!, m.model_json!);
      return {};
    }),
  );

  endpoint(app, 'POST', '/mlflow/runs/outputs', LogOutputs, (req) =>
    writes.run(async () => {
      const m = readMessage(req, LogOutputs);
      await logging.logOutputs(m.run_id!, (m.models ?? []).map((x) => ({ modelId: x.model_id ?? '', step: x.step ?? 0 })));
      return {};
    }),
  );
}
