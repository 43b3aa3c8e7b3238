// MessageSpec → JSON Schema, describing what protocol/fields.ts accepts (protobuf-JSON leniency
// included): int64 as an integer or a decimal string, doubles also as "NaN"/"Infinity"/"-Infinity",
// enums by name or number, bools also as "true"/"false" in any case, repeated fields as arrays (repeated
// query keys on GET), nested messages as objects. Unknown fields are ignored, so objects stay open.
import { INT64_MAX, INT64_MIN } from '../protocol/int64.js';
import type { EnumField, FieldSpec, MessageSpec } from '../protocol/fields.js';

export type JsonSchema = Record<string, unknown>;

/** Integers the server accepts: int32 fields are read as JS numbers; int64 ones exactly (protocol/int64.ts). */
const SAFE_INTEGER = { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
/** Bigints: the document is written by stringifyJsonExact, so the bounds keep their digits. */
const INT64_RANGE = { minimum: INT64_MIN, maximum: INT64_MAX };
const BOOL_STRING = '^([tT][rR][uU][eE]|[fF][aA][lL][sS][eE])$';
const INT_STRING = '^\\s*-?[0-9]{1,15}\\s*$';
/** Every 18-digit integer fits int64 (19 digits may not: the pattern cannot say where int64 ends). */
const INT64_STRING = '^\\s*-?[0-9]{1,18}\\s*$';

function enumSchema(field: EnumField, where: 'body' | 'query'): JsonSchema {
  const first = field.firstNumber ?? 1;
  const names: JsonSchema = { type: 'string', enum: [...field.values] };
  const numbers = { type: 'integer', minimum: first, maximum: first + field.values.length - 1 };
  if (where === 'query') return { ...names, description: `Or the value's number (${first}…${numbers.maximum}).` };
  return { anyOf: [names, numbers] };
}

function scalarSchema(field: FieldSpec, where: 'body' | 'query'): JsonSchema {
  switch (field.type) {
    case 'string':
      return { type: 'string' };
    case 'int64':
    case 'int32': {
      const int64 = field.type === 'int64';
      const number = { type: 'integer', format: field.type, ...(int64 ? INT64_RANGE : SAFE_INTEGER) };
      return where === 'query' ? number : { anyOf: [number, { type: 'string', pattern: int64 ? INT64_STRING : INT_STRING }] };
    }
    case 'double': {
      return { anyOf: [{ type: 'number' }, { type: 'string', enum: ['NaN', 'Infinity', '-Infinity'] }] };
    }
    case 'bool':
      return where === 'query' ? { type: 'boolean' } : { anyOf: [{ type: 'boolean' }, { type: 'string', pattern: BOOL_STRING }] };
    case 'enum':
      return enumSchema(field, where);
    case 'message':
      return messageSchema(field.fields);
  }
}

/** The schema of one field; `where` picks the query-string forms (scalars only there). */
export function fieldSchema(field: FieldSpec, where: 'body' | 'query' = 'body'): JsonSchema {
  const item = scalarSchema(field, where);
  return field.repeated ? { type: 'array', items: item } : item;
}

/**
 * Required fields, as the coercion checks them: present, not null, and (strings) not "". A spec with
 * both run_id and run_uuid is satisfied by either, as MLflow's handlers accept run_uuid for run_id.
 */
export function requiredFields(spec: MessageSpec): { required: string[]; runIdAlias: boolean } {
  const runIdAlias = 'run_id' in spec && spec.run_id!.required === true && 'run_uuid' in spec;
  const required = Object.entries(spec)
    .filter(([name, f]) => f.required && !(runIdAlias && name === 'run_id'))
    .map(([name]) => name);
  return { required, runIdAlias };
}

export function messageSchema(spec: MessageSpec): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, field] of Object.entries(spec)) {
    const schema = fieldSchema(field);
    // "" counts as missing for a required string (MLflow's _assert_required).
    properties[name] = field.required && field.type === 'string' && !field.repeated ? { ...schema, minLength: 1 } : schema;
  }
  const { required, runIdAlias } = requiredFields(spec);
  const out: JsonSchema = { type: 'object', properties };
  if (required.length > 0) out.required = required;
  if (runIdAlias) {
    out.anyOf = [{ required: ['run_id'] }, { required: ['run_uuid'], properties: { run_uuid: { type: 'string', minLength: 1 } } }];
  }
  return out;
}

export type QueryParameter = {
  name: string;
  in: 'query';
  required: boolean;
  schema: JsonSchema;
  style?: 'form';
  explode?: boolean;
};

/** GET requests: scalar and repeated scalar fields as query parameters (repeated = repeated keys). */
export function queryParameters(spec: MessageSpec): QueryParameter[] {
  const { required } = requiredFields(spec);
  const out: QueryParameter[] = [];
  for (const [name, field] of Object.entries(spec)) {
    // A message field cannot be spelled in a query string; such RPCs are POSTed by every client.
    if (field.type === 'message') continue;
    const schema = fieldSchema(field, 'query');
    const param: QueryParameter = {
      name,
      in: 'query',
      required: required.includes(name),
      schema: required.includes(name) && field.type === 'string' && !field.repeated ? { ...schema, minLength: 1 } : schema,
    };
    if (field.repeated) Object.assign(param, { style: 'form', explode: true });
    out.push(param);
  }
  return out;
}
