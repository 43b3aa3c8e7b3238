// search_runs filters, as SearchUtils parses them (search_utils.py _get_comparison, _get_value)
// and as the SQL store then checks them (sqlalchemy_store.py _get_sqlalchemy_filter_clauses).
// The two phases are separate because MLflow parses order_by in between: when both the filter
// and the order_by are wrong, the error reported is decided by that order.
import { invalidParameter } from '../../errors.js';
import type { FilterClause } from '../ast.js';
import { splitClauses, type ClauseTokens } from '../filter-clauses.js';
import { pySetRepr } from '../python-compat.js';
import { text, type Node } from '../sql-grouping.js';
import {
  canonicalEntity,
  cleanKey,
  includes,
  invalidComparator,
  isIntegerToken,
  isList,
  isNumberToken,
  isStringish,
  listValue,
  METRIC_COMPARATORS,
  numberValue,
  PARAM_TAG_COMPARATORS,
  splitIdentifier,
  STRING_ATTRIBUTE_COMPARATORS,
  stripQuotes,
  typedClause,
  validateComparisonShape,
  type RawClause,
  type RawValue,
} from './common.js';

export const RUN_SEARCH_ATTRIBUTE_KEYS = [
  'created', 'artifact_uri', 'run name', 'Run name', 'start_time', 'user_id',
  'Run Name', 'end_time', 'run_name', 'status', 'Created', 'run_id',
] as const;
export const RUN_ORDER_BY_ATTRIBUTE_KEYS = [
  'start_time', 'artifact_uri', 'run_name', 'end_time', 'created', 'status', 'user_id', 'Created', 'run_id',
] as const;
const NUMERIC_ATTRIBUTES = ['start_time', 'end_time', 'created', 'Created'] as const;
const DATASET_KEYS = ['context', 'digest', 'name'] as const;
const LIST_KEYS = ['run_id'] as const;

/** SearchUtils.translate_key_alias. MLflow applies it to every key type; we only to attributes. */
export function translateRunAttribute(key: string): string {
  if (key === 'created' || key === 'Created') return 'start_time';
  if (key === 'run name' || key === 'Run name' || key === 'Run Name') return 'run_name';
  return key;
}

/** SearchUtils._get_identifier, shared with order_by parsing. */
export function runIdentifier(identifier: string, validAttributes: readonly string[]): { entity: RawClause['entity']; key: string } {
  const [entityText, rawKey] = splitIdentifier(identifier);
  const entity = entityText === undefined ? 'attribute' : canonicalEntity(entityText);
  const key = cleanKey(rawKey);
  if (entity === 'attribute' && !validAttributes.includes(key)) {
    throw invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are '${pySetRepr(validAttributes)}'`);
  }
  if (entity === 'dataset' && !includes(DATASET_KEYS, key)) {
    throw invalidParameter(`Invalid dataset key '${key}' specified. Valid keys are '${pySetRepr(DATASET_KEYS)}'`);
  }
  return { entity, key };
}

function quotedString(t: Node): RawValue {
  return { kind: 'string', value: stripQuotes(text(t), true), token: t };
}

function runValue(entity: RawClause['entity'], key: string, t: Node): RawValue {
  const shown = text(t);
  switch (entity) {
    case 'metric':
      if (!isNumberToken(t)) throw invalidParameter(`Expected numeric value type for metric. Found ${shown}`);
      return { kind: 'number', value: numberValue(t), integer: isIntegerToken(t), token: t };
    case 'parameter':
    case 'tag':
      if (isStringish(t)) return quotedString(t);
      throw invalidParameter(`Expected a quoted string value for ${entity} (e.g. 'my-value'). Got value ${shown}`);
    case 'attribute':
      if (includes(NUMERIC_ATTRIBUTES, key)) {
        if (!isNumberToken(t)) {
          throw invalidParameter(`Expected numeric value type for numeric attribute: ${key}. Found ${shown}`);
        }
        return { kind: 'number', value: numberValue(t), integer: isIntegerToken(t), token: t };
      }
      if (isStringish(t)) return quotedString(t);
      if (isList(t)) {
        if (!includes(LIST_KEYS, key)) {
          throw invalidParameter("Only ['run_id'] attributes support comparison with a list of quoted string values.");
        }
        return { kind: 'list', value: listValue(t), token: t };
      }
      throw invalidParameter(`Expected a quoted string value for attributes. Got value ${shown}`);
    case 'dataset':
      if (isStringish(t)) return quotedString(t);
      if (isList(t)) return { kind: 'list', value: listValue(t), token: t };
      throw invalidParameter(`Expected a quoted string value for dataset attributes. Got value ${shown}`);
  }
}

function runClause(tokens: ClauseTokens): RawClause {
  validateComparisonShape(tokens, true);
  const [left, op, right] = tokens as [Node, Node, Node | undefined];
  const { entity, key } = runIdentifier(text(left), RUN_SEARCH_ATTRIBUTE_KEYS);
  if (right === undefined) {
    if (entity !== 'tag' && entity !== 'parameter') {
      throw invalidParameter(`IS NULL / IS NOT NULL is only supported for tags and params, not for '${entity}' '${key}'`);
    }
    return { entity, key, comparator: text(op).toUpperCase(), value: { kind: 'null' } };
  }
  return { entity, key, comparator: text(op), value: runValue(entity, key, right) };
}

/** Phase 1 (SearchUtils.parse_search_filter): syntax, identifiers and value types. */
export function parseRunFilterSyntax(filter: string | undefined): RawClause[] {
  if (!filter) return [];
  return splitClauses(filter, 'quoted').map(runClause);
}

/** Phase 2 (the SQL store): comparators per entity, with the store's exact messages. */
export function validateRunClauses(clauses: readonly RawClause[]): FilterClause[] {
  return clauses.map((raw) => {
    const comparator = raw.comparator.toUpperCase();
    const key = raw.entity === 'attribute' ? translateRunAttribute(raw.key) : raw.key;
    switch (raw.entity) {
      case 'attribute':
        if (includes(NUMERIC_ATTRIBUTES, key)) {
          if (!includes(METRIC_COMPARATORS, comparator)) throw invalidComparator(comparator, STRING_ATTRIBUTE_COMPARATORS, false);
        } else if (!includes(STRING_ATTRIBUTE_COMPARATORS, comparator)) {
          throw invalidComparator(comparator, STRING_ATTRIBUTE_COMPARATORS, true);
        }
        return typedClause({ ...raw, key }, comparator, 'attributes');
      case 'metric':
        if (!includes(METRIC_COMPARATORS, comparator)) throw invalidComparator(comparator, METRIC_COMPARATORS, false);
        return typedClause(raw, comparator, 'metric');
      case 'parameter':
        if (!includes(PARAM_TAG_COMPARATORS, comparator)) throw invalidComparator(comparator, PARAM_TAG_COMPARATORS, true);
        return typedClause(raw, comparator, 'parameter');
      case 'tag':
        if (!includes(PARAM_TAG_COMPARATORS, comparator)) throw invalidComparator(comparator, PARAM_TAG_COMPARATORS, false);
        return typedClause(raw, comparator, 'tag');
      case 'dataset':
        if (!includes(STRING_ATTRIBUTE_COMPARATORS, comparator)) throw invalidComparator(comparator, STRING_ATTRIBUTE_COMPARATORS, false);
        return typedClause(raw, comparator, 'dataset attributes');
    }
  });
}

export function parseRunFilter(filter: string | undefined): FilterClause[] {
  return validateRunClauses(parseRunFilterSyntax(filter));
}
