// search_logged_models filters. The SQL store does not use SearchLoggedModelsUtils for these but
// its own, looser parser (mlflow/utils/search_logged_model_utils.py parse_filter_string): entity
// prefixes are exactly attributes|metrics|params|tags, keys lose backticks only, string values
// lose surrounding single quotes only, and numeric columns take float(value). We follow that
// parser. Where it lets a Python exception escape as a 500 (unknown attribute column, a number
// that float() rejects), we answer INVALID_PARAMETER_VALUE instead.
import { invalidParameter } from '../../errors.js';
import type { EntityType, FilterClause } from '../ast.js';
import { joinInComparisons } from '../filter-clauses.js';
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
    const entity = Object.hasOwn(ENTITY_TYPES, prefix) ? ENTITY_TYPES[prefix] : undefined;
    if (entity === undefined) {
      throw invalidParameter(`Invalid entity type: ${pyStrRepr(prefix)}. Expected one of ['attributes', 'metrics', 'params', 'tags'].`);
    }
    const key = stripChars(m[2] ?? '', '`');
    const canonical = entity === 'attribute' ? (ATTRIBUTE_ALIASES[key] ?? key) : key;
    return { entity, key: canonical, label: `${prefix}.${key}` };
  }
  const column = stripChars(COLUMN_ALIASES[identifier] ?? identifier, '`');
  return { entity: 'attribute', key: ATTRIBUTE_ALIASES[column] ?? column, label: `attributes.${column}` };
}

function stringList(source: string): string[] {
  let parsed: PyValue;
  try {
    parsed = literalEval(source);
  } catch (err) {
    if (!(err instanceof PyLiteralError)) throw err;
    throw invalidParameter(`Invalid list value: ${source}`);
  }
  const items: readonly PyValue[] =
    typeof parsed === 'string' ? [parsed] : typeof parsed === 'object' && parsed !== null && 'tuple' in parsed && Array.isArray(parsed.tuple) ? parsed.tuple : [];
  const strings = items.filter((v): v is string => typeof v === 'string');
  if (strings.length === 0 || strings.length !== items.length) {
    throw invalidParameter(`Invalid list value: ${pyRepr(parsed)}`);
  }
  return strings;
}

function loggedModelClause(comparison: readonly Node[], filter: string): FilterClause {
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
  if (entity === 'attribute' && !(LOGGED_MODEL_ATTRIBUTES as readonly string[]).includes(key)) {
    throw invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are '${pySetRepr(LOGGED_MODEL_ATTRIBUTES)}'`);
  }
  if (numeric) {
    const n = pyFloatFromString(rawValue);
    if (n === undefined) throw invalidParameter(`could not convert string to float: ${pyStrRepr(rawValue)}`);
    return { entity, key, valueType: 'number', comparator: op as (typeof NUMERIC_OPS)[number], value: n };
  }
  const isListValue = rawValue.startsWith('(') && rawValue.endsWith(')');
  if (op === 'IN' || op === 'NOT IN') {
    if (!isListValue) throw invalidParameter(`Invalid filter string: ${pyStrRepr(filter)}. Expected a list value for ${op}.`);
    return { entity, key, valueType: 'list', comparator: op, value: stringList(rawValue) };
  }
  if (isListValue) throw invalidParameter(`Invalid filter string: ${pyStrRepr(filter)}. Expected a single value for ${op}.`);
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
  const clauses: FilterClause[] = [];
  for (const token of joinInComparisons(statement.tokens)) {
    if (isGroup(token, 'Comparison')) clauses.push(loggedModelClause(token.tokens, filter));
    else if (text(token).trim().toUpperCase() !== 'AND') {
      throw invalidParameter(
        `Invalid filter string: ${pyStrRepr(filter)}. Expected a list of comparisons separated by 'AND' ` +
          "(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').",
      );
    }
  }
  return clauses;
}
