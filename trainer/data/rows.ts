/**
 * Row-shaped input (what a scoring request carries: MLflow's `dataframe_split` columns + data, or
 * records) → the columnar matrix the models take, encoded with the schema saved at training time, so
 * categorical codes and missing spellings mean the same thing at scoring time as in training.
 */
import type { FeatureMatrix, FeatureSchema } from './dataset.js';
import { encodeWithSchema } from './dataset.js';
import { DataError } from './errors.js';

export type Cell = string | number | boolean | null | undefined;

/** `columns` name the entries of each row; extra columns are ignored, a missing feature is an error. */
export function matrixFromRows(schema: readonly FeatureSchema[], columns: readonly string[], rows: readonly (readonly Cell[])[]): FeatureMatrix {
  const index = new Map(columns.map((c, k) => [c, k]));
  const out = schema.map((feature) => {
    const k = index.get(feature.name);
    if (k === undefined) throw new DataError('MISSING_FEATURE', `input has no column "${feature.name}", which the model needs`);
    return Float64Array.from(rows, (row) => {
      const v = row[k];
      return encodeWithSchema(feature, typeof v === 'boolean' ? Number(v) : v);
    });
  });
  return { featureNames: schema.map((f) => f.name), columns: out, nRows: rows.length };
}

/** Same for records (`[{column: value, ...}, ...]`). */
export function matrixFromRecords(schema: readonly FeatureSchema[], records: readonly Record<string, Cell>[]): FeatureMatrix {
  const columns = schema.map((f) => f.name);
  for (const name of columns) {
    if (records.length > 0 && !records.some((r) => name in r)) {
      throw new DataError('MISSING_FEATURE', `input has no column "${name}", which the model needs`);
    }
  }
  return matrixFromRows(schema, columns, records.map((r) => columns.map((c) => r[c])));
}
