// Model-registry filters: registered models (SearchModelUtils) and model versions
// (SearchModelVersionUtils), each followed by the registry SQL store's checks
// (model_registry/sqlalchemy_store.py _get_search_registered_model_filter_query and
// _get_search_model_versions_filter_clauses). Comparators are upper-cased by the parser here,
// which is why the UI's `name ilike '%x%'` works for models but not for experiments.
import { invalidParameter } from '../../errors.js';
import type { FilterClause } from '../ast.js';
import { splitClauses, type ClauseTokens } from '../filter-clauses.js';
import { pyFloatRepr, pyIntFromString, pyListRepr, pySetRepr, pyStrRepr } from '../python-compat.js';
import { text, type Node } from '../sql-grouping.js';
import {
  cleanKey,
  includes,
  isIntegerToken,
  isList,
  isNumberToken,
  isStringish,
  listValue,
  METRIC_COMPARATORS,
  numberValue,
  splitIdentifier,
  stripQuotes,
  typedClause,
  validateComparisonShape,
  type RawClause,
  type RawValue,
} from './common.js';

type RegistryKind = 'registered_models' | 'model_versions';

interface RegistryRules {
  readonly searchKeys: readonly string[];
  readonly listKeys: readonly string[];
  /** Keys that take numbers; null where numbers are not accepted at all (registered models). */
  readonly numericKeys: readonly string[] | null;
}

const RULES: Readonly<Record<RegistryKind, RegistryRules>> = {
  registered_models: { searchKeys: ['name'], listKeys: ['name'], numericKeys: null },
  model_versions: {
    searchKeys: ['name', 'source_path', 'version_number', 'run_id'],
    listKeys: ['name', 'run_id'],
    numericKeys: ['creation_timestamp', 'version_number', 'last_updated_timestamp'],
  },
};

const STRING_ATTRIBUTE_OPS = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'] as const;
const TAG_OPS = ['=', '!=', 'LIKE', 'ILIKE'] as const;

/** _get_model_search_identifier: MLflow checks the attribute key before unquoting it. */
function registryIdentifier(identifier: string, rules: RegistryRules): { entity: 'attribute' | 'tag'; key: string } {
  const [entityText, rawKey] = splitIdentifier(identifier);
  let entity: 'attribute' | 'tag' = 'attribute';
  if (entityText !== undefined) {
    if (entityText !== 'attribute' && entityText !== 'tag' && entityText !== 'tags') {
      throw invalidParameter(`Invalid entity type '${entityText}'. Valid entity types are ('attribute', 'tag', 'tags')`);
    }
    entity = entityText === 'attribute' ? 'attribute' : 'tag';
  }
  if (entity === 'attribute' && !rules.searchKeys.includes(rawKey)) {
    throw invalidParameter(`Invalid attribute key '${rawKey}' specified. Valid keys are '${pySetRepr(rules.searchKeys)}'`);
  }
  return { entity, key: cleanKey(rawKey) };
}

function registryValue(entity: 'attribute' | 'tag', key: string, t: Node, rules: RegistryRules): RawValue {
  const shown = text(t);
  if (entity === 'tag') {
    if (isStringish(t)) return { kind: 'string', value: stripQuotes(shown, true), token: t };
    throw invalidParameter(`Expected a quoted string value for tag (e.g. 'my-value'). Got value ${shown}`);
  }
  if (isStringish(t)) return { kind: 'string', value: stripQuotes(shown, true), token: t };
  if (isList(t)) {
    if (!rules.listKeys.includes(key)) {
      throw invalidParameter(
        `Only ${pyListRepr([...rules.listKeys].sort())} attributes support comparison with a list of quoted string values.`,
      );
    }
    return { kind: 'list', value: listValue(t), token: t };
  }
  if (rules.numericKeys !== null && isNumberToken(t)) {
    if (!rules.numericKeys.includes(key)) {
      throw invalidParameter(`Only the '${pySetRepr(rules.numericKeys)}' attributes support comparison with numeric values.`);
    }
    return { kind: 'number', value: numberValue(t), integer: isIntegerToken(t), token: t };
  }
  throw invalidParameter(
    `Expected a quoted string value or a list of quoted string values for attributes. Got value ${shown}`,
  );
}

function registryClause(tokens: ClauseTokens, rules: RegistryRules): RawClause {
  validateComparisonShape(tokens, true);
  // MLflow unpacks exactly three tokens here and fails on IS [NOT] NULL with a Python error.
  if (tokens.length !== 3) throw invalidParameter(`Invalid comparison clause. Expected 3 tokens found ${tokens.length}`);
  const [left, op, right] = tokens as [Node, Node, Node];
  const { entity, key } = registryIdentifier(text(left), rules);
  return { entity, key, comparator: text(op).toUpperCase(), value: registryValue(entity, key, right, rules) };
}

/** version_number as the store coerces it: int(value), floats refused. */
function versionNumberClause(raw: RawClause): FilterClause {
  const { key, comparator, value } = raw;
  if (!includes(METRIC_COMPARATORS, comparator)) {
    throw invalidParameter(`Invalid comparator for attribute ${key}: ${comparator}`);
  }
  let n: number | undefined;
  if (value.kind === 'number') {
    if (!value.integer) throw invalidParameter(`Invalid value for numeric attribute '${key}': ${pyFloatRepr(Number(value.value))}`);
    n = Number(value.value);
  } else if (value.kind === 'string') {
    n = pyIntFromString(value.value);
    if (n === undefined) throw invalidParameter(`Invalid value for numeric attribute '${key}': ${pyStrRepr(value.value)}`);
  }
  if (n === undefined) throw invalidParameter(`Invalid comparator for attribute ${key}: ${comparator}`);
  return { entity: 'attribute', key, valueType: 'number', comparator, value: n };
}

function validateRegistryClause(raw: RawClause, kind: RegistryKind): FilterClause {
  const { entity, key, comparator } = raw;
  if (entity === 'tag') {
    if (!includes(TAG_OPS, comparator)) throw invalidParameter(`Invalid comparator for tag: ${comparator}`);
    return typedClause(raw, comparator, 'tag');
  }
  if (kind === 'model_versions' && key === 'version_number') return versionNumberClause(raw);
  const listOk = kind === 'registered_models' || key === 'run_id' || key === 'name';
  if (!includes(STRING_ATTRIBUTE_OPS, comparator) || ((comparator === 'IN' || comparator === 'NOT IN') && !listOk)) {
    throw invalidParameter(`Invalid comparator for attribute: ${comparator}`);
  }
  return typedClause(raw, comparator, 'attributes');
}

export function parseRegistryFilter(kind: RegistryKind, filter: string | undefined): FilterClause[] {
  if (!filter) return [];
  const rules = RULES[kind];
  const raw = splitClauses(filter, 'bare').map((tokens) => registryClause(tokens, rules));
  return raw.map((clause) => validateRegistryClause(clause, kind));
}
