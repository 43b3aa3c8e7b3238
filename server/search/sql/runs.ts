// search_runs as one SQL statement over our schema, matching sqlalchemy_store._search_runs:
// which runs match (latest_metrics for metrics, the mlflow.runName tag for run_name, datasets via
// inputs/input_tags) and their order (_get_orderby_clauses: missing values and NaN metrics last in
// both directions, then start_time DESC, then run_uuid).
// Filters are EXISTS probes on (run_uuid, key) primary keys and sorts are LEFT JOINs on the same
// keys, so neither scans metric history nor multiplies rows (no DISTINCT needed).
import { invalidParameter } from '../../errors.js';
import type { CompiledQuery, FilterClause, OrderByClause, ViewType } from '../ast.js';
import { parseExperimentId } from '../filters/experiments.js';
import { parseRunFilterSyntax, validateRunClauses } from '../filters/runs.js';
import { checkExperimentIdCount } from '../filter-clauses.js';
import { parseOrderBy } from '../order-by.js';
import { sqliteDialect, type Dialect } from '../../store/engine/dialect.js';
import { column, compareSql, joinSql, keyValueSql, lifecycleStages, limitOffsetSql, sql, trusted, type KeyValueTable, type Sql } from './fragments.js';

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

function runColumn(key: string): Sql {
  const name = Object.hasOwn(RUN_COLUMNS, key) ? RUN_COLUMNS[key] : undefined;
  if (name === undefined) throw invalidParameter(`Invalid attribute key '${key}' specified.`);
  return column('runs', name);
}

const child = (table: string): KeyValueTable => ({ table, parentKey: 'runs.run_uuid', childKey: 'run_uuid', keyColumn: 'key', valueColumn: 'value' });
const CHILD_TABLES: Readonly<Record<'metric' | 'parameter' | 'tag', KeyValueTable>> = {
  metric: child('latest_metrics'),
  parameter: child('params'),
  tag: child('tags'),
};

const MLFLOW_RUN_NAME = 'mlflow.runName';
const MLFLOW_DATASET_CONTEXT = 'mlflow.data.context';

function metricSql(clause: FilterClause, alias: string, d: Dialect): Sql {
  if (clause.valueType !== 'number') throw invalidParameter(`Expected numeric value type for metric. Found ${String(clause.value)}`);
  const value = compareSql(column(alias, 'value'), clause, d);
  const isNan = column(alias, 'is_nan');
  // MLflow stores a NaN metric as value 0 with is_nan set: NaN satisfies only "!=", and the
  // placeholder 0 must satisfy nothing (sqlalchemy_store._get_sqlalchemy_filter_clauses).
  const nanAware = clause.comparator === '!=' ? sql`(${value} OR ${isNan} = ${trusted(d.true)})` : sql`${value} AND ${isNan} = ${trusted(d.false)}`;
  return sql`EXISTS (SELECT 1 FROM ${trusted(`latest_metrics ${alias}`)} WHERE ${column(alias, 'run_uuid')} = runs.run_uuid AND ${column(alias, 'key')} = ${clause.key} AND ${nanAware})`;
}

function datasetSql(clause: FilterClause, alias: string, d: Dialect): Sql {
  if (clause.valueType === 'null' || clause.valueType === 'number') throw invalidParameter('Expected a quoted string value for dataset attributes.');
  const input = `${alias}i`;
  const link = sql`SELECT 1 FROM ${trusted(`inputs ${input} JOIN datasets ${alias}`)} ON ${column(alias, 'dataset_uuid')} = ${column(input, 'source_id')} WHERE ${column(input, 'destination_type')} = 'RUN' AND ${column(input, 'destination_id')} = runs.run_uuid AND ${column(input, 'source_type')} = 'DATASET'`;
  if (clause.key === 'context') {
    const tag = `${alias}t`;
    const tagMatch = sql`SELECT 1 FROM ${trusted(`input_tags ${tag}`)} WHERE ${column(tag, 'input_uuid')} = ${column(input, 'input_uuid')} AND ${column(tag, 'name')} = ${MLFLOW_DATASET_CONTEXT} AND ${compareSql(column(tag, 'value'), clause, d)}`;
    return sql`EXISTS (${link} AND EXISTS (${tagMatch}))`;
  }
  return sql`EXISTS (${link} AND ${compareSql(column(alias, clause.key === 'digest' ? 'digest' : 'name'), clause, d)})`;
}

function filterSql(clause: FilterClause, index: number, d: Dialect): Sql {
  const alias = `f${index}`;
  switch (clause.entity) {
    case 'attribute':
      if (clause.valueType === 'null') throw invalidParameter('IS NULL / IS NOT NULL is only supported for tags and params');
      // attributes.run_name means the mlflow.runName tag: the runs.name column is empty for runs
      // logged by MLflow <= 1.29 (sqlalchemy_store._get_sqlalchemy_filter_clauses).
      if (clause.key === 'run_name') return keyValueSql(CHILD_TABLES.tag, alias, { ...clause, key: MLFLOW_RUN_NAME }, d);
      return compareSql(runColumn(clause.key), clause, d);
    case 'metric':
      return metricSql(clause, alias, d);
    case 'parameter':
    case 'tag':
      return keyValueSql(CHILD_TABLES[clause.entity], alias, clause, d);
    case 'dataset':
      return datasetSql(clause, alias, d);
  }
}

interface SortColumn {
  readonly join?: Sql;
  /** 0 for a value, then NaN (metrics only), then missing: last whichever the direction. */
  readonly rank?: Sql;
  readonly value: Sql;
  readonly ascending: boolean;
  /** Text values sort in byte order on every engine (the dialect's textOrder). */
  readonly text: boolean;
}

/** runs columns that hold text. */
const TEXT_COLUMNS = new Set(['run_id', 'run_name', 'user_id', 'status', 'artifact_uri']);

function sortColumn(clause: OrderByClause, index: number): SortColumn {
  const { ascending } = clause;
  if (clause.entity === 'attribute') {
    const value = runColumn(clause.key);
    // SQLite already sorts NULLs last when descending; without the rank, the UI's default
    // `attributes.start_time DESC` walks index_runs_experiment_start instead of sorting.
    const text = TEXT_COLUMNS.has(clause.key);
    return ascending ? { rank: sql`CASE WHEN ${value} IS NULL THEN 1 ELSE 0 END`, value, ascending, text } : { value, ascending, text };
  }
  if (clause.entity === 'dataset') throw invalidParameter("Invalid identifier type 'dataset'");
  const alias = `o${index}`;
  const kv = CHILD_TABLES[clause.entity];
  const value = column(alias, 'value');
  const join = sql`LEFT JOIN ${trusted(`${kv.table} ${alias}`)} ON ${column(alias, 'run_uuid')} = runs.run_uuid AND ${column(alias, 'key')} = ${clause.key}`;
  const rank =
    clause.entity === 'metric'
      ? sql`CASE WHEN ${column(alias, 'is_nan')} THEN 1 WHEN ${value} IS NULL THEN 2 ELSE 0 END`
      : sql`CASE WHEN ${value} IS NULL THEN 1 ELSE 0 END`;
  return { join, rank, value, ascending, text: clause.entity !== 'metric' };
}

export function compileRunSearch(input: RunSearchInput, d: Dialect = sqliteDialect): CompiledQuery {
  // The order MLflow validates in decides which error a doubly-wrong request gets.
  const syntax = parseRunFilterSyntax(input.filter);
  const orderBy = parseOrderBy('runs', input.orderBy);
  const filters = validateRunClauses(syntax);
  checkExperimentIdCount('SearchRuns', input.experimentIds.length);
  // Exact past 2^53 (18-digit ids of MLflow's file-store era); an id the column cannot hold matches nothing.
  const experimentIds = input.experimentIds
    .map((id) => exactExperimentId(id, parseExperimentId(id)))
    .filter((id) => BigInt(id) <= d.maxExperimentId && BigInt(id) >= -d.maxExperimentId - 1n);

  const sorts = orderBy.map(sortColumn);
  const where = [
    experimentIds.length > 0 ? sql`runs.experiment_id IN ${experimentIds}` : sql`1 = 0`,
    sql`runs.lifecycle_stage IN ${lifecycleStages(input.viewType)}`,
    ...filters.map((f, i) => filterSql(f, i, d)),
  ];
  // Without a rank, a DESC key relies on NULLs sorting last (SQLite's order; the dialect says so elsewhere).
  const key = (s: SortColumn) => sql`${s.value}${trusted(s.text ? d.textOrder : '')}${trusted(s.ascending ? '' : ` DESC${s.rank ? '' : d.nullsDesc}`)}`;
  const order = sorts.flatMap((s) => [...(s.rank ? [s.rank] : []), key(s)]);
  if (!orderBy.some((c) => c.entity === 'attribute' && c.key === 'start_time')) order.push(sql`runs.start_time DESC${trusted(d.nullsDesc)}`);
  order.push(sql`runs.run_uuid${trusted(d.textOrder)}`);

  const query = joinSql(
    [
      sql`SELECT runs.run_uuid FROM runs`,
      ...sorts.flatMap((s) => (s.join ? [s.join] : [])),
      sql`WHERE ${joinSql(where, ' AND ')}`,
      sql`ORDER BY ${joinSql(order, ', ')}`,
      limitOffsetSql(input.maxResults, input.offset),
    ],
    ' ',
  );
  return { sql: query.text, params: [...query.params] };
}

/**
 * The id as a number when that is exact, else as its canonical integer text (compared with the
 * INTEGER column, SQLite converts it exactly; PostgreSQL's int4 cannot hold such ids anyway).
 */
function exactExperimentId(text: string, parsed: number): number | string {
  if (Number.isSafeInteger(parsed)) return parsed;
  try {
    return BigInt(text.trim().replace(/_/g, '')).toString();
  } catch {
    return parsed;
  }
}
