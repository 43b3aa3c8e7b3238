// search_logged_models filters. The SQL store does not use SearchLoggedModelsUtils for these but
// its own, looser parser (mlflow/utils/search_logged_model_utils.py parse_filter_string): entity
// prefixes are exactly attributes|metrics|params|tags, keys lose backticks only, string values
// lose surrounding single quotes only, and numeric columns take float(value). We follow that
// parser. Where it lets a Python exception escape as a 500 (unknown attribute column, a number
// that float() rejects), we answer INVALID_PARAMETER_VALUE instead.
import { invalidParameter } from '../../errors.js';
import type { EntityType, FilterClause } from '../ast.js';
import { checkClauseCount, joinInComparisons } from '../filter-clauses.js';
import { own } from './common.js';
import { literalEval, PyLiteralError } from '../py-literal.js';
import { pyFloatFromString, pyRepr, pySetRepr, pyStrRepr, type PyValue } from '../python-compat.js';
import { isGroup, isWhitespace, parseStatements, SqlParseError, text, type Node } from '../sql-grouping.js';

const ENTITY_TYPES: Readonly<Record<string, EntityType>> = {
  attributes: 'attribute',
  metrics: 'metric',
  params: 'parameter',
  tags: 'tag',
};

/** SqlLoggedModel.ALIASES: API names to columns, which MLflow's messages show. */
const COLUMN_ALIASES: Readonly<Record<string, string>> = {
  creation_time: 'creation_timestamp_ms',
  creation_timestamp: 'creation_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
};
/** Column or alias to the name the API uses, which is the key our AST carries. */
const ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = {
  creation_time: 'creation_timestamp',
  creation_timestamp_ms: 'creation_timestamp',
  last_updated_timestamp_ms: 'last_updated_timestamp',
};
/** The logged_models columns a filter may name (getattr(SqlLoggedModel, key) in MLflow). */
export const LOGGED_MODEL_ATTRIBUTES = [
  'model_id', 'experiment_id', 'name', 'artifact_location', 'creation_timestamp', 'last_updated_timestamp',
  'status', 'lifecycle_stage', 'model_type', 'source_run_id', 'status_message',
] as const;
const NUMERIC_ATTRIBUTES = ['creation_timestamp', 'last_updated_timestamp'];
const NUMERIC_OPS = ['<', '<=', '>', '>=', '=', '!='] as const;
const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'] as const;

const IDENTIFIER_RE = /^([a-z]+)\.(.+)$/;

function stripChars(value: string, ch: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value[start] === ch) start++;
  while (end > start && value[end - 1] === ch) end--;
  return value.slice(start, end);
}

/** search_logged_model_utils.Entity.from_str; `label` is how MLflow prints the entity. */
function entityFromString(identifier: string): { entity: EntityType; key: string; label: string } {
  const m = IDENTIFIER_RE.exec(identifier);
  if (m) {
    const prefix = m[1] ?? '';
    const entity = own(ENTITY_TYPES, prefix);
    if (entity === undefined) {
      throw invalidParameter(`Invalid entity type: ${pyStrRepr(prefix)}. Expected one of ['attributes', 'metrics', 'params', 'tags'].`);
    }
    const key = stripChars(m[2] ?? '', '`');
    const canonical = entity === 'attribute' ? (own(ATTRIBUTE_ALIASES, key) ?? key) : key;
    return { entity, key: canonical, label: `${prefix}.${key}` };
  }
  const column = stripChars(own(COLUMN_ALIASES, identifier) ?? identifier, '`');
  return { entity: 'attribute', key: own(ATTRIBUTE_ALIASES, column) ?? column, label: `attributes.${column}` };
}

/** A clause MLflow parses but its database rejects later; reported after every clause parsed. */
class DeferredError {
  constructor(readonly error: Error) {}
}

/**
 * A parenthesised value, as MLflow reads it: ast.literal_eval (a syntax error fails on the spot),
 * a lone string made a 1-tuple. What its database then refuses is reported after parsing.
 */
function parenValue(source: string): PyValue {
  try {
    const parsed = literalEval(source);
    return typeof parsed === 'string' ? { tuple: [parsed] } : parsed;
  } catch (err) {
    if (!(err instanceof PyLiteralError)) throw err;
    throw invalidParameter(`Invalid list value: ${source}`);
  }
}

/** IN / NOT IN takes a tuple or list of scalars; an empty one is legal and matches nothing. */
function listValues(source: string): string[] | DeferredError {
  const parsed = parenValue(source);
  const items = Array.isArray(parsed) ? parsed : typeof parsed === 'object' && parsed !== null && 'tuple' in parsed && Array.isArray(parsed.tuple) ? parsed.tuple : undefined;
  const values = items?.flatMap((v: PyValue) => (typeof v === 'string' ? [v] : typeof v === 'number' ? [pyRepr(v)] : []));
  if (items === undefined || values === undefined || values.length !== items.length) {
    return new DeferredError(invalidParameter(`Invalid list value: ${pyRepr(parsed)}`));
  }
  return values;
}

function loggedModelClause(comparison: readonly Node[], filter: string): FilterClause | DeferredError {
  const parts = comparison.filter((t) => !isWhitespace(t)).map(text);
  if (parts.length !== 3) {
    throw invalidParameter(`Invalid comparison: ${parts.join('')}. Expected a comparison with 3 tokens.`);
  }
  const [identifier, rawOp, rawValue] = parts as [string, string, string];
  const op = rawOp.toUpperCase();
  const { entity, key, label } = entityFromString(identifier);
  const numeric = entity === 'metric' || (entity === 'attribute' && NUMERIC_ATTRIBUTES.includes(key));
  const ops: readonly string[] = numeric ? NUMERIC_OPS : STRING_OPS;
  if (!ops.includes(op)) {
    const shownOps = '(' + ops.map((o) => pyStrRepr(o)).join(', ') + ')';
    throw invalidParameter(`Invalid comparison operator for ${label}: ${pyStrRepr(op)}. Expected one of ${shownOps}.`);
  }
  if (numeric) {
    const n = pyFloatFromString(rawValue);
    if (n === undefined) throw invalidParameter(`could not convert string to float: ${pyStrRepr(rawValue)}`);
    return { entity, key, valueType: 'number', comparator: op as (typeof NUMERIC_OPS)[number], value: n };
  }
  const isListValue = rawValue.startsWith('(') && rawValue.endsWith(')');
  if (op === 'IN' || op === 'NOT IN') {
    if (!isListValue) throw invalidParameter(`Invalid filter string: ${pyStrRepr(filter)}. Expected a list value for ${op}.`);
    const values = listValues(rawValue);
    return values instanceof DeferredError ? values : { entity, key, valueType: 'list', comparator: op, value: values };
  }
  if (isListValue) {
    // "(1)" is the number 1, which the text column compares as '1'; anything else fails in MLflow's database.
    const value = parenValue(rawValue);
    if (typeof value === 'number') return { entity, key, valueType: 'string', comparator: op as '=' | '!=' | 'LIKE' | 'ILIKE', value: pyRepr(value) };
    return new DeferredError(invalidParameter(`Invalid filter string: ${pyStrRepr(filter)}. Expected a single value for ${op}.`));
  }
  return { entity, key, valueType: 'string', comparator: op as '=' | '!=' | 'LIKE' | 'ILIKE', value: stripChars(rawValue, "'") };
}

export function parseLoggedModelFilter(filter: string | undefined): FilterClause[] {
  if (!filter) return [];
  let statements;
  try {
    statements = parseStatements(filter);
  } catch (err) {
    if (!(err instanceof SqlParseError)) throw err;
    throw invalidParameter(`Invalid filter string: ${pyStrRepr(filter)}. SQLParseError(${pyStrRepr(err.message)})`);
  }
  const [statement] = statements;
  if (statement === undefined || statements.length !== 1) {
    throw invalidParameter(`Invalid filter string: ${pyStrRepr(filter)}. Expected a single SQL expression.`);
  }
  const parsed: (FilterClause | DeferredError)[] = [];
  const joined = joinInComparisons(statement.tokens);
  checkClauseCount(joined.filter((t) => isGroup(t, 'Comparison')).length);
  for (const token of joined) {
    if (isGroup(token, 'Comparison')) parsed.push(loggedModelClause(token.tokens, filter));
    else if (text(token).trim().toUpperCase() !== 'AND') {
      throw invalidParameter(
        `Invalid filter string: ${pyStrRepr(filter)}. Expected a list of comparisons separated by 'AND' ` +
          "(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').",
      );
    }
  }
  // MLflow meets an unknown column when it builds the query, and a list where one value belongs
  // when it runs it: both after every clause has parsed.
  for (const clause of parsed) {
    if (clause instanceof DeferredError) continue;
    if (clause.entity === 'attribute' && !(LOGGED_MODEL_ATTRIBUTES as readonly string[]).includes(clause.key)) {
      throw invalidParameter(`Invalid attribute key '${clause.key}' specified. Valid keys are '${pySetRepr(LOGGED_MODEL_ATTRIBUTES)}'`);
    }
  }
  const deferred = parsed.find((c): c is DeferredError => c instanceof DeferredError);
  if (deferred) throw deferred.error;
  return parsed as FilterClause[];
}
