// Registered-model and model-version searches as SQL, matching model_registry/sqlalchemy_store.py:
// the filter and order_by come from the search module's registry parsers; prompts (models whose
// `mlflow.prompt.is_prompt` tag is "true") are left out unless the filter asks for them; deleted
// versions never match; `name ASC` (and for versions `version DESC`) break ties. The page token is
// read after the filter and order_by, so a request with several mistakes reports the one MLflow does.
// The SQL is the same on SQLite and PostgreSQL except for the dialect's fragments: byte-order text
// sorting, SQLite's escape-less LIKE, and the limits SQLite reads leniently (negative LIMIT/OFFSET).
import type { Dialect } from '../store/engine/dialect.js';
import type { CompiledQuery, FilterClause, OrderByClause } from './ast.js';
import { parseFilter, parseOrderBy, parseStartOffset } from './index.js';
import { compareSql, joinSql, sql, trusted, type Sql } from './sql/fragments.js';

const IS_PROMPT_TAG_KEY = 'mlflow.prompt.is_prompt';
const STAGE_DELETED_INTERNAL = 'Deleted_Internal';
/** The largest LIMIT both engines accept (int64 max): "no limit". */
const UNLIMITED = '9223372036854775807';

export interface RegistrySearchInput {
  readonly filter?: string | undefined;
  readonly orderBy?: readonly string[] | undefined;
  readonly maxResults: number;
  readonly pageToken?: string | undefined;
}

/** The query (selecting whole rows, LIMIT max_results + 1) and the offset the page token decoded to. */
export interface CompiledRegistrySearch extends CompiledQuery {
  readonly offset: number;
}

interface Target {
  readonly table: 'registered_models' | 'model_versions';
  readonly tagTable: 'registered_model_tags' | 'model_version_tags';
  /** Correlates a tag-table alias with the searched row. */
  readonly tagJoin: (alias: string) => string;
  readonly columns: Readonly<Record<string, string>>;
  /** The search keys whose columns hold text (sorted in byte order on every engine). */
  readonly textKeys: ReadonlySet<string>;
}

const REGISTERED_MODELS: Target = {
  table: 'registered_models',
  tagTable: 'registered_model_tags',
  tagJoin: (a) => `${a}.name = registered_models.name`,
  columns: { name: 'registered_models.name', last_updated_timestamp: 'registered_models.last_updated_time' },
  textKeys: new Set(['name']),
};

const MODEL_VERSIONS: Target = {
  table: 'model_versions',
  tagTable: 'model_version_tags',
  tagJoin: (a) => `${a}.name = model_versions.name AND ${a}.version = model_versions.version`,
  columns: {
    name: 'model_versions.name',
    run_id: 'model_versions.run_id',
    source_path: 'model_versions.source',
    version_number: 'model_versions.version',
    creation_timestamp: 'model_versions.creation_time',
    last_updated_timestamp: 'model_versions.last_updated_time',
  },
  textKeys: new Set(['name', 'run_id', 'source_path']),
};

function column(target: Target, key: string): Sql {
  const c = target.columns[key];
  // The parsers only let through keys the compilers know; anything else is a programming error.
  if (c === undefined) throw new Error(`no ${target.table} column for search key '${key}'`);
  return trusted(c);
}

/**
 * _is_querying_prompt: the first condition on the prompt tag decides — `= 'true'` or `!= 'false'`
 * (any case) asks for prompts; anything else, or no such condition, searches ordinary models.
 */
export function isQueryingPrompts(filters: readonly FilterClause[]): boolean {
  const first = filters.find((f) => f.entity === 'tag' && f.key === IS_PROMPT_TAG_KEY);
  if (first === undefined || first.valueType !== 'string') return false;
  const value = first.value.toLowerCase();
  return (first.comparator === '=' && value === 'true') || (first.comparator === '!=' && value === 'false');
}

function whereSql(target: Target, filters: readonly FilterClause[], dialect: Dialect): Sql[] {
  const where: Sql[] = [];
  const prompts = isQueryingPrompts(filters);
  filters.forEach((clause, i) => {
    if (clause.valueType === 'null') throw new Error('registry filters have no IS NULL clauses');
    if (clause.entity === 'tag') {
      // When prompts are excluded MLflow drops every condition on the prompt tag itself, so
      // `tags.mlflow.prompt.is_prompt = 'false'` means "all ordinary models".
      if (!prompts && clause.key === IS_PROMPT_TAG_KEY) return;
      const alias = `t${i}`;
      const from = trusted(`${target.tagTable} ${alias} WHERE ${target.tagJoin(alias)}`);
      where.push(
        sql`EXISTS (SELECT 1 FROM ${from} AND ${trusted(`${alias}.key`)} = ${clause.key} AND ${compareSql(trusted(`${alias}.value`), clause, dialect)})`,
      );
      return;
    }
    where.push(compareSql(column(target, clause.key), clause, dialect));
  });
  if (!prompts) {
    // An anti-join on the name: for versions, one prompt-tagged version hides every version of that name.
    where.push(
      sql`${trusted(`${target.table}.name`)} NOT IN (SELECT name FROM ${trusted(target.tagTable)} WHERE key = ${IS_PROMPT_TAG_KEY} AND value = ${'true'})`,
    );
  }
  return where;
}

function orderSql(
  target: Target,
  orderBy: readonly OrderByClause[],
  tiebreakers: readonly [string, 'ASC' | 'DESC'][],
  dialect: Dialect,
): Sql {
  const key = (k: string, direction: 'ASC' | 'DESC') =>
    sql`${column(target, k)}${trusted(target.textKeys.has(k) ? dialect.textOrder : '')} ${trusted(direction)}`;
  const order = orderBy.map((c) => key(c.key, c.ascending ? 'ASC' : 'DESC'));
  for (const [k, direction] of tiebreakers) {
    if (!orderBy.some((c) => c.key === k)) order.push(key(k, direction));
  }
  return joinSql(order, ', ');
}

function finish(target: Target, where: Sql[], order: Sql, input: RegistrySearchInput): CompiledRegistrySearch {
  const offset = parseStartOffset(input.pageToken);
  const conditions = where.length > 0 ? sql` WHERE ${joinSql(where, ' AND ')}` : trusted('');
  // LIMIT max_results + 1 as MLflow; SQLite reads a negative LIMIT as "no limit" and a negative
  // OFFSET as 0, as it did for MLflow, and PostgreSQL refuses both: they are spelled out the same
  // way for either engine. The caller slices like Python.
  const limit = input.maxResults + 1;
  const limitSql = limit < 0 ? trusted(`LIMIT ${UNLIMITED}`) : sql`LIMIT ${limit}`;
  const query = sql`SELECT ${trusted(`${target.table}.* FROM ${target.table}`)}${conditions} ORDER BY ${order} ${limitSql} OFFSET ${Math.max(0, offset)}`;
  return { sql: query.text, params: [...query.params], offset };
}

/** search_registered_models: filter on name and tags, order by name / last_updated, name ASC last. */
export function compileRegisteredModelSearch(input: RegistrySearchInput, dialect: Dialect): CompiledRegistrySearch {
  const filters = parseFilter('registered_models', input.filter);
  const orderBy = parseOrderBy('registered_models', input.orderBy);
  const where = whereSql(REGISTERED_MODELS, filters, dialect);
  return finish(REGISTERED_MODELS, where, orderSql(REGISTERED_MODELS, orderBy, [['name', 'ASC']], dialect), input);
}

export const MODEL_VERSION_DEFAULT_ORDER_BY: readonly string[] = ['last_updated_timestamp DESC', 'name ASC', 'version_number DESC'];

/** search_model_versions: deleted versions never match; name ASC and version DESC break ties. */
export function compileModelVersionSearch(input: RegistrySearchInput, dialect: Dialect): CompiledRegistrySearch {
  const filters = parseFilter('model_versions', input.filter);
  const orderBy = parseOrderBy('model_versions', input.orderBy && input.orderBy.length > 0 ? input.orderBy : MODEL_VERSION_DEFAULT_ORDER_BY);
  const where = whereSql(MODEL_VERSIONS, filters, dialect);
  where.push(sql`model_versions.current_stage != ${STAGE_DELETED_INTERNAL}`);
  const order = orderSql(MODEL_VERSIONS, orderBy, [
    ['name', 'ASC'],
    ['version_number', 'DESC'],
  ], dialect);
  return finish(MODEL_VERSIONS, where, order, input);
}
