// The server's front door, registered by buildApp before any route: Host and Origin checks (DNS
// rebinding, cross-site requests), authentication when it is on, MLflow's security headers on every
// response, and a loud warning when the API is reachable from the network without authentication.
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConfigError, type Config } from '../config.js';
import { MlflowError } from '../errors.js';
import { Authenticator } from './auth.js';
import { isAllowedHost, isBlockedCrossOrigin, isLocalOrPrivateIp } from './host-check.js';

export { serverLimits } from './limits.js';

type SecurityConfig = Pick<
  Config,
  'host' | 'staticPrefix' | 'auth' | 'authUsersFile' | 'authTokensFile' | 'allowedHosts' | 'corsAllowedOrigins' | 'xFrameOptions'
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user or token name; null when authentication is off. */
    authUser: string | null;
  }
}

const UNAUTHENTICATED =
  'You are not authenticated. Send a user and password (HTTP Basic; MLFLOW_TRACKING_USERNAME and ' +
  'MLFLOW_TRACKING_PASSWORD for the MLflow client) or a token (Authorization: Bearer; MLFLOW_TRACKING_TOKEN).';

function sendError(reply: FastifyReply, error: MlflowError): FastifyReply {
  return reply.status(error.statusCode).type('application/json').send(JSON.stringify(error.toJSON()));
}

/** The route a request matched (pattern, prefix included), or undefined for a 404. */
function routeOf(req: FastifyRequest): string | undefined {
  return req.routeOptions.url;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The basic-auth app's side of authentication: its users' stored hashes. */
export interface UserSource {
  lookupUser: (name: string) => Promise<string | null>;
}

// MLflow's basic-auth app answers 401 with this text (mlflow/server/auth/__init__.py).
const MLFLOW_UNAUTHENTICATED =
  'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.';

function authenticatorFor(config: SecurityConfig, app: FastifyInstance, users: UserSource | null): Authenticator | null {
  if (users) {
    if (config.authTokensFile && !fs.existsSync(config.authTokensFile)) {
      throw new ConfigError(`The tokens file ${config.authTokensFile} does not exist: create it with \`minflow tokens add <name> --file ${config.authTokensFile}\``);
    }
    return new Authenticator({
      usersFile: null,
      tokensFile: config.authTokensFile,
      lookupUser: users.lookupUser,
      onProblems: (file, problems) => app.log.warn({ file, problems }, 'ignoring malformed lines of a credentials file'),
    });
  }
  const basic = config.auth === 'basic';
  if (!basic && !config.authTokensFile) return null;
  for (const [file, what, command] of [
    [basic ? config.authUsersFile : null, 'users', 'users add <name>'],
    [config.authTokensFile, 'tokens', 'tokens add <name>'],
  ] as const) {
    if (file && !fs.existsSync(file)) {
      throw new ConfigError(`The ${what} file ${file} does not exist: create it with \`minflow ${command} --file ${file}\``);
    }
  }
  return new Authenticator({
    usersFile: basic ? config.authUsersFile : null,
    tokensFile: config.authTokensFile,
    onProblems: (file, problems) => app.log.warn({ file, problems }, 'ignoring malformed lines of a credentials file'),
  });
}

export function registerSecurity(app: FastifyInstance, config: SecurityConfig, users: UserSource | null = null): Authenticator | null {
  const prefix = config.staticPrefix;
  // Health probes come from load balancers and orchestrators that know no Host name or password.
  const healthRoutes = new Set([`${prefix}/health`, `${prefix}/version`]);
  // Open as in MLflow's basic-auth app: health, the UI's static files (public code, no data) and
  // server-info (capability discovery before logging in).
  const openRoutes = new Set([
    `${prefix}/health`,
    `${prefix}/static-files/*`,
    `${prefix}/api/3.0/mlflow/server-info`,
    `${prefix}/ajax-api/3.0/mlflow/server-info`,
  ]);
  const auth = authenticatorFor(config, app, users);
  app.decorateRequest('authUser', null);
  if (auth) app.addHook('onClose', async () => auth.close());

  app.addHook('onRequest', async (req, reply) => {
    const route = routeOf(req);
    if (!(route && healthRoutes.has(route)) && !isAllowedHost(req.headers.host, config.allowedHosts)) {
      req.log.warn({ host: req.headers.host }, 'refused a request with a Host header that is not allowed');
      return sendError(reply, new MlflowError('PERMISSION_DENIED', 'Invalid Host header - possible DNS rebinding attack detected', 403));
    }
    if (isBlockedCrossOrigin(req.headers.origin, req.method, config.corsAllowedOrigins, req.headers.host)) {
      req.log.warn({ origin: req.headers.origin }, 'refused a cross-origin request');
      return sendError(reply, new MlflowError('PERMISSION_DENIED', 'Cross-origin request blocked', 403));
    }
    if (!auth || (route && openRoutes.has(route))) return;
    const outcome = await auth.check(req.headers.authorization, req.ip);
    if (outcome.user === null && outcome.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(outcome.retryAfterSeconds));
      const message =
        outcome.reason === 'busy'
          ? 'Too many logins are being verified right now. Retry later.'
          : `Too many failed login attempts${outcome.reason === 'user' ? ' for this user' : ' from this address'}. Retry in ${outcome.retryAfterSeconds} seconds.`;
      return sendError(reply, new MlflowError('RESOURCE_EXHAUSTED', message));
    }
    const user = outcome.user;
    if (user === null && users) {
      return reply.status(401).header('WWW-Authenticate', 'Basic realm="mlflow"').type('text/html; charset=utf-8').send(MLFLOW_UNAUTHENTICATED);
    }
    if (user === null) {
      reply.header('WWW-Authenticate', auth.challenges());
      return sendError(reply, new MlflowError('UNAUTHENTICATED', UNAUTHENTICATED));
    }
    req.authUser = user;
  });

  const frameOptions = config.xFrameOptions && config.xFrameOptions !== 'NONE' ? config.xFrameOptions : null;
  app.addHook('onSend', async (req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    // The notebook trace renderer is meant to be framed by Jupyter (MLflow skips it too).
    if (frameOptions && !req.url.startsWith(`${prefix}/static-files/lib/notebook-trace-renderer/`)) reply.header('X-Frame-Options', frameOptions);
  });

  app.addHook('onListen', async () => {
    // The scrypt thread starts now, not on the first login.
    if (auth) void auth.ready().catch(() => {});
    if (auth || isLoopbackHost(config.host)) return;
    app.log.warn(
      `SECURITY WARNING: Minflow is listening on ${config.host} without authentication: anyone who can reach this ` +
        'address can read, change and delete every experiment, run, model and artifact. Start it with --auth basic ' +
        '(and `minflow users add`) or bind it to 127.0.0.1.',
    );
    if (config.allowedHosts === null && !isLocalOrPrivateIp(config.host) && config.host !== '0.0.0.0' && config.host !== '::') {
      app.log.warn(`Requests must carry a localhost or private-IP Host header; pass --allowed-hosts to accept ${config.host}.`);
    }
  });
  return auth;
}
