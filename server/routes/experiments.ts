// Experiment RPCs of MlflowService (service.proto): coerce → store → shape.
import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import type { MessageSpec } from '../protocol/fields.js';
import { TAGS, tagList } from '../protocol/messages.js';
import { readMessage } from '../protocol/request.js';
import { experimentJson } from '../protocol/wire.js';
import { readJob } from '../reads/index.js';
import { VIEW_TYPES } from '../store/entities.js';
import type { TrackingStore } from '../store/index.js';
import { endpoint, SEARCH_BODY_LIMIT } from './endpoint.js';
import { int64Number } from '../protocol/int64.js';


const CreateExperiment = {
  name: { type: 'string', required: true },
  artifact_location: { type: 'string' },
  tags: TAGS,
} as const satisfies MessageSpec;
const ExperimentId = { experiment_id: { type: 'string', required: true } } as const satisfies MessageSpec;
const GetExperimentByName = { experiment_name: { type: 'string', required: true } } as const satisfies MessageSpec;
const SearchExperiments = {
  max_results: { type: 'int64' },
  page_token: { type: 'string' },
  filter: { type: 'string' },
  order_by: { type: 'string', repeated: true },
  view_type: { type: 'enum', values: VIEW_TYPES, dropUnknownNames: true },
} as const satisfies MessageSpec;
const UpdateExperiment = {
  experiment_id: { type: 'string', required: true },
  new_name: { type: 'string', required: true },
} as const satisfies MessageSpec;
const SetExperimentTag = {
  experiment_id: { type: 'string', required: true },
  key: { type: 'string', required: true },
  value: { type: 'string' },
} as const satisfies MessageSpec;
const DeleteExperimentTag = {
  experiment_id: { type: 'string', required: true },
  key: { type: 'string', required: true },
} as const satisfies MessageSpec;

/** MLflow's store rejects an unset max_results; the client always sends 1000, so we default to it. */
const DEFAULT_EXPERIMENT_PAGE = 1000;

export function experimentRoutes(app: FastifyInstance, store: TrackingStore): void {
  const experiments = store.experiments;

  endpoint(app, 'POST', '/mlflow/experiments/create', CreateExperiment, async (req) => {
    const m = readMessage(req, CreateExperiment);
    return { experiment_id: await experiments.create(m.name, m.artifact_location, tagList(m.tags)) };
  });

  endpoint(app, 'GET', '/mlflow/experiments/get', ExperimentId, async (req) => {
    const m = readMessage(req, ExperimentId);
    return { experiment: experimentJson(await experiments.get(m.experiment_id)) };
  });

  endpoint(app, 'GET', '/mlflow/experiments/get-by-name', GetExperimentByName, async (req) => {
    const m = readMessage(req, GetExperimentByName);
    const experiment = await experiments.getByName(m.experiment_name!);
    if (!experiment) throw notFound(`Could not find experiment with name '${m.experiment_name}'`);
    return { experiment: experimentJson(experiment) };
  });

  endpoint(app, ['POST', 'GET'], '/mlflow/experiments/search', SearchExperiments, (req) => {
    const m = readMessage(req, SearchExperiments);
    return readJob(store, {
      kind: 'searchExperiments',
      search: {
        viewType: m.view_type ?? 'ACTIVE_ONLY',
        maxResults: m.max_results === undefined ? DEFAULT_EXPERIMENT_PAGE : int64Number(m.max_results),
        filter: m.filter,
        orderBy: m.order_by,
        pageToken: m.page_token || undefined,
      },
    });
  }, { bodyLimit: SEARCH_BODY_LIMIT });

  endpoint(app, 'POST', '/mlflow/experiments/update', UpdateExperiment, async (req) => {
    const m = readMessage(req, UpdateExperiment);
    await experiments.rename(m.experiment_id!, m.new_name!);
    return {};
  });

  endpoint(app, 'POST', '/mlflow/experiments/delete', ExperimentId, async (req) => {
    await experiments.delete(readMessage(req, ExperimentId).experiment_id!);
    return {};
  });

  endpoint(app, 'POST', '/mlflow/experiments/restore', ExperimentId, async (req) => {
    await experiments.restore(readMessage(req, ExperimentId).experiment_id!);
    return {};
  });

  endpoint(app, 'POST', '/mlflow/experiments/set-experiment-tag', SetExperimentTag, async (req) => {
    const m = readMessage(req, SetExperimentTag);
    await experiments.setTag(m.experiment_id!, m.key, m.value ?? '');
    return {};
  });

  endpoint(app, 'POST', '/mlflow/experiments/delete-experiment-tag', DeleteExperimentTag, async (req) => {
    const m = readMessage(req, DeleteExperimentTag);
    await experiments.deleteTag(m.experiment_id!, m.key!);
    return {};
  });
}
