// sqlparse's statement splitter and grouping passes (sqlparse/engine/grouping.py), reduced to the
// passes that can change how a filter or order_by string groups: parentheses, functions, dotted
// identifiers, ASC/DESC, operations, comparisons, aliases and comma lists. MLflow decides what is
// a valid clause from the resulting tree ("Invalid clause(s) in filter string: ..." lists the
// top-level groups that are not comparisons), so the tree must come out as sqlparse's does.
import { invalidParameter } from '../errors.js';
import { lex, type TokenType } from './sql-lexer.js';

export type GroupClass =
  | 'Statement'
  | 'Parenthesis'
  | 'Function'
  | 'Identifier'
  | 'Operation'
  | 'Comparison'
  | 'IdentifierList';

export interface Leaf {
  readonly kind: 'leaf';
  ttype: TokenType;
  readonly value: string;
}

export interface Group {
  readonly kind: 'group';
  readonly cls: GroupClass;
  readonly tokens: Node[];
}

export type Node = Leaf | Group;

/** sqlparse raised: MLflow reports "Error on parsing filter '...'" for these. */
export class SqlParseError extends Error {}

// sqlparse's limits against hostile input (grouping.py MAX_GROUPING_DEPTH / MAX_GROUPING_TOKENS).
// The token limit is checked before any recursive pass, so nesting never exceeds ~5000 levels and
// the passes below cannot exhaust the stack.
const MAX_DEPTH = 100;
const MAX_TOKENS = 10000;

export function text(node: Node): string {
  return node.kind === 'leaf' ? node.value : node.tokens.map(text).join('');
}

export function isWhitespace(node: Node | undefined): boolean {
  return node?.kind === 'leaf' && (node.ttype === 'Whitespace' || node.ttype === 'Newline');
}

/** ttype equality, as sqlparse's Token.match and tuple membership test it. */
export function isType(node: Node | undefined, ...ttypes: TokenType[]): boolean {
  return node?.kind === 'leaf' && ttypes.includes(node.ttype);
}

/** ttype-or-subtype, as sqlparse's `ttype in T.X` tests it. */
function isSubtype(node: Node | undefined, base: string): boolean {
  return node?.kind === 'leaf' && (node.ttype === base || node.ttype.startsWith(base + '.'));
}

export function isGroup(node: Node | undefined, ...classes: GroupClass[]): node is Group {
  return node?.kind === 'group' && classes.includes(node.cls);
}

/** sqlparse's Token.match(T.Keyword, values): exact ttype, case-insensitive value. */
export function isKeyword(node: Node | undefined, ...values: string[]): boolean {
  return node?.kind === 'leaf' && node.ttype === 'Keyword' && values.includes(node.value.toUpperCase());
}

function isPunct(node: Node | undefined, value: string): boolean {
  return node?.kind === 'leaf' && node.ttype === 'Punctuation' && node.value === value;
}

function nextIndex(tokens: readonly Node[], idx: number): number | undefined {
  for (let i = idx + 1; i < tokens.length; i++) if (!isWhitespace(tokens[i])) return i;
  return undefined;
}

function prevIndex(tokens: readonly Node[], idx: number): number | undefined {
  for (let i = idx - 1; i >= 0; i--) if (!isWhitespace(tokens[i])) return i;
  return undefined;
}

function groupTokens(list: Group, cls: GroupClass, start: number, end: number, extend: boolean): Group {
  const first = list.tokens[start];
  if (extend && isGroup(first, cls)) {
    first.tokens.push(...list.tokens.splice(start + 1, end - start));
    return first;
  }
  const grp: Group = { kind: 'group', cls, tokens: list.tokens.slice(start, end + 1) };
  list.tokens.splice(start, end - start + 1, grp);
  return grp;
}

function checkLimits(list: Group, depth: number): void {
  if (depth > MAX_DEPTH) throw new SqlParseError(`Maximum grouping depth exceeded (${MAX_DEPTH}).`);
  if (list.tokens.length > MAX_TOKENS) throw new SqlParseError(`Maximum number of tokens exceeded (${MAX_TOKENS}).`);
}

function groupParenthesis(list: Group): void {
  checkLimits(list, 0);
  const opens: number[] = [];
  let i = 0;
  while (i < list.tokens.length) {
    const token = list.tokens[i];
    if (isPunct(token, '(')) opens.push(i);
    else if (isPunct(token, ')')) {
      const open = opens.pop();
      if (open !== undefined) {
        groupTokens(list, 'Parenthesis', open, i, false);
        i = open;
      }
    }
    i++;
  }
}

function sublists(list: Group): Group[] {
  return list.tokens.filter((t): t is Group => t.kind === 'group');
}

/** A group's own delimiters, e.g. the "(" and ")" of a Parenthesis, never become operands. */
function isDelimiter(list: Group, token: Node | undefined): boolean {
  return list.cls === 'Parenthesis' && token !== undefined && (token === list.tokens[0] || token === list.tokens.at(-1));
}

interface BinarySpec {
  cls: GroupClass;
  match(token: Node): boolean;
  validPrev(token: Node | undefined): boolean;
  validNext(token: Node | undefined): boolean;
  post?(list: Group, pidx: number, tidx: number, nidx: number | undefined): [number, number];
  extend: boolean;
}

/** grouping._group: joins `prev <match> next` into one group, left to right. */
function groupBinary(list: Group, spec: BinarySpec, depth = 0): void {
  checkLimits(list, depth);
  let offset = 0;
  let pidx: number | undefined;
  let prev: Node | undefined;
  for (const [idx, token] of [...list.tokens].entries()) {
    const tidx = idx - offset;
    if (tidx < 0 || isWhitespace(token)) continue;
    if (token.kind === 'group' && token.cls !== spec.cls) groupBinary(token, spec, depth + 1);
    if (spec.match(token)) {
      const nidx = nextIndex(list.tokens, tidx);
      const next = nidx === undefined ? undefined : list.tokens[nidx];
      if (prev && pidx !== undefined && spec.validPrev(prev) && spec.validNext(next) && !isDelimiter(list, prev) && !isDelimiter(list, next)) {
        const [from, to] = spec.post ? spec.post(list, pidx, tidx, nidx) : [pidx, nidx ?? tidx];
        const grp = groupTokens(list, spec.cls, from, to, spec.extend);
        offset += to - from;
        pidx = from;
        prev = grp;
        continue;
      }
    }
    pidx = tidx;
    prev = token;
  }
}

const NUMERIC: TokenType[] = ['Number.Integer', 'Number.Float'];
const OPERANDS: TokenType[] = [...NUMERIC, 'String.Single', 'String.Symbol', 'Name', 'Name.Placeholder'];

function groupFunctions(list: Group): void {
  for (const sub of sublists(list)) if (sub.cls !== 'Function') groupFunctions(sub);
  for (let i = 0; i < list.tokens.length; i++) {
    if (!isSubtype(list.tokens[i], 'Name')) continue;
    const n = nextIndex(list.tokens, i);
    if (n !== undefined && isGroup(list.tokens[n], 'Parenthesis')) groupTokens(list, 'Function', i, n, false);
  }
}

function groupPeriod(list: Group): void {
  groupBinary(list, {
    cls: 'Identifier',
    extend: true,
    match: (t) => isPunct(t, '.'),
    validPrev: (t) => isGroup(t, 'Identifier') || isType(t, 'Name', 'String.Symbol'),
    validNext: () => true,
    post(l, pidx, tidx, nidx) {
      const next = nidx === undefined ? undefined : l.tokens[nidx];
      const ok = isGroup(next, 'Function') || isType(next, 'Name', 'String.Symbol', 'Wildcard', 'String.Single');
      return ok && nidx !== undefined ? [pidx, nidx] : [pidx, tidx];
    },
  });
}

function groupIdentifier(list: Group): void {
  for (const sub of sublists(list)) if (sub.cls !== 'Identifier') groupIdentifier(sub);
  list.tokens.forEach((t, i) => {
    if (isType(t, 'String.Symbol', 'Name')) list.tokens[i] = { kind: 'group', cls: 'Identifier', tokens: [t] };
  });
}

function groupOrder(list: Group): void {
  for (const sub of sublists(list)) if (sub.cls !== 'Identifier') groupOrder(sub);
  for (let i = 0; i < list.tokens.length; i++) {
    if (!isType(list.tokens[i], 'Keyword.Order')) continue;
    const p = prevIndex(list.tokens, i);
    if (p !== undefined && (isGroup(list.tokens[p], 'Identifier') || isSubtype(list.tokens[p], 'Number'))) {
      groupTokens(list, 'Identifier', p, i, false);
      i = p;
    }
  }
}

const OPERAND_GROUPS: GroupClass[] = ['Parenthesis', 'Function', 'Identifier', 'Operation'];

function groupOperator(list: Group): void {
  const valid = (t: Node | undefined): boolean =>
    isGroup(t, ...OPERAND_GROUPS) || isType(t, ...OPERANDS) || isKeyword(t, 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP');
  groupBinary(list, {
    cls: 'Operation',
    extend: false,
    match: (t) => isType(t, 'Operator', 'Wildcard'),
    validPrev: valid,
    validNext: valid,
    post(l, pidx, tidx, nidx) {
      const op = l.tokens[tidx];
      if (op?.kind === 'leaf') op.ttype = 'Operator';
      return [pidx, nidx ?? tidx];
    },
  });
}

function groupComparison(list: Group): void {
  const valid = (t: Node | undefined): boolean =>
    isGroup(t, ...OPERAND_GROUPS) || isType(t, ...OPERANDS) || (t?.kind === 'leaf' && t.ttype.startsWith('Keyword') && t.value.toUpperCase() === 'NULL');
  groupBinary(list, { cls: 'Comparison', extend: false, match: (t) => isType(t, 'Operator.Comparison'), validPrev: valid, validNext: valid });
}

function groupAliased(list: Group): void {
  for (const sub of sublists(list)) groupAliased(sub);
  for (let i = 0; i < list.tokens.length; i++) {
    const token = list.tokens[i];
    if (!isGroup(token, ...OPERAND_GROUPS, 'Comparison') && !isSubtype(token, 'Number')) continue;
    const n = nextIndex(list.tokens, i);
    if (n !== undefined && isGroup(list.tokens[n], 'Identifier')) groupTokens(list, 'Identifier', i, n, true);
  }
}

function groupIdentifierList(list: Group): void {
  const valid = (t: Node | undefined): boolean =>
    isGroup(t, 'Function', 'Identifier', 'Comparison', 'IdentifierList', 'Operation') ||
    isType(t, ...OPERANDS, 'Keyword', 'Wildcard');
  groupBinary(list, { cls: 'IdentifierList', extend: true, match: (t) => isPunct(t, ','), validPrev: valid, validNext: valid });
}

/**
 * The longest filter or order_by string read at all. MLflow has no such cap, but sqlparse refuses a
 * statement of over 10,000 tokens, and the longest legal filters are lists of ids well under this
 * (3,000 quoted run ids are ~110 kB); anything longer is refused before a single token is read.
 */
export const MAX_SEARCH_EXPRESSION_LENGTH = 256 * 1024;

/** sqlparse.parse(text): one grouped Statement per ';'-terminated statement. */
export function parseStatements(source: string): Group[] {
  if (source.length > MAX_SEARCH_EXPRESSION_LENGTH) {
    throw invalidParameter(
      `The search expression is ${source.length} characters long; at most ${MAX_SEARCH_EXPRESSION_LENGTH} characters are accepted.`,
    );
  }
  const statements: Group[] = [];
  let current: Leaf[] = [];
  let level = 0;
  let statementEnded = false;
  let total = 0;
  for (const tok of lex(source)) {
    // sqlparse refuses a statement of more than MAX_TOKENS tokens when it groups it, so lexing stops
    // there. Over all statements too: a text of several statements is refused by every caller
    // (MLflow's "multiple expression" error), so past MAX_TOKENS in all it is an error either way.
    if (++total > MAX_TOKENS) throw new SqlParseError(`Maximum number of tokens exceeded (${MAX_TOKENS}).`);
    // After a ';' the statement keeps following blanks and line comments, as StatementSplitter.
    if (statementEnded && tok.ttype !== 'Whitespace' && tok.ttype !== 'Comment.Single') {
      statements.push(statement(current));
      current = [];
      level = 0;
      statementEnded = false;
    }
    if (tok.ttype === 'Punctuation' && tok.value === '(') level++;
    if (tok.ttype === 'Punctuation' && tok.value === ')') level--;
    current.push({ kind: 'leaf', ttype: tok.ttype, value: tok.value });
    if (tok.ttype === 'Punctuation' && tok.value === ';' && level <= 0) statementEnded = true;
  }
  if (current.some((t) => !isWhitespace(t))) statements.push(statement(current));
  return statements;
}

function statement(leaves: Leaf[]): Group {
  const stmt: Group = { kind: 'group', cls: 'Statement', tokens: leaves };
  groupParenthesis(stmt);
  groupFunctions(stmt);
  groupPeriod(stmt);
  groupIdentifier(stmt);
  groupOrder(stmt);
  groupOperator(stmt);
  groupComparison(stmt);
  groupAliased(stmt);
  groupIdentifierList(stmt);
  return stmt;
}
