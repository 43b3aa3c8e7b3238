// `minflow serve <model-uri>`: flags → resolve and load the model → scoring app → listen, then follow the
// alias. SIGTERM/SIGINT close cleanly.
import { pino } from 'pino';
import { MlflowClient } from '../client/index.js';
import { buildScoringApp } from './app.js';
import { parseFlags, port, seconds, trackingUriFrom, UsageError } from './flags.js';
import { ModelFollower } from './follower.js';
import { defaultCacheDir, modelSource } from './loader.js';
import { describeRef, ModelUriError, parseModelUri } from './model-uri.js';

export const SERVE_HELP = `Usage: minflow serve <model-uri> [options]
       npm run serve -- models:/churn@production --port 5001

Serves a Minflow model over MLflow's scoring protocol (POST /invocations, GET /ping, /health, /version),
plus GET /model and POST /reload. With an alias it follows the registry: when the alias moves, the new
version is loaded in the background and swapped in without dropping a request.

Model URI:
  models:/<name>@<alias>     follow an alias (polled every --poll-interval seconds)
  models:/<name>/<version>   a fixed version
  <directory>                a saved model directory (no registry)

Options:
  -m, --model URI            the model URI (instead of the positional argument)
  -h, --host HOST            address to listen on (default 127.0.0.1)
  -p, --port PORT            port to listen on (default 5001)
      --tracking-uri URI     tracking server (default $MLFLOW_TRACKING_URI, else http://127.0.0.1:5000)
      --poll-interval SEC    how often to check where the alias points (default 10; 0 = only on POST /reload)
      --cache-dir DIR        where downloaded models are kept (default $MINFLOW_MODEL_CACHE or ~/.cache/minflow/models)
      --log-level LEVEL      pino level: fatal, error, warn, info, debug (default info)
      --help                 show this help`;

const FLAGS = {
  model: { type: 'string', short: 'm' },
  host: { type: 'string', short: 'h' },
  port: { type: 'string', short: 'p' },
  'tracking-uri': { type: 'string' },
  'poll-interval': { type: 'string' },
  'cache-dir': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export interface ServeConfig {
  modelUri: string;
  host: string;
  port: number;
  trackingUri: string;
  pollIntervalSeconds: number;
  cacheDir: string;
  logLevel: string;
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeConfig | 'help' {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`expected one model URI, got ${positionals.length}: ${positionals.join(' ')}`);
  const modelUri = values.model ?? positionals[0];
  if (!modelUri) throw new UsageError('missing the model URI, e.g. models:/churn@production');
  return {
    modelUri,
    host: values.host ?? '127.0.0.1',
    port: port(values.port, 5001),
    trackingUri: trackingUriFrom(values['tracking-uri'], env),
    pollIntervalSeconds: seconds('poll-interval', values['poll-interval'], 10),
    cacheDir: values['cache-dir'] ?? defaultCacheDir(env),
    logLevel: values['log-level'] ?? 'info',
  };
}

export async function runServe(argv: string[]): Promise<void> {
  let config: ServeConfig | 'help';
  let ref;
  try {
    config = parseServeArgs(argv);
    if (config === 'help') {
      process.stdout.write(`${SERVE_HELP}\n`);
      return;
    }
    ref = parseModelUri(config.modelUri);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ModelUriError) {
      process.stderr.write(`minflow serve: ${e.message}\n\n${SERVE_HELP}\n`);
      process.exit(2);
    }
    throw e;
  }

  const log = pino({ level: config.logLevel });
  let scoring: ScoringServer;
  try {
    scoring = await startScoringServer(config, ref, log);
  } catch (e) {
    if (!(e instanceof ModelLoadError)) throw e;
    log.fatal({ err: e.message, model: config.modelUri, trackingUri: config.trackingUri }, 'could not load the model');
    process.stderr.write(`minflow serve: could not load ${describeRef(ref)} from ${config.trackingUri}: ${e.message}\n`);
    process.exit(1);
  }
  const { app, follower } = scoring;
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    follower.stop();
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  log.info(
    { url: scoring.url, model: config.modelUri, version: follower.current.identity.version, pollIntervalSeconds: follower.pollIntervalMs / 1000 },
    'Minflow scoring server is listening',
  );
}

export class ModelLoadError extends Error {}

export interface ScoringServer {
  url: string;
  app: Awaited<ReturnType<typeof buildScoringApp>>;
  follower: ModelFollower;
  close(): Promise<void>;
}

/** Loads the model, listens and starts following the alias: the part of `minflow serve` the demo reuses. */
export async function startScoringServer(config: ServeConfig, ref: ReturnType<typeof parseModelUri>, log: pino.Logger): Promise<ScoringServer> {
  const client = new MlflowClient(config.trackingUri);
  const source = modelSource(ref, client, config.cacheDir);
  let follower: ModelFollower;
  try {
    follower = await ModelFollower.start({
      ref,
      resolve: () => source.resolve(),
      load: (target) => source.load(target),
      pollIntervalMs: config.pollIntervalSeconds * 1000,
      log,
    });
  } catch (e) {
    throw new ModelLoadError((e as Error).message);
  }
  const app = await buildScoringApp({ follower, fastify: { loggerInstance: log } });
  const url = await app.listen({ host: config.host, port: config.port });
  follower.startPolling();
  return {
    url,
    app,
    follower,
    close: async () => {
      follower.stop();
      await app.close();
    },
  };
}
