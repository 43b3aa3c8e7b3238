// Public surface of the search module: MLflow's filter / order_by grammar, the SQL compilers for
// the searches, and page tokens. Everything else in this folder is an implementation detail.
import type { FilterClause, SearchKind } from './ast.js';
import { parseExperimentFilter } from './filters/experiments.js';
import { parseLoggedModelFilter } from './filters/logged-models.js';
import { parseRegistryFilter } from './filters/registry.js';
import { parseRunFilter } from './filters/runs.js';

export type {
  CompiledQuery,
  Comparator,
  EntityType,
  FilterClause,
  ListClause,
  ListComparator,
  LoggedModelOrderBy,
  LoggedModelOrderByInput,
  NullClause,
  NullComparator,
  NumberClause,
  NumericComparator,
  OrderByClause,
  SearchKind,
  StringClause,
  StringComparator,
  ViewType,
} from './ast.js';
export { parseOrderBy } from './order-by.js';
export { createPageToken, parseStartOffset } from './page-token.js';
export { compileRunSearch, type RunSearchInput } from './sql/runs.js';
export { compileExperimentSearch, type ExperimentSearchInput } from './sql/experiments.js';

/**
 * Parses and validates a filter string for one search kind, with the errors MLflow's parser and
 * SQL store raise (INVALID_PARAMETER_VALUE). An empty or absent filter is no condition at all.
 */
export function parseFilter(kind: SearchKind, filter: string | undefined | null): FilterClause[] {
  const f = filter ?? undefined;
  switch (kind) {
    case 'runs':
      return parseRunFilter(f);
    case 'experiments':
      return parseExperimentFilter(f);
    case 'registered_models':
    case 'model_versions':
      return parseRegistryFilter(kind, f);
    case 'logged_models':
      return parseLoggedModelFilter(f);
  }
}
