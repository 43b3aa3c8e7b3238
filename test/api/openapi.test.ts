// /openapi.json: generated from the MessageSpecs the handlers coerce with, so it must list every route
// and describe each request the way protocol/fields.ts reads it.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldSchema, messageSchema, queryParameters } from '../../server/openapi/json-schema.js';
import { openApiPath, registerOpenApi } from '../../server/openapi/document.js';
import { endpoint } from '../../server/routes/endpoint.js';
import { startApi, type TestApi } from './helpers.js';

type Doc = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, unknown> };
};

let api: TestApi;
let doc: Doc;

beforeAll(async () => {
  api = await startApi();
  const res = await api.request({ method: 'GET', url: '/openapi.json' });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = JSON.parse(res.body) as Doc;
});
afterAll(async () => api.close());

const bodySchema = (path: string, method: string) =>
  ((doc.paths[path]![method]!.requestBody as { content: Record<string, { schema: Record<string, unknown> }> }).content['application/json']!.schema);
const params = (path: string, method: string) => doc.paths[path]![method]!.parameters as { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];

describe('the document', () => {
  it('is OpenAPI 3.1 with MLflow’s error schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(doc.components.schemas.Error).toMatchObject({ required: ['error_code', 'message'] });
  });

  it('lists every route the server registers, each described', () => {
    expect(api.app.openapi.undocumented()).toEqual([]);
    for (const p of ['/api/2.0/mlflow/runs/log-batch', '/ajax-api/2.0/mlflow/runs/log-batch', '/api/3.0/mlflow/server-info', '/graphql', '/get-artifact', '/health']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(Object.keys(doc.paths['/api/2.0/mlflow-artifacts/artifacts/{path}']!).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(doc.paths['/api/2.0/mlflow/experiments/search']!).sort()).toEqual(['get', 'post']);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.responses, `${method} ${path}`).toHaveProperty('default');
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
      }
    }
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes JSON bodies from the request spec: int64, doubles, repeated messages, required', () => {
    const batch = bodySchema('/api/2.0/mlflow/runs/log-batch', 'post');
    const metric = (batch.properties as Record<string, { items: { properties: Record<string, unknown>; required: string[] } }>).metrics!.items;
    expect(metric.required).toEqual(['key', 'value', 'timestamp']);
    expect(metric.properties.timestamp).toMatchObject({ anyOf: [{ type: 'integer', format: 'int64' }, { type: 'string' }] });
    expect(metric.properties.value).toEqual({ anyOf: [{ type: 'number' }, { type: 'string', enum: ['NaN', 'Infinity', '-Infinity'] }] });
    // run_uuid stands for run_id, as MLflow's handlers accept it.
    expect(batch.required).toBeUndefined();
    expect(batch.anyOf).toEqual([{ required: ['run_id'] }, { required: ['run_uuid'], properties: { run_uuid: { type: 'string', minLength: 1 } } }]);
    const create = bodySchema('/api/2.0/mlflow/experiments/create', 'post');
    expect(create.required).toEqual(['name']);
    expect((create.properties as Record<string, unknown>).name).toEqual({ type: 'string', minLength: 1 });
    expect((doc.paths['/api/2.0/mlflow/experiments/create']!.post!.requestBody as { required: boolean }).required).toBe(true);
    expect((doc.paths['/api/2.0/mlflow/registered-models/delete']!.delete!.requestBody as { required: boolean }).required).toBe(false);
  });

  it('describes GET requests as query parameters, repeated fields as repeated keys', () => {
    const search = params('/api/2.0/mlflow/experiments/search', 'get');
    expect(search.find((p) => p.name === 'order_by')).toMatchObject({ in: 'query', style: 'form', explode: true, schema: { type: 'array', items: { type: 'string' } } });
    expect(search.find((p) => p.name === 'view_type')!.schema).toMatchObject({ type: 'string', enum: ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] });
    const interval = params('/api/2.0/mlflow/metrics/get-history-bulk-interval', 'get');
    expect(interval.find((p) => p.name === 'run_ids')).toMatchObject({ required: true, schema: { type: 'array' } });
    const lm = params('/api/2.0/mlflow/logged-models/{model_id}', 'get');
    expect(lm[0]).toMatchObject({ name: 'model_id', in: 'path', required: true });
    expect(lm.find((p) => p.name === 'allow_deleted')!.schema).toEqual({ type: 'boolean' });
  });

  it('describes the raw artifact routes by hand', () => {
    const put = doc.paths['/api/2.0/mlflow-artifacts/artifacts/{path}']!.put!;
    expect(put.requestBody).toMatchObject({ content: { '*/*': {} } });
    expect(doc.paths['/get-artifact']!.get!.responses).toHaveProperty('200.content.*/*');
  });
});

describe('the generator', () => {
  it('maps enums to names or numbers, bools to booleans or their names', () => {
    expect(fieldSchema({ type: 'enum', values: ['A', 'B'] })).toEqual({ anyOf: [{ type: 'string', enum: ['A', 'B'] }, { type: 'integer', minimum: 1, maximum: 2 }] });
    expect(fieldSchema({ type: 'enum', values: ['A', 'B'], firstNumber: 0 }, 'body')).toMatchObject({ anyOf: [{}, { minimum: 0, maximum: 1 }] });
    expect(fieldSchema({ type: 'bool' })).toMatchObject({ anyOf: [{ type: 'boolean' }, { type: 'string' }] });
    expect(fieldSchema({ type: 'string', repeated: true })).toEqual({ type: 'array', items: { type: 'string' } });
  });

  it('nests messages and skips them in query strings', () => {
    const spec = { tags: { type: 'message', fields: { key: { type: 'string', required: true } }, repeated: true }, q: { type: 'int32' } } as const;
    expect(messageSchema(spec).properties).toMatchObject({ tags: { type: 'array', items: { type: 'object', required: ['key'] } } });
    expect(queryParameters(spec).map((p) => p.name)).toEqual(['q']);
  });

  it('translates route syntax', () => {
    expect(openApiPath('/mlflow/logged-models/:model_id/tags/:tag_key')).toBe('/mlflow/logged-models/{model_id}/tags/{tag_key}');
    expect(openApiPath('/mlflow-artifacts/artifacts/*')).toBe('/mlflow-artifacts/artifacts/{path}');
  });

  it('serves under the static prefix and flags routes that nobody described', async () => {
    const app = Fastify();
    registerOpenApi(app, { staticPrefix: '/mlflow' });
    await app.register(
      async (inner) => {
        endpoint(inner, 'POST', '/documented', { a: { type: 'string', required: true } }, () => ({}));
        endpoint(inner, 'POST', '/no-spec', () => ({}));
        inner.get('/raw', async () => 'x');
      },
      { prefix: '/mlflow' },
    );
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/mlflow/openapi.json' });
    const prefixed = JSON.parse(res.body) as Doc;
    expect(prefixed.servers).toEqual([{ url: '/mlflow' }]);
    expect(Object.keys(prefixed.paths).sort()).toEqual(['/ajax-api/2.0/documented', '/ajax-api/2.0/no-spec', '/api/2.0/documented', '/api/2.0/no-spec', '/openapi.json', '/raw']);
    expect(prefixed.paths['/api/2.0/no-spec']!.post!.description).toMatch(/no fields are documented/);
    expect(app.openapi.undocumented()).toEqual(['GET /raw']);
    expect(prefixed.paths['/raw']!.get!['x-undocumented']).toBe(true);
    await app.close();
  });
});
