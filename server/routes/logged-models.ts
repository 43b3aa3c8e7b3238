// MLflow 3 logged-model RPCs: create, get, finalize (PATCH), delete, search, tags, params.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidParameter } from '../errors.js';
import type { MessageSpec } from '../protocol/fields.js';
import { loggedModelJson } from '../protocol/logged-model-wire.js';
import { TAGS, TagSpec, tagList } from '../protocol/messages.js';
import { readMessage } from '../protocol/request.js';
import { decodeLoggedModelPageToken, encodeLoggedModelPageToken } from '../search/logged-models-sql.js';
import { LOGGED_MODEL_STATUSES, type LoggedModelStore } from '../store/logged-models.js';
import { endpoint, SEARCH_BODY_LIMIT } from './endpoint.js';

const CreateLoggedModel = {
  experiment_id: { type: 'string', required: true },
  name: { type: 'string' },
  model_type: { type: 'string' },
  source_run_id: { type: 'string' },
  params: { type: 'message', fields: TagSpec, repeated: true },
  tags: TAGS,
} as const satisfies MessageSpec;
const FinalizeLoggedModel = {
  model_id: { type: 'string' },
  status: { type: 'enum', values: LOGGED_MODEL_STATUSES, firstNumber: 0, required: true },
} as const satisfies MessageSpec;
const SetLoggedModelTags = { tags: TAGS } as const satisfies MessageSpec;
const LogLoggedModelParams = { model_id: { type: 'string' }, params: { type: 'message', fields: TagSpec, repeated: true } } as const satisfies MessageSpec;
const SearchLoggedModels = {
  experiment_ids: { type: 'string', repeated: true, required: true },
  filter: { type: 'string' },
  datasets: {
    type: 'message',
    repeated: true,
    fields: { dataset_name: { type: 'string' }, dataset_digest: { type: 'string' } },
  },
  max_results: { type: 'int32' },
  order_by: {
    type: 'message',
    repeated: true,
    fields: {
      field_name: { type: 'string' },
      ascending: { type: 'bool' },
      dataset_name: { type: 'string' },
      dataset_digest: { type: 'string' },
    },
  },
  page_token: { type: 'string' },
} as const satisfies MessageSpec;

/** GetLoggedModel reads allow_deleted from the query; DeleteLoggedModel(Tag) take everything from the path. */
const GetLoggedModel = { allow_deleted: { type: 'bool' } } as const satisfies MessageSpec;
const PathOnly = {} as const satisfies MessageSpec;

const SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT = 100;

function modelId(req: FastifyRequest): string {
  return (req.params as { model_id: string }).model_id;
}

export function loggedModelRoutes(app: FastifyInstance, loggedModels: LoggedModelStore): void {
  endpoint(app, 'POST', '/mlflow/logged-models', CreateLoggedModel, async (req) => {
    const m = readMessage(req, CreateLoggedModel);
    const model = await loggedModels.create({
      experimentId: m.experiment_id!,
      name: m.name || undefined,
      modelType: m.model_type,
      sourceRunId: m.source_run_id,
      params: tagList(m.params),
      tags: tagList(m.tags),
    });
    return { model: loggedModelJson(model) };
  });

  endpoint(app, 'GET', '/mlflow/logged-models/:model_id', GetLoggedModel, async (req) => {
    const allowDeleted = String((req.query as Record<string, unknown>).allow_deleted ?? 'false').toLowerCase() === 'true';
    return { model: loggedModelJson(await loggedModels.get(modelId(req), allowDeleted)) };
  });

  endpoint(app, 'PATCH', '/mlflow/logged-models/:model_id', FinalizeLoggedModel, async (req) => {
    const m = readMessage(req, FinalizeLoggedModel);
    return { model: loggedModelJson(await loggedModels.finalize(modelId(req), m.status!)) };
  });

  endpoint(app, 'DELETE', '/mlflow/logged-models/:model_id', PathOnly, async (req) => {
    await loggedModels.delete(modelId(req));
    return {};
  });

  endpoint(app, 'PATCH', '/mlflow/logged-models/:model_id/tags', SetLoggedModelTags, async (req) => {
    await loggedModels.setTags(modelId(req), tagList(readMessage(req, SetLoggedModelTags).tags));
    return {};
  });

  endpoint(app, 'DELETE', '/mlflow/logged-models/:model_id/tags/:tag_key', PathOnly, async (req) => {
    await loggedModels.deleteTag(modelId(req), (req.params as { tag_key: string }).tag_key);
    return {};
  });

  endpoint(app, 'POST', '/mlflow/logged-models/:model_id/params', LogLoggedModelParams, async (req) => {
    await loggedModels.logParams(modelId(req), tagList(readMessage(req, LogLoggedModelParams).params));
    return {};
  });

  endpoint(app, 'POST', '/mlflow/logged-models/search', SearchLoggedModels, async (req) => {
    const m = readMessage(req, SearchLoggedModels);
    const datasets = (m.datasets ?? []).map((d) => ({ datasetName: d.dataset_name ?? '', datasetDigest: d.dataset_digest || undefined }));
    if (datasets.some((d) => !d.datasetName)) throw invalidParameter('`dataset_name` in the `datasets` clause must be specified.');
    const orderBy = (m.order_by ?? []).map((o) => ({
      fieldName: o.field_name ?? '',
      ascending: o.ascending ?? true,
      datasetName: o.dataset_name || undefined,
      datasetDigest: o.dataset_digest || undefined,
    }));
    const experimentIds = m.experiment_ids ?? [];
    const filter = m.filter || undefined;
    const offset = m.page_token ? decodeLoggedModelPageToken(m.page_token, experimentIds, filter, orderBy) : 0;
    const maxResults = m.max_results || SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT;
    const page = await loggedModels.search({ experimentIds, filter, datasets, orderBy, maxResults, offset });
    const body: Record<string, unknown> = {};
    if (page.items.length > 0) body.models = page.items.map(loggedModelJson);
    if (page.more) body.next_page_token = encodeLoggedModelPageToken(offset + maxResults, experimentIds, filter, orderBy);
    return body;
  }, { bodyLimit: SEARCH_BODY_LIMIT });
}
