// MLflow builds many of its search error messages with Python's repr() and str() of sets, tuples,
// strings and bytes, and converts values with Python's int()/float(). These helpers reproduce
// exactly that much of Python, so our messages and conversions read the same as MLflow's.

/** A value as Python would hold it after json.loads / ast.literal_eval. */
export type PyValue =
  | string
  | number
  | boolean
  | null
  | { readonly tuple: readonly PyValue[] }
  | readonly PyValue[]
  | { readonly [key: string]: PyValue };


// What repr() escapes: the quote (either kind, sorted out below), backslash, and the non-printable
// characters (Unicode categories C and Z, except the plain space). One replace over the whole text:
// error messages quote filters of up to 256 kB, and a per-character loop cost tens of milliseconds.
const REPR_ESCAPED = /[\p{C}\p{Zl}\p{Zp}\\'"]|(?! )\p{Zs}/gu;

/** Python's repr() of a str: single quotes unless the text has ' but no ". */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(REPR_ESCAPED, (ch) => {
    if (ch === quote || ch === '\\') return '\\' + ch;
    if (ch === "'" || ch === '"') return ch;
    if (ch === '\t') return '\\t';
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    return escapeCode(ch.codePointAt(0) ?? 0);
  });
  return quote + body + quote;
}

function escapeCode(code: number): string {
  if (code < 0x100) return '\\x' + code.toString(16).padStart(2, '0');
  if (code < 0x10000) return '\\u' + code.toString(16).padStart(4, '0');
  return '\\U' + code.toString(16).padStart(8, '0');
}

/** Python's repr() of a bytes object, e.g. b'{"a": 1}' or b'\x8a'. */
export function pyBytesRepr(bytes: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const b of bytes) {
    if (b === 0x27) hasSingle = true;
    if (b === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = 'b' + quote;
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += '\\x' + b.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python's repr() of a float: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mantissa = '0', expText = '0'] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
  }
  const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
  const expSign = exp < 0 ? '-' : '+';
  return `${sign}${digits[0]}${frac}e${expSign}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** A JS number as Python would show it: integral values as int (JSON has no int/float tag). */
function pyNumberRepr(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? String(n) : pyFloatRepr(n);
}

function isTuple(v: PyValue): v is { readonly tuple: readonly PyValue[] } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'tuple' in v && Array.isArray(v.tuple);
}

/** Python's repr() of a value built from JSON / literal_eval data. */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumberRepr(v);
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (isTuple(v)) {
    const items = v.tuple.map(pyRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  const entries = Object.entries(v as { readonly [key: string]: PyValue });
  return '{' + entries.map(([k, val]) => `${pyStrRepr(k)}: ${pyRepr(val)}`).join(', ') + '}';
}

/** Python's str(): like repr() except that a bare string is shown as-is. */
export function pyStr(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** repr() of a Python set of strings. The order is MLflow's source order; Python's is hash-random. */
export function pySetRepr(items: readonly string[]): string {
  return '{' + items.map(pyStrRepr).join(', ') + '}';
}

export function pyListRepr(items: readonly string[]): string {
  return '[' + items.map(pyStrRepr).join(', ') + ']';
}

export function pyTupleRepr(items: readonly string[]): string {
  return pyRepr({ tuple: items });
}

const PY_INT = /^[+-]?\d+(?:_\d+)*$/;
const PY_FLOAT = /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*(?:e[+-]?\d+(?:_\d+)*)?|\d+(?:_\d+)*\.(?:e[+-]?\d+(?:_\d+)*)?|inf|infinity|nan)$/i;

/** Python's int(str) for base 10, or undefined where Python raises ValueError. */
export function pyIntFromString(text: string): number | undefined {
  const s = text.trim();
  if (!PY_INT.test(s)) return undefined;
  return Number(s.replaceAll('_', ''));
}

/** Python's float(str), or undefined where Python raises ValueError. */
export function pyFloatFromString(text: string): number | undefined {
  const s = text.trim();
  if (!PY_FLOAT.test(s)) return undefined;
  const lower = s.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower.endsWith('nan')) return NaN;
  return Number(s.replaceAll('_', ''));
}
