// Store SQL is written with `?` placeholders (SQLite's); PostgreSQL numbers them ($1, $2, …). The
// translation skips what is not SQL code — 'string literals' (with '' escapes), "quoted identifiers",
// E'escape strings', $tag$dollar quotes$tag$, -- line and /* block */ comments — so a `?` in a value
// or a name stays a `?`. A `?` in code is always a placeholder: PostgreSQL's jsonb `?` operators are
// spelled jsonb_exists()/jsonb_exists_any() in store SQL.

/** The PostgreSQL text of `sql` and how many placeholders it has. */
export interface TranslatedSql {
  text: string;
  params: number;
}

export function translatePlaceholders(sql: string): TranslatedSql {
  if (!sql.includes('?')) return { text: sql, params: 0 };
  let out = '';
  let n = 0;
  let start = 0; // sql[start, i) is copied verbatim when a placeholder is replaced
  const len = sql.length;
  let i = 0;
  while (i < len) {
    const c = sql[i]!;
    if (c === '?') {
      out += sql.slice(start, i) + '$' + ++n;
      start = ++i;
    } else if (c === "'") {
      // E'…' (or e'…') strings take backslash escapes; plain strings only ''.
      const escapes = i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdentChar(sql[i - 2]);
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? len : eol + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === '$' && !isIdentChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? len : close + tag[0].length;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  return { text: out + sql.slice(start), params: n };
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

/** The index just past the closing quote (or the end of the text when it is unterminated). */
function skipQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2; // doubled quote: an escaped quote, still inside
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** PostgreSQL block comments nest. */
function skipBlockComment(sql: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** A bounded cache of translations: store SQL texts are few (they vary by filter shape, not value). */
export class TranslationCache {
  private readonly map = new Map<string, TranslatedSql>();
  constructor(private readonly limit = 2000) {}

  get(sql: string): TranslatedSql {
    let t = this.map.get(sql);
    if (!t) {
      if (this.map.size >= this.limit) this.map.clear();
      t = translatePlaceholders(sql);
      this.map.set(sql, t);
    }
    return t;
  }
}
