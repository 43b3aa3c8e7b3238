/**
 * Which cell spellings mean "no value". The seed table writes `null`; exports from pandas, R and
 * spreadsheets write the others. Comparison is case-insensitive and ignores surrounding whitespace, so
 * a lone space is missing too. Values such as "none" are deliberately *not* here: in a categorical
 * column they may be a real category.
 */
const MISSING = new Set(['', 'null', 'na', 'nan', 'n/a', '#n/a', '<na>', 'nil', '?']);

export function isMissing(cell: string): boolean {
  // Fast path: every missing spelling is short, even padded with a few spaces.
  if (cell.length > 12) return false;
  return MISSING.has(cell.trim().toLowerCase());
}

/**
 * Parses a numeric cell; returns NaN for a missing spelling and `undefined` for text that is not a
 * number (the caller then treats the column as categorical). `Number()` alone would accept "" and
 * "0x1f", so the syntax is checked first.
 */
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity)$/i;

export function parseNumericCell(cell: string): number | undefined {
  if (isMissing(cell)) return NaN;
  const s = cell.trim();
  if (!NUMERIC.test(s)) return undefined;
  const lower = s.toLowerCase();
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}
