// Limits on what one GraphQL request may ask for, as MLflow's graphql_no_batching.check_query_safety:
// at most 10 root fields (aliases of a root field count), 10 aliases on any one level, depth 10 and
// 1000 selections in all — so a single request cannot fan out into hundreds of store reads. Fragments
// are expanded in place, so limits cannot be dodged by spreading aliases over sibling fragments.
import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionNode, type SelectionSetNode } from 'graphql';

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

/**
 * How deeply inline fragments may nest inside one another. MLflow does not count them as depth (they
 * merge into their level), but graphql-js validates and executes them recursively: thousands of
 * nested `... on Query {` exhaust the stack. No real query nests them at all.
 */
const MAX_FRAGMENT_NESTING = 20;

class LimitExceeded extends Error {}

/**
 * The fields of one selection level, fragments merged in, and how many of them are aliased. Linear in
 * the level's size (an index walks the queue: Array.shift made a 3 MB query take 39 s), and stops
 * once more fields than `budget` have been collected (the caller refuses the query then anyway).
 */
function collectLevel(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  budget: number,
): { fields: FieldNode[]; aliases: number } {
  const fields: FieldNode[] = [];
  let aliases = 0;
  const seen = new Set<string>();
  const queue: { selection: SelectionNode; nesting: number }[] = selectionSet.selections.map((selection) => ({ selection, nesting: 0 }));
  for (let i = 0; i < queue.length; i++) {
    const { selection, nesting } = queue[i]!;
    if (selection.kind === Kind.FIELD) {
      fields.push(selection);
      if (selection.alias) aliases++;
      if (fields.length > budget) break;
      continue;
    }
    if (nesting >= MAX_FRAGMENT_NESTING) throw new LimitExceeded(`Query exceeds maximum fragment nesting of ${MAX_FRAGMENT_NESTING}`);
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      for (const s of selection.selectionSet.selections) queue.push({ selection: s, nesting: nesting + 1 });
    } else {
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      const fragment = fragments.get(name);
      if (fragment) for (const s of fragment.selectionSet.selections) queue.push({ selection: s, nesting: nesting + 1 });
    }
  }
  return { fields, aliases };
}

/**
 * The deepest nesting of selection sets anywhere in the document, fragment definitions included
 * (graphql-js validates every definition recursively, used or not), walked without recursion.
 */
const MAX_DOCUMENT_NESTING = 50;

function documentTooDeep(document: DocumentNode): boolean {
  const stack: { set: SelectionSetNode; depth: number }[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) stack.push({ set: d.selectionSet, depth: 1 });
  }
  while (stack.length > 0) {
    const { set, depth } = stack.pop()!;
    if (depth > MAX_DOCUMENT_NESTING) return true;
    for (const selection of set.selections) {
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) stack.push({ set: selection.selectionSet, depth: depth + 1 });
    }
  }
  return false;
}

/** An error message when the document breaks a limit (MLflow's wording), else null. */
export function checkQuerySafety(document: DocumentNode, limits: QueryLimits): string | null {
  if (documentTooDeep(document)) return `Query exceeds maximum nesting of ${MAX_DOCUMENT_NESTING} selection sets`;
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
      let level: { fields: FieldNode[]; aliases: number };
      try {
        level = collectLevel(set, fragments, MAX_SELECTIONS - selections);
      } catch (e) {
        if (e instanceof LimitExceeded) return e.message;
        throw e;
      }
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
