// The routes that are not JSON RPCs, described by hand: the artifact proxy (raw request and response
// bodies), the UI's file reads, the UI itself, GraphQL, health. Keyed by `METHOD path` as Fastify
// registers the route (without the static prefix); both /api and /ajax-api twins are listed.
import type { JsonSchema } from './json-schema.js';

export type Operation = Record<string, unknown>;

export const ERROR_RESPONSE = {
  description: "MLflow's error JSON",
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

const ANY_BYTES = { '*/*': { schema: { type: 'string', format: 'binary' } } };
const TEXT = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
const JSON_OBJECT = (description: string, schema: JsonSchema = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});
const query = (name: string, required = false, description?: string) => ({
  name,
  in: 'query',
  required,
  schema: { type: 'string' },
  ...(description ? { description } : {}),
});
const pathParam = (name: string, description?: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  ...(description ? { description } : {}),
});

const ARTIFACT_PATH = pathParam('path', "Artifact path under --artifacts-destination; may contain '/' (sent percent-encoded). '..', absolute paths, '#', backslashes and control characters are refused with 400.");
const PROXY_DISABLED = TEXT('The artifact proxy is disabled (--no-serve-artifacts)');
const FILE_RESPONSES = {
  '200': { description: 'The file, as an attachment (X-Content-Type-Options: nosniff)', content: ANY_BYTES },
  default: ERROR_RESPONSE,
};

function proxyOperations(base: string): Record<string, Operation> {
  const ops: Record<string, Operation> = {
    [`PUT ${base}/mlflow-artifacts/artifacts/*`]: {
      summary: 'Upload an artifact (raw body, any content type), written atomically',
      parameters: [ARTIFACT_PATH],
      requestBody: { required: false, content: ANY_BYTES },
      responses: { '200': JSON_OBJECT('Stored'), '503': PROXY_DISABLED, default: ERROR_RESPONSE },
    },
    [`GET ${base}/mlflow-artifacts/artifacts/*`]: {
      summary: 'Download an artifact (a trailing slash lists the root instead)',
      parameters: [ARTIFACT_PATH, query('path', false, 'Directory to list when the artifact path is empty')],
      responses: { ...FILE_RESPONSES, '503': PROXY_DISABLED },
    },
    [`DELETE ${base}/mlflow-artifacts/artifacts/*`]: {
      summary: 'Delete an artifact file or directory',
      parameters: [ARTIFACT_PATH],
      responses: { '200': JSON_OBJECT('Deleted (or absent)'), '503': PROXY_DISABLED, default: ERROR_RESPONSE },
    },
    [`GET ${base}/mlflow-artifacts/artifacts`]: {
      summary: 'List a directory of proxied artifacts (basenames)',
      parameters: [query('path', false, 'Directory to list')],
      responses: { '200': JSON_OBJECT('files: [{path, is_dir, file_size}]'), '503': PROXY_DISABLED, default: ERROR_RESPONSE },
    },
    [`GET ${base}/mlflow-artifacts/presigned/*`]: {
      summary: 'Presigned multipart download (not supported by a local store: 501)',
      parameters: [ARTIFACT_PATH],
      responses: { '503': PROXY_DISABLED, default: ERROR_RESPONSE },
    },
  };
  for (const action of ['create', 'complete', 'abort']) {
    ops[`POST ${base}/mlflow-artifacts/mpu/${action}/*`] = {
      summary: `Multipart upload ${action} (not supported by a local store: 501)`,
      parameters: [ARTIFACT_PATH],
      requestBody: { required: false, content: { 'application/json': { schema: { type: 'object' } } } },
      responses: { '503': PROXY_DISABLED, default: ERROR_RESPONSE },
    };
  }
  return ops;
}

const GRAPHQL_RESPONSE = JSON_OBJECT('{data, errors: [message] | null}, always 200', {
  type: 'object',
  properties: { data: { type: ['object', 'null'] }, errors: { type: ['array', 'null'], items: { type: 'string' } } },
});

export const MANUAL_OPERATIONS: Record<string, Operation> = {
  ...proxyOperations('/api/2.0'),
  ...proxyOperations('/ajax-api/2.0'),
  'POST /ajax-api/2.0/mlflow/upload-artifact': {
    summary: "The UI's upload button: a raw body (at most 10 MB) into a run's artifacts",
    parameters: [query('run_uuid', true), query('path', true)],
    requestBody: { required: true, content: ANY_BYTES },
    responses: { '200': JSON_OBJECT('Stored'), default: ERROR_RESPONSE },
  },
  'GET /ajax-api/2.0/mlflow/logged-models/:model_id/artifacts/files': {
    summary: "A file of a logged model's artifacts",
    parameters: [pathParam('model_id'), query('artifact_file_path', true)],
    responses: FILE_RESPONSES,
  },
  'GET /get-artifact': {
    summary: "A file of a run's artifacts (the UI's preview)",
    parameters: [query('path', true), query('run_uuid'), query('run_id')],
    responses: FILE_RESPONSES,
  },
  'GET /model-versions/get-artifact': {
    summary: "A file of a model version's artifacts",
    parameters: [query('path', true), query('name', true), query('version', true)],
    responses: FILE_RESPONSES,
  },
  'GET /': {
    summary: 'The MLflow UI (index.html of the official build), or a page saying how to get it',
    responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } }, default: ERROR_RESPONSE },
  },
  'GET /static-files/*': {
    summary: "The UI build's files",
    parameters: [pathParam('path')],
    responses: {
      '200': { description: 'A file of the UI build', content: ANY_BYTES },
      '304': { description: 'Not modified' },
      '404': TEXT('Not in the UI build'),
      default: ERROR_RESPONSE,
    },
  },
  'GET /graphql': {
    summary: "GraphQL (the UI's queries), request in the query string",
    parameters: [query('query'), query('variables', false, 'JSON object'), query('operationName')],
    responses: { '200': GRAPHQL_RESPONSE, default: ERROR_RESPONSE },
  },
  'POST /graphql': {
    summary: "GraphQL (the UI's queries)",
    requestBody: {
      required: false,
      content: {
        'application/json': {
          schema: { type: 'object', properties: { query: { type: 'string' }, variables: { type: 'object' }, operationName: { type: 'string' } } },
        },
      },
    },
    responses: { '200': GRAPHQL_RESPONSE, default: ERROR_RESPONSE },
  },
  'GET /health': { summary: 'Liveness: OK', security: [], responses: { '200': TEXT('OK'), default: ERROR_RESPONSE } },
  'GET /version': { summary: 'The MLflow version Minflow is compatible with', responses: { '200': TEXT('PEP 440 version'), default: ERROR_RESPONSE } },
  'GET /openapi.json': { summary: 'This document', responses: { '200': JSON_OBJECT('OpenAPI 3.1'), default: ERROR_RESPONSE } },
};
