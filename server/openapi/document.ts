// /openapi.json: an OpenAPI 3.1 document of every route the server registers. Routes are collected
// as Fastify adds them (onRoute), so the document cannot drift from the router: JSON RPCs are
// described from the MessageSpec their handler coerces (routes/endpoint.ts), the rest by hand
// (manual.ts). A route in neither place is still listed, marked `x-undocumented`, and the API test
// fails on it.
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Config } from '../config.js';
import { MLFLOW_COMPATIBLE_VERSION } from '../version.js';
import { messageSchema, queryParameters, type JsonSchema } from './json-schema.js';
import { ERROR_RESPONSE, MANUAL_OPERATIONS, type Operation } from './manual.js';
import type { RouteDoc } from './route-doc.js';
import { stringifyJsonExact } from '../protocol/int64.js';

interface CollectedRoute {
  method: string;
  /** As registered, without the static prefix (Fastify syntax: `:param`, `*`). */
  path: string;
  doc: RouteDoc | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Fastify's path syntax → OpenAPI's: `:model_id` → `{model_id}`, `*` → `{path}`. */
export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z_][\w]*)/g, '{$1}').replace(/\*$/, '{path}');
}

/** `POST /api/2.0/mlflow/runs/log-batch` → postApi20MlflowRunsLogBatch; `:id` → ById, `*` → Path. */
function operationId(method: string, path: string): string {
  const words = path.replace(/:/g, '/by_').replace(/\*/g, 'path');
  return `${method.toLowerCase()}${words.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}` || method.toLowerCase();
}

function pathParameters(fastifyPath: string): Record<string, unknown>[] {
  const names = [...fastifyPath.matchAll(/:([A-Za-z_][\w]*)/g)].map((m) => m[1]!);
  return names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', minLength: 1 } }));
}

function tagOf(path: string): string {
  if (/mlflow-artifacts|artifact/.test(path)) return 'artifacts';
  const m = /\/mlflow\/([^/:]+)/.exec(path);
  if (m) return m[1]!;
  return 'server';
}

function rpcOperation(method: string, path: string, doc: RouteDoc): Operation {
  const spec = doc.request ?? {};
  const op: Operation = { tags: [tagOf(path)] };
  if (!doc.request) op.description = 'Reads any JSON object; no fields are documented.';
  const params: Record<string, unknown>[] = pathParameters(path);
  if (method === 'GET') params.push(...queryParameters(spec).filter((q) => !params.some((p) => p.name === q.name)));
  if (params.length > 0) op.parameters = params;
  if (method !== 'GET') {
    // POST/PUT need Content-Type: application/json (MLflow's _validate_content_type); DELETE and PATCH
    // bodies are read whatever their type, and may be absent.
    const schema: JsonSchema = messageSchema(spec);
    op.requestBody = { required: method === 'POST' || method === 'PUT', content: { 'application/json': { schema } } };
  }
  op.responses = {
    '200': {
      description: 'The response message (MLflow JSON: snake_case, empty fields omitted)',
      content: { 'application/json': { schema: { type: 'object' } } },
    },
    default: ERROR_RESPONSE,
  };
  return op;
}

function fallbackOperation(path: string): Operation {
  return { tags: [tagOf(path)], 'x-undocumented': true, responses: { default: ERROR_RESPONSE } };
}

export class OpenApiRegistry {
  private readonly routes: CollectedRoute[] = [];
  private cached: Record<string, unknown> | undefined;

  constructor(private readonly staticPrefix: string) {}

  collect(route: RouteOptions): void {
    const url = route.url.startsWith(this.staticPrefix) ? route.url.slice(this.staticPrefix.length) : route.url;
    if (url === '') return; // `<prefix>` → `<prefix>/` redirect
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => METHODS.includes(m));
    for (const method of methods) this.routes.push({ method, path: url, doc: route.config?.openapi });
    this.cached = undefined;
  }

  /** `METHOD path` of routes described neither by a MessageSpec nor by hand. */
  undocumented(): string[] {
    return this.routes.filter((r) => !r.doc && !MANUAL_OPERATIONS[`${r.method} ${r.path}`]).map((r) => `${r.method} ${r.path}`);
  }

  document(): Record<string, unknown> {
    if (this.cached) return this.cached;
    const paths: Record<string, Record<string, Operation>> = {};
    for (const route of this.routes) {
      const key = `${route.method} ${route.path}`;
      const op = route.doc ? rpcOperation(route.method, route.path, route.doc) : (MANUAL_OPERATIONS[key] ?? fallbackOperation(route.path));
      const item = (paths[openApiPath(route.path)] ??= {});
      item[route.method.toLowerCase()] = {
        operationId: operationId(route.method, route.path),
        ...op,
      };
    }
    this.cached = {
      openapi: '3.1.0',
      info: {
        title: 'Minflow — MLflow-compatible tracking server',
        version: MLFLOW_COMPATIBLE_VERSION,
        description:
          "MLflow's REST API as Minflow serves it. Requests follow protobuf-JSON leniency (int64 as number or string, " +
          'enums by name or number); unknown fields are ignored; every error is {"error_code", "message"}.',
      },
      servers: [{ url: this.staticPrefix || '/' }],
      paths,
      components: {
        schemas: {
          Error: {
            type: 'object',
            required: ['error_code', 'message'],
            properties: {
              error_code: { type: 'string' },
              message: { type: 'string' },
              sqlstate: { type: 'string' },
              error_class: { type: 'string' },
            },
          },
        },
      },
    };
    return this.cached;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    openapi: OpenApiRegistry;
  }
}

/** Collects every route registered after this call and serves the document at <prefix>/openapi.json. */
export function registerOpenApi(app: FastifyInstance, config: Pick<Config, 'staticPrefix'>): void {
  const registry = new OpenApiRegistry(config.staticPrefix);
  app.decorate('openapi', registry);
  app.addHook('onRoute', (route) => registry.collect(route));
  app.get(`${config.staticPrefix}/openapi.json`, async (_req, reply) => reply.type('application/json').send(stringifyJsonExact(registry.document())));
}
