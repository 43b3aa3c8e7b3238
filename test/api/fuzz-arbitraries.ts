// fast-check generators for hostile requests, driven by the server's own /openapi.json: values that
// fit a field's schema (mostly), mutated with wrong types, hostile strings, huge and deep values;
// query strings, bodies that are not JSON, odd content types and headers.
import fc from 'fast-check';

export type JsonSchema = Record<string, unknown>;

/** Strings that have broken servers before: traversal, encodings, injection, numbers as text, huge ones. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '..',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/etc/passwd',
  '%252e%252e%252f',
  '..\\..\\windows',
  '/etc/passwd',
  'file:///etc/passwd',
  'runs:/../../x',
  'models:/../x',
  'mlflow-artifacts:/../../x',
  '%',
  '%zz',
  '%00',
  'a\u0000b',
  '\ud800',
  '\u202e\u0301',
  '😀'.repeat(50),
  '__proto__',
  'constructor',
  'prototype',
  "'; DROP TABLE runs; --",
  '" OR 1=1 --',
  '`backtick`',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '9007199254740993',
  '0x10',
  'true',
  'null',
  '{"nested": "json"}',
  '[1,2,3]',
  'metrics.m > 1 AND params.p = "x"',
  'attributes.start_time >= 0',
  'tags.`a` IS NULL',
  'x'.repeat(300),
  'y'.repeat(70_000),
] as const;

/**
 * A value nested `depth` levels deep, as arrays or objects. JSON.stringify cannot write one this deep,
 * so it stands in the generated value as a marker that asText() expands into raw JSON text.
 */
export class Deep {
  constructor(
    readonly depth: number,
    readonly kind: 'array' | 'object',
  ) {}

  text(): string {
    return this.kind === 'array' ? '['.repeat(this.depth) + ']'.repeat(this.depth) : `${'{"a":'.repeat(this.depth)}1${'}'.repeat(this.depth)}`;
  }
}

const DEEP_VALUES = [new Deep(50, 'array'), new Deep(5000, 'object'), new Deep(100_000, 'array'), new Deep(100_000, 'object')];

const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
);

/** Anything at all, including values no schema allows. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: anyString },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2 ** 63, -(2 ** 63), 1e308, [], {}, [null], { '': '' }) },
  { weight: 1, arbitrary: fc.constantFrom(...DEEP_VALUES) },
  { weight: 1, arbitrary: fc.array(fc.constant('x'), { minLength: 1001, maxLength: 1100 }) },
);

export interface Pools {
  /** Values worth trying for a field of this name (known ids, names, keys). */
  byName: Record<string, readonly string[]>;
}

function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root) as JsonSchema;
}

/** A value for `schema` — valid most of the time, hostile some of the time. */
export function valueFor(schema: JsonSchema, root: JsonSchema, pools: Pools, name = '', depth = 0): fc.Arbitrary<unknown> {
  const s = resolveRef(schema, root);
  const fitting = fittingValue(s, root, pools, name, depth);
  return fc.oneof({ weight: 8, arbitrary: fitting }, { weight: 1, arbitrary: hostileValue });
}

function fittingValue(s: JsonSchema, root: JsonSchema, pools: Pools, name: string, depth: number): fc.Arbitrary<unknown> {
  const variants = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (variants && !s.type) return fc.oneof(...variants.map((v) => fittingValue({ ...v }, root, pools, name, depth)));
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const known = pools.byName[name];
  switch (s.type) {
    case 'string': {
      const strings = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 30 }) }, { weight: 1, arbitrary: anyString });
      return known && known.length > 0 ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 2, arbitrary: strings }) : strings;
    }
    case 'integer':
      return fc.oneof(fc.integer({ min: -5, max: 100 }), fc.integer(), fc.constantFrom(0, 1, 1000, 1001, 50_000, 50_001, 2 ** 31, Number.MAX_SAFE_INTEGER));
    case 'number':
      return fc.oneof(fc.double({ noNaN: true }), fc.integer());
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const item = s.items ? valueFor(s.items as JsonSchema, root, pools, name, depth + 1) : hostileValue;
      return fc.array(item, { maxLength: depth > 1 ? 2 : 4 });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      const keys = Object.keys(props);
      if (keys.length === 0 || depth > 3) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const record = fc.record(
        Object.fromEntries(keys.map((k) => [k, valueFor(props[k]!, root, pools, k, depth + 1)])),
        { requiredKeys: [] },
      );
      // Unknown fields must be ignored, not choked on.
      return fc.tuple(record, fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'unknown_field', 'x'), hostileValue, { maxKeys: 2 })).map(
        ([known, extra]) => Object.assign(Object.create(null) as object, extra, known),
      );
    }
    default:
      return hostileValue;
  }
}

/** A query value as text: most fitting, some hostile. */
export function queryValue(schema: JsonSchema, root: JsonSchema, pools: Pools, name: string): fc.Arbitrary<string | string[]> {
  const one = valueFor(schema.type === 'array' ? ((schema.items ?? {}) as JsonSchema) : schema, root, pools, name).map(asText);
  return fc.oneof({ weight: 4, arbitrary: one }, { weight: 1, arbitrary: fc.array(one, { minLength: 2, maxLength: 4 }) });
}

/** A value as JSON text (a string as itself, for URLs), Deep markers expanded. */
export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Deep) return v.text();
  const deep: Deep[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => (x instanceof Deep ? `\u0000deep${deep.push(x) - 1}\u0000` : x)) ?? '';
  return text.replace(/"\\u0000deep(\d+)\\u0000"/g, (_m, i: string) => deep[Number(i)]!.text());
}

/** encodeURIComponent, with lone surrogates (which it refuses) replaced. */
export function encodeText(s: string): string {
  return encodeURIComponent(s.toWellFormed());
}

/** Encodes a query the way clients do, or not quite (raw '%', '&', unicode). */
export function encodeQuery(entries: [string, string | string[]][], raw: boolean): string {
  const parts: string[] = [];
  for (const [k, v] of entries) {
    for (const one of Array.isArray(v) ? v : [v]) {
      parts.push(raw ? `${k}=${one.replace(/[#\s]/g, '')}` : `${encodeText(k)}=${encodeText(one)}`);
    }
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/json; charset=latin1',
  '*/*',
  ';',
  undefined,
);

/** Bodies that are not what the schema says: not JSON, other JSON, deep, empty. */
export const oddBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'null', '[]', '"string"', '"{\\"double\\": \\"encoded\\"}"', '{', '{"a":', '}{', '\u0000', 'NaN', '1e999', '{"__proto__": {"polluted": 1}}'),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(...DEEP_VALUES).map((d) => d.text()),
);

/** Headers a client might send, and some it should not. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    authorization: fc.constantFrom('Basic', 'Basic !!!', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer x', 'Negotiate abc', ''),
    'x-request-id': fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    accept: fc.constantFrom('*/*', 'text/html', 'application/json', 'image/png'),
    'x-mlflow-workspace': fc.constantFrom('default', '', '../x'),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x'),
    // Mostly acceptable: a refused Host or Origin stops the request before the code under test.
    origin: fc.constantFrom('http://localhost:5000', 'http://127.0.0.1', 'http://localhost', 'http://[::1]:80', 'null', 'https://evil.example'),
    host: fc.constantFrom('localhost', '127.0.0.1:5000', 'localhost:5000', '10.0.0.1:80', '[::1]:5000', '192.168.1.1', 'evil.example.com'),
  },
  { requiredKeys: [] },
);
