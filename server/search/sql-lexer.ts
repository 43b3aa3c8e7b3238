// Tokenizer for MLflow filter and order_by strings. MLflow hands these strings to sqlparse
// (0.6.x) and builds its grammar and its error messages from sqlparse's tokens, so we tokenize
// with the same rules, in the same order (sqlparse/keywords.py SQL_REGEX): which text becomes a
// name, a number, a quoted string or a keyword decides which filters MLflow accepts.
// Rules that only matter for full SQL (dollar-quoted bodies, hints, JOIN variants) are kept
// where they change how a filter splits into tokens, and dropped otherwise.

import { SQL_KEYWORDS } from './sql-keywords.js';

export type TokenType =
  | 'Whitespace'
  | 'Newline'
  | 'Comment.Single'
  | 'Comment.Multiline'
  | 'Assignment'
  | 'Punctuation'
  | 'Wildcard'
  | 'Name'
  | 'Name.Placeholder'
  | 'Name.Builtin'
  | 'Command'
  | 'Keyword'
  | 'Keyword.Order'
  | 'Keyword.DML'
  | 'Keyword.DDL'
  | 'Keyword.DCL'
  | 'Keyword.CTE'
  | 'Keyword.TZCast'
  | 'Number.Hexadecimal'
  | 'Number.Float'
  | 'Number.Integer'
  | 'String.Single'
  | 'String.Symbol'
  | 'Operator'
  | 'Operator.Comparison'
  | 'Literal'
  | 'Error';

export interface LexToken {
  readonly ttype: TokenType;
  readonly value: string;
}

// Python's \w and \b are Unicode-aware under re.UNICODE; JS's are ASCII-only even with /u.
const W = '[\\p{L}\\p{N}_]';
const B = '(?![\\p{L}\\p{N}_])';
const L = '[A-ZÀ-Ü]';

const KEYWORD = 'keyword';
type Action = TokenType | typeof KEYWORD;

const RULES: ReadonlyArray<readonly [RegExp, Action]> = (
  [
    // sqlparse resolves dollar-quoted literals before any other rule (keywords.py DelimitedSpans).
    [String.raw`(?<![\p{L}\p{N}_"$])\$(${L}${W}*)?\$[\s\S]*?\$\1\$`, 'Literal'],
    [String.raw`(--|# ).*?(\r\n|\r|\n|$)`, 'Comment.Single'],
    [String.raw`/\*[\s\S]*?\*/`, 'Comment.Multiline'],
    [String.raw`(\r\n|\r|\n)`, 'Newline'],
    [String.raw`\s`, 'Whitespace'],
    [':=', 'Assignment'],
    ['::', 'Punctuation'],
    [String.raw`\*`, 'Wildcard'],
    ['`(``|[^`])*`', 'Name'],
    ['´(´´|[^´])*´', 'Name'],
    [String.raw`\?`, 'Name.Placeholder'],
    [String.raw`%(\(${W}+\))?s`, 'Name.Placeholder'],
    [String.raw`(?<!${W})[$:?]${W}+`, 'Name.Placeholder'],
    [String.raw`\\${W}+`, 'Command'],
    [`(CASE|IN|VALUES|USING|FROM|AS)${B}`, 'Keyword'],
    [String.raw`(@|##|#)${L}${W}+`, 'Name'],
    [String.raw`${L}${W}*(?=\s*\.(?!\d))`, 'Name'],
    [String.raw`(?<=\.)${L}${W}*`, 'Name'],
    [String.raw`${L}${W}*(?=\()`, 'Name'],
    [String.raw`-?0x[\dA-F]+`, 'Number.Hexadecimal'],
    [String.raw`-?\d+(\.\d+)?E-?\d+`, 'Number.Float'],
    [String.raw`(?![_A-ZÀ-Ü])-?(\d+(\.\d*)|\.\d+)(?![_A-ZÀ-Ü])`, 'Number.Float'],
    [String.raw`(?![_A-ZÀ-Ü])-?\d+(?![_A-ZÀ-Ü])`, 'Number.Integer'],
    [String.raw`'(''|\\'|[^'])*'`, 'String.Single'],
    [String.raw`"(""|\\"|[^"])*"`, 'String.Symbol'],
    [String.raw`(""|".*?[^\\]")`, 'String.Symbol'],
    [String.raw`(?<![\p{L}\p{N}_\])])(\[[^\]\[]+\])`, 'Name'],
    [String.raw`((LEFT\s+|RIGHT\s+|FULL\s+)?(INNER\s+|OUTER\s+|STRAIGHT\s+)?|(CROSS\s+|NATURAL\s+)?)?JOIN${B}`, 'Keyword'],
    [String.raw`END(\s+IF|\s+LOOP|\s+WHILE|\s+FOR|\s+CASE)?${B}`, 'Keyword'],
    [String.raw`IF\s+(NOT\s+)?EXISTS${B}`, 'Keyword'],
    [String.raw`NOT\s+NULL${B}`, 'Keyword'],
    [String.raw`(ASC|DESC)(\s+NULLS\s+(FIRST|LAST))?${B}`, 'Keyword.Order'],
    [String.raw`NULLS\s+(FIRST|LAST)${B}`, 'Keyword.Order'],
    [String.raw`UNION\s+ALL${B}`, 'Keyword'],
    [String.raw`CREATE(\s+OR\s+REPLACE)?${B}`, 'Keyword.DDL'],
    [String.raw`DOUBLE\s+PRECISION${B}`, 'Name.Builtin'],
    [String.raw`(GROUP|ORDER)\s+BY${B}`, 'Keyword'],
    [String.raw`PRIMARY\s+KEY${B}`, 'Keyword'],
    [String.raw`(NOT\s+)?(LIKE|ILIKE|RLIKE)${B}`, 'Operator.Comparison'],
    [String.raw`(NOT\s+)?(REGEXP)(\s+(BINARY))?${B}`, 'Operator.Comparison'],
    [String.raw`${W}[$#\p{L}\p{N}_]*`, KEYWORD],
    [String.raw`[;:()\[\],\.]`, 'Punctuation'],
    [String.raw`(->>?|#>>?|@>|<@|\?\|?|\?&|-|#-)`, 'Operator'],
    ['[<>=~!]+', 'Operator.Comparison'],
    [String.raw`[+/@#%^&|^-]+`, 'Operator'],
  ] as const
).map(([source, action]) => [new RegExp(source, 'iuy'), action] as const);

/** Lexer.is_keyword: a word in sqlparse's keyword tables gets that type, any other is a Name. */
function keywordType(word: string): TokenType {
  return SQL_KEYWORDS.get(word.toUpperCase()) ?? 'Name';
}

// Rules that scan ahead for a closing delimiter fail only after reading to the end of the text when
// there is none, so a filter of many unclosed openers ("/* /* /* ...") would cost quadratic time.
// Each such rule needs its closer somewhere after the opener: checked in O(1) against the last
// position of that closer (computed once per text), the rule is skipped when it cannot match.
const CLOSERS: ReadonlyMap<number, string> = new Map(
  (
    [
      [String.raw`/\*[\s\S]*?\*/`, '*/'],
      ['`(``|[^`])*`', '`'],
      ['´(´´|[^´])*´', '´'],
      [String.raw`'(''|\\'|[^'])*'`, "'"],
      [String.raw`"(""|\\"|[^"])*"`, '"'],
      [String.raw`(""|".*?[^\\]")`, '"'],
      [String.raw`(?<![\p{L}\p{N}_\])])(\[[^\]\[]+\])`, ']'],
    ] as const
  ).map(([source, closer]) => {
    const wanted = new RegExp(source, 'iuy').source;
    const index = RULES.findIndex(([regex]) => regex.source === wanted);
    if (index < 0) throw new Error(`sql-lexer: no rule ${source}`);
    return [index, closer] as const;
  }),
);

// The dollar-quoted rule ($tag$ ... $tag$) has a closer that depends on the opener: its last
// occurrence per (ASCII, upper-cased) tag comes from one pass over the text's '$' signs.
const DOLLAR_RULE = 0;
const DOLLAR_DELIMITER = new RegExp(String.raw`\$(${L}${W}*)?\$`, 'iuy');

function lastDollarDelimiters(text: string): Map<string, number> {
  const last = new Map<string, number>();
  for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
    DOLLAR_DELIMITER.lastIndex = i;
    const m = DOLLAR_DELIMITER.exec(text);
    if (m) last.set(m[0].toUpperCase(), i);
  }
  return last;
}

// Which rules can start at an ASCII character: the rule's possible first characters, one class per
// rule in RULES' order (a superset is harmless, a missing character would skip a rule that matches).
// Tokens at ASCII characters then try only their few candidate rules instead of all 45 — lexing a
// 10,000-token filter costs a fraction. Non-ASCII characters still try every rule.
const LETTER = 'A-Za-z';
/** The first letters of a keyword rule, both cases (the rules are case-insensitive). */
const ci = (letters: string) => letters + letters.toLowerCase();
const FIRST_CHARS: readonly string[] = [
  '$', // dollar-quoted literal
  '\\-#', // comments: -- or #
  '/', // /* */
  '\\r\\n',
  '\\s',
  ':', // :=
  ':', // ::
  '*',
  '`',
  '', // ´…´ starts with a non-ASCII character
  '?',
  '%',
  '$:?', // placeholders
  '\\\\', // \command
  ci('CIVUFA'), // CASE|IN|VALUES|USING|FROM|AS
  '@#',
  LETTER,
  LETTER,
  LETTER,
  '\\-0', // hexadecimal
  '\\-0-9', // float with exponent
  '\\-0-9.', // float
  '\\-0-9', // integer
  "'",
  '"',
  '"',
  '\\[',
  ci('LRFIOSCNJ'), // [LEFT|RIGHT|FULL|INNER|OUTER|STRAIGHT|CROSS|NATURAL] JOIN
  ci('E'), // END …
  ci('I'), // IF [NOT] EXISTS
  ci('N'), // NOT NULL
  ci('AD'), // ASC/DESC
  ci('N'), // NULLS FIRST/LAST
  ci('U'), // UNION ALL
  ci('C'), // CREATE
  ci('D'), // DOUBLE PRECISION
  ci('GO'), // GROUP/ORDER BY
  ci('P'), // PRIMARY KEY
  ci('NLIR'), // [NOT] LIKE/ILIKE/RLIKE
  ci('NR'), // [NOT] REGEXP
  `${LETTER}0-9_`, // words (keyword or name)
  ';:()\\[\\],.',
  '\\-#@<?',
  '<>=~!',
  '+/@#%^&|\\-',
];
if (FIRST_CHARS.length !== RULES.length) throw new Error('sql-lexer: FIRST_CHARS must have one entry per rule');

/** For each ASCII code, the indices of the rules that can match there, in RULES' order. */
const CANDIDATES: readonly (readonly number[])[] = Array.from({ length: 128 }, (_, code) => {
  const ch = String.fromCharCode(code);
  return FIRST_CHARS.flatMap((chars, r) => (chars !== '' && new RegExp(`[${chars}]`).test(ch) ? [r] : []));
});
const ALL_RULES: readonly number[] = RULES.map((_, r) => r);

/** Splits text into sqlparse tokens; a character no rule matches becomes a one-char Error token. */
export function tokenize(text: string): LexToken[] {
  return [...lex(text)];
}

/**
 * The tokens of `text`, one at a time, so that a caller with a token limit (sqlparse's 10,000)
 * stops reading at the limit instead of lexing megabytes first.
 */
export function* lex(text: string): Generator<LexToken, void, undefined> {
  const lastCloser = new Map<string, number>();
  const closerAfter = (closer: string, pos: number): boolean => {
    let last = lastCloser.get(closer);
    if (last === undefined) lastCloser.set(closer, (last = text.lastIndexOf(closer)));
    return last > pos;
  };
  let dollarTags: Map<string, number> | null = null;
  const dollarQuoteMayClose = (pos: number): boolean => {
    DOLLAR_DELIMITER.lastIndex = pos;
    const opener = DOLLAR_DELIMITER.exec(text)?.[0];
    if (opener === undefined) return false;
    // Non-ASCII tags compare under Unicode case folding: left to the rule itself.
    if (!/^[\x00-\x7f]*$/.test(opener)) return true;
    dollarTags ??= lastDollarDelimiters(text);
    return (dollarTags.get(opener.toUpperCase()) ?? -1) >= pos + opener.length;
  };
  let pos = 0;
  while (pos < text.length) {
    let matched = false;
    const code = text.charCodeAt(pos);
    for (const r of code < 128 ? CANDIDATES[code]! : ALL_RULES) {
      const [regex, action] = RULES[r]!;
      const closer = CLOSERS.get(r);
      if (closer !== undefined && !closerAfter(closer, pos)) continue;
      if (r === DOLLAR_RULE && (text[pos] !== '$' || !dollarQuoteMayClose(pos))) continue;
      regex.lastIndex = pos;
      const m = regex.exec(text);
      if (!m || m[0].length === 0) continue;
      const value = m[0];
      yield { ttype: action === KEYWORD ? keywordType(value) : action, value };
      pos += value.length;
      matched = true;
      break;
    }
    if (!matched) {
      const ch = String.fromCodePoint(text.codePointAt(pos) ?? 0);
      yield { ttype: 'Error', value: ch };
      pos += ch.length;
    }
  }
}
