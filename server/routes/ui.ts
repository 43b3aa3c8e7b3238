// The official MLflow UI, served unchanged from the user's mlflow wheel, and the endpoints it calls
// that are not part of the tracking API (graphql, server-info, telemetry, GenAI stubs).
//
// The UI uses hash routing and relative URLs (`static-files/...`, `ajax-api/...`, `graphql`), so
// only `<prefix>/` must serve index.html; everything else resolves under the same prefix.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { ArtifactResolver } from '../artifacts/locations.js';
import { supportsMultipart } from '../artifacts/store.js';
import type { TrackingStore } from '../store/index.js';
import type { GraphqlHandler } from '../graphql/endpoint.js';
import type { ModelVersionStore } from '../store/registry/index.js';
import { genaiStubs } from '../ui/genai-stubs.js';
import { locateUiBuild, type UiBuild } from '../ui/locate-build.js';
import { noBuildMessage, noBuildPage } from '../ui/no-build-page.js';
import { shellEndpoints } from '../ui/shell-endpoints.js';
import { resolveInside, sendBuildFile } from '../ui/static-files.js';
import { refuseLargerBodies } from './endpoint.js';
import { readJob } from '../reads/index.js';
import { clientGone } from '../reads/client-gone.js';
import { stringifyJsonExact } from '../protocol/int64.js';
import { JsonText } from '../protocol/wire.js';

const GRAPHQL_BODY_LIMIT = 4 * 1024 * 1024;

export interface UiDeps {
  config: Config;
  store: TrackingStore;
  /** Run artifacts, for GraphQL mlflowListArtifacts. */
  artifacts?: ArtifactResolver;
  /** The registry's model versions (GraphQL mlflowSearchModelVersions and MlflowRun.modelVersions). */
  modelVersions?: Pick<ModelVersionStore, 'search'>;
}

/** JSON bodies parsed leniently: the UI posts JSON, sometimes empty, with or without a charset. */
function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  return JSON.parse(text);
}

export async function uiRoutes(app: FastifyInstance, deps: UiDeps): Promise<void> {
  const { config } = deps;

  // Looked up once, in the background: startup (and /health) never waits for it.
  const build: Promise<UiBuild> = locateUiBuild(config.uiDir).then((found) => {
    if (found.dir) app.log.info({ uiDir: found.dir, source: found.source }, 'serving the MLflow UI');
    else app.log.warn(noBuildMessage(found.problem));
    return found;
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseBody(body as string));
    } catch {
      done(Object.assign(new Error('Malformed JSON body'), { statusCode: 400 }), undefined);
    }
  });

  app.get('/', { prefixTrailingSlash: 'slash' }, async (req, reply) => {
    const { dir, problem } = await build;
    if (!dir) return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(noBuildPage(problem));
    return sendBuildFile(req, reply, `${dir}/index.html`, 'revalidate');
  });
  if (config.staticPrefix) {
    // `<prefix>` without the slash would resolve the UI's relative URLs against the parent path.
    app.get('', { prefixTrailingSlash: 'no-slash' }, async (req, reply) => {
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      return reply.redirect(`${config.staticPrefix}/${query}`, 308);
    });
  }

  app.get('/static-files/*', async (req, reply) => {
    const { dir } = await build;
    const file = dir ? resolveInside(dir, (req.params as { '*': string })['*']) : null;
    if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('Not Found');
    return sendBuildFile(req, reply, file, 'asset');
  });

  // Loaded on the first query: graphql-js and the schema cost ~90 ms, a sixth of the server's startup.
  let graphql: Promise<GraphqlHandler> | undefined;
  const { store, artifacts, modelVersions } = deps;
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    // A query MLflow's limits allow is a few kB, its variables a filter of at most 256 kB.
    bodyLimit: GRAPHQL_BODY_LIMIT,
    onRequest: refuseLargerBodies(GRAPHQL_BODY_LIMIT),
    handler: async (req, reply) => {
      graphql ??= import('../graphql/endpoint.js').then((m) =>
        m.graphqlHandler({
          store,
          read: (job) => readJob(store, job),
          offload: store.queryWorkers ? (request) => store.queryWorkers!.run({ kind: 'graphql', request }, clientGone.getStore()) : undefined,
          artifacts,
          modelVersions,
        }),
      );
      const answer = await (await graphql)(req);
      return reply.type('application/json').send(answer instanceof JsonText ? answer.text : stringifyJsonExact(answer));
    },
  });

  shellEndpoints(app, { multipart: !!artifacts && artifacts.serveArtifacts && supportsMultipart(artifacts.destination) });
  genaiStubs(app);
}
