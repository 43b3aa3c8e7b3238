// GraphQL under the basic-auth app: which runs a request names (checked before it runs), and the
// answer with every object the user may not read taken out (MLflow's auth app filters GraphQL data).
import { parseJsonExact, stringifyJsonExact } from '../../protocol/int64.js';

type Params = Record<string, unknown>;

export interface GraphqlReaders {
  readExp(experimentId: string): boolean;
  readModel(name: string): boolean;
}

/** The answer without what the user may not read; a batch is filtered element by element. `readers` is asked only for an answer with data. */
export async function filterGraphqlPayload(payload: string, readers: () => Promise<GraphqlReaders>, experimentOfRun: (id: string) => Promise<string | null>): Promise<string> {
  let parsed: unknown;
  try {
    parsed = parseJsonExact(payload);
  } catch {
    return payload;
  }
  if (Array.isArray(parsed)) {
    const parts = await Promise.all(parsed.map((x) => filterGraphqlPayload(stringifyJsonExact(x), readers, experimentOfRun)));
    return `[${parts.join(',')}]`;
  }
  const body = parsed as { data?: unknown };
  if (!body || !body.data) return payload;
  const { readExp, readModel } = await readers();
  const runs = new Map<string, string | null>();
  const hidden = async (o: Record<string, unknown>): Promise<boolean> => {
    const own = o.experimentId ?? (o.info as Record<string, unknown> | undefined)?.experimentId;
    if (typeof own === 'string' && !readExp(own)) return true;
    const runId = o.runId ?? o.runUuid;
    if (typeof runId === 'string') {
      if (!runs.has(runId)) runs.set(runId, await experimentOfRun(runId));
      const e = runs.get(runId);
      if (e !== null && e !== undefined && !readExp(e)) return true;
    }
    if (typeof o.name === 'string' && ('version' in o || 'latestVersions' in o) && !readModel(o.name)) return true;
    return false;
  };
  const walk = async (v: unknown): Promise<unknown> => {
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const x of v) {
        const y = await walk(x);
        if (y !== null || x === null) out.push(y);
      }
      return out;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (await hidden(o)) return null;
      for (const k of Object.keys(o)) o[k] = await walk(o[k]);
      return o;
    }
    return v;
  };
  body.data = await walk(body.data);
  return stringifyJsonExact(body);
}

const RUN_ARGUMENTS = new Set(['runId', 'runIds', 'runUuid', 'run_id', 'run_ids', 'run_uuid']);

/** The run ids a GraphQL request's arguments name, literal or through variables (graphql-js parses). */
export async function graphqlRunIds(p: Params): Promise<string[]> {
  if (typeof p.query !== 'string') return [];
  let variables: unknown = p.variables;
  if (typeof variables === 'string') {
    try {
      variables = parseJsonExact(variables);
    } catch {
      variables = {};
    }
  }
  const { parse, visit, Kind } = await import('graphql');
  let doc;
  try {
    doc = parse(p.query, { maxTokens: 50_000 });
  } catch {
    return []; // the endpoint answers its own GraphQL error
  }
  const vars = (variables && typeof variables === 'object' ? variables : {}) as Record<string, unknown>;
  const out: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
  };
  // Variables anywhere under a run-named key (input objects passed whole as variables).
  const walkVars = (v: unknown, key: string | null): void => {
    if (key !== null && RUN_ARGUMENTS.has(key)) collect(v);
    if (Array.isArray(v)) v.forEach((x) => walkVars(x, null));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walkVars(x, k);
  };
  walkVars(vars, null);
  type ValueNode = import('graphql').ValueNode;
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.STRING) return node.value;
    if (node.kind === Kind.LIST) return node.values.map(valueOf);
    if (node.kind === Kind.VARIABLE) return vars[node.name.value];
    return undefined;
  };
  const named = (name: string, value: ValueNode) => {
    if (RUN_ARGUMENTS.has(name)) collect(valueOf(value));
  };
  visit(doc, {
    Argument: (node) => named(node.name.value, node.value),
    ObjectField: (node) => named(node.name.value, node.value),
  });
  return out;
}
