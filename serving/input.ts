// The body of POST /invocations → one column-major frame. Accepts what MLflow's scoring server accepts
// for a DataFrame model: JSON with exactly one of `dataframe_split`, `dataframe_records`, `instances`,
// `inputs` (plus an ignored `params`), or `text/csv` with a header row. Cell types are not judged here;
// the signature check does that, so every format gets the same rules and messages.
import { parseCsv } from '../trainer/data/csv.js';
import { DataError } from '../trainer/data/errors.js';
import { ScoringError, badRequest } from './errors.js';
import { parseJsonBody } from './json-body.js';

export interface InputFrame {
  /** Column name → one value per row, as sent (JSON values, or text for CSV). */
  columns: Map<string, unknown[]>;
  nRows: number;
  /** CSV cells are text and take their type from the signature; JSON cells arrive typed. */
  textCells: boolean;
  /** How messages name row i (default `row i`, 0-based as in pandas; batch scoring names the CSV line). */
  rowName?: (i: number) => string;
}

export const INPUT_FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

// MLflow's own wording (mlflow/pyfunc/scoring_server), so clients that match on it keep working.
const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields {${INPUT_FORMATS.map((f) => `'${f}'`).join(', ')}}`;
const CONTENT_TYPES = "['text/csv', 'application/json']";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : isRecord(v) ? 'a dictionary' : `a ${typeof v}`;
}

/** Parses `Content-Type`; MLflow answers 415 for anything but UTF-8 JSON or CSV. */
export function mediaTypeOf(contentType: string | undefined): 'json' | 'csv' {
  const [type = '', ...params] = (contentType ?? '').split(';').map((s) => s.trim());
  for (const p of params) {
    const [key = '', value = ''] = p.split('=').map((s) => s.trim().toLowerCase());
    if (key === 'charset') {
      if (value.replace(/^"|"$/g, '') !== 'utf-8') throw new ScoringError('UNSUPPORTED_MEDIA_TYPE', 'The scoring server only supports UTF-8');
    } else if (key !== '') {
      throw new ScoringError('UNSUPPORTED_MEDIA_TYPE', `Unrecognized content type parameters: ${key}.`);
    }
  }
  const media = type.toLowerCase();
  if (media === 'application/json') return 'json';
  if (media === 'text/csv') return 'csv';
  throw new ScoringError(
    'UNSUPPORTED_MEDIA_TYPE',
    `This predictor only supports the following content types: Types: ${CONTENT_TYPES}. Got '${contentType ?? ''}'.`,
  );
}

/**
 * @param positional the signature's column names, used for data sent without column names (a split
 *   frame without `columns`, lists of lists), as MLflow matches unnamed columns to the signature by position.
 */
export function parseInvocationBody(body: string, contentType: string | undefined, positional: readonly string[]): InputFrame {
  const media = mediaTypeOf(contentType);
  if (body.trim() === '') {
    throw badRequest(`The request body is empty. ${media === 'csv' ? 'Send a header row and data rows' : `${REQUIRED_INPUT_FORMAT}.`}`);
  }
  return media === 'csv' ? frameFromCsv(body) : frameFromJson(parseJsonBody(body), positional);
}

export function frameFromJson(doc: unknown, positional: readonly string[]): InputFrame {
  if (!isRecord(doc)) throw badRequest(`Invalid input. ${REQUIRED_INPUT_FORMAT}. Received ${kindOf(doc)}.`);
  const present = INPUT_FORMATS.filter((f) => f in doc);
  if (present.length !== 1) {
    throw badRequest(`${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: [${Object.keys(doc).map((k) => `'${k}'`).join(', ')}].`);
  }
  const format = present[0]!;
  const data = doc[format];
  switch (format) {
    case 'dataframe_split':
      return fromSplit(data, positional);
    case 'dataframe_records':
      if (!Array.isArray(data)) throw badRequest(`Invalid input. Dataframe records format must be a list of records. Got ${kindOf(data)}.`);
      return fromRows(data, positional, format);
    case 'instances':
    case 'inputs':
      if (Array.isArray(data)) return fromRows(data, positional, format);
      if (isRecord(data)) return fromColumns(data, format);
      throw badRequest(`Invalid input. '${format}' must be a list of rows or a dictionary of columns. Got ${kindOf(data)}.`);
  }
}

function uniqueNames(names: readonly unknown[], where: string): string[] {
  const seen = new Set<string>();
  for (const n of names) {
    if (typeof n !== 'string') throw badRequest(`Invalid input. ${where}: column names must be strings, got ${JSON.stringify(n)}.`);
    if (seen.has(n)) throw badRequest(`Invalid input. ${where}: column '${n}' appears more than once.`);
    seen.add(n);
  }
  return [...seen];
}

function positionalNames(width: number, positional: readonly string[], where: string): string[] {
  if (width !== positional.length) {
    throw badRequest(
      `Invalid input. ${where} has no column names and its rows have ${width} values, but the model signature has ${positional.length} columns; name the columns or send all of them in signature order.`,
    );
  }
  return [...positional];
}

/** Rows as arrays: one value per column. */
function columnsFromArrays(names: string[], rows: readonly unknown[], where: string): InputFrame {
  const columns = names.map(() => new Array<unknown>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row)) throw badRequest(`Invalid input. ${where}: row ${i} is ${kindOf(row)}, expected a list of ${names.length} values.`);
    if (row.length !== names.length) {
      throw badRequest(`Invalid input. ${where}: ${names.length} columns passed, but row ${i} has ${row.length} values.`);
    }
    for (let j = 0; j < names.length; j++) columns[j]![i] = row[j];
  }
  return { columns: new Map(names.map((n, j) => [n, columns[j]!])), nRows: rows.length, textCells: false };
}

function fromSplit(data: unknown, positional: readonly string[]): InputFrame {
  if (!isRecord(data)) throw badRequest(`Invalid input. Dataframe split format must be a dictionary. Got ${kindOf(data)}.`);
  const extra = Object.keys(data).filter((k) => !['columns', 'data', 'index'].includes(k));
  if (!('data' in data) || extra.length > 0) {
    throw badRequest(`Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {${Object.keys(data).map((k) => `'${k}'`).join(', ')}}.`);
  }
  const rows = data.data;
  if (!Array.isArray(rows)) throw badRequest(`Invalid input. dataframe_split 'data' must be a list of rows. Got ${kindOf(rows)}.`);
  let names: string[];
  if (data.columns === undefined || data.columns === null) {
    if (rows.length === 0) return { columns: new Map(), nRows: 0, textCells: false };
    names = positionalNames(Array.isArray(rows[0]) ? rows[0].length : 1, positional, 'dataframe_split');
  } else {
    if (!Array.isArray(data.columns)) throw badRequest(`Invalid input. dataframe_split 'columns' must be a list of names. Got ${kindOf(data.columns)}.`);
    names = uniqueNames(data.columns, 'dataframe_split');
  }
  return columnsFromArrays(names, rows, 'dataframe_split');
}

/** A list of records (dictionaries) or of rows (lists, matched to the signature by position). */
function fromRows(rows: readonly unknown[], positional: readonly string[], where: InputFormat): InputFrame {
  if (rows.length === 0) return { columns: new Map(), nRows: 0, textCells: false };
  if (Array.isArray(rows[0])) return columnsFromArrays(positionalNames(rows[0].length, positional, where), rows, where);
  const columns = new Map<string, unknown[]>();
  for (let i = 0; i < rows.length; i++) {
    const record = rows[i];
    if (!isRecord(record)) throw badRequest(`Invalid input. ${where}: row ${i} is ${kindOf(record)}, expected a dictionary of column → value.`);
    for (const key in record) {
      let column = columns.get(key);
      if (column === undefined) {
        // A key first seen in a later record is missing (null) in the earlier ones, as pandas fills it.
        column = new Array<unknown>(rows.length).fill(null);
        columns.set(key, column);
      }
      column[i] = record[key];
    }
  }
  return { columns, nRows: rows.length, textCells: false };
}

/** A dictionary of columns (`{"a": [1, 2], "b": [3, 4]}`), or of scalars for one row. */
function fromColumns(data: Record<string, unknown>, where: InputFormat): InputFrame {
  const entries = Object.entries(data);
  if (entries.length === 0) return { columns: new Map(), nRows: 0, textCells: false };
  const arrays = entries.filter(([, v]) => Array.isArray(v)).length;
  if (arrays === 0) return { columns: new Map(entries.map(([k, v]) => [k, [v]])), nRows: 1, textCells: false };
  if (arrays !== entries.length) {
    throw badRequest(`Invalid input. ${where}: a dictionary of columns must map every column to a list of values (or every column to one value).`);
  }
  const nRows = (entries[0]![1] as unknown[]).length;
  for (const [name, values] of entries) {
    if ((values as unknown[]).length !== nRows) {
      throw badRequest(`Invalid input. ${where}: column '${name}' has ${(values as unknown[]).length} values, but '${entries[0]![0]}' has ${nRows}; all columns must have the same length.`);
    }
  }
  return { columns: new Map(entries as [string, unknown[]][]), nRows, textCells: false };
}

export function frameFromCsv(text: string): InputFrame {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof DataError) throw badRequest(`Failed to parse input as CSV: ${e.message}`);
    throw e;
  }
  const header = records[0];
  if (header === undefined) throw badRequest('Failed to parse input as CSV: no header row.');
  const names = uniqueNames(header.fields, 'CSV header');
  const rows = records.slice(1);
  const columns = names.map(() => new Array<string>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const { fields, line } = rows[i]!;
    if (fields.length !== names.length) {
      throw badRequest(`Failed to parse input as CSV: line ${line} has ${fields.length} fields, the header has ${names.length}.`);
    }
    for (let j = 0; j < names.length; j++) columns[j]![i] = fields[j]!;
  }
  return { columns: new Map(names.map((n, j) => [n, columns[j]!])), nRows: rows.length, textCells: true };
}
