// Reading an MLflow request the way Flask + MLflow's handlers do: GET with a query string reads the
// query, everything else reads a JSON body. POST/PUT need Content-Type application/json; DELETE and
// PATCH bodies are parsed whatever their content type (the client sends JSON bodies on DELETE). A body
// that is not JSON counts as empty, as `get_json(force=True, silent=True)`; a body that is a JSON
// string holding JSON (older clients double-encode) is decoded twice.
import type { FastifyRequest } from 'fastify';
import { invalidParameter } from '../errors.js';
import { parseJsonExact } from './int64.js';
import { noteNumberLiterals, recordNumberLiterals } from './number-literals.js';
import { coerceRequest, coerceRequestInSlices, queryToMessage, type MessageSpec, type Parsed } from './fields.js';
import { parseJsonInSlices, SLICED_JSON_MIN_CHARS } from './sliced-json.js';

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
  if (typeof body === 'string') return jsonBodyOfText(body);
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** A body's text as a JSON object: {} when it is empty or not a JSON object; a JSON string holding JSON decoded twice. */
export function jsonBodyOfText(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = parseJsonExact(text);
    if (typeof body === 'string') body = parseJsonExact(body);
    else noteNumberLiterals(text, body); // 9.0 stays a float in error messages, as in MLflow's
  } catch {
    return {};
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

/** The text of each big body parseBigBody replaced by its value (for a handler that hands it to a worker). */
const bigBodyTexts = new WeakMap<FastifyRequest, string>();

/** The text of a JSON body of a megabyte or more, as it arrived; undefined for smaller ones. */
export function bigBodyText(req: FastifyRequest): string | undefined {
  return bigBodyTexts.get(req);
}

/** Messages of big bodies, parsed and coerced ahead of the handler by prepareBigMessage. */
const prepared = new WeakMap<FastifyRequest, { spec: MessageSpec; message?: unknown; error?: unknown }>();

export function readMessage<S extends MessageSpec>(req: FastifyRequest, spec: S): Parsed<S> {
  const ready = prepared.get(req);
  if (ready?.spec === spec) {
    if (ready.error !== undefined) throw ready.error;
    return ready.message as Parsed<S>;
  }
  return coerceRequest(spec, rawMessage(req, spec));
}

/**
 * A JSON body of a megabyte or more, parsed in slices into what readJsonBody would make of it (a text
 * that is not a JSON object counts as {}): in one go, 500,000 tags held the event loop for over a
 * second. Run before the permission checks, which read the body too.
 */
export async function parseBigBody(req: FastifyRequest): Promise<void> {
  const body: unknown = req.body;
  if (typeof body !== 'string' || body.length < SLICED_JSON_MIN_CHARS) return;
  if (req.method === 'GET' && hasQuery(req)) return;
  bigBodyTexts.set(req, body);
  let parsed: unknown;
  try {
    const first = await parseJsonInSlices(body);
    parsed = typeof first.value === 'string' ? (await parseJsonInSlices(first.value)).value : first.value;
    if (typeof first.value !== 'string') recordNumberLiterals(parsed, first.literals);
  } catch {
    parsed = {};
  }
  req.body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
}

/**
 * The message of a big body, coerced in slices before the handler runs (after the permission checks,
 * which may narrow the body), so that readMessage finds it done. A coercion error is kept and thrown
 * where the handler reads its message, so handlers fail in the order they did.
 */
export async function prepareBigMessage(req: FastifyRequest, spec: MessageSpec | undefined): Promise<void> {
  await parseBigBody(req);
  const body: unknown = req.body;
  if (!spec || body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return;
  if (req.method === 'GET' && hasQuery(req)) return;
  try {
    assertJsonContentType(req);
    prepared.set(req, { spec, message: await coerceRequestInSlices(spec, body as Record<string, unknown>) });
  } catch (error) {
    prepared.set(req, { spec, error });
  }
}
