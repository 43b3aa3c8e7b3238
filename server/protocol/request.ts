// Reading an MLflow request the way Flask + MLflow's handlers do: GET with a query string reads the
// query, everything else reads a JSON body. POST/PUT need Content-Type application/json; DELETE and
// PATCH bodies are parsed whatever their content type (the client sends JSON bodies on DELETE). A body
// that is not JSON counts as empty, as `get_json(force=True, silent=True)`; a body that is a JSON
// string holding JSON (older clients double-encode) is decoded twice.
import type { FastifyRequest } from 'fastify';
import { invalidParameter } from '../errors.js';
import { noteNumberLiterals } from './number-literals.js';
import { coerceRequest, queryToMessage, type MessageSpec, type Parsed } from './fields.js';

function contentTypeOf(req: FastifyRequest): string | undefined {
  const ct = req.headers['content-type'];
  return ct === undefined ? undefined : ct.split(';')[0]!.trim().toLowerCase();
}

function assertJsonContentType(req: FastifyRequest): void {
  if (req.method !== 'POST' && req.method !== 'PUT') return;
  const ct = contentTypeOf(req);
  if (ct === undefined) throw invalidParameter('Bad Request. Content-Type header is missing.');
  if (ct !== 'application/json') throw invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
}

/** The request body as a JSON object, or {} when it is absent or not JSON. */
export function readJsonBody(req: FastifyRequest): Record<string, unknown> {
  assertJsonContentType(req);
  let body: unknown = req.body;
  if (Buffer.isBuffer(body)) body = body.toString('utf8');
  if (typeof body === 'string') {
    if (body.trim() === '') return {};
    try {
      const text = body;
      body = JSON.parse(text);
      if (typeof body === 'string') body = JSON.parse(body);
      else noteNumberLiterals(text, body); // 9.0 stays a float in error messages, as in MLflow's
    } catch {
      return {};
    }
  }
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function queryObject(req: FastifyRequest): Record<string, string | string[] | undefined> {
  return (req.query ?? {}) as Record<string, string | string[] | undefined>;
}

export function hasQuery(req: FastifyRequest): boolean {
  return Object.keys(queryObject(req)).length > 0;
}

/** The raw message (query or body) before coercion, for handlers that read fields by hand. */
export function rawMessage(req: FastifyRequest, spec: MessageSpec): Record<string, unknown> {
  if (req.method === 'GET' && hasQuery(req)) return queryToMessage(spec, queryObject(req));
  return readJsonBody(req);
}

export function readMessage<S extends MessageSpec>(req: FastifyRequest, spec: S): Parsed<S> {
  return coerceRequest(spec, rawMessage(req, spec));
}
