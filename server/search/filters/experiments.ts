// search_experiments filters: SearchExperimentsUtils parsing (search_utils.py) followed by the SQL
// store's checks (_get_search_experiments_filter_clauses). Unlike runs, the comparator is NOT
// upper-cased here, so `name like '%x%'` is rejected exactly as MLflow rejects it; only
// IS [NOT] NULL is normalised (by the parser).
import { invalidParameter } from '../../errors.js';
import type { FilterClause } from '../ast.js';
import { splitClauses, type ClauseTokens } from '../filter-clauses.js';
import { pyFloatRepr, pyIntFromString, pySetRepr, pyStrRepr } from '../python-compat.js';
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
  listWithScalarComparator,
  METRIC_COMPARATORS,
  numberValue,
  splitIdentifier,
  STRING_ATTRIBUTE_COMPARATORS,
  stripQuotes,
  typedClause,
  validateComparisonShape,
  type RawClause,
  type RawValue,
} from './common.js';

export const EXPERIMENT_ATTRIBUTE_KEYS = ['name', 'creation_time', 'last_update_time', 'experiment_id'] as const;
const NUMERIC_ATTRIBUTES = ['creation_time', 'last_update_time'] as const;
const ENTITY_TYPES = ['attribute', 'tag', 'tags'] as const;

/** SearchExperimentsUtils._get_identifier, also used for registry order_by. */
export function experimentIdentifier(identifier: string, validAttributes: readonly string[]): { entity: 'attribute' | 'tag'; key: string } {
  const [entityText, rawKey] = splitIdentifier(identifier);
  let entity: 'attribute' | 'tag' = 'attribute';
  if (entityText !== undefined) {
    if (!includes(ENTITY_TYPES, entityText)) {
      throw invalidParameter(`Invalid entity type '${entityText}'. Valid entity types are ('attribute', 'tag', 'tags')`);
    }
    entity = canonicalEntity(entityText) === 'tag' ? 'tag' : 'attribute';
  }
  const key = cleanKey(rawKey);
  if (entity === 'attribute' && !validAttributes.includes(key)) {
    throw invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are '${pySetRepr(validAttributes)}'`);
  }
  return { entity, key };
}

function experimentValue(entity: 'attribute' | 'tag', key: string, t: Node): RawValue {
  const shown = text(t);
  if (entity === 'tag') {
    if (isStringish(t)) return { kind: 'string', value: stripQuotes(shown, true), token: t };
    throw invalidParameter(`Expected a quoted string value for tag (e.g. 'my-value'). Got value ${shown}`);
  }
  if (includes(NUMERIC_ATTRIBUTES, key)) {
    if (!isNumberToken(t)) throw invalidParameter(`Expected numeric value type for numeric attribute: ${key}. Found ${shown}`);
    return { kind: 'number', value: numberValue(t), integer: isIntegerToken(t), token: t };
  }
  if (isStringish(t)) return { kind: 'string', value: stripQuotes(shown, true), token: t };
  if (isList(t)) {
    if (key !== 'experiment_id') {
      throw invalidParameter("Only ['experiment_id'] attributes support comparison with a list of quoted string values.");
    }
    return { kind: 'list', value: listValue(t), token: t };
  }
  throw invalidParameter(`Expected a quoted string value for attributes. Got value ${shown}`);
}

function experimentClause(tokens: ClauseTokens): RawClause {
  validateComparisonShape(tokens, true);
  const [left, op, right] = tokens as [Node, Node, Node | undefined];
  const { entity, key } = experimentIdentifier(text(left), EXPERIMENT_ATTRIBUTE_KEYS);
  if (right === undefined) {
    if (entity !== 'tag') {
      throw invalidParameter(`IS NULL / IS NOT NULL is only supported for tags, not for attribute '${key}'`);
    }
    return { entity, key, comparator: text(op).toUpperCase(), value: { kind: 'null' } };
  }
  return { entity, key, comparator: text(op), value: experimentValue(entity, key, right) };
}

/** _parse_experiment_id: Python int() of the text, or MLflow's error. */
export function parseExperimentId(id: string): number {
  const n = pyIntFromString(id);
  if (n === undefined) {
    throw invalidParameter(`Invalid experiment ID '${id}'. Experiment ID must be a valid integer.`);
  }
  return n;
}

function experimentIdClause(raw: RawClause): FilterClause {
  const { comparator, value } = raw;
  if (comparator !== '=' && comparator !== '!=' && comparator !== 'IN' && comparator !== 'NOT IN') {
    throw invalidParameter(`Invalid comparator for experiment_id: ${comparator}`);
  }
  if (value.kind === 'list') {
    const ids = value.value.map((v) => String(parseExperimentId(v)));
    if (comparator === 'IN' || comparator === 'NOT IN') return { entity: 'attribute', key: 'experiment_id', valueType: 'list', comparator, value: ids };
    throw listWithScalarComparator('attributes', value.token);
  }
  if (value.kind !== 'string' || comparator === 'IN' || comparator === 'NOT IN') {
    throw invalidParameter(`Invalid comparator for experiment_id: ${comparator}`);
  }
  return { entity: 'attribute', key: 'experiment_id', valueType: 'number', comparator, value: parseExperimentId(value.value) };
}

function validateExperimentClause(raw: RawClause): FilterClause {
  const { entity, key, comparator, value } = raw;
  if (entity === 'tag') {
    if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return typedClause(raw, comparator, 'tag');
    if (comparator !== '=' && comparator !== '!=' && comparator !== 'LIKE' && comparator !== 'ILIKE') {
      throw invalidParameter(`Invalid comparator for tag: ${comparator}`);
    }
    return typedClause(raw, comparator, 'tag');
  }
  if (key === 'experiment_id') return experimentIdClause(raw);
  if (includes(NUMERIC_ATTRIBUTES, key)) {
    if (!includes(METRIC_COMPARATORS, comparator)) throw invalidComparator(comparator, STRING_ATTRIBUTE_COMPARATORS, false);
    if (value.kind === 'number' && !value.integer) {
      throw invalidParameter(`Invalid value for numeric attribute '${key}': ${pyStrRepr(pyFloatRepr(Number(value.value)))}`);
    }
    return typedClause(raw, comparator, 'attributes');
  }
  if (!includes(STRING_ATTRIBUTE_COMPARATORS, comparator)) throw invalidComparator(comparator, STRING_ATTRIBUTE_COMPARATORS, true);
  if (comparator !== '=' && comparator !== '!=' && comparator !== 'LIKE' && comparator !== 'ILIKE') {
    throw invalidParameter(`Invalid comparator for string attribute: ${comparator}`);
  }
  return typedClause(raw, comparator, 'attributes');
}

export function parseExperimentFilter(filter: string | undefined): FilterClause[] {
  if (!filter) return [];
  const raw = splitClauses(filter, 'bare').map(experimentClause);
  return raw.map(validateExperimentClause);
}
