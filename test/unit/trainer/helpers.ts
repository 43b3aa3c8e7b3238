// Small builders shared by the trainer unit tests.
import type { FeatureMatrix } from '../../../trainer/data/dataset.js';

/** Rows (null = missing) → a columnar matrix with features f0, f1, … */
export function matrix(rows: readonly (readonly (number | null)[])[], names?: string[]): FeatureMatrix {
  const nF = rows[0]?.length ?? 0;
  const columns = Array.from({ length: nF }, (_, j) => Float64Array.from(rows, (r) => (r[j] === null ? NaN : r[j]!)));
  return { featureNames: names ?? columns.map((_, j) => `f${j}`), columns, nRows: rows.length };
}

/** One feature column. */
export function column(values: readonly (number | null)[]): FeatureMatrix {
  return matrix(values.map((v) => [v]));
}

export function labels(values: readonly number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** Deterministic noisy two-feature table (LCG), for property checks that need more than a handful of rows. */
export function noisyTable(n: number, seed = 1): { X: FeatureMatrix; y: Uint8Array } {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const rows: (number | null)[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.round(rand() * 1000) / 100;
    const b = rand() < 0.2 ? null : Math.round(rand() * 100) / 10;
    const c = Math.round(rand() * 5);
    rows.push([a, b, c]);
    const score = a / 10 + (b === null ? 0.3 : -b / 20) + (rand() - 0.5) * 0.6;
    y.push(score > 0.35 ? 1 : 0);
  }
  return { X: matrix(rows), y: Uint8Array.from(y) };
}
