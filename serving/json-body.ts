// JSON request bodies as Python clients send them. `json.dumps` (used by requests, and by MLflow's own
// scoring client for DataFrames with missing values) writes NaN, Infinity and -Infinity as bare tokens,
// which JSON.parse rejects; MLflow's server (Python's json.loads) accepts them. So on a parse failure the
// tokens are rewritten outside strings — NaN → null (a missing value), ±Infinity → ±1e999, which
// JSON.parse reads as ±Infinity — and the text is parsed again. Valid JSON never pays for this.
import { badRequest } from './errors.js';

const TOKENS: [string, string][] = [
  ['-Infinity', '-1e999'],
  ['Infinity', '1e999'],
  ['NaN', 'null'],
];

/** The text with Python's non-finite tokens replaced, or null when it has none outside strings. */
export function rewritePythonConstants(text: string): string | null {
  let out = '';
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x4e && c !== 0x49 && c !== 0x2d) continue; // N, I, -
    for (const [token, replacement] of TOKENS) {
      if (text.startsWith(token, i)) {
        out += text.slice(copied, i) + replacement;
        i += token.length - 1;
        copied = i + 1;
        break;
      }
    }
  }
  return copied === 0 ? null : out + text.slice(copied);
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    const rewritten = rewritePythonConstants(text);
    if (rewritten !== null) {
      try {
        return JSON.parse(rewritten);
      } catch {
        // report the original error below
      }
    }
    throw badRequest(`Invalid input. Ensure that input is a valid JSON formatted string. Error: ${(first as Error).message}`);
  }
}
