// From a filter string to its comparison clauses, as MLflow's SearchUtils.parse_search_filter and
// _process_statement do it: one sqlparse statement; IN / NOT IN / IS [NOT] NULL re-joined into
// comparisons (_join_in_comparison_tokens); every top-level token must then be a comparison,
// AND, or whitespace. Stray ANDs and juxtaposed comparisons ("a = 'x' b = 'y'") are accepted,
// because MLflow accepts them.
import { invalidParameter } from '../errors.js';
import { pyStrRepr } from './python-compat.js';
import { isGroup, isKeyword, isWhitespace, parseStatements, SqlParseError, text, type Group, type Node } from './sql-grouping.js';

/** A comparison's non-whitespace tokens: [identifier, comparator, value] or [identifier, IS [NOT] NULL]. */
export type ClauseTokens = readonly Node[];

/** sqlparse.parse, with MLflow's errors for unparsable or multi-statement input. */
export function parseSingleStatement(filter: string): Group {
  let statements: Group[];
  try {
    statements = parseStatements(filter);
  } catch (err) {
    if (err instanceof SqlParseError) throw invalidParameter(`Error on parsing filter '${filter}'`);
    throw err;
  }
  const [first] = statements;
  if (first === undefined) throw invalidParameter(`Invalid filter '${filter}'. Could not be parsed.`);
  if (statements.length > 1) {
    throw invalidParameter(`Search filter contained multiple expression ${pyStrRepr(filter)}. Provide AND-ed expression list.`);
  }
  return first;
}

function keyword(value: string): Node {
  return { kind: 'leaf', ttype: 'Keyword', value };
}

function comparison(tokens: Node[]): Group {
  return { kind: 'group', cls: 'Comparison', tokens };
}

/** search_utils._join_in_comparison_tokens, including its habit of stepping over 3-4 tokens. */
export function joinInComparisons(tokens: readonly Node[]): Node[] {
  const nws = tokens.filter((t) => !isWhitespace(t));
  const out: Node[] = [];
  let i = 0;
  while (i < nws.length) {
    const first = nws[i] as Node;
    if (nws.length - i < 3) {
      out.push(...nws.slice(i));
      break;
    }
    if (!isGroup(first, 'Identifier')) {
      out.push(first);
      i += 1;
      continue;
    }
    const second = nws[i + 1] as Node;
    const third = nws[i + 2] as Node;
    if (isKeyword(second, 'IN') && isGroup(third, 'Parenthesis')) {
      out.push(comparison([first, second, third]));
      i += 3;
      continue;
    }
    if (isKeyword(second, 'IS') && isKeyword(third, 'NULL')) {
      out.push(comparison([first, keyword('IS NULL')]));
      i += 3;
      continue;
    }
    if (isKeyword(second, 'IS') && isKeyword(third, 'NOT NULL')) {
      out.push(comparison([first, keyword('IS NOT NULL')]));
      i += 3;
      continue;
    }
    const fourth = nws[i + 3];
    if (fourth === undefined) {
      out.push(first, second, third);
      break;
    }
    if (isKeyword(second, 'NOT') && isKeyword(third, 'IN') && isGroup(fourth, 'Parenthesis')) {
      out.push(comparison([first, keyword('NOT IN'), fourth]));
      i += 4;
      continue;
    }
    out.push(first, second, third, fourth);
    i += 4;
  }
  return out;
}

/**
 * How "Invalid clause(s) in filter string: ..." lists the offending tokens: SearchUtils (runs)
 * quotes each one, the experiment and registry variants join them bare.
 */
export type InvalidClauseStyle = 'quoted' | 'bare';

/** parse_search_filter up to the point where each clause is interpreted. */
/**
 * The most comparisons one filter may AND together. MLflow has no limit of its own, but its SQL store
 * (and ours) turns each into a subquery: SQLite refuses an expression tree deeper than 1,000 (a 500),
 * and PostgreSQL's planning time grows much faster than the clause count (on this project's test
 * machine 50 clauses plan in ~0.8 s, 100 in ~5 s, 250 in ~40 s). Past this, a 400.
 */
export const MAX_FILTER_CLAUSES = 100;

/**
 * The most experiment ids one search may name. MLflow has no limit, but binds each id as one SQL
 * parameter: SQLite refuses more than 32,766 in a statement and PostgreSQL's protocol 65,535, both
 * a 500. This leaves room for a filter's IN lists (under 5,000 values within 10,000 tokens).
 */
export const MAX_SEARCH_EXPERIMENT_IDS = 10_000;

export function checkExperimentIdCount(request: string, count: number): void {
  if (count > MAX_SEARCH_EXPERIMENT_IDS) {
    throw invalidParameter(`${request} request cannot specify more than ${MAX_SEARCH_EXPERIMENT_IDS} experiment_ids. Received ${count} experiment_ids.`);
  }
}

/** INVALID_PARAMETER_VALUE for a filter of more than MAX_FILTER_CLAUSES comparisons. */
export function checkClauseCount(count: number): void {
  if (count > MAX_FILTER_CLAUSES) {
    throw invalidParameter(`Search filter has ${count} comparisons; at most ${MAX_FILTER_CLAUSES} are supported. Split the search or use IN lists.`);
  }
}

export function splitClauses(filter: string, style: InvalidClauseStyle): ClauseTokens[] {
  const statement = parseSingleStatement(filter);
  const tokens = joinInComparisons(statement.tokens);
  const invalid = tokens.filter((t) => !isGroup(t, 'Comparison') && !isWhitespace(t) && !isKeyword(t, 'AND'));
  if (invalid.length > 0) {
    const listed = invalid.map((t) => (style === 'quoted' ? `'${text(t)}'` : text(t))).join(', ');
    throw invalidParameter(`Invalid clause(s) in filter string: ${listed}`);
  }
  const comparisons = tokens.filter((t): t is Group => isGroup(t, 'Comparison'));
  checkClauseCount(comparisons.length);
  return comparisons.map((c) => c.tokens.filter((t) => !isWhitespace(t)));
}
