// Request coercion with protobuf-JSON leniency, as MLflow's `_get_request_message` + the per-handler
// schema asserts (mlflow/server/handlers.py): int64 as number or string, enums by name or number,
// doubles as numbers or "NaN"/"Infinity" strings, bools in any case, repeated fields from repeated
// query keys, unknown fields ignored. A field of the wrong type or a missing required one gets MLflow's
// exact message text.
import { invalidParameter } from '../errors.js';
import { int64FromText, int64Of, INT64_MAX, INT64_MIN, type Int64 } from './int64.js';
import { numberLiteralsOf, withNumberLiterals, writtenAsFloat } from './number-literals.js';

export type ScalarType = 'string' | 'int64' | 'int32' | 'double' | 'bool';

export interface ScalarField {
  type: ScalarType;
  repeated?: boolean;
  required?: boolean;
}
export interface EnumField {
  type: 'enum';
  values: readonly string[];
  /** The number of values[0]: MLflow's enums start at 1, LoggedModelStatus at 0. */
  firstNumber?: number;
  /**
   * An unknown name is dropped instead of refused, as ParseDict(ignore_unknown_fields=True) drops it:
   * the field then reads as unset. (Numbers out of range are still refused, as MLflow does.)
   */
  dropUnknownNames?: boolean;
  repeated?: boolean;
  required?: boolean;
}
export interface MessageField {
  type: 'message';
  fields: MessageSpec;
  repeated?: boolean;
  required?: boolean;
}
export type FieldSpec = ScalarField | EnumField | MessageField;
export type MessageSpec = Record<string, FieldSpec>;

type ValueOf<F> = F extends { type: 'string' }
  ? string
  : F extends { type: 'int64' }
    ? Int64
    : F extends { type: 'int32' | 'double' }
      ? number
    : F extends { type: 'bool' }
      ? boolean
      : F extends { type: 'enum'; values: readonly (infer E)[] }
        ? E
        : F extends { type: 'message'; fields: infer S }
          ? Parsed<S>
          : never;

/** The coerced request: every field optional (proto2 semantics: absent ≠ default). */
export type Parsed<S> = {
  [K in keyof S]?: S[K] extends { repeated: true } ? ValueOf<S[K]>[] : ValueOf<S[K]>;
};

const SEE_DOCS = ' See the API docs for more information about request parameters.';

/** Python's type name, as MLflow's "Hint: Value was of type '...'" prints it. */
function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) && !writtenAsFloat(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** Nesting shown in an error message; deeper parts print as "...". (A request may nest 100,000 deep.) */
const MAX_SHOWN_DEPTH = 32;

/** json.dumps(value, sort_keys=True, separators=(",", ":")) for the values a request can carry. */
function pythonJsonDumps(value: unknown, depth = 0): string {
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return String(value);
  // Python's repr of a float written as 9.0 (exponent form from 1e16, as JS from 1e21: rare enough).
  if (typeof value === 'number' && Number.isInteger(value)) return writtenAsFloat(value) && Math.abs(value) < 1e16 ? value.toFixed(1) : String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : String(value);
  if (value !== null && typeof value === 'object' && depth >= MAX_SHOWN_DEPTH) return '...';
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v, depth + 1)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${pythonJsonDumps((value as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function invalidValueError(param: string, value: unknown) {
  return invalidParameter(
    `Invalid value ${pythonJsonDumps(value)} for parameter '${param}' supplied:  Hint: Value was of type '${pythonTypeName(value)}'.${SEE_DOCS}`,
  );
}

export function missingValueError(param: string) {
  return invalidParameter(`Missing value for required parameter '${param}'.${SEE_DOCS}`);
}

const INT_PATTERN = /^-?\d+$/;

function coerceScalar(type: ScalarType | 'enum', raw: unknown, param: string, values?: readonly string[], first = 1): unknown {
  switch (type) {
    case 'string':
      if (typeof raw === 'string') return raw;
      break;
    case 'int64': {
      // Exact over int64's whole range, as protobuf's ParseDict; a bigint is a literal past 2^53 (int64.ts).
      const exact = typeof raw === 'bigint' ? raw : typeof raw === 'number' && Number.isInteger(raw) ? BigInt(raw) : undefined;
      if (exact !== undefined && exact >= INT64_MIN && exact <= INT64_MAX) return int64Of(exact);
      if (typeof raw === 'string' && INT_PATTERN.test(raw.trim())) {
        const n = int64FromText(raw.trim());
        if (n !== undefined) return n;
      }
      break;
    }
    case 'int32':
      if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
      if (typeof raw === 'string' && INT_PATTERN.test(raw.trim())) {
        const n = Number(raw.trim());
        if (Number.isSafeInteger(n)) return n;
      }
      break;
    case 'double':
      if (typeof raw === 'number') return raw;
      if (typeof raw === 'bigint') return Number(raw);
      if (typeof raw === 'string') {
        const s = raw.trim();
        if (s === 'NaN' || s === 'nan') return Number.NaN;
        if (s === 'Infinity' || s === 'inf') return Number.POSITIVE_INFINITY;
        if (s === '-Infinity' || s === '-inf') return Number.NEGATIVE_INFINITY;
        if (s !== '' && Number.isFinite(Number(s))) return Number(s);
      }
      break;
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string') {
        const s = raw.toLowerCase();
        if (s === 'true' || s === 'false') return s === 'true';
        throw invalidParameter(`Invalid boolean value: ${raw}, must be 'true' or 'false'.`);
      }
      break;
    case 'enum':
      if (typeof raw === 'string' && values!.includes(raw)) return raw;
      if ((typeof raw === 'number' && Number.isInteger(raw)) || (typeof raw === 'string' && INT_PATTERN.test(raw))) {
        const index = Number(raw) - first;
        if (index >= 0 && index < values!.length) return values![index];
      }
      break;
  }
  throw invalidValueError(param, raw);
}

function coerceField(spec: FieldSpec, raw: unknown, param: string): unknown {
  if (spec.type === 'message') {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidValueError(param, raw);
    return coerceMessage(spec.fields, raw as Record<string, unknown>, param);
  }
  if (spec.type === 'enum') {
    if (spec.dropUnknownNames && typeof raw === 'string' && !spec.values.includes(raw) && !INT_PATTERN.test(raw)) return undefined;
    return coerceScalar('enum', raw, param, spec.values, spec.firstNumber ?? 1);
  }
  return coerceScalar(spec.type, raw, param);
}

function coerceMessage(spec: MessageSpec, raw: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const value = raw[name];
    const param = prefix ? `${prefix}.${name}` : name;
    if (value === undefined || value === null) {
      if (field.required) throw missingValueError(param);
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) throw invalidValueError(param, value);
      out[name] = value.map((item, i) => coerceField(field, item, `${param}[${i}]`));
    } else {
      if (field.required && value === '') throw missingValueError(param);
      const coerced = coerceField(field, value, param);
      if (coerced !== undefined) out[name] = coerced;
    }
  }
  return out;
}

/**
 * Coerce a JSON body or a query object into the message described by `spec`.
 * `run_id` is satisfied by `run_uuid` wherever both exist, as MLflow (handlers.py) does.
 */
export function coerceRequest<S extends MessageSpec>(spec: S, raw: Record<string, unknown>): Parsed<S> {
  return withNumberLiterals(numberLiteralsOf(raw), () => coerceMessage(spec, withRunIdAlias(spec, raw)) as Parsed<S>);
}

function withRunIdAlias(spec: MessageSpec, raw: Record<string, unknown>): Record<string, unknown> {
  const input = { ...raw };
  if ('run_id' in spec && (input.run_id === undefined || input.run_id === '') && input.run_uuid !== undefined) input.run_id = input.run_uuid;
  return input;
}

/** Repeated fields longer than this are coerced a slice at a time by coerceRequestInSlices. */
const COERCE_SLICE = 10_000;

/**
 * coerceRequest with a turn of the event loop between slices of COERCE_SLICE items of each long
 * repeated field (500,000 tags of runs/create took ~300 ms in one go). Fields are coerced in the
 * spec's order, so the first error is the one coerceRequest throws.
 */
export async function coerceRequestInSlices<S extends MessageSpec>(spec: S, raw: Record<string, unknown>): Promise<Parsed<S>> {
  const input = withRunIdAlias(spec, raw);
  const literals = numberLiteralsOf(raw);
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const items = input[name];
    if (!field.repeated || !Array.isArray(items) || items.length <= COERCE_SLICE) {
      Object.assign(out, withNumberLiterals(literals, () => coerceMessage({ [name]: field }, input)));
      continue;
    }
    const coerced = new Array<unknown>(items.length);
    for (let start = 0; start < items.length; start += COERCE_SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      withNumberLiterals(literals, () => {
        for (let i = start; i < Math.min(items.length, start + COERCE_SLICE); i++) coerced[i] = coerceField(field, items[i], `${name}[${i}]`);
      });
    }
    out[name] = coerced;
  }
  return out as Parsed<S>;
}

/**
 * GET query → JSON-like object: repeated fields keep every value (`experiment_ids=1&experiment_ids=2`),
 * singular ones take the first, as Flask's `args.get` / `args.getlist` do.
 */
export function queryToMessage(spec: MessageSpec, query: Record<string, string | string[] | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const field = spec[key];
    if (field?.repeated) out[key] = Array.isArray(value) ? value : [value];
    else out[key] = Array.isArray(value) ? value[0] : value;
  }
  return out;
}
