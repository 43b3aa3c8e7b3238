// order_by clauses: "<identifier> [ASC|DESC]", read as SearchUtils._parse_order_by_string does
// (one sqlparse identifier, then shlex-split with backticks turned into double quotes), followed by
// each search kind's key rules and the stores' checks (duplicates, unsupported entities).
import { invalidParameter } from '../errors.js';
import type { LoggedModelOrderBy, LoggedModelOrderByInput, OrderByClause, SearchKind } from './ast.js';
import { own } from './filters/common.js';
import { experimentIdentifier, EXPERIMENT_ATTRIBUTE_KEYS } from './filters/experiments.js';
import { LOGGED_MODEL_ATTRIBUTES } from './filters/logged-models.js';
import { RUN_ORDER_BY_ATTRIBUTE_KEYS, runIdentifier, translateRunAttribute } from './filters/runs.js';
import { pyListRepr, pySetRepr } from './python-compat.js';
import { isGroup, isType, isWhitespace, parseStatements, SqlParseError, text } from './sql-grouping.js';

/** shlex.split (POSIX mode), or undefined where shlex raises ValueError. */
function shlexSplit(s: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (/[ \t\r\n]/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (ch === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word = (word ?? '') + s.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      let quoted = '';
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '\\"$`\n'.includes(s[j + 1] as string)) j++;
        quoted += s[j];
      }
      if (j >= s.length) return undefined;
      word = (word ?? '') + quoted;
      i = j;
    } else if (ch === '\\') {
      if (i + 1 >= s.length) return undefined;
      word = (word ?? '') + s[i + 1];
      i++;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** SearchUtils._parse_order_by_string: the identifier text and its direction. */
function splitOrderBy(orderBy: string): { identifier: string; ascending: boolean } {
  const unparsable = invalidParameter(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
  let statements;
  try {
    statements = parseStatements(orderBy);
  } catch (err) {
    if (err instanceof SqlParseError) throw invalidParameter(`Error on parsing order_by clause '${orderBy}'`);
    throw err;
  }
  const [statement] = statements;
  if (statement === undefined || statements.length !== 1) throw unparsable;
  const tokens = statement.tokens;
  const first = tokens[0];
  const last = tokens.at(-1);
  const isTimestamp = isType(first, 'Name.Builtin') && first !== undefined && text(first) === 'timestamp';
  let value: string;
  if (tokens.length === 1 && isGroup(first, 'Identifier')) value = text(first);
  else if (tokens.length === 1 && isTimestamp) value = 'timestamp';
  else if (isTimestamp && last !== undefined && isType(last, 'Keyword.Order') && tokens.slice(1, -1).every(isWhitespace)) {
    value = `timestamp ${text(last)}`;
  } else throw unparsable;

  const words = shlexSplit(value.replaceAll('`', '"'));
  if (words === undefined || words.length > 2) throw unparsable;
  if (words.length === 2) {
    const direction = (words[1] as string).toLowerCase();
    if (direction !== 'asc' && direction !== 'desc') {
      throw invalidParameter(`Invalid ordering key in order_by clause '${orderBy}'.`);
    }
    return { identifier: (words[0] as string).trim(), ascending: direction === 'asc' };
  }
  return { identifier: value.trim(), ascending: true };
}

function duplicateFields(orderBy: readonly string[]): Error {
  // MLflow raises this without an error code (a 500); it is the caller's mistake, so 400.
  return invalidParameter(`\`order_by\` contains duplicate fields: ${pyListRepr(orderBy)}`);
}

function runOrderBy(orderBy: readonly string[]): OrderByClause[] {
  const seen = new Set<string>();
  return orderBy.map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const parsed = runIdentifier(identifier, RUN_ORDER_BY_ATTRIBUTE_KEYS);
    if (parsed.entity === 'dataset') throw invalidParameter("Invalid identifier type 'dataset'");
    const key = parsed.entity === 'attribute' ? translateRunAttribute(parsed.key) : parsed.key;
    const field = `${parsed.entity}\u0000${key}`;
    if (seen.has(field)) throw duplicateFields(orderBy);
    seen.add(field);
    return { entity: parsed.entity, key, ascending };
  });
}

function experimentOrderBy(orderBy: readonly string[]): OrderByClause[] {
  return orderBy.map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const { entity, key } = experimentIdentifier(identifier, EXPERIMENT_ATTRIBUTE_KEYS);
    if (entity !== 'attribute') throw invalidParameter(`Invalid order_by entity: ${entity}`);
    return { entity, key, ascending };
  });
}

const REGISTERED_MODEL_KEYS = ['timestamp', 'last_updated_timestamp', 'name'];
const MODEL_VERSION_KEYS = ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'];

function registeredModelOrderBy(orderBy: readonly string[]): OrderByClause[] {
  const seen = new Set<string>();
  return orderBy.map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    if (!REGISTERED_MODEL_KEYS.includes(identifier)) {
      throw invalidParameter(`Invalid order by key '${identifier}' specified. Valid keys are '${pySetRepr(['name', 'timestamp'])}'`);
    }
    // Both timestamp keys sort on last_updated_time, so together they are a duplicate.
    const key = identifier === 'name' ? 'name' : 'last_updated_timestamp';
    if (seen.has(key)) throw duplicateFields(orderBy);
    seen.add(key);
    return { entity: 'attribute', key, ascending };
  });
}

function modelVersionOrderBy(orderBy: readonly string[]): OrderByClause[] {
  const seen = new Set<string>();
  return orderBy.map((clause) => {
    const { identifier, ascending } = splitOrderBy(clause);
    const { key } = experimentIdentifier(identifier, MODEL_VERSION_KEYS);
    if (!MODEL_VERSION_KEYS.includes(key)) {
      throw invalidParameter(`Invalid order by key '${key}' specified. Valid keys are ${pySetRepr(MODEL_VERSION_KEYS)}`);
    }
    if (seen.has(key)) throw duplicateFields(orderBy);
    seen.add(key);
    return { entity: 'attribute', key, ascending };
  });
}

const LOGGED_MODEL_ORDER_ALIASES: Readonly<Record<string, string>> = {
  creation_time: 'creation_timestamp',
  creation_timestamp_ms: 'creation_timestamp',
  last_updated_timestamp_ms: 'last_updated_timestamp',
};

/** sqlalchemy_store._apply_order_by_search_logged_models, which reads order_by objects. */
function loggedModelOrderBy(orderBy: readonly LoggedModelOrderByInput[]): LoggedModelOrderBy[] {
  return orderBy.map((ob) => {
    const fieldName = ob.field_name ?? '';
    const ascending = ob.ascending ?? true;
    const dataset = {
      ...(ob.dataset_name ? { datasetName: ob.dataset_name } : {}),
      ...(ob.dataset_digest ? { datasetDigest: ob.dataset_digest } : {}),
    };
    const dot = fieldName.indexOf('.');
    if (dot < 0) {
      const key = own(LOGGED_MODEL_ORDER_ALIASES, fieldName) ?? fieldName;
      if (!(LOGGED_MODEL_ATTRIBUTES as readonly string[]).includes(key)) {
        throw invalidParameter(`Invalid order by field name: ${fieldName}`);
      }
      return { entity: 'attribute', key, ascending, ...dataset };
    }
    if (fieldName.slice(0, dot) !== 'metrics') {
      throw invalidParameter(`Invalid order by field name: ${fieldName}. Only metrics are supported.`);
    }
    return { entity: 'metric', key: fieldName.slice(dot + 1), ascending, ...dataset };
  });
}

export type StringOrderByKind = Exclude<SearchKind, 'logged_models'>;

/**
 * The most order_by entries one search may have. MLflow has no limit, but each metric, param or tag
 * key is one more join in its SQL (and ours): SQLite refuses more than 64 tables in a join, which
 * MLflow answers with a 500. Past this, the client's mistake gets a 400 instead.
 */
export const MAX_ORDER_BY = 50;

/** Parses and validates an order_by list for one search kind; defaults and tiebreakers are the compiler's. */
export function parseOrderBy(kind: 'logged_models', orderBy: readonly LoggedModelOrderByInput[] | undefined): LoggedModelOrderBy[];
export function parseOrderBy(kind: StringOrderByKind, orderBy: readonly string[] | undefined): OrderByClause[];
export function parseOrderBy(
  kind: SearchKind,
  orderBy: readonly string[] | readonly LoggedModelOrderByInput[] | undefined,
): OrderByClause[] | LoggedModelOrderBy[] {
  if (!orderBy || orderBy.length === 0) return [];
  if (orderBy.length > MAX_ORDER_BY) {
    throw invalidParameter(`order_by cannot have more than ${MAX_ORDER_BY} entries. Received ${orderBy.length} entries.`);
  }
  if (kind === 'logged_models') return loggedModelOrderBy(orderBy as readonly LoggedModelOrderByInput[]);
  const clauses = orderBy as readonly string[];
  switch (kind) {
    case 'runs':
      return runOrderBy(clauses);
    case 'experiments':
      return experimentOrderBy(clauses);
    case 'registered_models':
      return registeredModelOrderBy(clauses);
    case 'model_versions':
      return modelVersionOrderBy(clauses);
  }
}
