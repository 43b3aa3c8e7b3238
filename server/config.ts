// Flags mirror `mlflow server` (names, defaults, MLFLOW_* environment variables), folded into one
// typed Config. Everything defaults under ./mlruns so a fresh checkout needs no setup.
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface Config {
  host: string;
  port: number;
  backendStoreUri: string;
  /** Filesystem path of the SQLite database (from backendStoreUri). */
  dbFile: string;
  /** Root for new experiments' artifact locations, e.g. `mlflow-artifacts:/` or an absolute path. */
  defaultArtifactRoot: string;
  /** Where proxied artifacts are stored on disk. */
  artifactsDestination: string;
  serveArtifacts: boolean;
  /** '' or '/prefix' (leading slash, no trailing slash). */
  staticPrefix: string;
  /** The official UI build directory, when one was given or found. */
  uiDir: string | null;
  logLevel: string;
}

export const SERVER_FLAGS = {
  host: { type: 'string', short: 'h', env: 'MLFLOW_HOST', help: 'Network address to listen on (default 127.0.0.1).' },
  port: { type: 'string', short: 'p', env: 'MLFLOW_PORT', help: 'Port to listen on (default 5000).' },
  'backend-store-uri': {
    type: 'string',
    env: 'MLFLOW_BACKEND_STORE_URI',
    help: 'Metadata store, sqlite:///path/to/mlflow.db (default sqlite:///mlruns/mlflow.db).',
  },
  'default-artifact-root': {
    type: 'string',
    env: 'MLFLOW_DEFAULT_ARTIFACT_ROOT',
    help: "Artifact root of new experiments (default mlflow-artifacts:/ when serving artifacts, else the artifacts destination).",
  },
  'artifacts-destination': {
    type: 'string',
    env: 'MLFLOW_ARTIFACTS_DESTINATION',
    help: 'Directory where proxied artifacts are stored (default ./mlruns/artifacts).',
  },
  'serve-artifacts': { type: 'boolean', env: 'MLFLOW_SERVE_ARTIFACTS', help: 'Proxy artifact uploads and downloads (default on).' },
  'no-serve-artifacts': { type: 'boolean', help: 'Disable the artifact proxy.' },
  'static-prefix': { type: 'string', env: 'MLFLOW_STATIC_PREFIX', help: 'URL prefix for every route, e.g. /mlflow.' },
  'ui-dir': { type: 'string', env: 'MINFLOW_UI_DIR', help: "The official MLflow UI build (default: found in an installed mlflow wheel)." },
  'log-level': { type: 'string', env: 'MINFLOW_LOG_LEVEL', help: 'pino log level: fatal, error, warn, info, debug (default info).' },
  help: { type: 'boolean', help: 'Show this help.' },
} as const;

export class ConfigError extends Error {}

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
  const artifactsDestination = path.resolve(str('artifacts-destination') ?? 'mlruns/artifacts');
  const serveArtifacts = values['no-serve-artifacts']
    ? false
    : ((values['serve-artifacts'] as boolean | undefined) ?? envBool(env.MLFLOW_SERVE_ARTIFACTS) ?? true);
  let defaultArtifactRoot = str('default-artifact-root') ?? (serveArtifacts ? 'mlflow-artifacts:/' : artifactsDestination);
  // A relative local root resolves against the working directory, as MLflow's resolve_uri_if_local.
  if (!/^[a-zA-Z][\w+.-]*:/.test(defaultArtifactRoot)) defaultArtifactRoot = path.resolve(defaultArtifactRoot);
  const uiDir = str('ui-dir');
  return {
    host: str('host') ?? '127.0.0.1',
    port,
    backendStoreUri,
    dbFile: sqlitePathFromUri(backendStoreUri),
    defaultArtifactRoot,
    artifactsDestination,
    serveArtifacts,
    staticPrefix: normalisePrefix(str('static-prefix')),
    uiDir: uiDir ? path.resolve(uiDir) : null,
    logLevel: str('log-level') ?? 'info',
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
    lines.push(`  ${flag.padEnd(36)}${f.help}${env}`);
  }
  return lines.join('\n');
}

/** A Config for tests and embedding: every field explicit, nothing read from argv. */
export function makeConfig(overrides: Partial<Config> & { dbFile: string; artifactsDestination: string }): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    backendStoreUri: `sqlite:///${overrides.dbFile}`,
    defaultArtifactRoot: 'mlflow-artifacts:/',
    serveArtifacts: true,
    staticPrefix: '',
    uiDir: null,
    logLevel: 'silent',
    ...overrides,
  };
}
