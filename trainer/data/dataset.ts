/**
 * From a CSV to the columnar dataset the learners train on: which columns are features, which is the
 * target and which label is "positive", how text features are encoded.
 *
 * Categorical encoding: ordinal codes in sorted category order (what scikit-learn's OrdinalEncoder does),
 * missing → NaN, unseen categories at scoring time → NaN. Trees split codes into "≤ k" / "> k" groups and
 * send NaN down the learned missing branch, so this is deterministic, compact and good enough for the
 * low-cardinality columns churn tables have. The category lists live in the schema, which is saved with
 * the model so a scoring server encodes the same way.
 */
import { readCsvRecords, parseCsv } from './csv.js';
import { DataError } from './errors.js';
import { parseNumericCell } from './missing.js';
import type { RawColumn, RawTable } from './table.js';
import { TableBuilder } from './table.js';

export type FeatureSchema =
  | { name: string; type: 'numeric' }
  | { name: string; type: 'categorical'; categories: string[] };

export interface TargetInfo {
  name: string;
  positiveLabel: string;
  negativeLabel: string;
}

/** Columnar features: `columns[j][i]` is feature j of row i; NaN is missing. */
export interface FeatureMatrix {
  featureNames: string[];
  columns: Float64Array[];
  nRows: number;
}

export interface Dataset extends FeatureMatrix {
  /** 1 where the row has the positive label. */
  y: Uint8Array;
  target: TargetInfo;
  schema: FeatureSchema[];
  /** Raw text of the non-feature columns (ids, dates), for grouped and out-of-time splits. */
  extra: Map<string, (string | null)[]>;
  /** `abt` when the seed's layout was recognised (features = columns[2:-1]). */
  layout: 'abt' | 'generic';
  /**
   * Numeric features written as integers in every row of the file (no blanks, no "1.0"): the columns
   * pandas reads as int64, which the model signature types `long`. Absent for tables not read from text.
   */
  int64Features?: string[];
}

export interface LoadOptions {
  /** Target column; default `flag_churn`. */
  target?: string;
  /** Label that means "positive" (churn). Default: 1 / yes / true / y / t, else the label that sorts last. */
  positiveLabel?: string;
  /** Columns that are not features (ids, dates). */
  drop?: string[];
  /** Explicit feature list; overrides layout detection. */
  features?: string[];
  delimiter?: string;
}

const DEFAULT_TARGET = 'flag_churn';

interface Plan {
  target: string;
  features: string[];
  layout: 'abt' | 'generic';
}

function plan(header: string[], options: LoadOptions): Plan {
  const target = options.target ?? DEFAULT_TARGET;
  if (!header.includes(target)) {
    throw new DataError(
      'MISSING_TARGET',
      `target column "${target}" is not in the header (columns: ${preview(header)}); pass the right name as target`,
    );
  }
  const drop = new Set(options.drop ?? []);
  for (const name of drop) {
    if (!header.includes(name)) throw new DataError('UNKNOWN_COLUMN', `drop column "${name}" is not in the header`);
  }
  let features: string[];
  let layout: Plan['layout'] = 'generic';
  if (options.features !== undefined) {
    for (const name of options.features) {
      if (!header.includes(name)) throw new DataError('UNKNOWN_COLUMN', `feature "${name}" is not in the header`);
    }
    features = options.features.filter((f) => f !== target);
  } else if (header[0] === 'dt_ref' && header[1] === 'id_cliente' && header[header.length - 1] === target) {
    // The seed's layout: `features = df.columns[2:-1]`.
    layout = 'abt';
    features = header.slice(2, -1).filter((f) => !drop.has(f));
  } else {
    features = header.filter((f) => f !== target && !drop.has(f));
  }
  if (features.length === 0) throw new DataError('NO_FEATURES', 'no feature columns left after removing the target and dropped columns');
  return { target, features, layout };
}

function preview(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, … (${names.length} in all)`;
}

/** "1.0" and "1" are the same label; everything else compares as trimmed text. */
function normalizeLabel(label: string): string {
  const n = Number(label);
  return label !== '' && Number.isFinite(n) ? String(n) : label;
}

const POSITIVE_SPELLINGS = ['1', 'yes', 'true', 'y', 't', 'churn', 'positive'];

function choosePositive(labels: string[], requested: string | undefined): string {
  if (requested !== undefined) {
    const want = normalizeLabel(requested.trim());
    const hit = labels.find((l) => l === want) ?? labels.find((l) => l.toLowerCase() === want.toLowerCase());
    if (hit === undefined) {
      throw new DataError('NON_BINARY_TARGET', `positive label "${requested}" is not one of the target's labels (${labels.join(', ')})`);
    }
    return hit;
  }
  for (const spelling of POSITIVE_SPELLINGS) {
    const hit = labels.find((l) => l.toLowerCase() === spelling);
    if (hit !== undefined) return hit;
  }
  // scikit-learn's convention: classes_ sorted, the last one is the positive class.
  const numeric = labels.every((l) => Number.isFinite(Number(l)));
  const sorted = [...labels].sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  return sorted[sorted.length - 1]!;
}

function encodeTarget(column: RawColumn, positiveLabel: string | undefined): { y: Uint8Array; info: TargetInfo } {
  const raw = column.kind === 'text' ? column.values : Array.from(column.values, (v) => (Number.isNaN(v) ? null : String(v)));
  const labels: string[] = [];
  const normalized: string[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const cell = raw[i];
    if (cell === null || cell === undefined) {
      throw new DataError('MISSING_TARGET_VALUE', `target "${column.name}" is missing in data row ${i + 1}; drop or fill such rows first`);
    }
    const label = normalizeLabel(cell);
    normalized[i] = label;
    if (!labels.includes(label)) {
      labels.push(label);
      if (labels.length > 2) break;
    }
  }
  if (labels.length !== 2) {
    const what = labels.length < 2 ? `only one label (${labels.join(', ')})` : `more than two labels (${labels.join(', ')}, …)`;
    throw new DataError('NON_BINARY_TARGET', `target "${column.name}" must have exactly two labels, found ${what}`);
  }
  const positive = choosePositive(labels, positiveLabel);
  const negative = labels.find((l) => l !== positive)!;
  const y = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) y[i] = normalized[i] === positive ? 1 : 0;
  return { y, info: { name: column.name, positiveLabel: positive, negativeLabel: negative } };
}

function encodeFeature(column: RawColumn): { values: Float64Array; schema: FeatureSchema } {
  if (column.kind === 'numeric') return { values: column.values, schema: { name: column.name, type: 'numeric' } };
  const categories = [...new Set(column.values.filter((v): v is string => v !== null))].sort();
  const code = new Map(categories.map((c, k) => [c, k]));
  const values = Float64Array.from(column.values, (v) => (v === null ? NaN : code.get(v)!));
  return { values, schema: { name: column.name, type: 'categorical', categories } };
}

/** Encodes raw cell values of one feature with a schema learned at training time (for scoring). */
export function encodeWithSchema(schema: FeatureSchema, value: string | number | null | undefined): number {
  if (value === null || value === undefined) return NaN;
  if (schema.type === 'numeric') return typeof value === 'number' ? value : (parseNumericCell(value) ?? NaN);
  const k = schema.categories.indexOf(String(value).trim());
  return k < 0 ? NaN : k;
}

function buildDataset(table: RawTable, p: Plan, options: LoadOptions): Dataset {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const { y, info } = encodeTarget(byName.get(p.target)!, options.positiveLabel);
  const columns: Float64Array[] = [];
  const schema: FeatureSchema[] = [];
  const int64Features: string[] = [];
  for (const name of p.features) {
    const raw = byName.get(name)!;
    if (raw.kind === 'numeric' && raw.integerText) int64Features.push(name);
    const enc = encodeFeature(raw);
    columns.push(enc.values);
    schema.push(enc.schema);
  }
  const featureSet = new Set(p.features);
  const extra = new Map<string, (string | null)[]>();
  for (const c of table.columns) {
    if (featureSet.has(c.name) || c.name === p.target) continue;
    extra.set(c.name, c.kind === 'text' ? c.values : Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v))));
  }
  return { featureNames: p.features, columns, nRows: table.nRows, y, target: info, schema, extra, layout: p.layout, int64Features };
}

function makeBuilder(options: LoadOptions): { builder: TableBuilder; plan: () => Plan } {
  let chosen: Plan | undefined;
  const builder = new TableBuilder((header) => {
    chosen = plan(header, options);
    const features = new Set(chosen.features);
    // Non-features stay text: ids keep leading zeros, dates stay comparable strings.
    return new Set(header.filter((h) => !features.has(h)));
  });
  return {
    builder,
    plan: () => {
      if (chosen === undefined) throw new DataError('EMPTY_FILE', 'the file is empty: expected a header row');
      return chosen;
    },
  };
}

/** Streams a CSV file (or chunk source) into a dataset. */
export async function loadDataset(
  source: string | AsyncIterable<string | Buffer>,
  options: LoadOptions = {},
): Promise<Dataset> {
  const { builder, plan: getPlan } = makeBuilder(options);
  for await (const records of readCsvRecords(source, options.delimiter)) builder.add(records);
  const table = builder.finish();
  return buildDataset(table, getPlan(), options);
}

/** Same as loadDataset for CSV text already in memory. */
export function parseDataset(text: string, options: LoadOptions = {}): Dataset {
  const { builder, plan: getPlan } = makeBuilder(options);
  builder.add(parseCsv(text, options.delimiter));
  const table = builder.finish();
  return buildDataset(table, getPlan(), options);
}

/** Rows `indices` of a dataset, in that order (a train or test side of a split). */
export function takeRows(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const n = indices.length;
  const columns = ds.columns.map((col) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = col[indices[i]!]!;
    return out;
  });
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = ds.y[indices[i]!]!;
  const extra = new Map<string, (string | null)[]>();
  for (const [name, values] of ds.extra) extra.set(name, Array.from({ length: n }, (_, i) => values[indices[i]!] ?? null));
  return { ...ds, columns, y, nRows: n, extra };
}
