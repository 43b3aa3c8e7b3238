// SQL building blocks shared by the search compilers. Column and table names only ever come from
// the compilers' fixed maps; every user value is bound through `SqlParams.bind`, so appending SQL
// text in placeholder order is all a compiler has to get right.
import type { FilterClause, ListClause, NumberClause, StringClause, ViewType } from '../ast.js';

export type SqlValue = string | number;

export class SqlParams {
  readonly values: SqlValue[] = [];

  bind(value: SqlValue): string {
    this.values.push(value);
    return '?';
  }

  list(values: readonly SqlValue[]): string {
    return '(' + values.map((v) => this.bind(v)).join(', ') + ')';
  }
}

export type ValueClause = StringClause | NumberClause | ListClause;

/** A comparator with its bound value(s): a ValueClause, or one with values already converted. */
export interface ValueComparison {
  readonly comparator: ValueClause['comparator'];
  readonly value: SqlValue | readonly SqlValue[];
}

/**
 * `column <op> value` with MLflow's SQLite semantics: LIKE is case-sensitive because the
 * connection sets PRAGMA case_sensitive_like (as MLflow does), ILIKE is SQLAlchemy's
 * lower(x) LIKE lower(y), and = / != are plain binary comparisons.
 */
export function compareSql(column: string, { comparator, value }: ValueComparison, p: SqlParams): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    if (comparator !== 'IN' && comparator !== 'NOT IN') throw new TypeError(`${comparator} takes a single value`);
    return `${column} ${comparator} ${p.list(value)}`;
  }
  if (comparator === 'IN' || comparator === 'NOT IN') throw new TypeError(`${comparator} takes a list`);
  if (comparator === 'ILIKE') return `lower(${column}) LIKE lower(${p.bind(value)})`;
  return `${column} ${comparator} ${p.bind(value)}`;
}

/** LifecycleStage.view_type_to_stages. */
export function lifecycleStages(viewType: ViewType): string[] {
  switch (viewType) {
    case 'ACTIVE_ONLY':
      return ['active'];
    case 'DELETED_ONLY':
      return ['deleted'];
    case 'ALL':
      return ['active', 'deleted'];
  }
}

export function isValueClause(clause: FilterClause): clause is ValueClause {
  return clause.valueType !== 'null';
}

/** A key/value child table (tags, params, experiment_tags, ...) correlated to its parent row. */
export interface KeyValueTable {
  readonly table: string;
  /** `alias` is the subquery's alias; returns the correlation predicate. */
  readonly correlate: (alias: string) => string;
  readonly keyColumn: string;
  readonly valueColumn: string;
}

/**
 * EXISTS / NOT EXISTS over a key/value table: one primary-key probe per candidate row, where
 * MLflow inner-joins a filtered subquery; the two select the same rows.
 */
export function keyValueSql(kv: KeyValueTable, alias: string, clause: FilterClause, p: SqlParams): string {
  const head = `SELECT 1 FROM ${kv.table} ${alias} WHERE ${kv.correlate(alias)} AND ${alias}.${kv.keyColumn} = ${p.bind(clause.key)}`;
  if (clause.valueType === 'null') {
    return `${clause.comparator === 'IS NULL' ? 'NOT EXISTS' : 'EXISTS'} (${head})`;
  }
  return `EXISTS (${head} AND ${compareSql(`${alias}.${kv.valueColumn}`, clause, p)})`;
}

/** LIMIT max_results + 1 (the extra row tells the caller whether there is a next page). */
export function limitOffsetSql(maxResults: number, offset: number, p: SqlParams): string {
  return `LIMIT ${p.bind(maxResults + 1)} OFFSET ${p.bind(Math.max(0, offset))}`;
}
