// The typed result of parsing and validating a filter or order_by: what the SQL compilers consume.
// Entity names and keys are MLflow's canonical ones after alias resolution (`metrics` -> metric,
// `attributes.created` -> attribute start_time, `run name` -> run_name), and every value already
// has the type its column needs, so compiling never has to re-check user input.
import type { Int64 } from '../protocol/int64.js';


export type SearchKind = 'runs' | 'experiments' | 'registered_models' | 'model_versions' | 'logged_models';

export type EntityType = 'attribute' | 'metric' | 'parameter' | 'tag' | 'dataset';

export type StringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';
export type NumericComparator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type ListComparator = 'IN' | 'NOT IN';
export type NullComparator = 'IS NULL' | 'IS NOT NULL';
export type Comparator = StringComparator | NumericComparator | ListComparator | NullComparator;

interface ClauseBase {
  readonly entity: EntityType;
  readonly key: string;
}

export interface StringClause extends ClauseBase {
  readonly valueType: 'string';
  readonly comparator: StringComparator;
  readonly value: string;
}

export interface NumberClause extends ClauseBase {
  readonly valueType: 'number';
  readonly comparator: NumericComparator;
  readonly value: Int64;
}

export interface ListClause extends ClauseBase {
  readonly valueType: 'list';
  readonly comparator: ListComparator;
  readonly value: readonly string[];
}

export interface NullClause extends ClauseBase {
  readonly valueType: 'null';
  readonly comparator: NullComparator;
  readonly value: null;
}

/** One AND-ed condition of a filter. */
export type FilterClause = StringClause | NumberClause | ListClause | NullClause;

/** One element of an order_by list. */
export interface OrderByClause {
  readonly entity: EntityType;
  readonly key: string;
  readonly ascending: boolean;
}

/** Logged-model search takes order_by as objects (SearchLoggedModels.OrderBy), not strings. */
export interface LoggedModelOrderByInput {
  readonly field_name?: string | null;
  readonly ascending?: boolean | null;
  readonly dataset_name?: string | null;
  readonly dataset_digest?: string | null;
}

export interface LoggedModelOrderBy {
  readonly entity: 'attribute' | 'metric';
  readonly key: string;
  readonly ascending: boolean;
  readonly datasetName?: string;
  readonly datasetDigest?: string;
}

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** A compiled query for better-sqlite3: user values only ever travel in `params`. */
export interface CompiledQuery {
  readonly sql: string;
  readonly params: (string | number | bigint)[];
}
