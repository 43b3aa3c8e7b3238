// One MLflow RPC → its routes: every endpoint answers under /api/<v> (the Python client) and
// /ajax-api/<v> (the UI), as MLflow's get_endpoints() registers them. Handlers return the response
// message; errors are thrown as MlflowError and written by the app's error handler.
//
// The request's MessageSpec, when given, rides along in the route's config so that /openapi.json
// documents exactly the fields the handler coerces (server/openapi/).
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { MessageSpec } from '../protocol/fields.js';
import type { RouteDoc } from '../openapi/route-doc.js';
import { JsonText } from '../protocol/wire.js';
import { jsonBody } from '../protocol/json-body.js';
import { parseBigBody, prepareBigMessage } from '../protocol/request.js';
import { clientGone, replySignal } from '../reads/client-gone.js';
import { MlflowError } from '../errors.js';

export type Json = Record<string, unknown>;
export type Handler = (req: FastifyRequest, reply: FastifyReply) => Json | JsonText | Promise<Json | JsonText>;

export interface EndpointOptions {
  /** API versions to register under; MLflow's `since.major` of the RPC (default 2.0). */
  versions?: ('2.0' | '3.0')[];
  /** Flask-only routes exist under /ajax-api only. */
  ajaxOnly?: boolean;
  /** A smaller body limit than the app's (32 MiB, for log-batch and friends), checked before parsing. */
  bodyLimit?: number;
}

/**
 * The body limit of the searches: 10,000 experiment ids, a 256 kB filter and 50 order_by keys fit
 * in a fraction of it, and a multi-megabyte search body is refused (413) before it is parsed.
 */
export const SEARCH_BODY_LIMIT = 2 * 1024 * 1024;

/**
 * A body announced larger than `limit` is read and dropped unparsed, then answered 413: refused before
 * reading, the client was still sending and saw a broken pipe instead of the answer (which MLflow's
 * client retries as a connection error). Bodies without a Content-Length meet Fastify's bodyLimit.
 */
export function refuseLargerBodies(limit: number) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (!(length > limit)) return undefined;
    req.raw.resume();
    if (!req.raw.readableEnded) await new Promise<void>((resolve) => req.raw.once('end', resolve).once('close', resolve));
    const error = new MlflowError('INVALID_PARAMETER_VALUE', `Request body is too large: ${length} bytes, at most ${limit} for this endpoint`, 413);
    return reply.status(413).type('application/json').send(JSON.stringify(error.toJSON()));
  };
}

export function sendJson(reply: FastifyReply, body: Json | JsonText): FastifyReply {
  return reply.type('application/json').send(jsonBody(body));
}

export function endpoint(
  app: FastifyInstance,
  methods: HTTPMethods | HTTPMethods[],
  path: string,
  handler: Handler,
  options?: EndpointOptions,
): void;
export function endpoint(
  app: FastifyInstance,
  methods: HTTPMethods | HTTPMethods[],
  path: string,
  request: MessageSpec,
  handler: Handler,
  options?: EndpointOptions,
): void;
export function endpoint(
  app: FastifyInstance,
  methods: HTTPMethods | HTTPMethods[],
  path: string,
  ...rest: [Handler, EndpointOptions?] | [MessageSpec, Handler, EndpointOptions?]
): void {
  const [request, handler, options = {}] =
    typeof rest[0] === 'function' ? [undefined, rest[0], rest[1] as EndpointOptions | undefined] : (rest as [MessageSpec, Handler, EndpointOptions?]);
  const versions = options.versions ?? ['2.0'];
  const bases = options.ajaxOnly ? ['/ajax-api'] : ['/api', '/ajax-api'];
  const doc: RouteDoc = { kind: 'rpc', request };
  for (const version of versions) {
    for (const base of bases) {
      app.route({
        method: methods,
        url: `${base}/${version}${path}`,
        config: { openapi: doc },
        ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit, onRequest: refuseLargerBodies(options.bodyLimit) } : {}),
        // A body of a megabyte or more is parsed in slices before the permission checks read it, and
        // its message coerced in slices after them, before the handler reads it.
        preValidation: (req: FastifyRequest) => parseBigBody(req),
        preHandler: (req: FastifyRequest) => prepareBigMessage(req, request),
        // A read job started by the handler is dropped (or stopped) if the client goes away.
        handler: async (req, reply) => sendJson(reply, await clientGone.run(replySignal(reply), () => handler(req, reply))),
      });
    }
  }
}
