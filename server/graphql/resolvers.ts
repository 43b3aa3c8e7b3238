// The root fields of MLflow's GraphQL schema, answered from the stores (never over HTTP). Each mirrors
// the handler MLflow's resolver calls (get_run_impl, search_runs_impl, ...), with the same defaults;
// errors are thrown as MlflowError and become the field's null plus a message in `errors`.
import { invalidParameter, MlflowError } from '../errors.js';
import type { ArtifactResolver } from '../artifacts/locations.js';
import { joinArtifactPath } from '../artifacts/locations.js';
import { validatePathIsSafe } from '../artifacts/safe-path.js';
import { VIEW_TYPES, type ViewType } from '../store/entities.js';
import { SEARCH_MAX_RESULTS_THRESHOLD } from '../store/runs.js';
import type { ModelVersionSearch, ModelVersionStore } from '../store/registry/index.js';
import { modelVersionJson } from '../protocol/registry-wire.js';
import type { ReadJob, ReadStores } from '../reads/jobs.js';
import type { JsonText } from '../protocol/wire.js';
import { jobBody, metricFromJson, runFromJson } from './from-wire.js';
import { experimentObject, metricObject, modelVersionObject, runObject, type GqlObject } from './shape.js';

export interface GraphqlDeps {
  /** The entity stores the resolvers read (the server's, or a read worker's own). */
  store: ReadStores;
  /** Runs a heavy read job: through the read workers on the server, inline inside one. */
  read: (job: ReadJob) => Promise<Record<string, unknown> | JsonText>;
  /** Lists run artifacts for mlflowListArtifacts. */
  artifacts?: ArtifactResolver;
  /** The registry's model versions; absent until the registry is wired in. */
  modelVersions?: Pick<ModelVersionStore, 'search'>;
}

type Input = Record<string, unknown> | null | undefined;

/**
 * What one GraphQL request may read in all: rows of runs, metric points and model versions, summed
 * over its root fields (aliases included). MLflow bounds only the field and alias counts, so ten
 * aliases of a 50,000-run search were one request; the UI's largest query (a bulk interval of 100
 * runs x 320 points) fits well inside.
 */
export const MAX_ITEMS_PER_REQUEST = 50_000;

/** The per-request context: what is left of the request's read budget. */
export interface GraphqlContext {
  itemsLeft: number;
  /** Experiments already read by this request, by id. */
  experiments?: Map<string, Promise<GqlObject>>;
}

export function newContext(): GraphqlContext {
  return { itemsLeft: MAX_ITEMS_PER_REQUEST, experiments: new Map() };
}

function charge(context: GraphqlContext | undefined, items: number, what: string): void {
  if (!context) return;
  if (items > context.itemsLeft) {
    throw invalidParameter(
      `GraphQL request reads too much: ${what} asks for up to ${items} items, and the request has ${context.itemsLeft} of its ${MAX_ITEMS_PER_REQUEST} left. ` +
        'Ask for fewer results or split the query.',
    );
  }
  context.itemsLeft -= items;
}

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

/**
 * A long list as graphql-js completes it in slices: the first `slice` items as they are, each later
 * slice behind one more setImmediate. graphql-js completes a promised item when it resolves, so a
 * 25,000-point answer is shaped a few hundred items per turn of the event loop instead of in one
 * block of a second or more, and /health (and every other request) is served in between.
 */
export function inSlices<T>(items: readonly T[], slice = 200): (T | Promise<T>)[] {
  if (items.length <= slice) return [...items];
  const out: (T | Promise<T>)[] = items.slice(0, slice);
  let gate: Promise<void> = Promise.resolve();
  for (let start = slice; start < items.length; start += slice) {
    gate = gate.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    const opened = gate;
    for (let i = start; i < Math.min(start + slice, items.length); i++) {
      const item = items[i]!;
      out.push(opened.then(() => item));
    }
  }
  return out;
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
      // The UI's SearchRuns selects every run's experiment: read once per request, not once per run.
      experiment: async (_args: unknown, context?: GraphqlContext) => {
        const cache = context?.experiments;
        let experiment = cache?.get(run.info.experimentId);
        if (!experiment) {
          experiment = store.experiments.get(run.info.experimentId).then(experimentObject);
          cache?.set(run.info.experimentId, experiment);
        }
        return experiment;
      },
      modelVersions: () => modelVersionsOfRun(run.info.runId),
    });

  // Through the same read job as REST's runs/search (a read worker on SQLite).
  const searchRuns = async ({ input }: { input?: Input }, context?: GraphqlContext): Promise<GqlObject> => {
    const viewType = str(input?.runViewType) ?? 'ACTIVE_ONLY';
    if (!VIEW_TYPES.includes(viewType as ViewType)) throw invalidParameter(`Invalid run_view_type '${viewType}'`);
    const maxResults = int(input?.maxResults) ?? SEARCH_RUNS_DEFAULT_MAX_RESULTS;
    if (maxResults > SEARCH_MAX_RESULTS_THRESHOLD) {
      throw invalidParameter(`Invalid value ${maxResults} for parameter 'max_results' supplied.`);
    }
    charge(context, Math.max(0, maxResults), 'mlflowSearchRuns');
    const body = jobBody(
      await deps.read({
        kind: 'searchRuns',
        search: {
          experimentIds: strings(input?.experimentIds),
          filter: str(input?.filter),
          orderBy: strings(input?.orderBy),
          viewType: viewType as ViewType,
          maxResults,
          pageToken: str(input?.pageToken) || undefined,
        },
      }),
    );
    const runs = Array.isArray(body.runs) ? (body.runs as Record<string, unknown>[]) : [];
    return { runs: inSlices(runs).map((r) => (r instanceof Promise ? r.then((x) => runWithLinks(runFromJson(x))) : runWithLinks(runFromJson(r)))), nextPageToken: str(body.next_page_token) ?? '', apiError: null };
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
    mlflowGetMetricHistoryBulkInterval: async ({ input }: { input?: Input }, context?: GraphqlContext) => {
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
      charge(context, runIds.length * maxResults, 'mlflowGetMetricHistoryBulkInterval');
      const body = jobBody(
        await deps.read({ kind: 'bulkInterval', runIds, metricKey: str(input?.metricKey) ?? '', maxResults, startStep: start, endStep: end }),
      );
      const metrics = Array.isArray(body.metrics) ? (body.metrics as Record<string, unknown>[]) : [];
      return { metrics: inSlices(metrics).map((m) => (m instanceof Promise ? m.then((x) => metricObject(metricFromJson(x))) : metricObject(metricFromJson(m)))), apiError: null };
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

    mlflowSearchModelVersions: async ({ input }: { input?: Input }, context?: GraphqlContext) => {
      // model-versions/search's default page is 10,000 versions.
      charge(context, Math.max(0, int(input?.maxResults) ?? 10_000), 'mlflowSearchModelVersions');
      return {
      ...(await searchModelVersions({
        filter: str(input?.filter),
        maxResults: int(input?.maxResults),
        orderBy: strings(input?.orderBy),
        pageToken: str(input?.pageToken) || undefined,
      })),
      apiError: null,
      };
    },

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
