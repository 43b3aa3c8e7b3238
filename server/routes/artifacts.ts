// Artifact routes: the proxy (MlflowArtifactsService: PUT/GET/DELETE/list; mpu and presigned mapped onto
// S3 multipart and presigned URLs for an S3 destination, NOT_IMPLEMENTED for a local one, as MLflow
// answers) and the reads of a run's, a logged model's and a model version's artifacts that the client
// and the UI make. Bodies stream straight between socket and the store.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MlflowError, invalidParameter } from '../errors.js';
import { joinArtifactPath, type ArtifactResolver } from '../artifacts/locations.js';
import { validatePathIsSafe } from '../artifacts/safe-path.js';
import { openArtifact, sendArtifactRange } from '../artifacts/send.js';
import { supportsMultipart, type ArtifactFileInfo, type MultipartPart } from '../artifacts/store.js';
import type { MessageSpec } from '../protocol/fields.js';
import { readMessage } from '../protocol/request.js';
import type { TrackingStore } from '../store/index.js';
import type { LoggedModelStore } from '../store/logged-models.js';
import { endpoint, sendJson } from './endpoint.js';
import { int64Number } from '../protocol/int64.js';

/** Resolves a registered model version to its artifact URI (the registry's get-download-uri). */
export type ModelVersionUriResolver = (name: string, version: string) => Promise<string>;

export interface ArtifactRouteDeps {
  store: TrackingStore;
  loggedModels: LoggedModelStore;
  resolver: ArtifactResolver;
  modelVersionUri?: ModelVersionUriResolver;
}

const UI_UPLOAD_LIMIT = 10 * 1024 * 1024;

function fileInfoJson(f: ArtifactFileInfo, path: string): Record<string, unknown> {
  // FileInfo.to_proto sets file_size only when it is truthy: an empty file has none.
  return f.isDir || !f.fileSize ? { path, is_dir: f.isDir } : { path, is_dir: false, file_size: f.fileSize };
}

/** The `*` of a wildcard route, as the client sent it (Fastify has decoded it once). */
function wildcard(req: FastifyRequest): string {
  return (req.params as { '*': string })['*'] ?? '';
}

function query(req: FastifyRequest): Record<string, string | undefined> {
  const q = (req.query ?? {}) as Record<string, string | string[] | undefined>;
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}

const ListArtifacts = {
  run_id: { type: 'string', required: true },
  run_uuid: { type: 'string' },
  path: { type: 'string' },
  page_token: { type: 'string' },
} as const satisfies MessageSpec;
const ListLoggedModelArtifacts = { artifact_directory_path: { type: 'string' }, page_token: { type: 'string' } } as const satisfies MessageSpec;
const ListProxied = { path: { type: 'string' } } as const satisfies MessageSpec;
const MultipartRequest = { path: { type: 'string', required: true }, num_parts: { type: 'int64' }, upload_id: { type: 'string' } } as const satisfies MessageSpec;

/** The `parts` of a complete-multipart request: [{part_number, etag}], required as MLflow's schema has it. */
function multipartParts(body: unknown): MultipartPart[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' && body !== '' ? body : '{}');
  } catch {
    throw invalidParameter('Malformed JSON in the request body');
  }
  const parts = (parsed as { parts?: unknown } | null)?.parts;
  if (!Array.isArray(parts)) throw invalidParameter("Missing value for required parameter 'parts'.");
  return parts.map((p: unknown) => {
    const part = p as { part_number?: unknown; etag?: unknown } | null;
    const number = Number(part?.part_number);
    if (!Number.isInteger(number) || number < 1) throw invalidParameter(`Invalid part_number in parts: ${JSON.stringify(part?.part_number)}`);
    return { part_number: number, etag: typeof part?.etag === 'string' ? part.etag : '' };
  });
}

/** Reads a small JSON body by hand: this plugin leaves bodies unparsed so PUTs can stream. */
async function readSmallBody(req: FastifyRequest, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new MlflowError('INVALID_PARAMETER_VALUE', 'Request body is too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The proxy (`/mlflow-artifacts/...`): its own plugin because its PUT bodies are raw streams. */
export async function artifactProxyRoutes(app: FastifyInstance, deps: ArtifactRouteDeps): Promise<void> {
  const destination = deps.resolver.destination;
  // Leave the body unread: the PUT handler streams request.raw to disk. Any content type is accepted
  // (the Python client sends each file's guessed MIME type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  const guard = (reply: FastifyReply, req: FastifyRequest): boolean => {
    if (deps.resolver.serveArtifacts) return false;
    void reply
      .status(503)
      .type('text/plain; charset=utf-8')
      .send(
        `Endpoint: ${req.routeOptions.url} disabled due to the mlflow server running with \`--no-serve-artifacts\`. ` +
          'To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`',
      );
    return true;
  };

  for (const base of ['/api/2.0', '/ajax-api/2.0']) {
    app.put(`${base}/mlflow-artifacts/artifacts/*`, async (req, reply) => {
      if (guard(reply, req)) return reply;
      const path = validatePathIsSafe(wildcard(req));
      await destination.write(path, req.raw);
      return sendJson(reply, {});
    });

    app.get(`${base}/mlflow-artifacts/artifacts/*`, async (req, reply) => {
      if (guard(reply, req)) return reply;
      const path = validatePathIsSafe(wildcard(req));
      if (path === '') {
        // GET .../artifacts/ with a trailing slash is the listing, as Flask routes it.
        return sendJson(reply, await listProxied(readMessage(req, ListProxied).path));
      }
      return sendArtifactRange(req, reply, (range) => openArtifact(req, destination, path, range), path);
    });

    app.get(`${base}/mlflow-artifacts/artifacts`, async (req, reply) => {
      if (guard(reply, req)) return reply;
      return sendJson(reply, await listProxied(readMessage(req, ListProxied).path));
    });

    app.delete(`${base}/mlflow-artifacts/artifacts/*`, async (req, reply) => {
      if (guard(reply, req)) return reply;
      await destination.delete(validatePathIsSafe(wildcard(req)));
      return sendJson(reply, {});
    });

    for (const action of ['create', 'complete', 'abort'] as const) {
      app.post(`${base}/mlflow-artifacts/mpu/${action}/*`, async (req, reply) => {
        if (guard(reply, req)) return reply;
        const dir = validatePathIsSafe(wildcard(req));
        req.body = await readSmallBody(req);
        const m = readMessage(req, MultipartRequest);
        // An S3 destination takes MLflow's multipart uploads (S3ArtifactRepository is a MultipartUploadMixin).
        if (!supportsMultipart(destination)) {
          throw new MlflowError('NOT_IMPLEMENTED', 'Multipart upload is not supported for the current artifact repository');
        }
        if (action === 'create') {
          const created = await destination.createMultipartUpload(dir, m.path!, m.num_parts === undefined ? 1 : int64Number(m.num_parts));
          return sendJson(reply, {
            upload_id: created.upload_id,
            credentials: created.credentials.map((c) => (Object.keys(c.headers).length > 0 ? c : { url: c.url, part_number: c.part_number })),
          });
        }
        if (!m.upload_id) throw invalidParameter("Missing value for required parameter 'upload_id'.");
        if (action === 'abort') await destination.abortMultipartUpload(dir, m.path!, m.upload_id);
        else await destination.completeMultipartUpload(dir, m.path!, m.upload_id, multipartParts(req.body));
        return sendJson(reply, {});
      });
    }

    app.get(`${base}/mlflow-artifacts/presigned/*`, async (req, reply) => {
      if (guard(reply, req)) return reply;
      const path = validatePathIsSafe(wildcard(req));
      if (!supportsMultipart(destination)) {
        throw new MlflowError('NOT_IMPLEMENTED', 'Multipart download is not supported for the current artifact repository');
      }
      const presigned = await destination.presignedDownload(path);
      const body: Record<string, unknown> = { url: presigned.url };
      if (Object.keys(presigned.headers).length > 0) body.headers = presigned.headers;
      if (presigned.file_size !== undefined) body.file_size = presigned.file_size;
      return sendJson(reply, body);
    });
  }

  // The UI's upload button: a raw body of at most 10 MB into a run's artifacts.
  app.post('/ajax-api/2.0/mlflow/upload-artifact', async (req, reply) => {
    const q = query(req);
    if (!q.run_uuid) throw invalidParameter('Request must specify run_uuid.');
    if (!q.path) throw invalidParameter('Request must specify path.');
    const path = validatePathIsSafe(q.path);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > UI_UPLOAD_LIMIT) throw invalidParameter('Artifact size is too large. Max size is 10MB.');
    // MLflow refuses an empty body before it looks the run up, whatever the run's artifact root.
    if (req.headers['content-length'] === '0') throw invalidParameter('Request must specify data.');
    const run = (await deps.store.runs.get(q.run_uuid));
    const location = deps.resolver.resolve(run.info.artifactUri ?? '');
    try {
      await location.store.write(joinArtifactPath(location.base, path), req.raw, UI_UPLOAD_LIMIT, () =>
        invalidParameter('Request must specify data.'),
      );
    } catch (e) {
      if (e instanceof MlflowError && e.statusCode === 413) throw invalidParameter('Artifact size is too large. Max size is 10MB.');
      throw e;
    }
    return sendJson(reply, {});
  });

  async function listProxied(dir: string | undefined): Promise<Record<string, unknown>> {
    const rel = dir === undefined ? '' : validatePathIsSafe(dir);
    const files = await destination.list(rel);
    // The proxy lists basenames only (handlers._list_artifacts_mlflow_artifacts).
    return files.length > 0 ? { files: files.map((f) => fileInfoJson(f, f.path.split('/').pop()!)) } : {};
  }
}

/** Reads of run / logged-model / model-version artifacts (JSON API plugin). */
export function artifactReadRoutes(app: FastifyInstance, deps: ArtifactRouteDeps): void {
  const { resolver } = deps;

  /** Lists `relative` under the root `uri`, paths relative to that root (handlers.list_artifacts_impl). */
  async function listUnder(uri: string, relative: string | undefined): Promise<Record<string, unknown>[]> {
    const rel = relative === undefined ? undefined : validatePathIsSafe(relative);
    const location = resolver.resolve(uri);
    const files = await location.store.list(joinArtifactPath(location.base, rel));
    return files.map((f) => {
      const basename = f.path.split('/').pop()!;
      return fileInfoJson(f, rel ? `${rel}/${basename}` : basename);
    });
  }

  endpoint(app, 'GET', '/mlflow/artifacts/list', ListArtifacts, async (req) => {
    const m = readMessage(req, ListArtifacts);
    if (m.path !== undefined) validatePathIsSafe(m.path);
    const run = (await deps.store.runs.get(m.run_id!));
    const uri = run.info.artifactUri ?? '';
    const files = await listUnder(uri, m.path);
    const body: Record<string, unknown> = { root_uri: uri };
    if (files.length > 0) body.files = files;
    return body;
  });

  endpoint(app, 'GET', '/mlflow/logged-models/:model_id/artifacts/directories', ListLoggedModelArtifacts, async (req) => {
    const { model_id } = req.params as { model_id: string };
    const m = readMessage(req, ListLoggedModelArtifacts);
    if (m.artifact_directory_path !== undefined) validatePathIsSafe(m.artifact_directory_path);
    const model = (await deps.loggedModels.get(model_id));
    const files = await listUnder(model.artifactLocation, m.artifact_directory_path || undefined);
    const body: Record<string, unknown> = { root_uri: model.artifactLocation };
    if (files.length > 0) body.files = files;
    return body;
  });

  app.get('/ajax-api/2.0/mlflow/logged-models/:model_id/artifacts/files', async (req, reply) => {
    const { model_id } = req.params as { model_id: string };
    const file = query(req).artifact_file_path;
    if (!file) throw new MlflowError('BAD_REQUEST', 'Request must include the "artifact_file_path" query parameter.');
    const path = validatePathIsSafe(file);
    const model = (await deps.loggedModels.get(model_id));
    const location = resolver.resolve(model.artifactLocation);
    return sendArtifactRange(req, reply, (range) => openArtifact(req, location.store, joinArtifactPath(location.base, path), range), path);
  });

  // The UI's file preview: GET get-artifact?path=..&run_uuid=.. (relative to the page, no /api prefix).
  app.get('/get-artifact', async (req, reply) => {
    const q = query(req);
    const runId = q.run_id || q.run_uuid;
    if (q.path === undefined) throw invalidParameter("Missing value for required parameter 'path'.");
    const path = validatePathIsSafe(q.path);
    const run = (await deps.store.runs.get(runId ?? ''));
    const location = resolver.resolve(run.info.artifactUri ?? '');
    return sendArtifactRange(req, reply, (range) => openArtifact(req, location.store, joinArtifactPath(location.base, path), range), path);
  });

  // The model version page reads MLmodel through this route.
  app.get('/model-versions/get-artifact', async (req, reply) => {
    const q = query(req);
    if (q.path === undefined) throw invalidParameter("Missing value for required parameter 'path'.");
    const path = validatePathIsSafe(q.path);
    if (!deps.modelVersionUri) throw new MlflowError('ENDPOINT_NOT_FOUND', 'The model registry is not enabled');
    let uri = await deps.modelVersionUri(q.name ?? '', q.version ?? '');
    let prefix = '';
    // A `runs:/<run_id>/<path>` source is read from that run's artifacts, as RunsArtifactRepository does.
    const runs = /^runs:\/+([^/]+)\/?(.*)$/.exec(uri);
    if (runs) {
      prefix = validatePathIsSafe(runs[2]!);
      uri = (await deps.store.runs.get(runs[1]!)).info.artifactUri ?? '';
    }
    const location = resolver.resolve(uri);
    return sendArtifactRange(req, reply, (range) => openArtifact(req, location.store, joinArtifactPath(location.base, prefix, path), range), path);
  });
}
