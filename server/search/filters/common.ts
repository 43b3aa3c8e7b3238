// Pieces of MLflow's clause interpretation that every search kind shares (SearchUtils helpers):
// quote stripping, entity aliases, the value token classes, IN-list reading and the comparator
// sets whose text appears in error messages.
import { invalidParameter } from '../../errors.js';
import { int64FromText, type Int64 } from '../../protocol/int64.js';
import type { EntityType, FilterClause } from '../ast.js';
import { literalEval, PyLiteralError } from '../py-literal.js';
import { pyRepr, pySetRepr, type PyValue } from '../python-compat.js';
import { isGroup, isType, text, type Node } from '../sql-grouping.js';

// Python sets print in hash order, which differs between interpreter runs; we fix one order.
export const METRIC_COMPARATORS = ['>', '>=', '=', '!=', '<', '<='] as const;
export const PARAM_TAG_COMPARATORS = ['LIKE', 'IS NOT NULL', '=', '!=', 'IS NULL', 'ILIKE'] as const;
export const STRING_ATTRIBUTE_COMPARATORS = ['LIKE', 'NOT IN', 'IN', '=', '!=', 'ILIKE'] as const;

/** record[key] for own keys only: user text such as "__proto__" or "toString" must not reach Object's members. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function includes<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/** "Invalid comparator 'x' not one of '{...}" — MLflow closes the quote in some checks only. */
export function invalidComparator(comparator: string, allowed: readonly string[], closeQuote: boolean): Error {
  return invalidParameter(`Invalid comparator '${comparator}' not one of '${pySetRepr(allowed)}${closeQuote ? "'" : ''}`);
}

function isQuoted(value: string, quote: string): boolean {
  return value.length >= 2 && value.startsWith(quote) && value.endsWith(quote);
}

export function trimBackticks(value: string): string {
  return isQuoted(value, '`') ? value.slice(1, -1) : value;
}

/** SearchUtils._strip_quotes: values keep any inner escapes verbatim ('it''s' stays it''s). */
export function stripQuotes(value: string, expectQuoted = false): string {
  if (isQuoted(value, "'") || isQuoted(value, '"')) return value.slice(1, -1);
  if (expectQuoted) {
    throw invalidParameter(
      `Parameter value is either not quoted or unidentified quote types used for string value ${value}. ` +
        'Use either single or double quotes.',
    );
  }
  return value;
}

export function cleanKey(key: string): string {
  return trimBackticks(stripQuotes(key));
}

const ENTITY_ALIASES: Readonly<Record<string, EntityType>> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'parameter',
  parameters: 'parameter',
  param: 'parameter',
  params: 'parameter',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attr: 'attribute',
  attributes: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** SearchUtils._valid_entity_type: backtick-quoted entity names are allowed. */
export function canonicalEntity(entity: string): EntityType {
  const name = trimBackticks(entity);
  const canonical = own(ENTITY_ALIASES, name);
  if (canonical === undefined) {
    throw invalidParameter(`Invalid entity type '${name}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`);
  }
  return canonical;
}

/** identifier.split(".", 1): no dot means an attribute. */
export function splitIdentifier(identifier: string): [entity: string | undefined, key: string] {
  const dot = identifier.indexOf('.');
  return dot < 0 ? [undefined, identifier] : [identifier.slice(0, dot), identifier.slice(dot + 1)];
}

export const isIntegerToken = (t: Node): boolean => isType(t, 'Number.Integer');
export const isNumberToken = (t: Node): boolean => isType(t, 'Number.Integer', 'Number.Float');
/** A value MLflow accepts as a string: a '...' literal, or an identifier ("..." or a bare word). */
export const isStringish = (t: Node): boolean => isType(t, 'String.Single') || isGroup(t, 'Identifier');
export const isList = (t: Node): boolean => isGroup(t, 'Parenthesis');

/**
 * The number a Number token denotes (Python int()/float() of its text): an integer exactly, as an Int64,
 * while it fits an int64 column (past that, no stored value can equal it and a double compares right).
 */
export function numberValue(t: Node): Int64 {
  const digits = text(t);
  const exact = isIntegerToken(t) && /^[+-]?\d+$/.test(digits) ? int64FromText(digits) : undefined;
  return exact ?? Number(digits);
}

/** SearchUtils._parse_list_from_sql_token: a non-empty tuple of strings. */
export function listValue(t: Node): string[] {
  let parsed: PyValue;
  try {
    parsed = literalEval(text(t));
  } catch (err) {
    if (!(err instanceof PyLiteralError)) throw err;
    throw invalidParameter(
      'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
    );
  }
  const items = isTupleValue(parsed) ? parsed.tuple : [parsed];
  if (items.length === 0) {
    throw invalidParameter(
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    );
  }
  const strings = items.filter((v): v is string => typeof v === 'string');
  if (strings.length !== items.length) {
    throw invalidParameter(
      'While parsing a list in the query, expected string value, punctuation, or whitespace, ' +
        `but got different type in list: ${pyRepr({ tuple: items })}`,
    );
  }
  return strings;
}

function isTupleValue(v: PyValue): v is { readonly tuple: readonly PyValue[] } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'tuple' in v && Array.isArray(v.tuple);
}

/** SearchUtils._validate_comparison: the left side must be an identifier. */
export function validateComparisonShape(tokens: readonly Node[], allowNullCheck: boolean): void {
  const first = tokens[0];
  if (tokens.length === 2 && allowNullCheck) {
    const op = text(tokens[1] as Node).toUpperCase();
    if (op === 'IS NULL' || op === 'IS NOT NULL') {
      if (!isGroup(first, 'Identifier')) throw expectedIdentifier(first);
      return;
    }
  }
  if (tokens.length !== 3) {
    throw invalidParameter(`Invalid comparison clause. Expected 3 tokens found ${tokens.length}`);
  }
  if (!isGroup(first, 'Identifier')) throw expectedIdentifier(first);
}

function expectedIdentifier(t: Node | undefined): Error {
  return invalidParameter(`Invalid comparison clause. Expected 'Identifier' found '${t ? text(t) : ''}'`);
}

/**
 * A value of a list kind compared with = / LIKE etc. (e.g. `run_id = ('a')`): MLflow passes the
 * tuple to the database driver, which rejects it; we reject it as a user error up front.
 */
export function listWithScalarComparator(entityLabel: string, token: Node): Error {
  return invalidParameter(`Expected a quoted string value for ${entityLabel}. Got value ${text(token)}`);
}

/** A clause value as parsed, before the store-level checks give it a final type. */
export type RawValue =
  | { readonly kind: 'string'; readonly value: string; readonly token: Node }
  | { readonly kind: 'number'; readonly value: Int64; readonly integer: boolean; readonly token: Node }
  | { readonly kind: 'list'; readonly value: string[]; readonly token: Node }
  | { readonly kind: 'null' };

export interface RawClause {
  readonly entity: EntityType;
  readonly key: string;
  readonly comparator: string;
  readonly value: RawValue;
}

/** Builds the typed clause once a kind's rules have accepted comparator and value. */
export function typedClause(raw: RawClause, comparator: string, label: string): FilterClause {
  const { entity, key, value } = raw;
  if (value.kind === 'null') {
    return { entity, key, valueType: 'null', comparator: comparator === 'IS NULL' ? 'IS NULL' : 'IS NOT NULL', value: null };
  }
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (value.kind !== 'list') throw invalidParameter(`Invalid comparator '${comparator}' for a single value`);
    return { entity, key, valueType: 'list', comparator, value: value.value };
  }
  if (value.kind === 'list') throw listWithScalarComparator(label, value.token);
  if (value.kind === 'number') {
    if (!includes(METRIC_COMPARATORS, comparator)) throw invalidComparator(comparator, METRIC_COMPARATORS, false);
    return { entity, key, valueType: 'number', comparator, value: value.value };
  }
  if (comparator !== '=' && comparator !== '!=' && comparator !== 'LIKE' && comparator !== 'ILIKE') {
    throw invalidComparator(comparator, STRING_ATTRIBUTE_COMPARATORS, true);
  }
  return { entity, key, valueType: 'string', comparator, value: value.value };
}
