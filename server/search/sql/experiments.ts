// search_experiments as one SQL statement, matching sqlalchemy_store._search_experiments:
// default order creation_time DESC, experiment_id ASC; experiment_id DESC appended as the
// tiebreaker whenever the requested order does not mention experiment_id; plain ASC/DESC, so
// NULLs sort as SQLite sorts them (first ascending, last descending), as in MLflow on SQLite.
import { invalidParameter } from '../../errors.js';
import type { CompiledQuery, FilterClause, ViewType } from '../ast.js';
import { parseExperimentFilter } from '../filters/experiments.js';
import { parseOrderBy } from '../order-by.js';
import { sqliteDialect, type Dialect } from '../../store/engine/dialect.js';
import { column, compareSql, joinSql, keyValueSql, lifecycleStages, limitOffsetSql, sql, trusted, type KeyValueTable, type Sql } from './fragments.js';

export interface ExperimentSearchInput {
  readonly filter?: string | undefined;
  readonly orderBy?: readonly string[] | undefined;
  readonly viewType: ViewType;
  readonly maxResults: number;
  readonly offset: number;
}

const COLUMNS: Readonly<Record<string, string>> = {
  name: 'name',
  experiment_id: 'experiment_id',
  creation_time: 'creation_time',
  last_update_time: 'last_update_time',
};

function experimentColumn(key: string): Sql {
  const name = Object.hasOwn(COLUMNS, key) ? COLUMNS[key] : undefined;
  if (name === undefined) throw invalidParameter(`Invalid attribute key '${key}' specified.`);
  return column('experiments', name);
}

const EXPERIMENT_TAGS: KeyValueTable = {
  table: 'experiment_tags',
  parentKey: 'experiments.experiment_id',
  childKey: 'experiment_id',
  keyColumn: 'key',
  valueColumn: 'value',
};

const DEFAULT_ORDER_BY = ['creation_time DESC', 'experiment_id ASC'];

function filterSql(clause: FilterClause, index: number, d: Dialect): Sql {
  if (clause.entity === 'tag') return keyValueSql(EXPERIMENT_TAGS, `t${index}`, clause, d);
  if (clause.valueType === 'null') throw invalidParameter(`IS NULL / IS NOT NULL is only supported for tags, not for attribute '${clause.key}'`);
  if (clause.key === 'experiment_id' && clause.valueType === 'list') {
    // Ids are validated integers; compare them as the INTEGER column holds them.
    return compareSql(experimentColumn(clause.key), { comparator: clause.comparator, value: clause.value.map(Number) });
  }
  return compareSql(experimentColumn(clause.key), clause, d);
}

export function compileExperimentSearch(input: ExperimentSearchInput, d: Dialect = sqliteDialect): CompiledQuery {
  const filters = parseExperimentFilter(input.filter);
  const orderBy = parseOrderBy('experiments', input.orderBy && input.orderBy.length > 0 ? input.orderBy : DEFAULT_ORDER_BY);

  const where = [sql`experiments.lifecycle_stage IN ${lifecycleStages(input.viewType)}`, ...filters.map((f, i) => filterSql(f, i, d))];
  const text = (key: string) => trusted(key === 'name' ? d.textOrder : '');
  const order = orderBy.map((c) =>
    c.ascending ? sql`${experimentColumn(c.key)}${text(c.key)}${trusted(d.nullsAsc)}` : sql`${experimentColumn(c.key)}${text(c.key)} DESC${trusted(d.nullsDesc)}`,
  );
  if (!orderBy.some((c) => c.key === 'experiment_id')) order.push(sql`experiments.experiment_id DESC`);

  const query = joinSql(
    [
      sql`SELECT CAST(experiments.experiment_id AS TEXT) AS experiment_id FROM experiments`, // as text: 18-digit ids
      sql`WHERE ${joinSql(where, ' AND ')}`,
      sql`ORDER BY ${joinSql(order, ', ')}`,
      limitOffsetSql(input.maxResults, input.offset),
    ],
    ' ',
  );
  return { sql: query.text, params: [...query.params] };
}
