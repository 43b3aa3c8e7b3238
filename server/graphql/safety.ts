// Limits on what one GraphQL request may ask for, as MLflow's graphql_no_batching.check_query_safety:
// at most 10 root fields (aliases of a root field count), 10 aliases on any one level, depth 10 and
// 1000 selections in all — so a single request cannot fan out into hundreds of store reads. Fragments
// are expanded in place, so limits cannot be dodged by spreading aliases over sibling fragments.
import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

const MAX_DEPTH = 10;
const MAX_SELECTIONS = 1000;

export interface QueryLimits {
  maxRootFields: number;
  maxAliases: number;
}

/** MLflow reads these two from MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS / _MAX_ALIASES (default 10). */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): QueryLimits {
  const read = (name: string): number => {
    const n = Number.parseInt(env[name] ?? '', 10);
    return Number.isInteger(n) && n > 0 ? n : 10;
  };
  return { maxRootFields: read('MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS'), maxAliases: read('MLFLOW_SERVER_GRAPHQL_MAX_ALIASES') };
}

/** The fields of one selection level, fragments merged in, and how many of them are aliased. */
function collectLevel(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  visited: ReadonlySet<string>,
): { fields: FieldNode[]; aliases: number } {
  const fields: FieldNode[] = [];
  let aliases = 0;
  const seen = new Set(visited);
  const queue = [...selectionSet.selections];
  while (queue.length > 0) {
    const selection = queue.shift()!;
    if (selection.kind === Kind.FIELD) {
      fields.push(selection);
      if (selection.alias) aliases++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      queue.push(...selection.selectionSet.selections);
    } else {
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      const fragment = fragments.get(name);
      if (fragment) queue.push(...fragment.selectionSet.selections);
    }
  }
  return { fields, aliases };
}

/** An error message when the document breaks a limit (MLflow's wording), else null. */
export function checkQuerySafety(document: DocumentNode, limits: QueryLimits): string | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  let rootFields = 0;
  let maxAliases = 0;
  let selections = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const stack: { set: SelectionSetNode; depth: number }[] = [{ set: definition.selectionSet, depth: 1 }];
    while (stack.length > 0) {
      const { set, depth } = stack.pop()!;
      if (depth > MAX_DEPTH) return `Query exceeds maximum depth of ${MAX_DEPTH}`;
      const level = collectLevel(set, fragments, new Set());
      for (const field of level.fields) {
        if (depth === 1) rootFields++;
        if (field.selectionSet) stack.push({ set: field.selectionSet, depth: depth + 1 });
        if (++selections > MAX_SELECTIONS) return `Query exceeds maximum total selections of ${MAX_SELECTIONS}`;
      }
      maxAliases = Math.max(maxAliases, level.aliases);
    }
  }

  const tooMany = (what: string, env: string, limit: number, got: number) =>
    `GraphQL queries should have at most ${limit} ${what}, got ${got} ${what}. To increase the limit, set the ${env} environment variable.`;
  if (rootFields > limits.maxRootFields) return tooMany('root fields', 'MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS', limits.maxRootFields, rootFields);
  if (maxAliases > limits.maxAliases) return tooMany('aliases', 'MLFLOW_SERVER_GRAPHQL_MAX_ALIASES', limits.maxAliases, maxAliases);
  return null;
}
