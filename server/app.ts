// buildApp(config): composes the server from its plugins. Nothing runs at import time, so tests
// build as many isolated apps as they like and drive them with app.inject().
import { collapseLeadingSlashes, mergedSlashesUrl } from './protocol/slashes.js';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions, type HTTPMethods } from 'fastify';
import { MlflowError } from './errors.js';
import type { Config } from './config.js';
import { openTrackingStore, type TrackingStore } from './store/index.js';
import { experimentRoutes } from './routes/experiments.js';
import { runRoutes } from './routes/runs.js';
import { promptlabRoutes } from './routes/promptlab.js';
import { metricRoutes } from './routes/metrics.js';
import { healthRoutes } from './routes/health.js';
import { loggedModelRoutes } from './routes/logged-models.js';
import { artifactProxyRoutes, artifactReadRoutes, type ArtifactRouteDeps } from './routes/artifacts.js';
import { checkS3Destination, openArtifactResolver } from './artifacts/open.js';
import { uiRoutes } from './routes/ui.js';
import { registryRoutes } from './routes/registry.js';
import { openRegistryStore } from './store/registry/index.js';
import { registerOpenApi } from './openapi/document.js';
import { registerSecurity, serverLimits } from './security/index.js';
import { sweepStaleUploads } from './artifacts/temp-sweep.js';
import { BasicAuthApp } from './security/basic-auth/index.js';

/** Largest JSON request we accept; a log-batch of 1000 metrics is ~150 kB. */
const JSON_BODY_LIMIT = 32 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyInstance {
    store: TrackingStore;
    config: Config;
  }
}

export interface BuildOptions {
  /** Extra Fastify options (tests pass forceCloseConnections). */
  fastify?: FastifyServerOptions;
}

/** Fastify's own errors (bad body, too large, ...) mapped to MLflow's error shape and a 4xx. */
function toMlflowError(error: FastifyError): MlflowError {
  // A client that disconnects (or is cut off by the idle timeout) mid-body: its request, not our fault.
  if (error.code === 'ECONNRESET') return new MlflowError('BAD_REQUEST', 'The request was aborted before its body arrived', 400);
  const status = error.statusCode ?? 500;
  if (status === 413) return new MlflowError('INVALID_PARAMETER_VALUE', `Request body is too large: ${error.message}`, 413);
  if (status >= 400 && status < 500) return new MlflowError('INVALID_PARAMETER_VALUE', error.message, status);
  return new MlflowError('INTERNAL_ERROR', 'An internal error occurred on the server. See the server log for details.');
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    bodyLimit: JSON_BODY_LIMIT,
    // MLflow's paths are long and contain colons (logged-models:batchGet) and dots.
    routerOptions: { maxParamLength: 1000, ignoreDuplicateSlashes: false },
    // `//api/...` is served as `/api/...`, as mlflow server does (protocol/slashes.ts).
    rewriteUrl: (req) => collapseLeadingSlashes(req.url ?? '/'),
    ...serverLimits(config),
    ...options.fastify,
  });

  // --app-name basic-auth: MLflow's users and permissions, in their own database (security/basic-auth/).
  const basicAuth = config.appName === 'basic-auth' ? await BasicAuthApp.open(process.env, config.authUsersFile) : null;
  if (basicAuth) app.addHook('onClose', async () => basicAuth.close());
  const authenticator = registerSecurity(app, config, basicAuth);
  // A local directory or an S3 prefix, by the destination's scheme; a missing bucket refuses the start.
  const artifactResolver = await openArtifactResolver(config);
  await checkS3Destination(artifactResolver);
  app.addHook('onClose', async () => artifactResolver.s3?.close());
  const store = await openTrackingStore(config);
  app.decorate('store', store);
  app.decorate('config', config);
  basicAuth?.register(app, store.db, authenticator);
  app.addHook('onClose', async () => store.close());

  app.setErrorHandler((error: FastifyError | MlflowError, req, reply) => {
    const mlflowError = error instanceof MlflowError ? error : toMlflowError(error);
    if (mlflowError.statusCode >= 500) req.log.error({ err: error }, 'request failed');
    void reply.status(mlflowError.statusCode).type('application/json').send(JSON.stringify(mlflowError.toJSON()));
  });

  app.setNotFoundHandler((req, reply) => {
    // A known path asked with the wrong method is a 405, as Flask answers it.
    const url = req.url.split('?')[0]!;
    // hasRoute reads the URL as a route pattern: a `*` or `:` in a client's path must not make it throw.
    const routed = (method: HTTPMethods) => {
      try {
        return app.hasRoute({ method, url });
      } catch {
        return false;
      }
    };
    // werkzeug's merge_slashes: a path with doubled slashes that names a route once merged is redirected there.
    const merged = mergedSlashesUrl(req.url);
    const mergedRoutes = (() => {
      try {
        return merged !== null && app.hasRoute({ method: req.method as HTTPMethods, url: merged.split('?')[0]! });
      } catch {
        return false;
      }
    })();
    if (merged !== null && mergedRoutes) {
      void reply.status(308).header('Location', `${req.protocol}://${req.headers.host ?? 'localhost'}${merged}`).send();
      return;
    }
    const methods = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter(routed);
    if (methods.length > 0) {
      void reply
        .status(405)
        .header('Allow', methods.join(', '))
        .type('application/json')
        .send(JSON.stringify(new MlflowError('BAD_REQUEST', 'The method is not allowed for the requested URL.', 405).toJSON()));
      return;
    }
    void reply
      .status(404)
      .type('application/json')
      .send(JSON.stringify(new MlflowError('ENDPOINT_NOT_FOUND', `No API endpoint for ${req.method} ${req.url.split('?')[0]}`).toJSON()));
  });

  registerOpenApi(app, config);

  const registry = openRegistryStore(store.db, {
    runs: store.runs,
    loggedModels: store.loggedModels,
    trustedArtifactRoots: [config.defaultArtifactRoot, config.artifactsDestination],
  });
  const artifactDeps: ArtifactRouteDeps = {
    store,
    loggedModels: store.loggedModels,
    resolver: artifactResolver,
    modelVersionUri: (name, version) => registry.modelVersions.getDownloadUri(name, version),
  };

  // Temporary files of uploads a crash cut off: removed in the background once the server listens.
  const startedAt = Date.now();
  app.addHook('onListen', async () => {
    // S3 leaves no temporary objects: an unfinished multipart upload is aborted, and never visible.
    if (/^s3:/i.test(config.artifactsDestination)) return;
    void sweepStaleUploads(config.artifactsDestination, startedAt).then(
      (removed) => removed > 0 && app.log.info({ removed }, 'removed temporary files of interrupted uploads'),
      () => {},
    );
  });

  await app.register(
    async (api) => {
      // MLflow reads bodies itself (content-type rules, DELETE/PATCH JSON, lenient parsing): keep the
      // raw text and let protocol/request.ts decide.
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      // Fastify never reads a GET body; MLflow reads one when the query string is empty.
      api.addHook('preValidation', async (req) => {
        if (req.method !== 'GET' || Number(req.headers['content-length'] ?? 0) === 0 || req.url.includes('?')) return;
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req.raw) {
          size += (chunk as Buffer).length;
          if (size > JSON_BODY_LIMIT) throw new MlflowError('INVALID_PARAMETER_VALUE', 'Request body is too large', 413);
          chunks.push(chunk as Buffer);
        }
        req.body = Buffer.concat(chunks).toString('utf8');
      });
      healthRoutes(api);
      experimentRoutes(api, store);
      runRoutes(api, store);
      metricRoutes(api, store);
      loggedModelRoutes(api, store.loggedModels);
      artifactReadRoutes(api, artifactDeps);
      promptlabRoutes(api, artifactDeps);
      registryRoutes(api, registry);
    },
    { prefix: config.staticPrefix },
  );
  await app.register(async (proxy) => artifactProxyRoutes(proxy, artifactDeps), { prefix: config.staticPrefix });
  await app.register(async (ui) => uiRoutes(ui, { config, store, artifacts: artifactDeps.resolver, modelVersions: registry.modelVersions }), { prefix: config.staticPrefix });

  return app;
}
