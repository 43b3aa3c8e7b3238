// Metric values in JSON text the database writes: neither engine prints a float as Python's repr
// (SQLite writes 17 digits, PostgreSQL drops `.0`), so the text marks each value's place with \x01 and
// the values come beside it as a JSON array (exact: SQLite's 17 digits, PostgreSQL's shortest
// round-trip text), put in place by pythonFloatText. NaN rows (is_nan) are written "NaN" in SQL and
// left out of the values.
import { pythonFloatText } from '../protocol/float-text.js';

export const VALUE_MARK = '\x01';
const MARKS = /\x01/g;

/** PostgreSQL: a float8 column as JSON number text; 'Infinity' is not JSON, 1e999 parses to it. */
export function pgValueJson(column: string): string {
  return `CASE WHEN ${column} = 'Infinity' THEN '1e999' WHEN ${column} = '-Infinity' THEN '-1e999' ELSE ${column}::text END`;
}

/** `template` with each mark replaced by the next of `valuesJson` (a JSON array) as Python writes it. */
export function fillValueMarks(template: string, valuesJson: string): string {
  if (!template.includes(VALUE_MARK)) return template;
  const values = JSON.parse(valuesJson) as number[];
  let i = 0;
  return template.replace(MARKS, () => pythonFloatText(values[i++]!));
}
