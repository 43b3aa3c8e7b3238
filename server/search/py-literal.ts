// MLflow reads the value list of `IN (...)` with Python's ast.literal_eval (search_utils.py
// _parse_list_from_sql_token), so list items follow Python literal rules, not SQL ones:
// backslash escapes are decoded, adjacent strings concatenate ('a' 'b' is 'ab', and so is
// 'it''s' -> 'its'), a trailing comma is allowed and nested parentheses collapse.
// This evaluates the subset of Python literals a list can hold: strings, numbers, True/False/None,
// tuples and lists. Anything else is an error, as literal_eval raises.
import type { PyValue } from './python-compat.js';

export class PyLiteralError extends Error {}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

const STRING_START = /^[rRuU]?['"]/;

class Reader {
  pos = 0;
  constructor(readonly src: string) {}

  skipBlank(): void {
    for (;;) {
      const m = /^(?:[ \t\f\r\n]+|\\\r?\n|#[^\n]*)/.exec(this.src.slice(this.pos));
      if (!m) return;
      this.pos += m[0].length;
    }
  }

  peek(): string {
    this.skipBlank();
    return this.src[this.pos] ?? '';
  }

  eat(ch: string): boolean {
    if (this.peek() !== ch) return false;
    this.pos += 1;
    return true;
  }
}

function decodeEscapes(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{0,2}|u[0-9a-fA-F]{0,4}|U[0-9a-fA-F]{0,8}|[0-7]{1,3}|N\{[^}]*\}|[\s\S])/g, (all, esc: string) => {
    const head = esc[0] ?? '';
    if (Object.hasOwn(SIMPLE_ESCAPES, head)) return SIMPLE_ESCAPES[head] ?? '';
    if (/^[0-7]/.test(esc)) return String.fromCodePoint(parseInt(esc, 8));
    const width = head === 'x' ? 2 : head === 'u' ? 4 : head === 'U' ? 8 : 0;
    if (width > 0) {
      if (esc.length !== width + 1) throw new PyLiteralError('truncated escape');
      const code = parseInt(esc.slice(1), 16);
      if (code > 0x10ffff) throw new PyLiteralError('illegal Unicode character');
      return String.fromCodePoint(code);
    }
    if (head === 'N') throw new PyLiteralError('named escapes are not supported');
    return all;
  });
}

function readString(r: Reader): string {
  const prefix = /^[rRuU]?(?=['"])/.exec(r.src.slice(r.pos))?.[0] ?? '';
  const raw = prefix.toLowerCase() === 'r';
  r.pos += prefix.length;
  const q = r.src[r.pos] ?? '';
  const quote = r.src.startsWith(q.repeat(3), r.pos) ? q.repeat(3) : q;
  r.pos += quote.length;
  let body = '';
  for (;;) {
    if (r.pos >= r.src.length) throw new PyLiteralError('unterminated string literal');
    if (r.src.startsWith(quote, r.pos)) {
      r.pos += quote.length;
      return raw ? body : decodeEscapes(body);
    }
    const ch = r.src[r.pos] as string;
    if (ch === '\n' && quote.length === 1) throw new PyLiteralError('unterminated string literal');
    if (ch === '\\') {
      body += r.src.slice(r.pos, r.pos + 2);
      r.pos += 2;
    } else {
      body += ch;
      r.pos += 1;
    }
  }
}

function readSequence(r: Reader, close: string): PyValue[] {
  const items: PyValue[] = [];
  while (!r.eat(close)) {
    items.push(readExpr(r));
    if (r.eat(',')) continue;
    if (!r.eat(close)) throw new PyLiteralError('expected , or ' + close);
    return items;
  }
  return items;
}

function readExpr(r: Reader): PyValue {
  const ch = r.peek();
  if (ch === '(') {
    r.pos += 1;
    const start = r.pos;
    const items = readSequence(r, ')');
    // "(x)" is x itself; "(x,)" and "()" are tuples.
    const hadComma = r.src.slice(start, r.pos - 1).trimEnd().endsWith(',');
    return items.length === 1 && !hadComma ? (items[0] as PyValue) : { tuple: items };
  }
  if (ch === '[') {
    r.pos += 1;
    return readSequence(r, ']');
  }
  if (STRING_START.test(r.src.slice(r.pos))) {
    let s = '';
    while (r.peek() !== '' && STRING_START.test(r.src.slice(r.pos))) s += readString(r);
    return s;
  }
  const m = /^([+-]\s*)*(\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)(?![\w.])/.exec(r.src.slice(r.pos));
  if (m) {
    r.pos += m[0].length;
    const digits = m[2] ?? '';
    const signs = m[0].slice(0, m[0].length - digits.length);
    const n = Number(digits.replaceAll('_', ''));
    return (signs.match(/-/g) ?? []).length % 2 === 1 ? -n : n;
  }
  const word = /^[A-Za-z_]\w*/.exec(r.src.slice(r.pos))?.[0];
  if (word === 'True' || word === 'False' || word === 'None') {
    r.pos += word.length;
    return word === 'None' ? null : word === 'True';
  }
  throw new PyLiteralError('malformed node or string');
}

/** ast.literal_eval(source) for the literal forms above. */
export function literalEval(source: string): PyValue {
  const r = new Reader(source);
  const value = readExpr(r);
  if (r.peek() !== '') throw new PyLiteralError('invalid syntax');
  return value;
}
