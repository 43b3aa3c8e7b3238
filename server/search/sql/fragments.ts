// SQL building blocks shared by the search compilers. A fragment carries its own parameters, and
// the `sql` tag binds every interpolated value as a `?` placeholder, so user values can never
// become SQL text and placeholders can never drift out of order. Column and table names enter
// only through `trusted`, from the compilers' fixed maps.
import { sqliteDialect, type Dialect } from '../../store/engine/dialect.js';
import type { FilterClause, ListClause, NumberClause, StringClause, ViewType } from '../ast.js';

export type SqlValue = string | number | bigint;

export class Sql {
  constructor(
    readonly text: string,
    readonly params: readonly SqlValue[],
  ) {}
}

type Interpolation = Sql | SqlValue | readonly SqlValue[];

/** Tagged template: Sql fragments are inlined, arrays become `(?, ?)`, other values one `?`. */
export function sql(strings: TemplateStringsArray, ...values: Interpolation[]): Sql {
  let text = strings[0] ?? '';
  const params: SqlValue[] = [];
  values.forEach((value, i) => {
    if (value instanceof Sql) {
      text += value.text;
      params.push(...value.params);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
      text += '?';
      params.push(value);
    } else {
      text += '(' + value.map(() => '?').join(', ') + ')';
      params.push(...value);
    }
    text += strings[i + 1] ?? '';
  });
  return new Sql(text, params);
}

/** SQL text we wrote ourselves (table, alias and column names) — never user input. */
export function trusted(text: string): Sql {
  return new Sql(text, []);
}

export function joinSql(parts: readonly Sql[], separator: string): Sql {
  return new Sql(parts.map((p) => p.text).join(separator), parts.flatMap((p) => p.params));
}

export type ValueClause = StringClause | NumberClause | ListClause;

/** A comparator with its value(s): a ValueClause, or one whose values were converted first. */
export interface ValueComparison {
  readonly comparator: ValueClause['comparator'];
  readonly value: SqlValue | readonly SqlValue[];
}

/**
 * `column <op> value` with MLflow's SQLite semantics on every engine: LIKE is case-sensitive (the
 * SQLite connection sets PRAGMA case_sensitive_like, as MLflow does; PostgreSQL's LIKE is), ILIKE is
 * SQLAlchemy's lower(x) LIKE lower(y), `\` is an ordinary character (the dialect's likeEscape), and
 * = / != are plain binary comparisons.
 */
export function compareSql(column: Sql, { comparator, value }: ValueComparison, dialect: Dialect = sqliteDialect): Sql {
  if (Array.isArray(value)) {
    if (comparator !== 'IN' && comparator !== 'NOT IN') throw new TypeError(`${comparator} takes a single value`);
    return sql`${column} ${trusted(comparator)} ${value}`;
  }
  if (comparator === 'IN' || comparator === 'NOT IN') throw new TypeError(`${comparator} takes a list`);
  const escape = trusted(dialect.likeEscape);
  if (comparator === 'ILIKE') return sql`lower(${column}) LIKE lower(${value})${escape}`;
  if (comparator === 'LIKE') return sql`${column} LIKE ${value}${escape}`;
  return sql`${column} ${trusted(comparator)} ${value}`;
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

/** A key/value child table (tags, params, experiment_tags, ...) correlated to its parent row. */
export interface KeyValueTable {
  readonly table: string;
  /** The parent's key column, e.g. `runs.run_uuid`, and the child's column that references it. */
  readonly parentKey: string;
  readonly childKey: string;
  readonly keyColumn: string;
  readonly valueColumn: string;
}

/** `alias.column` for a table alias and column name we chose. */
export function column(alias: string, name: string): Sql {
  return trusted(`${alias}.${name}`);
}

/**
 * EXISTS / NOT EXISTS over a key/value table: one primary-key probe per candidate row, where
 * MLflow inner-joins a filtered subquery; the two select the same rows.
 */
export function keyValueSql(kv: KeyValueTable, alias: string, clause: FilterClause, dialect: Dialect = sqliteDialect): Sql {
  const head = sql`SELECT 1 FROM ${trusted(`${kv.table} ${alias}`)} WHERE ${column(alias, kv.childKey)} = ${trusted(kv.parentKey)} AND ${column(alias, kv.keyColumn)} = ${clause.key}`;
  if (clause.valueType === 'null') {
    return clause.comparator === 'IS NULL' ? sql`NOT EXISTS (${head})` : sql`EXISTS (${head})`;
  }
  return sql`EXISTS (${head} AND ${compareSql(column(alias, kv.valueColumn), clause, dialect)})`;
}

/** LIMIT max_results + 1 (the extra row tells the caller whether there is a next page). */
export function limitOffsetSql(maxResults: number, offset: number): Sql {
  return sql`LIMIT ${maxResults + 1} OFFSET ${Math.max(0, offset)}`;
}
