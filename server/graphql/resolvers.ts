// The root fields of MLflow's GraphQL schema, answered from the stores (never over HTTP). Each mirrors
// the handler MLflow's resolver calls (get_run_impl, search_runs_impl, ...), with the same defaults;
// errors are thrown as MlflowError and become the field's null plus a message in `errors`.
import { invalidParameter, MlflowError } from '../errors.js';
import type { ArtifactResolver } from '../artifacts/locations.js';
import { joinArtifactPath } from '../artifacts/locations.js';
import { validatePathIsSafe } from '../artifacts/safe-path.js';
import { VIEW_TYPES, type ViewType } from '../store/entities.js';
import type { TrackingStore } from '../store/index.js';
import type { ModelVersionSearch, ModelVersionStore } from '../store/registry/index.js';
import { modelVersionJson } from '../protocol/registry-wire.js';
import { experimentObject, metricObject, modelVersionObject, runObject, type GqlObject } from './shape.js';

export interface GraphqlDeps {
  store: TrackingStore;
  /** Lists run artifacts for mlflowListArtifacts. */
  artifacts?: ArtifactResolver;
  /** The registry's model versions; absent until the registry is wired in. */
  modelVersions?: Pick<ModelVersionStore, 'search'>;
}

type Input = Record<string, unknown> | null | undefined;

// Proto defaults of the request messages (service.proto / model_registry.proto).
const SEARCH_RUNS_DEFAULT_MAX_RESULTS = 1000;
const MAX_RUNS_BULK_INTERVAL = 100;
const MAX_RESULTS_PER_RUN = 2500;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function buildRootValue(deps: GraphqlDeps): GqlObject {
  const { store } = deps;

  // Through the REST shaper, so GraphQL shows exactly the fields model-versions/search sends.
  const searchModelVersions = async (req: ModelVersionSearch) => {
    if (!deps.modelVersions) throw new MlflowError('ENDPOINT_NOT_FOUND', 'The model registry is not available');
    const page = await deps.modelVersions.search(req);
    return { modelVersions: page.items.map((mv) => modelVersionObject(modelVersionJson(mv))), nextPageToken: page.nextPageToken ?? '' };
  };

  // MlflowRunExtension.resolve_model_versions: search_model_versions(filter="run_id='<id>'").
  const modelVersionsOfRun = async (runId: string): Promise<GqlObject[]> =>
    deps.modelVersions ? (await searchModelVersions({ filter: `run_id='${runId}'` })).modelVersions : [];

  const runWithLinks = (run: Parameters<typeof runObject>[0]): GqlObject =>
    runObject(run, {
      experiment: async () => experimentObject(await store.experiments.get(run.info.experimentId)),
      modelVersions: () => modelVersionsOfRun(run.info.runId),
    });

  const searchRuns = async ({ input }: { input?: Input }): Promise<GqlObject> => {
    const viewType = str(input?.runViewType) ?? 'ACTIVE_ONLY';
    if (!VIEW_TYPES.includes(viewType as ViewType)) throw invalidParameter(`Invalid run_view_type '${viewType}'`);
    const page = await store.runs.search({
      experimentIds: strings(input?.experimentIds),
      filter: str(input?.filter),
      orderBy: strings(input?.orderBy),
      viewType: viewType as ViewType,
      maxResults: int(input?.maxResults) ?? SEARCH_RUNS_DEFAULT_MAX_RESULTS,
      pageToken: str(input?.pageToken) || undefined,
    });
    return { runs: page.items.map(runWithLinks), nextPageToken: page.nextPageToken ?? '', apiError: null };
  };

  return {
    mlflowGetExperiment: async ({ input }: { input?: Input }) => ({
      experiment: experimentObject(await store.experiments.get(str(input?.experimentId) ?? '')),
      apiError: null,
    }),

    mlflowGetRun: async ({ input }: { input?: Input }) => {
      const runId = str(input?.runId) || str(input?.runUuid) || '';
      return { run: runWithLinks(await store.runs.get(runId)), apiError: null };
    },

    mlflowSearchRuns: searchRuns,

    // MLflow's impl reads max_results/start_step/end_step from the HTTP query string instead of the
    // input (a bug that makes them no-ops over GraphQL); we honour the input, with the REST limits.
    mlflowGetMetricHistoryBulkInterval: async ({ input }: { input?: Input }) => {
      const runIds = strings(input?.runIds);
      if (runIds.length > MAX_RUNS_BULK_INTERVAL) {
        throw invalidParameter(`GetMetricHistoryBulkInterval request must specify at most ${MAX_RUNS_BULK_INTERVAL} run_ids. Received ${runIds.length} run_ids.`);
      }
      const maxResults = int(input?.maxResults) ?? MAX_RESULTS_PER_RUN;
      if (maxResults < 1 || maxResults > MAX_RESULTS_PER_RUN) throw invalidParameter(`max_results must be between 1 and ${MAX_RESULTS_PER_RUN}.`);
      const start = int(input?.startStep);
      const end = int(input?.endStep);
      if ((start === undefined) !== (end === undefined)) throw invalidParameter('If either start step or end step are specified, both must be specified.');
      if (start !== undefined && end !== undefined && start > end) {
        throw invalidParameter(`end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`);
      }
      const metrics = await store.history.bulkInterval(runIds, str(input?.metricKey) ?? '', maxResults, start, end);
      return { metrics: metrics.map(metricObject), apiError: null };
    },

    mlflowListArtifacts: async ({ input }: { input?: Input }) => {
      if (!deps.artifacts) throw new MlflowError('ENDPOINT_NOT_FOUND', 'Artifact listing is not available');
      const run = await store.runs.get(str(input?.runId) || str(input?.runUuid) || '');
      const rel = str(input?.path) ? validatePathIsSafe(str(input?.path)!) : '';
      const rootUri = run.info.artifactUri ?? '';
      const location = deps.artifacts.resolve(rootUri);
      const files = await location.store.list(joinArtifactPath(location.base, rel || undefined));
      return {
        rootUri,
        files: files.map((f) => {
          const name = f.path.split('/').pop()!;
          return { path: rel ? `${rel}/${name}` : name, isDir: f.isDir, fileSize: f.isDir ? 0 : (f.fileSize ?? 0) };
        }),
        nextPageToken: '',
        apiError: null,
      };
    },

    mlflowSearchModelVersions: async ({ input }: { input?: Input }) => ({
      ...(await searchModelVersions({
        filter: str(input?.filter),
        maxResults: int(input?.maxResults),
        orderBy: strings(input?.orderBy),
        pageToken: str(input?.pageToken) || undefined,
      })),
      apiError: null,
    }),

    mlflowSearchDatasets: async ({ input }: { input?: Input }) => {
      const ids = strings(input?.experimentIds);
      return {
        datasetSummaries: (await store.history.searchDatasets(ids)).map((s) => ({
          experimentId: s.experimentId,
          name: s.name,
          digest: s.digest,
          context: s.context ?? '',
        })),
        apiError: null,
      };
    },

    test: ({ inputString }: { inputString?: string }) => ({ output: inputString ?? null }),
    // MLflow defines resolve_test_mutation but graphene looks for resolve_testMutation, so the field
    // always resolves to null on `mlflow server`; we answer the same.
    testMutation: () => null,
  };
}
