// Checks a request frame against the model's signature and encodes it for the model.
//
// Rules (MLflow's column-based signatures, applied value by value so a message can name the row):
// - `double` takes numbers, `long` integers, `string` strings, `boolean` true/false; JSON values of any
//   other type are refused, as MLflow refuses "Can not safely convert object to float64". CSV cells are
//   text and are parsed to the column's type with the training table's rules (missing spellings, numbers).
// - null is accepted where the signature says `required: false` and refused where it says `required: true`.
// - A column the model needs must be present. `required: false` lets its values be null, but an absent
//   column is refused all the same: scoring a misspelt column as "all missing" would quietly return
//   wrong probabilities. (MLflow drops an absent optional column and leaves the failure to the model.)
// - Extra columns are ignored, as MLflow ignores them.
import type { FeatureMatrix, FeatureSchema } from '../trainer/data/dataset.js';
import { encodeWithSchema } from '../trainer/data/dataset.js';
import { isMissing, parseNumericCell } from '../trainer/data/missing.js';
import type { ColSpec } from '../trainer/mlflow-model/format.js';
import { badRequest } from './errors.js';
import type { InputFrame } from './input.js';

export type ColumnType = ColSpec['type'];

export interface ColumnRule {
  name: string;
  type: ColumnType;
  required: boolean;
}

type Cell = string | number | boolean | null;
/** A value that does not fit its column's type (the caller names the row in the message). */
const INVALID = Symbol('invalid');

/** The columns a request is checked against: the signature's, plus any model feature it does not list. */
export function columnRules(signatureInputs: readonly ColSpec[], features: readonly FeatureSchema[]): ColumnRule[] {
  const rules: ColumnRule[] = [];
  const seen = new Set<string>();
  for (const spec of signatureInputs) {
    if (spec.name === undefined || seen.has(spec.name)) continue;
    seen.add(spec.name);
    rules.push({ name: spec.name, type: spec.type, required: spec.required !== false });
  }
  for (const f of features) {
    if (seen.has(f.name)) continue;
    rules.push({ name: f.name, type: f.type === 'categorical' ? 'string' : 'double', required: false });
  }
  return rules;
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return `a ${typeof v}`;
}

function wrongType(rule: ColumnRule, row: string, v: unknown, why = ''): Error {
  return badRequest(
    `Incompatible input types for column '${rule.name}': ${row} has ${show(v)} (${typeName(v)}), but the model signature expects ${rule.type}${why}.`,
  );
}

function fromJson(v: unknown, rule: ColumnRule): Cell | typeof INVALID {
  if (v === null || v === undefined) return null;
  switch (rule.type) {
    case 'double':
      if (typeof v === 'number') return v;
      break;
    case 'long':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      break;
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      break;
  }
  return INVALID;
}

const TRUE = new Set(['true', '1', 't', 'yes']);
const FALSE = new Set(['false', '0', 'f', 'no']);

function fromText(s: string, rule: ColumnRule): Cell | typeof INVALID {
  if (isMissing(s)) return null;
  switch (rule.type) {
    case 'double': {
      const n = parseNumericCell(s);
      if (n !== undefined) return n;
      break;
    }
    case 'long': {
      const n = parseNumericCell(s);
      if (n !== undefined && Number.isInteger(n)) return n;
      break;
    }
    case 'string':
      return s;
    case 'boolean': {
      const t = s.trim().toLowerCase();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      break;
    }
  }
  return INVALID;
}

function missingColumn(rule: ColumnRule, frame: InputFrame): Error {
  const sent = [...frame.columns.keys()];
  const preview = sent.length <= 10 ? sent.join(', ') : `${sent.slice(0, 10).join(', ')}, … (${sent.length} in all)`;
  const why = rule.required
    ? 'is required by the model signature'
    : 'is needed by the model (its values may be null, but the column must be sent)';
  return badRequest(`The input column '${rule.name}' ${why} but missing from the input data. Columns received: [${preview}].`);
}

function rowName(frame: InputFrame, i: number): string {
  return frame.rowName ? frame.rowName(i) : `row ${i}`;
}

/** Checks every column the model needs and returns the encoded feature matrix. */
export function frameToMatrix(frame: InputFrame, rules: readonly ColumnRule[], features: readonly FeatureSchema[]): FeatureMatrix {
  const nRows = frame.nRows;
  const byName = new Map(features.map((f) => [f.name, f]));
  const encoded = new Map<string, Float64Array>();
  for (const rule of rules) {
    const feature = byName.get(rule.name);
    const values = frame.columns.get(rule.name);
    if (values === undefined) {
      if (nRows === 0) continue;
      if (rule.required || feature) throw missingColumn(rule, frame);
      continue;
    }
    const out = feature ? new Float64Array(nRows) : undefined;
    for (let i = 0; i < nRows; i++) {
      const v = values[i];
      const text = frame.textCells && typeof v === 'string';
      const cell = text ? fromText(v, rule) : fromJson(v, rule);
      if (cell === INVALID) throw wrongType(rule, rowName(frame, i), v, text ? ' and the text does not parse as one' : '');
      if (cell === null && rule.required) {
        throw badRequest(`The input column '${rule.name}' is required by the model signature and may not be null, but ${rowName(frame, i)} is null.`);
      }
      if (out) out[i] = encodeWithSchema(feature!, typeof cell === 'boolean' ? Number(cell) : cell);
    }
    if (out) encoded.set(rule.name, out);
  }
  return {
    featureNames: features.map((f) => f.name),
    columns: features.map((f) => encoded.get(f.name) ?? new Float64Array(nRows)),
    nRows,
  };
}
