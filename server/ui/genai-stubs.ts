// Empty answers for the GenAI features (tracing, evaluation, review, gateway, ...) that the UI's
// shell and experiment pages query on their own. Minflow stores none of these; `mlflow server` on a
// fresh database answers the same empty messages (`{}` is an empty proto response), so the pages
// render their "nothing yet" states instead of error banners.
//
// These exist under /ajax-api only — the prefix only the UI uses. Clients calling /api/... still get
// ENDPOINT_NOT_FOUND, so the Python client's tracing calls fail loudly instead of silently storing
// nothing. The list was taken by loading every page of the UI against `mlflow server` and Minflow
// and recording the requests (test/compat/ui-*.test.ts fails on any new unanswered one).
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import { endpoint } from '../routes/endpoint.js';

type Json = Record<string, unknown>;

interface Stub {
  methods: HTTPMethods[];
  version: '2.0' | '3.0';
  path: string;
  answer: Json | ((body: Json) => Json);
}

/**
 * The review-queue page asks for (and would create) the user's personal queue before listing its
 * items. We answer with a queue that exists only in this answer: its items list is always empty.
 */
function personalReviewQueue(body: Json): Json {
  const experimentId = typeof body.experiment_id === 'string' ? body.experiment_id : '';
  const user = typeof body.user === 'string' && body.user !== '' ? body.user : 'default';
  return {
    review_queue: {
      queue_id: `rq-minflow-${experimentId}-${encodeURIComponent(user)}`,
      experiment_id: experimentId,
      name: user,
      queue_type: 'USER',
      created_by: typeof body.created_by === 'string' ? body.created_by : user,
      creation_time_ms: 0,
      last_update_time_ms: 0,
      users: [user],
    },
  };
}

const EMPTY: Json = {};

function jsonObject(body: unknown): Json {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
}

const STUBS: Stub[] = [
  // Legacy v2 trace search: the experiment page calls it to infer the experiment kind (reference §8.10).
  { methods: ['GET'], version: '2.0', path: '/mlflow/traces', answer: EMPTY },
  // handlers.gateway_proxy_handler without MLFLOW_DEPLOYMENTS_TARGET.
  { methods: ['GET', 'POST'], version: '2.0', path: '/mlflow/gateway-proxy', answer: { endpoints: [] } },
  // Traces tab and the experiment overview charts.
  { methods: ['POST'], version: '3.0', path: '/mlflow/traces/search', answer: EMPTY },
  { methods: ['POST'], version: '3.0', path: '/mlflow/traces/metrics', answer: EMPTY },
  // Judges, evaluation datasets, review queue and label schemas.
  { methods: ['GET'], version: '3.0', path: '/mlflow/scorers/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/scorers/online-configs', answer: EMPTY },
  { methods: ['GET', 'POST'], version: '3.0', path: '/mlflow/datasets/search', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/label-schemas/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/review-queues/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/review-queues/items/list', answer: EMPTY },
  { methods: ['POST'], version: '3.0', path: '/mlflow/review-queues/get-or-create-user', answer: personalReviewQueue },
  { methods: ['POST'], version: '3.0', path: '/mlflow/issues/search', answer: EMPTY },
  // The assistant panel (on `mlflow server` a FastAPI router for localhost only): what a fresh install
  // answers, with no provider available, so the panel opens on its setup screen.
  { methods: ['GET'], version: '3.0', path: '/mlflow/assistant/config', answer: { providers: {}, projects: {}, remote_access_allowed: false } },
  { methods: ['GET'], version: '3.0', path: '/mlflow/assistant/providers', answer: { providers: [] } },
  // MCP server registry page.
  { methods: ['GET'], version: '3.0', path: '/mlflow/mcp-servers', answer: { mcp_servers: [] } },
  // AI gateway pages (the gateway itself is not supported: server-info says features_enabled.gateway=false).
  { methods: ['GET'], version: '3.0', path: '/mlflow/gateway/endpoints/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/gateway/endpoints/bindings/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/gateway/secrets/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/gateway/model-definitions/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/gateway/budgets/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/gateway/budgets/windows', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/gateway/guardrails/list', answer: EMPTY },
  { methods: ['GET'], version: '3.0', path: '/mlflow/gateway/secrets/config', answer: { secrets_available: false, using_default_passphrase: false } },
];

export function genaiStubs(app: FastifyInstance): void {
  for (const stub of STUBS) {
    const { answer } = stub;
    const handler = typeof answer === 'function' ? (req: FastifyRequest) => answer(jsonObject(req.body)) : () => answer;
    endpoint(app, stub.methods, stub.path, handler, { versions: [stub.version], ajaxOnly: true });
  }
}
