// Rows of one customer on both sides of a random split: the model is tested on customers it was trained
// on, so test scores are optimistic. abt.csv has several snapshots per customer (id_cliente), and a
// random 80/20 split puts 679 of its 811 test rows next to a training row of the same customer.
//
// An id-like column is a non-feature text column (kept aside from the features, as ids are) whose
// values repeat but are many — not a date column, whose values are shared by design.
import type { Dataset } from '../data/index.js';

export interface Leakage {
  column: string;
  /** Test rows whose value also appears in the training rows. */
  overlappingTestRows: number;
  testRows: number;
  /** The flag that holds whole groups out instead. */
  suggestion: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}([ T].*)?$/;

function idLike(values: readonly (string | null)[]): boolean {
  const present = values.filter((v): v is string => v !== null);
  if (present.length < values.length * 0.99) return false;
  if (present.every((v) => DATE.test(v))) return false;
  const unique = new Set(present).size;
  // Repeats (several rows per id) yet many distinct values (not a category such as a region).
  return unique < present.length && unique >= Math.max(20, present.length * 0.05);
}

/**
 * Id-like columns whose values appear on both sides. None for a grouped split on that column, nor for an
 * out-of-time split: scoring known customers at later dates is what such a split rehearses.
 */
export function findLeakage(train: Dataset, test: Dataset, split: string): Leakage[] {
  const out: Leakage[] = [];
  if (split.startsWith('time:')) return out;
  for (const [column, trainValues] of train.extra) {
    if (split === `group:${column}`) continue;
    const testValues = test.extra.get(column);
    if (testValues === undefined || !idLike([...trainValues, ...testValues])) continue;
    const seen = new Set(trainValues.filter((v) => v !== null));
    const overlapping = testValues.filter((v) => v !== null && seen.has(v)).length;
    if (overlapping > 0) out.push({ column, overlappingTestRows: overlapping, testRows: test.nRows, suggestion: `--split group:${column}` });
  }
  return out;
}

export function leakageMessage(l: Leakage): string {
  const pct = Math.round((100 * l.overlappingTestRows) / l.testRows);
  return (
    `${l.overlappingTestRows} of ${l.testRows} test rows (${pct}%) share their ${l.column} with training rows: ` +
    `the model is tested on ${l.column} values it was trained on, so test scores are optimistic. ` +
    `To hold whole ${l.column} groups out, train again with ${l.suggestion}.`
  );
}
