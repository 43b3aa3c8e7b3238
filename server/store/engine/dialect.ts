// The places where SQLite and PostgreSQL SQL differ, named once. Search compilers and entity stores
// ask the dialect for these fragments; everything else they write is portable SQL.
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * A FROM item over a JSON array parameter (one `?`) with columns `key` (0-based position) and
   * `value` (text). Id lists go in as one JSON parameter: no placeholder limit, one cached statement.
   */
  jsonEach(alias: string): string;
  /** `(SELECT value FROM <json array ?>)` for `x IN …`; `cast` types the values for integer columns. */
  jsonValues(cast?: 'integer'): string;
  /**
   * An ORDER BY key for a table's insertion order, which an upsert keeps: SQLite's rowid; on PostgreSQL
   * the row_seq identity column Minflow adds to those tables (mlflow-schema.ts additions), since ctid moves on every UPDATE.
   */
  rowOrder(alias: string): string;
  /**
   * Appended to every LIKE: SQLite's LIKE has no escape character and PostgreSQL's is backslash;
   * `ESCAPE ''` makes PostgreSQL match SQLite (and MLflow on SQLite): `\` is an ordinary character.
   */
  readonly likeEscape: string;
  /**
   * Appended to an ORDER BY key to sort NULLs as SQLite does (and MLflow on SQLite): first when
   * ascending, last when descending. PostgreSQL's default is the opposite.
   */
  readonly nullsAsc: string;
  readonly nullsDesc: string;
  /** Appended to a text ORDER BY key: byte order on both (SQLite BINARY; PostgreSQL "C" collation). */
  readonly textOrder: string;
  /**
   * Appended to a SELECT that must lock its rows until the transaction ends (PostgreSQL FOR UPDATE).
   * Empty on SQLite, where a write transaction (BEGIN IMMEDIATE) already excludes every other writer.
   */
  readonly forUpdate: string;
  /**
   * Boolean literals for MLflow's BOOLEAN columns (is_nan): SQLite stores 0/1, PostgreSQL's column is
   * boolean, which `= 1` cannot compare with. Both engines hand the column back as 0/1.
   */
  readonly true: string;
  readonly false: string;
  /** The largest experiment id the column holds: SQLite's INTEGER is 64-bit, MLflow's PostgreSQL column int4. */
  readonly maxExperimentId: bigint;
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  jsonEach: (alias) => `json_each(?) ${alias}`,
  jsonValues: () => '(SELECT value FROM json_each(?))',
  rowOrder: (alias) => `${alias}.rowid`,
  likeEscape: '',
  nullsAsc: '',
  nullsDesc: '',
  textOrder: '',
  forUpdate: '',
  true: '1',
  false: '0',
  maxExperimentId: 9223372036854775807n,
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  // unnest of an array built by a subquery: the planner assumes ~10 elements, so it joins by index
  // lookups; over json_array_elements_text it assumes 100 and, with statistics that lag a bulk load,
  // hash-joined a seq scan of tags (79 ms vs 0.2 ms per runs/get, measured on a seeded database).
  jsonEach: (alias) =>
    `(SELECT a.value, a.key - 1 AS key FROM unnest(ARRAY(SELECT json_array_elements_text(?::json))) WITH ORDINALITY a(value, key)) ${alias}`,
  jsonValues: (cast) => (cast ? `(SELECT value::${cast === 'integer' ? 'bigint' : cast} FROM json_array_elements_text(?::json))` : '(SELECT value FROM json_array_elements_text(?::json))'),
  rowOrder: (alias) => `${alias}.row_seq`,
  likeEscape: " ESCAPE ''",
  nullsAsc: ' NULLS FIRST',
  nullsDesc: ' NULLS LAST',
  textOrder: ' COLLATE "C"',
  forUpdate: ' FOR UPDATE',
  true: 'true',
  false: 'false',
  maxExperimentId: 2147483647n,
};
