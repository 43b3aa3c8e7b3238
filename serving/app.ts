// The scoring server's HTTP surface, MLflow's scoring protocol plus what following an alias needs:
//
//   POST /invocations  JSON (dataframe_split | dataframe_records | instances | inputs) or text/csv
//                      → {"predictions": [{"probability", "prediction"}, ...]}, header X-Model-Version
//   GET  /ping         200 while a model is loaded (as MLflow's)
//   GET  /health       the model served and the state of alias following (JSON)
//   GET  /version      the Minflow version (plain text, as MLflow answers its own)
//   GET  /model        which model is served: name, version, alias, run id, model id, loaded at
//   POST /reload       check the registry now; answers when the check (and any swap) is done
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { ScoringError } from './errors.js';
import type { CheckResult, ModelFollower } from './follower.js';
import { parseInvocationBody } from './input.js';
import { describeRef } from './model-uri.js';
import { predictionsJson, scoreFrame, type ServedModel } from './scorer.js';
import { minflowVersion } from './version.js';

/** A thousand-row request of the churn table is ~1.5 MB of JSON; this leaves room for big batches. */
export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

export interface ScoringAppOptions {
  follower: ModelFollower;
  bodyLimit?: number;
  /** `logger` / `loggerInstance` and the like, passed to Fastify. */
  fastify?: FastifyServerOptions;
}

export function modelInfo(served: ServedModel): Record<string, unknown> {
  const { identity } = served;
  return {
    name: identity.name,
    version: identity.version,
    alias: identity.alias,
    run_id: identity.runId,
    model_id: identity.modelId,
    source: identity.source,
    model_kind: served.model.classifier.kind,
    loaded_at: served.loadedAt.toISOString(),
  };
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export function healthReport(follower: ModelFollower): Record<string, unknown> {
  const s = follower.state;
  const ref = follower.ref;
  return {
    status: s.degraded ? 'degraded' : 'ok',
    model: modelInfo(follower.current),
    model_uri: ref.uri,
    following: ref.kind === 'alias' ? describeRef(ref) : null,
    poll_interval_seconds: follower.pollIntervalMs / 1000,
    last_check: iso(s.lastCheck),
    last_successful_check: iso(s.lastSuccessfulCheck),
    last_error: s.lastError ? { message: s.lastError.message, at: s.lastError.at.toISOString() } : null,
    loading_version: s.loading,
  };
}

function reloadBody(result: CheckResult, follower: ModelFollower): Record<string, unknown> {
  return { ...result, model: modelInfo(follower.current) };
}

/** Fastify's own errors (body too large, aborted upload, ...) in the scoring server's error shape. */
function toScoringError(error: FastifyError): ScoringError {
  const status = error.statusCode ?? 500;
  if (status === 413) return new ScoringError('BAD_REQUEST', `Request body is too large: ${error.message}`, 413);
  if (status >= 400 && status < 500) return new ScoringError('BAD_REQUEST', error.message, status);
  return new ScoringError('INTERNAL_ERROR', 'An internal error occurred while scoring. See the server log for details.');
}

export async function buildScoringApp(options: ScoringAppOptions): Promise<FastifyInstance> {
  const { follower } = options;
  const app = Fastify({
    logger: false,
    // Thousands of requests a second: per-request lines go to debug (below), not to info.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...options.fastify,
  });

  // Every body arrives as text; /invocations decides what it means, so a wrong content type, malformed
  // JSON or an empty body all get MLflow's error answers instead of Fastify's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError | ScoringError, req, reply) => {
    const e = error instanceof ScoringError ? error : toScoringError(error);
    if (e.statusCode >= 500) req.log.error({ err: error }, 'request failed');
    void reply.status(e.statusCode).type('application/json').send(JSON.stringify(e.toJSON()));
  });

  // Only at debug level: a hook on every response is not free at thousands of requests a second.
  if (app.log.level === 'debug' || app.log.level === 'trace') {
    app.addHook('onResponse', async (req, reply) => {
      req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
    });
  }

  app.post('/invocations', async (req, reply) => {
    // Read once: this request scores with this model even if a swap happens meanwhile.
    const served = follower.current;
    if (served.identity.version !== null) void reply.header('x-model-version', served.identity.version);
    const body = typeof req.body === 'string' ? req.body : '';
    const frame = parseInvocationBody(body, req.headers['content-type'], served.positional);
    const scores = scoreFrame(served, frame);
    return reply.type('application/json').send(predictionsJson(scores));
  });

  app.get('/ping', async (_req, reply) => reply.type('application/json').send('\n'));
  app.get('/health', async () => healthReport(follower));
  app.get('/version', async (_req, reply) => reply.type('text/plain; charset=utf-8').send(minflowVersion()));
  app.get('/model', async () => modelInfo(follower.current));
  app.post('/reload', async () => reloadBody(await follower.check(), follower));

  return app;
}
