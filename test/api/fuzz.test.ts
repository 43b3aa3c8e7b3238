// Property-based fuzzing of every route the server registers, through app.inject: for each operation
// of /openapi.json, fast-check sends bodies that mostly fit the schema and partly do not (wrong types,
// hostile strings, huge and deeply nested values, unknown and __proto__ keys), bodies that are not
// JSON, odd content types, random query strings and headers. Whatever arrives, the server must answer
// within a few seconds, never with a 5xx for the user's input, and every error in MLflow's JSON shape.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, createExperiment, createRun, ok, startApi, type TestApi } from './helpers.js';
import { asText, contentTypes, encodeQuery, encodeText, extraHeaders, oddBody, queryValue, valueFor, type JsonSchema, type Pools } from './fuzz-arbitraries.js';

const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 30);
/** Fixed by default so that CI is repeatable; FUZZ_SEED=random (or a number) explores further. */
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261127);
const REQUEST_TIMEOUT_MS = 5000;

/** 501 is MLflow's own answer for multipart/presigned transfers on a local artifact store. */
const NOT_IMPLEMENTED_BY_DESIGN = /\/mlflow-artifacts\/(mpu|presigned)\//;

interface Operation {
  method: string;
  path: string;
  op: JsonSchema;
}

let requests = 0;
const statuses = new Map<number, number>();

// Built at import time: the operations to test come from the document the app serves.
const api: TestApi = await startApi();
const doc = JSON.parse((await api.request({ method: 'GET', url: '/openapi.json' })).body) as JsonSchema;
let pools: Pools;

beforeAll(async () => {
  // Real entities, so that part of the traffic gets past "not found" into the stores.
  const experimentId = await createExperiment(api, 'fuzz-exp');
  const run = await createRun(api, experimentId, { run_name: 'fuzz-run' });
  const runId = run.info.run_id;
  ok(await api.post('runs/log-batch', { run_id: runId, metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }], params: [{ key: 'p', value: 'v' }] }));
  const put = await api.app.inject({ method: 'PUT', url: `${API.replace('/mlflow', '')}/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/f.txt`, payload: 'hello' });
  expect(put.statusCode).toBe(200);
  const model = ok(await api.post<{ model: { info: { model_id: string } } }>('logged-models', { experiment_id: experimentId, name: 'fuzz-lm', source_run_id: runId })).model.info;
  ok(await api.post('registered-models/create', { name: 'fuzz-model' }));
  ok(await api.post('model-versions/create', { name: 'fuzz-model', source: `runs:/${runId}/model`, run_id: runId }));
  ok(await api.post('registered-models/alias', { name: 'fuzz-model', alias: 'champion', version: '1' }));
  const ids = { experimentId, runId, modelId: model.model_id };
  expect(ids.modelId).toMatch(/^m-/);
  pools = {
    byName: {
      experiment_id: [experimentId, '0'],
      experiment_ids: [experimentId, '0'],
      run_id: [runId],
      run_uuid: [runId],
      run_ids: [runId],
      model_id: [ids.modelId],
      source_run_id: [runId],
      name: ['fuzz-model', 'fuzz-lm'],
      experiment_name: ['fuzz-exp', 'Default'],
      version: ['1', '2'],
      alias: ['champion'],
      metric_key: ['m'],
      key: ['m', 'p', 'mlflow.runName'],
      path: ['f.txt', `${experimentId}/${runId}/artifacts/f.txt`, ''],
      artifact_file_path: ['MLmodel'],
      source: [`runs:/${runId}/model`, `models:/${ids.modelId}`],
      filter: ['metrics.m > 0', "name = 'fuzz-model'", 'attributes.status = "FINISHED"'],
      order_by: ['metrics.m DESC', 'name ASC', 'start_time'],
      query: ['{ mlflowSearchRuns(input: {experimentIds: ["0"]}) { runs { info { runId } } } }', '{ __schema { types { name } } }'],
    },
  };
});

afterAll(async () => {
  await api.close();
  const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
  process.stdout.write(`fuzz (fast-check, app.inject, seed ${SEED}): ${requests} requests over ${operations().length} operations; statuses ${histogram}\n`);
});

function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, JsonSchema>>)) {
    for (const [method, op] of Object.entries(item)) out.push({ method: method.toUpperCase(), path, op });
  }
  // Destructive calls last, so the seeded entities serve the other operations first.
  const destructive = (o: Operation) => o.method === 'DELETE' || /delete|restore|rename/.test(o.path);
  return out.sort((a, b) => Number(destructive(a)) - Number(destructive(b)));
}

interface Request {
  method: string;
  url: string;
  payload?: string;
  headers: Record<string, string>;
}

function requestFor(o: Operation): fc.Arbitrary<Request> {
  const params = (o.op.parameters ?? []) as { name: string; in: string; required?: boolean; schema: JsonSchema }[];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const bodySchema = ((o.op.requestBody as JsonSchema | undefined)?.content as Record<string, { schema: JsonSchema }> | undefined)?.['application/json']?.schema;

  const pathValues = fc.tuple(...pathParams.map((p) => queryValue(p.schema, doc, pools, p.name).map((v) => (Array.isArray(v) ? v.join('/') : v))));
  const query = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(...queryParams.map((p) => fc.option(queryValue(p.schema, doc, pools, p.name).map((v) => [p.name, v] as [string, string | string[]]), { nil: undefined }))) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 })), { maxLength: 4 }) },
  ).map((entries: ([string, string | string[]] | undefined)[]) => entries.filter((e): e is [string, string | string[]] => e !== undefined));
  const body = bodySchema
    ? fc.oneof({ weight: 6, arbitrary: valueFor(bodySchema, doc, pools).map(asText) }, { weight: 2, arbitrary: oddBody })
    : fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: oddBody });

  return fc
    .record({ pathValues, query, rawQuery: fc.boolean(), body, contentType: contentTypes, headers: extraHeaders, dropHeaders: fc.boolean() })
    .map(({ pathValues: values, query: q, rawQuery, body: b, contentType, headers, dropHeaders }) => {
      let i = 0;
      const path = o.path.replace(/\{[^}]+\}/g, () => {
        const v = values[i++] ?? '';
        return rawQuery ? v.replace(/[?#\s]/g, '') : encodeText(v);
      });
      const h: Record<string, string> = dropHeaders ? {} : { ...headers };
      if (contentType !== undefined && b !== undefined) h['content-type'] = contentType;
      else if (b !== undefined && o.method !== 'GET') h['content-type'] = 'application/json';
      return { method: o.method, url: `${path}${encodeQuery(q, rawQuery)}`, payload: b, headers: h };
    });
}

async function send(r: Request) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      api.app.inject({ method: r.method as 'GET', url: r.url, payload: r.payload, headers: r.headers }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function checkAnswer(o: Operation, r: Request, res: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
  requests += 1;
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  const where = `${r.method} ${r.url.slice(0, 300)} (content-type ${r.headers['content-type']}, body ${String(r.payload).slice(0, 200)}) → ${res.statusCode} ${res.body.slice(0, 300)}`;
  const allowed5xx = res.statusCode === 501 && NOT_IMPLEMENTED_BY_DESIGN.test(o.path);
  if (res.statusCode >= 500 && !allowed5xx) throw new Error(`server error: ${where}`);
  if (res.statusCode < 400) return;
  // The UI build's static files answer a plain-text 404, as Flask's send_from_directory does.
  if (o.path === '/static-files/{path}' && res.statusCode === 404) return;
  if (!String(res.headers['content-type']).startsWith('application/json')) throw new Error(`error is not JSON: ${where}`);
  const err = JSON.parse(res.body) as Record<string, unknown>;
  if (typeof err.error_code !== 'string' || typeof err.message !== 'string') throw new Error(`error lacks error_code/message: ${where}`);
}

describe('fuzzing every operation of /openapi.json through app.inject', () => {
  it('documents every route', () => {
    expect(api.app.openapi.undocumented()).toEqual([]);
    expect(operations().length).toBeGreaterThan(100);
  });

  it.each(operations().map((o) => [`${o.method} ${o.path}`, o] as const))('%s', async (_name, o) => {
    const details = await fc.check(
      fc.asyncProperty(requestFor(o), async (r) => {
        checkAnswer(o, r, await send(r));
      }),
      { numRuns: RUNS_PER_OPERATION, endOnFailure: true, seed: SEED },
    );
    // Our own message: fast-check's would print whole counterexamples (some are megabytes deep).
    if (details.failed) throw new Error(`seed ${details.seed}, path ${details.counterexamplePath}: ${String((details.errorInstance as Error)?.message ?? details.errorInstance).slice(0, 1500)}`);
  });

  it('is still healthy afterwards', async () => {
    const res = await api.request({ method: 'GET', url: '/health' });
    expect(res.body).toBe('OK');
  });
});
