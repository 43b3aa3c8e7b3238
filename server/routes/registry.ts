// ModelRegistryService RPCs (model_registry.proto): registered models, model versions and aliases.
// Each handler coerces the request with MLflow's schema, awaits the registry store, shapes the reply.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidValueError, type MessageSpec } from '../protocol/fields.js';
import { tagList } from '../protocol/messages.js';
import { modelVersionJson, registeredModelJson } from '../protocol/registry-wire.js';
import { rawMessage, readMessage } from '../protocol/request.js';
import { withPageToken } from '../protocol/wire.js';
import type { RegistryStore } from '../store/registry/index.js';
import { SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD } from '../store/registry/model-versions.js';
import { SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD } from '../store/registry/registered-models.js';
import { endpoint } from './endpoint.js';
import { int64Number } from '../protocol/int64.js';

/** Registry tags: unlike run tags, a missing key is not a schema error; it reaches the key-name check as "". */
const REGISTRY_TAGS = {
  type: 'message',
  fields: { key: { type: 'string' }, value: { type: 'string' } },
  repeated: true,
} as const;

const NAME = { name: { type: 'string', required: true } } as const;
const NAME_VERSION = { ...NAME, version: { type: 'string', required: true } } as const;

const CreateRegisteredModel = {
  ...NAME,
  tags: REGISTRY_TAGS,
  description: { type: 'string' },
  deployment_job_id: { type: 'string' },
} as const satisfies MessageSpec;
const RenameRegisteredModel = { ...NAME, new_name: { type: 'string', required: true } } as const satisfies MessageSpec;
const UpdateRegisteredModel = { ...NAME, description: { type: 'string' }, deployment_job_id: { type: 'string' } } as const satisfies MessageSpec;
const NameOnly = NAME satisfies MessageSpec;
const Search = {
  filter: { type: 'string' },
  max_results: { type: 'int64' },
  order_by: { type: 'string', repeated: true },
  page_token: { type: 'string' },
} as const satisfies MessageSpec;
const GetLatestVersions = { ...NAME, stages: { type: 'string', repeated: true } } as const satisfies MessageSpec;
const SetRegisteredModelTag = { ...NAME, key: { type: 'string', required: true }, value: { type: 'string' } } as const satisfies MessageSpec;
const DeleteRegisteredModelTag = { ...NAME, key: { type: 'string', required: true } } as const satisfies MessageSpec;
const SetAlias = { ...NAME, alias: { type: 'string', required: true }, version: { type: 'string', required: true } } as const satisfies MessageSpec;
const AliasOnly = { ...NAME, alias: { type: 'string', required: true } } as const satisfies MessageSpec;

const CreateModelVersion = {
  ...NAME,
  source: { type: 'string', required: true },
  run_id: { type: 'string' },
  tags: REGISTRY_TAGS,
  run_link: { type: 'string' },
  description: { type: 'string' },
  model_id: { type: 'string' },
} as const satisfies MessageSpec;
const UpdateModelVersion = { ...NAME_VERSION, description: { type: 'string' } } as const satisfies MessageSpec;
const TransitionStage = {
  ...NAME_VERSION,
  stage: { type: 'string', required: true },
  archive_existing_versions: { type: 'bool' },
} as const satisfies MessageSpec;
const NameVersion = NAME_VERSION satisfies MessageSpec;
/** GetModelVersionDownloadUri has no schema in MLflow: missing fields reach the store as "". */
const DownloadUri = { name: { type: 'string' }, version: { type: 'string' } } as const satisfies MessageSpec;
const SetModelVersionTag = { ...NAME_VERSION, key: { type: 'string', required: true }, value: { type: 'string' } } as const satisfies MessageSpec;
const DeleteModelVersionTag = { ...NAME_VERSION, key: { type: 'string', required: true } } as const satisfies MessageSpec;

/**
 * The handler's `max_results <= limit` assertion; it reports the value as the client sent it
 * (a query-string "1001" is shown as the string it was).
 */
function readSearch(req: FastifyRequest, limit: number) {
  const m = readMessage(req, Search);
  if (m.max_results !== undefined && m.max_results > limit) throw invalidValueError('max_results', rawMessage(req, Search).max_results);
  return { filter: m.filter, maxResults: m.max_results === undefined ? undefined : int64Number(m.max_results), orderBy: m.order_by, pageToken: m.page_token || undefined };
}

export function registryRoutes(app: FastifyInstance, registry: RegistryStore): void {
  const { registeredModels, modelVersions, aliases } = registry;

  // ---- registered models ----------------------------------------------------------------------

  endpoint(app, 'POST', '/mlflow/registered-models/create', CreateRegisteredModel, async (req) => {
    const m = readMessage(req, CreateRegisteredModel);
    const model = await registeredModels.create(m.name!, tagList(m.tags), m.description ?? '');
    return { registered_model: registeredModelJson(model) };
  });

  endpoint(app, 'GET', '/mlflow/registered-models/get', NameOnly, async (req) => ({
    registered_model: registeredModelJson(await registeredModels.get(readMessage(req, NameOnly).name!)),
  }));

  endpoint(app, 'POST', '/mlflow/registered-models/rename', RenameRegisteredModel, async (req) => {
    const m = readMessage(req, RenameRegisteredModel);
    return { registered_model: registeredModelJson(await registeredModels.rename(m.name!, m.new_name!)) };
  });

  endpoint(app, 'PATCH', '/mlflow/registered-models/update', UpdateRegisteredModel, async (req) => {
    const m = readMessage(req, UpdateRegisteredModel);
    return { registered_model: registeredModelJson(await registeredModels.update(m.name!, m.description ?? '')) };
  });

  endpoint(app, 'DELETE', '/mlflow/registered-models/delete', NameOnly, async (req) => {
    await registeredModels.delete(readMessage(req, NameOnly).name!);
    return {};
  });

  endpoint(app, 'GET', '/mlflow/registered-models/search', Search, async (req) => {
    const page = await registeredModels.search(readSearch(req, SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD));
    const body: Record<string, unknown> = {};
    if (page.items.length > 0) body.registered_models = page.items.map(registeredModelJson);
    return withPageToken(body, page.nextPageToken);
  });

  // The Python client POSTs and falls back to GET on 404; the proto declares both.
  endpoint(app, ['POST', 'GET'], '/mlflow/registered-models/get-latest-versions', GetLatestVersions, async (req) => {
    const m = readMessage(req, GetLatestVersions);
    const versions = await registeredModels.getLatestVersions(m.name!, m.stages);
    return versions.length > 0 ? { model_versions: versions.map(modelVersionJson) } : {};
  });

  endpoint(app, 'POST', '/mlflow/registered-models/set-tag', SetRegisteredModelTag, async (req) => {
    const m = readMessage(req, SetRegisteredModelTag);
    await registeredModels.setTag(m.name!, m.key!, m.value ?? '');
    return {};
  });

  endpoint(app, 'DELETE', '/mlflow/registered-models/delete-tag', DeleteRegisteredModelTag, async (req) => {
    const m = readMessage(req, DeleteRegisteredModelTag);
    await registeredModels.deleteTag(m.name!, m.key!);
    return {};
  });

  // ---- aliases --------------------------------------------------------------------------------

  endpoint(app, 'POST', '/mlflow/registered-models/alias', SetAlias, async (req) => {
    const m = readMessage(req, SetAlias);
    await aliases.set(m.name!, m.alias!, m.version!);
    return {};
  });

  endpoint(app, 'DELETE', '/mlflow/registered-models/alias', AliasOnly, async (req) => {
    const m = readMessage(req, AliasOnly);
    await aliases.delete(m.name!, m.alias!);
    return {};
  });

  endpoint(app, 'GET', '/mlflow/registered-models/alias', AliasOnly, async (req) => {
    const m = readMessage(req, AliasOnly);
    return { model_version: modelVersionJson(await aliases.getModelVersion(m.name!, m.alias!)) };
  });

  // ---- model versions -------------------------------------------------------------------------

  endpoint(app, 'POST', '/mlflow/model-versions/create', CreateModelVersion, async (req) => {
    const m = readMessage(req, CreateModelVersion);
    const version = await modelVersions.create({
      name: m.name!,
      source: m.source!,
      runId: m.run_id,
      runLink: m.run_link,
      description: m.description,
      tags: tagList(m.tags),
      modelId: m.model_id,
    });
    return { model_version: modelVersionJson(version) };
  });

  endpoint(app, 'GET', '/mlflow/model-versions/get', NameVersion, async (req) => {
    const m = readMessage(req, NameVersion);
    return { model_version: modelVersionJson(await modelVersions.get(m.name!, m.version!)) };
  });

  endpoint(app, 'PATCH', '/mlflow/model-versions/update', UpdateModelVersion, async (req) => {
    const m = readMessage(req, UpdateModelVersion);
    // Without a description field the version's description is cleared (HasField, handlers.py).
    return { model_version: modelVersionJson(await modelVersions.update(m.name!, m.version!, m.description ?? null)) };
  });

  endpoint(app, 'POST', '/mlflow/model-versions/transition-stage', TransitionStage, async (req) => {
    const m = readMessage(req, TransitionStage);
    const version = await modelVersions.transitionStage(m.name!, m.version!, m.stage!, m.archive_existing_versions ?? false);
    return { model_version: modelVersionJson(version) };
  });

  endpoint(app, 'DELETE', '/mlflow/model-versions/delete', NameVersion, async (req) => {
    const m = readMessage(req, NameVersion);
    await modelVersions.delete(m.name!, m.version!);
    return {};
  });

  endpoint(app, 'GET', '/mlflow/model-versions/get-download-uri', DownloadUri, async (req) => {
    const m = readMessage(req, DownloadUri);
    return { artifact_uri: await modelVersions.getDownloadUri(m.name ?? '', m.version ?? '') };
  });

  endpoint(app, 'GET', '/mlflow/model-versions/search', Search, async (req) => {
    const page = await modelVersions.search(readSearch(req, SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD));
    const body: Record<string, unknown> = {};
    if (page.items.length > 0) body.model_versions = page.items.map(modelVersionJson);
    return withPageToken(body, page.nextPageToken);
  });

  endpoint(app, 'POST', '/mlflow/model-versions/set-tag', SetModelVersionTag, async (req) => {
    const m = readMessage(req, SetModelVersionTag);
    await modelVersions.setTag(m.name!, m.version!, m.key!, m.value ?? '');
    return {};
  });

  endpoint(app, 'DELETE', '/mlflow/model-versions/delete-tag', DeleteModelVersionTag, async (req) => {
    const m = readMessage(req, DeleteModelVersionTag);
    await modelVersions.deleteTag(m.name!, m.version!, m.key!);
    return {};
  });
}
