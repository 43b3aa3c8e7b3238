// JSON text as Python's json.dumps writes it with default separators (", " and ": "). MLflow stores the
// dataset schema, profile and source as json.dumps strings; writing them the same way keeps our runs
// byte-identical to what the official client would log for the same table.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function pythonJson(value: Json): string {
  if (value === null || typeof value !== 'object') {
    // Python writes non-finite floats as NaN / Infinity, which JSON.stringify would turn into null.
    if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    return typeof value === 'string' ? pythonString(value) : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonString(k)}: ${pythonJson(v)}`)
    .join(', ')}}`;
}

/** ensure_ascii=True: DEL and every non-ASCII UTF-16 unit become \uXXXX escapes (Python escapes 0x7f too). */
function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export type { Json };
