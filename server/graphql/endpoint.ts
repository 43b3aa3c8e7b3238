// POST/GET /graphql as MLflow's handlers._graphql answers it: always HTTP 200 with
// {"data": ..., "errors": null | ["message", ...]} — errors are plain strings, not GraphQL error
// objects, and a failing resolver leaves its field null next to the message.
import { execute, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { MlflowError } from '../errors.js';
import { buildRootValue, newContext, type GraphqlDeps } from './resolvers.js';
import { checkQuerySafety, limitsFromEnv, type QueryLimits } from './safety.js';
import { buildMlflowSchema } from './schema.js';
import { parseJsonExact } from '../protocol/int64.js';
import { JsonText } from '../protocol/wire.js';
import { runsInReadWorker, type WorkerGraphqlRequest } from './offload.js';

export interface GraphqlRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface GraphqlResponse {
  data: Record<string, unknown> | null;
  errors: string[] | null;
}

const MAX_QUERY_TOKENS = 50_000;

function failure(message: string): GraphqlResponse {
  return { data: null, errors: [message] };
}

/** GET carries the request in the query string (variables as JSON text); POST in a JSON body. */
export function graphqlRequestFrom(method: string, query: Record<string, unknown>, body: unknown): GraphqlRequest {
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as GraphqlRequest;
  if (method !== 'GET') return {};
  let variables: unknown = query.variables;
  if (typeof variables === 'string' && variables !== '') {
    try {
      variables = parseJsonExact(variables);
    } catch {
      // Left as text: run() answers that variables must be a JSON object.
    }
  }
  return { query: query.query, variables, operationName: query.operationName };
}

export interface GraphqlEndpointDeps extends GraphqlDeps {
  /**
   * Executes a checked query in a read worker and gives its answer's text (SQLite's read pool). Then
   * none of a heavy answer — parsing the job's JSON, completing 25,000 points, writing the reply —
   * runs on the event loop, and /health stays fast while it is built.
   */
  offload?: (request: WorkerGraphqlRequest) => Promise<string>;
}

export class GraphqlEndpoint {
  private readonly schema: GraphQLSchema = buildMlflowSchema();
  private readonly rootValue: Record<string, unknown>;
  private readonly limits: QueryLimits = limitsFromEnv();
  private readonly offload: GraphqlEndpointDeps['offload'];

  constructor(deps: GraphqlEndpointDeps) {
    this.rootValue = buildRootValue(deps);
    this.offload = deps.offload;
  }

  /** Never throws: whatever goes wrong is a GraphQL error in a 200, as MLflow answers (never a 500). */
  async run(request: GraphqlRequest, log?: FastifyBaseLogger): Promise<GraphqlResponse | JsonText> {
    try {
      return await this.runUnsafe(request, log);
    } catch (e) {
      log?.error({ err: e }, 'graphql request failed');
      return failure(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
  }

  private async runUnsafe(request: GraphqlRequest, log?: FastifyBaseLogger): Promise<GraphqlResponse | JsonText> {
    const { query, variables, operationName } = request;
    if (typeof query !== 'string' || query.trim() === '') return failure('Must provide query string.');
    if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
      return failure('Variables must be provided as a JSON object.');
    }
    let document: DocumentNode;
    try {
      // graphql-js stops lexing at maxTokens: a query MLflow's limits allow (1,000 selections, their
      // arguments) is well under it, and a multi-megabyte one is refused before it is read whole.
      document = parse(query, { maxTokens: MAX_QUERY_TOKENS });
    } catch (e) {
      return failure(e instanceof GraphQLError ? e.message : String(e));
    }
    const unsafe = checkQuerySafety(document, this.limits);
    if (unsafe) return failure(unsafe);
    const invalid = validate(this.schema, document);
    if (invalid.length > 0) return { data: null, errors: invalid.map((e) => e.message) };
    const operation = typeof operationName === 'string' && operationName !== '' ? operationName : undefined;
    if (this.offload && runsInReadWorker(document, operation)) {
      try {
        return new JsonText(await this.offload({ query, variables: (variables ?? undefined) as Record<string, unknown> | undefined, operationName: operation }), true);
      } catch (e) {
        // The pool's own refusals (queue timeout, client gone) as a GraphQL error, as a resolver's would be.
        if (e instanceof MlflowError) return failure(e.message);
        throw e;
      }
    }

    const result = await execute({
      schema: this.schema,
      document,
      rootValue: this.rootValue,
      contextValue: newContext(),
      variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: operation,
    });
    for (const error of result.errors ?? []) {
      // An MlflowError is the user's (unknown run, bad filter): expected. Anything else is our bug.
      if (error.originalError && !(error.originalError instanceof MlflowError)) {
        log?.error({ err: error.originalError, path: error.path }, 'graphql resolver failed');
      }
    }
    return {
      data: (result.data ?? null) as Record<string, unknown> | null,
      errors: result.errors && result.errors.length > 0 ? result.errors.map((e) => e.message) : null,
    };
  }
}

export type GraphqlHandler = (req: FastifyRequest) => Promise<GraphqlResponse | JsonText>;

/** The /graphql route's handler (GET and POST) over one schema and the stores. */
export function graphqlHandler(deps: GraphqlEndpointDeps): GraphqlHandler {
  const endpoint = new GraphqlEndpoint(deps);
  return (req) => endpoint.run(graphqlRequestFrom(req.method, (req.query ?? {}) as Record<string, unknown>, req.body), req.log);
}
