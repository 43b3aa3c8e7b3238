// search_experiments as one SQL statement, matching sqlalchemy_store._search_experiments:
// default order creation_time DESC, experiment_id ASC; experiment_id DESC appended as the
// tiebreaker whenever the requested order does not mention experiment_id; plain ASC/DESC, so
// NULLs sort as SQLite sorts them (first ascending, last descending), as in MLflow on SQLite.
import { invalidParameter } from '../../errors.js';
import type { CompiledQuery, FilterClause, ViewType } from '../ast.js';
import { parseExperimentFilter } from '../filters/experiments.js';
import { parseOrderBy } from '../order-by.js';
import { compareSql, keyValueSql, lifecycleStages, limitOffsetSql, SqlParams, type KeyValueTable } from './fragments.js';

export interface ExperimentSearchInput {
  readonly filter?: string | undefined;
  readonly orderBy?: readonly string[] | undefined;
  readonly viewType: ViewType;
  readonly maxResults: number;
  readonly offset: number;
}

const COLUMNS: Readonly<Record<string, string>> = {
  name: 'experiments.name',
  experiment_id: 'experiments.experiment_id',
  creation_time: 'experiments.creation_time',
  last_update_time: 'experiments.last_update_time',
};

function column(key: string): string {
  const c = COLUMNS[key];
  if (c === undefined) throw invalidParameter(`Invalid attribute key '${key}' specified.`);
  return c;
}

const EXPERIMENT_TAGS: KeyValueTable = {
  table: 'experiment_tags',
  correlate: (alias) => `${alias}.experiment_id = experiments.experiment_id`,
  keyColumn: 'key',
  valueColumn: 'value',
};

const DEFAULT_ORDER_BY = ['creation_time DESC', 'experiment_id ASC'];

function filterSql(clause: FilterClause, index: number, p: SqlParams): string {
  if (clause.entity === 'tag') return keyValueSql(EXPERIMENT_TAGS, `t${index}`, clause, p);
  if (clause.valueType === 'null') throw invalidParameter(`IS NULL / IS NOT NULL is only supported for tags, not for attribute '${clause.key}'`);
  if (clause.key === 'experiment_id' && clause.valueType === 'list') {
    return compareSql(column(clause.key), { comparator: clause.comparator, value: clause.value.map(Number) }, p);
  }
  return compareSql(column(clause.key), clause, p);
}

export function compileExperimentSearch(input: ExperimentSearchInput): CompiledQuery {
  const filters = parseExperimentFilter(input.filter);
  const orderBy = parseOrderBy('experiments', input.orderBy && input.orderBy.length > 0 ? input.orderBy : DEFAULT_ORDER_BY);

  const p = new SqlParams();
  const where = [
    `experiments.lifecycle_stage IN ${p.list(lifecycleStages(input.viewType))}`,
    ...filters.map((clause, i) => filterSql(clause, i, p)),
  ];
  const order = orderBy.map((c) => `${column(c.key)}${c.ascending ? '' : ' DESC'}`);
  if (!orderBy.some((c) => c.key === 'experiment_id')) order.push('experiments.experiment_id DESC');

  const sql = [
    'SELECT experiments.experiment_id FROM experiments',
    `WHERE ${where.join(' AND ')}`,
    `ORDER BY ${order.join(', ')}`,
    limitOffsetSql(input.maxResults, input.offset, p),
  ].join(' ');
  return { sql, params: p.values };
}
