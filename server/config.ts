// Flags mirror `mlflow server` (names, defaults, MLFLOW_* environment variables), folded into one
// typed Config. Everything defaults under ./mlruns so a fresh checkout needs no setup.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isPostgresUri, parsePgUri, redactPgUri } from './store/engine/pg-uri.js';

export interface Config {
  host: string;
  port: number;
  backendStoreUri: string;
  /** Filesystem path of the SQLite database (from backendStoreUri); '' on PostgreSQL. */
  dbFile: string;
  /** The metadata engine backendStoreUri names. */
  backend: Backend;
  /** Root for new experiments' artifact locations, e.g. `mlflow-artifacts:/` or an absolute path. */
  defaultArtifactRoot: string;
  /** Where proxied artifacts are stored: an absolute directory or `s3://bucket/prefix`. */
  artifactsDestination: string;
  serveArtifacts: boolean;
  /** '' or '/prefix' (leading slash, no trailing slash). */
  staticPrefix: string;
  /** The official UI build directory, when one was given or found. */
  uiDir: string | null;
  logLevel: string;
  /** 'basic': every request but /health needs a user (Basic) or a token (Bearer); see server/security. */
  auth: 'none' | 'basic';
  /** Users and scrypt password hashes (`minflow users add`); read when auth is 'basic'. */
  authUsersFile: string;
  /** SHA-256 hashes of bearer tokens (`minflow tokens add`); null = no tokens. Turns auth on by itself. */
  authTokensFile: string | null;
  /** `--app-name basic-auth`: MLflow's users and permissions (server/security/basic-auth/); null = none. */
  appName: 'basic-auth' | null;
  /** Host header patterns (fnmatch, as MLflow's --allowed-hosts); null = localhost names and loopback/private IPs. */
  allowedHosts: string[] | null;
  /** Origins allowed to send state-changing API requests besides localhost ones (MLflow's --cors-allowed-origins). */
  corsAllowedOrigins: string[];
  /** X-Frame-Options on every response ('NONE' = not sent), as MLflow's --x-frame-options. */
  xFrameOptions: string;
  /** A connection with no bytes moving for this long is closed (stalled uploads); 0 = never. */
  requestIdleTimeoutMs: number;
  /** Local directories, besides the artifacts destination and a local default root, that artifact locations may use. */
  allowedArtifactRoots: string[];
  /** SQLite: create the database even where the data directory shows an earlier one was lost. */
  init: boolean;
  /** SQLite: 'full' (default) fsyncs every commit; 'normal' only at checkpoints. */
  sqliteSynchronous: 'full' | 'normal';
}

/** Where `--auth basic` and `minflow users` look for users when no file is named. */
export const DEFAULT_USERS_FILE = 'mlruns/minflow-users';

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export const SERVER_FLAGS = {
  host: { type: 'string', short: 'h', env: 'MLFLOW_HOST', help: 'Network address to listen on (default 127.0.0.1).' },
  port: { type: 'string', short: 'p', env: 'MLFLOW_PORT', help: 'Port to listen on (default 5000).' },
  'backend-store-uri': {
    type: 'string',
    env: 'MLFLOW_BACKEND_STORE_URI',
    help: 'Metadata store: sqlite:///path/to/mlflow.db (default sqlite:///mlruns/mlflow.db) or postgresql://user:password@host:port/database (PG* variables as libpq).',
  },
  'default-artifact-root': {
    type: 'string',
    env: 'MLFLOW_DEFAULT_ARTIFACT_ROOT',
    help: "Artifact root of new experiments (default mlflow-artifacts:/ when serving artifacts, else the artifacts destination).",
  },
  'artifacts-destination': {
    type: 'string',
    env: 'MLFLOW_ARTIFACTS_DESTINATION',
    help: 'Directory or s3://bucket/prefix where proxied artifacts are stored (default ./mlruns/artifacts); S3 reads MLFLOW_S3_ENDPOINT_URL and AWS_*.',
  },
  'serve-artifacts': { type: 'boolean', env: 'MLFLOW_SERVE_ARTIFACTS', help: 'Proxy artifact uploads and downloads (default on).' },
  'no-serve-artifacts': { type: 'boolean', help: 'Disable the artifact proxy.' },
  'static-prefix': { type: 'string', env: 'MLFLOW_STATIC_PREFIX', help: 'URL prefix for every route, e.g. /mlflow.' },
  'ui-dir': { type: 'string', env: 'MINFLOW_UI_DIR', help: "The official MLflow UI build (default: found in an installed mlflow wheel)." },
  'log-level': { type: 'string', env: 'MINFLOW_LOG_LEVEL', help: 'pino log level: fatal, error, warn, info, debug (default info).' },
  auth: { type: 'string', env: 'MINFLOW_AUTH', help: "'basic' requires a user (HTTP Basic) or a token (Bearer) on every request but /health (default none)." },
  'auth-users-file': {
    type: 'string',
    env: 'MINFLOW_AUTH_USERS_FILE',
    help: `Users and scrypt password hashes, managed with \`minflow users add\` (default ${DEFAULT_USERS_FILE}).`,
  },
  'app-name': { type: 'string', help: "'basic-auth': MLflow's users and per-experiment / per-model permissions, configured by MLFLOW_AUTH_CONFIG_PATH." },
  'auth-tokens-file': {
    type: 'string',
    env: 'MINFLOW_AUTH_TOKENS_FILE',
    help: 'Hashed bearer tokens, managed with `minflow tokens add`; giving it turns authentication on.',
  },
  'allowed-hosts': {
    type: 'string',
    env: 'MLFLOW_SERVER_ALLOWED_HOSTS',
    help: "Comma-separated Host header patterns, e.g. mlflow.example.com,*.internal (default: localhost and loopback/private IPs; '*' = any).",
  },
  'cors-allowed-origins': {
    type: 'string',
    env: 'MLFLOW_SERVER_CORS_ALLOWED_ORIGINS',
    help: 'Comma-separated origins (besides localhost) whose pages may send state-changing API requests.',
  },
  'x-frame-options': { type: 'string', env: 'MLFLOW_SERVER_X_FRAME_OPTIONS', help: "X-Frame-Options header: SAMEORIGIN (default), DENY or NONE." },
  'request-idle-timeout': {
    type: 'string',
    env: 'MINFLOW_REQUEST_IDLE_TIMEOUT',
    help: 'Seconds a connection may send or receive nothing (e.g. a stalled upload) before it is closed (default 60; 0 = never).',
  },
  'allowed-artifact-roots': {
    type: 'string',
    env: 'MINFLOW_ALLOWED_ARTIFACT_ROOTS',
    help: 'Comma-separated local directories, besides the artifacts destination, that experiment artifact locations may point into.',
  },
  init: {
    type: 'boolean',
    help: 'SQLite: create a new, empty database even though artifacts (or -wal/lock files) show one existed and is now missing.',
  },
  'sqlite-synchronous': {
    type: 'string',
    env: 'MINFLOW_SQLITE_SYNCHRONOUS',
    help: 'SQLite durability: full (default; every acknowledged write survives a power loss) or normal (faster commits; the last ones may be lost on a power loss).',
  },
  help: { type: 'boolean', help: 'Show this help.' },
} as const;

export class ConfigError extends Error {}

export type Backend = { kind: 'sqlite'; file: string } | { kind: 'postgres'; uri: string };

/** sqlite:///… → the SQLite file; postgresql:// (and SQLAlchemy's spellings) → PostgreSQL, checked here. */
export function backendFromUri(uri: string, env: NodeJS.ProcessEnv = process.env): Backend {
  if (isPostgresUri(uri)) {
    try {
      parsePgUri(uri, env);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    return { kind: 'postgres', uri };
  }
  if (!/^sqlite:/i.test(uri)) {
    throw new ConfigError(
      `Unsupported --backend-store-uri '${redactPgUri(uri)}': Minflow stores metadata in SQLite (sqlite:///path/to/mlflow.db) or PostgreSQL (postgresql://user:password@host:port/database)`,
    );
  }
  return { kind: 'sqlite', file: sqlitePathFromUri(uri) };
}


/** sqlite:///relative/path or sqlite:////absolute/path, as SQLAlchemy URLs spell them. */
export function sqlitePathFromUri(uri: string): string {
  const m = /^sqlite:\/\/\/(.*)$/.exec(uri);
  if (!m) {
    throw new ConfigError(
      `Unsupported --backend-store-uri '${uri}': Minflow stores metadata in SQLite; use sqlite:///path/to/mlflow.db`,
    );
  }
  const file = m[1]!;
  if (file === '' || file === ':memory:') return ':memory:';
  return path.resolve(file);
}

function normalisePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  if (!prefix.startsWith('/') || prefix.endsWith('/')) {
    throw new ConfigError("--static-prefix must begin with a '/' and must not end with a '/', e.g. /mlflow");
  }
  return prefix;
}

/** An artifact location flag: `s3://bucket/prefix` as given, anything else a local directory. */
function localOrS3(value: string): string {
  return /^s3:\/\//i.test(value) ? value : path.resolve(value);
}

function envBool(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

export function parseServerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Config & { help: boolean } {
  const options = Object.fromEntries(
    Object.entries(SERVER_FLAGS).map(([name, f]) => [name, 'short' in f ? { type: f.type, short: f.short } : { type: f.type }]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string }>;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as typeof values;
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const str = (name: keyof typeof SERVER_FLAGS): string | undefined => {
    const v = values[name];
    if (typeof v === 'string') return v;
    const envName = (SERVER_FLAGS[name] as { env?: string }).env;
    return envName ? env[envName] || undefined : undefined;
  };
  const port = Number(str('port') ?? '5000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`Invalid --port '${str('port')}'`);
  const backendStoreUri = str('backend-store-uri') ?? 'sqlite:///mlruns/mlflow.db';
  const backend = backendFromUri(backendStoreUri, env);
  const artifactsDestination = localOrS3(str('artifacts-destination') ?? 'mlruns/artifacts');
  const serveArtifacts = values['no-serve-artifacts']
    ? false
    : ((values['serve-artifacts'] as boolean | undefined) ?? envBool(env.MLFLOW_SERVE_ARTIFACTS) ?? true);
  let defaultArtifactRoot = str('default-artifact-root') ?? (serveArtifacts ? 'mlflow-artifacts:/' : artifactsDestination);
  // A relative local root resolves against the working directory, as MLflow's resolve_uri_if_local.
  if (!/^[a-zA-Z][\w+.-]*:/.test(defaultArtifactRoot)) defaultArtifactRoot = path.resolve(defaultArtifactRoot);
  const uiDir = str('ui-dir');
  const auth = str('auth') ?? 'none';
  if (auth !== 'none' && auth !== 'basic') throw new ConfigError(`Invalid --auth '${auth}': use basic or none`);
  const idleSeconds = Number(str('request-idle-timeout') ?? '60');
  if (!Number.isFinite(idleSeconds) || idleSeconds < 0) throw new ConfigError(`Invalid --request-idle-timeout '${str('request-idle-timeout')}'`);
  const sqliteSynchronous = (str('sqlite-synchronous') ?? 'full').toLowerCase();
  if (sqliteSynchronous !== 'full' && sqliteSynchronous !== 'normal') {
    throw new ConfigError(`Invalid --sqlite-synchronous '${str('sqlite-synchronous')}': use full or normal`);
  }
  const tokensFile = str('auth-tokens-file');
  const appName = str('app-name') ?? null;
  if (appName !== null && appName !== 'basic-auth') throw new ConfigError(`Invalid --app-name '${appName}': the only app is basic-auth`);
  const hosts = commaList(str('allowed-hosts'));
  return {
    host: str('host') ?? '127.0.0.1',
    port,
    backendStoreUri,
    dbFile: backend.kind === 'sqlite' ? backend.file : '',
    backend,
    defaultArtifactRoot,
    artifactsDestination,
    serveArtifacts,
    staticPrefix: normalisePrefix(str('static-prefix')),
    uiDir: uiDir ? path.resolve(uiDir) : null,
    logLevel: str('log-level') ?? 'info',
    auth,
    authUsersFile: path.resolve(str('auth-users-file') ?? DEFAULT_USERS_FILE),
    authTokensFile: tokensFile ? path.resolve(tokensFile) : null,
    appName,
    allowedHosts: hosts.length > 0 ? hosts : null,
    corsAllowedOrigins: commaList(str('cors-allowed-origins')),
    xFrameOptions: (str('x-frame-options') ?? 'SAMEORIGIN').toUpperCase(),
    requestIdleTimeoutMs: Math.round(idleSeconds * 1000),
    allowedArtifactRoots: commaList(str('allowed-artifact-roots')).map(localOrS3),
    init: values.init === true,
    sqliteSynchronous,
    help: values.help === true,
  };
}

export function serverHelp(): string {
  const lines = [
    'Usage: minflow server [options]',
    '',
    'Start the Minflow tracking server: MLflow REST API, model registry and artifact proxy on SQLite.',
    'Flags mirror `mlflow server`; each can also be set through the environment variable shown.',
    '',
    'Options:',
  ];
  for (const [name, f] of Object.entries(SERVER_FLAGS)) {
    const flag = `${'short' in f ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ' <value>' : ''}`;
    const env = 'env' in f ? ` [env: ${f.env}]` : '';
    lines.push(`  ${flag.padEnd(38)}${f.help}${env}`);
  }
  return lines.join('\n');
}

/** A Config for tests and embedding: every field explicit, nothing read from argv. */
export function makeConfig(overrides: Partial<Config> & { dbFile: string; artifactsDestination: string }): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    backendStoreUri: `sqlite:///${overrides.dbFile}`,
    backend: overrides.backendStoreUri && isPostgresUri(overrides.backendStoreUri)
      ? { kind: 'postgres', uri: overrides.backendStoreUri }
      : { kind: 'sqlite', file: overrides.dbFile },
    defaultArtifactRoot: 'mlflow-artifacts:/',
    serveArtifacts: true,
    staticPrefix: '',
    uiDir: null,
    logLevel: 'silent',
    auth: 'none',
    authUsersFile: path.resolve(DEFAULT_USERS_FILE),
    authTokensFile: null,
    appName: null,
    allowedHosts: null,
    corsAllowedOrigins: [],
    xFrameOptions: 'SAMEORIGIN',
    requestIdleTimeoutMs: 60_000,
    allowedArtifactRoots: [],
    init: false,
    sqliteSynchronous: 'full',
    ...overrides,
  };
}
