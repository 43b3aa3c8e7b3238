// search_runs as one SQL statement over our schema, matching sqlalchemy_store._search_runs:
// which runs match (latest_metrics for metrics, the mlflow.runName tag for run_name, datasets via
// inputs/input_tags) and their order (_get_orderby_clauses: missing values and NaN metrics last in
// both directions, then start_time DESC, then run_uuid).
import { invalidParameter } from '../../errors.js';
import type { CompiledQuery, FilterClause, OrderByClause, ViewType } from '../ast.js';
import { parseExperimentId } from '../filters/experiments.js';
import { parseRunFilterSyntax, validateRunClauses } from '../filters/runs.js';
import { parseOrderBy } from '../order-by.js';
import { compareSql, keyValueSql, lifecycleStages, limitOffsetSql, SqlParams, type KeyValueTable } from './fragments.js';

export interface RunSearchInput {
  readonly experimentIds: readonly string[];
  readonly filter?: string | undefined;
  readonly orderBy?: readonly string[] | undefined;
  readonly viewType: ViewType;
  readonly maxResults: number;
  readonly offset: number;
}

/** SqlRun.get_attribute_name: API attribute -> runs column. */
const RUN_COLUMNS: Readonly<Record<string, string>> = {
  run_id: 'run_uuid',
  run_name: 'name',
  user_id: 'user_id',
  status: 'status',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
};

function runColumn(key: string): string {
  const column = RUN_COLUMNS[key];
  if (column === undefined) throw invalidParameter(`Invalid attribute key '${key}' specified.`);
  return `runs.${column}`;
}

const byRun = (alias: string): string => `${alias}.run_uuid = runs.run_uuid`;
const CHILD_TABLES: Readonly<Record<'metric' | 'parameter' | 'tag', KeyValueTable>> = {
  metric: { table: 'latest_metrics', correlate: byRun, keyColumn: 'key', valueColumn: 'value' },
  parameter: { table: 'params', correlate: byRun, keyColumn: 'key', valueColumn: 'value' },
  tag: { table: 'tags', correlate: byRun, keyColumn: 'key', valueColumn: 'value' },
};

const MLFLOW_RUN_NAME = 'mlflow.runName';
const MLFLOW_DATASET_CONTEXT = 'mlflow.data.context';

function metricSql(clause: FilterClause, alias: string, p: SqlParams): string {
  if (clause.valueType !== 'number') throw invalidParameter(`Expected numeric value type for metric. Found ${String(clause.value)}`);
  // Placeholders are bound in text order: the key's comes first.
  const head = `SELECT 1 FROM latest_metrics ${alias} WHERE ${byRun(alias)} AND ${alias}.key = ${p.bind(clause.key)}`;
  const value = `${alias}.value ${clause.comparator} ${p.bind(clause.value)}`;
  // MLflow stores a NaN metric as value 0 with is_nan set: NaN satisfies only "!=", and the
  // placeholder 0 must satisfy nothing (sqlalchemy_store._get_sqlalchemy_filter_clauses).
  const nanAware = clause.comparator === '!=' ? `(${value} OR ${alias}.is_nan = 1)` : `${value} AND ${alias}.is_nan = 0`;
  return `EXISTS (${head} AND ${nanAware})`;
}

function datasetSql(clause: FilterClause, alias: string, p: SqlParams): string {
  if (clause.valueType === 'null' || clause.valueType === 'number') throw invalidParameter('Expected a quoted string value for dataset attributes.');
  const input = `${alias}i`;
  const link =
    `SELECT 1 FROM inputs ${input} JOIN datasets ${alias} ON ${alias}.dataset_uuid = ${input}.source_id ` +
    `WHERE ${input}.destination_type = 'RUN' AND ${input}.destination_id = runs.run_uuid AND ${input}.source_type = 'DATASET'`;
  if (clause.key === 'context') {
    const tag = `${alias}t`;
    return (
      `EXISTS (${link} AND EXISTS (SELECT 1 FROM input_tags ${tag} WHERE ${tag}.input_uuid = ${input}.input_uuid ` +
      `AND ${tag}.name = ${p.bind(MLFLOW_DATASET_CONTEXT)} AND ${compareSql(`${tag}.value`, clause, p)}))`
    );
  }
  const column = clause.key === 'digest' ? 'digest' : 'name';
  return `EXISTS (${link} AND ${compareSql(`${alias}.${column}`, clause, p)})`;
}

function filterSql(clause: FilterClause, index: number, p: SqlParams): string {
  const alias = `f${index}`;
  switch (clause.entity) {
    case 'attribute':
      if (clause.valueType === 'null') throw invalidParameter('IS NULL / IS NOT NULL is only supported for tags and params');
      // attributes.run_name means the mlflow.runName tag: the runs.name column is empty for runs
      // logged by MLflow <= 1.29 (sqlalchemy_store._get_sqlalchemy_filter_clauses).
      if (clause.key === 'run_name') return keyValueSql(CHILD_TABLES.tag, alias, { ...clause, key: MLFLOW_RUN_NAME }, p);
      return compareSql(runColumn(clause.key), clause, p);
    case 'metric':
      return metricSql(clause, alias, p);
    case 'parameter':
    case 'tag':
      return keyValueSql(CHILD_TABLES[clause.entity], alias, clause, p);
    case 'dataset':
      return datasetSql(clause, alias, p);
  }
}

interface OrderColumns {
  join?: string;
  nullRank: string;
  value: string;
}

function orderColumns(clause: OrderByClause, index: number, p: SqlParams): OrderColumns {
  if (clause.entity === 'attribute') {
    const column = runColumn(clause.key);
    return { nullRank: `CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END`, value: column };
  }
  if (clause.entity === 'dataset') throw invalidParameter("Invalid identifier type 'dataset'");
  const alias = `o${index}`;
  const kv = CHILD_TABLES[clause.entity];
  const join = `LEFT JOIN ${kv.table} ${alias} ON ${kv.correlate(alias)} AND ${alias}.key = ${p.bind(clause.key)}`;
  const nullRank =
    clause.entity === 'metric'
      ? `CASE WHEN ${alias}.is_nan = 1 THEN 1 WHEN ${alias}.value IS NULL THEN 2 ELSE 0 END`
      : `CASE WHEN ${alias}.value IS NULL THEN 1 ELSE 0 END`;
  return { join, nullRank, value: `${alias}.value` };
}

export function compileRunSearch(input: RunSearchInput): CompiledQuery {
  // The order MLflow validates in decides which error a doubly-wrong request gets.
  const syntax = parseRunFilterSyntax(input.filter);
  const orderBy = parseOrderBy('runs', input.orderBy);
  const filters = validateRunClauses(syntax);
  const experimentIds = input.experimentIds.map(parseExperimentId);

  const p = new SqlParams();
  const columns = orderBy.map((clause, i) => orderColumns(clause, i, p));
  const joins = columns.flatMap((c) => (c.join ? [c.join] : []));

  const stages = lifecycleStages(input.viewType);
  const where = [
    experimentIds.length > 0 ? `runs.experiment_id IN ${p.list(experimentIds)}` : '0',
    `runs.lifecycle_stage IN ${p.list(stages)}`,
    ...filters.map((clause, i) => filterSql(clause, i, p)),
  ];

  const order = columns.flatMap((c, i) => [c.nullRank, `${c.value}${orderBy[i]?.ascending ? '' : ' DESC'}`]);
  if (!orderBy.some((c) => c.entity === 'attribute' && c.key === 'start_time')) order.push('runs.start_time DESC');
  order.push('runs.run_uuid');

  const sql = [
    'SELECT runs.run_uuid FROM runs',
    ...joins,
    `WHERE ${where.join(' AND ')}`,
    `ORDER BY ${order.join(', ')}`,
    limitOffsetSql(input.maxResults, input.offset, p),
  ].join(' ');
  return { sql, params: p.values };
}
