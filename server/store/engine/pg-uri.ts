// PostgreSQL backend-store URIs, as MLflow users write them (SQLAlchemy URLs: postgresql://,
// postgres://, postgresql+psycopg2://, postgresql+psycopg://, postgresql+pg8000://), parsed into
// driver-neutral connection settings. Missing parts fall back to libpq's environment variables
// (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, …) and then to libpq's defaults, so a
// URI that works with `mlflow server` (psycopg2 = libpq) means the same here. An option we do not
// implement is refused by name rather than silently ignored.
import os from 'node:os';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export type TargetSessionAttrs = 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';

export interface PgConnectionSettings {
  /** A host name, an IP address, or an absolute directory holding the Unix socket (libpq's convention). */
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslMode: SslMode;
  sslRootCert: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
  /** Seconds; 0 or undefined = wait indefinitely (libpq). */
  connectTimeout: number | undefined;
  applicationName: string | undefined;
  /** Command-line options sent at connection start, e.g. `-c search_path=mlflow`. */
  options: string | undefined;
  targetSessionAttrs: TargetSessionAttrs;
}

export class PgUriError extends Error {}

const SCHEMES = ['postgresql:', 'postgres:', 'postgresql+psycopg2:', 'postgresql+psycopg:', 'postgresql+pg8000:'];

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const SESSION_ATTRS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];

/** Query options understood, with the libpq environment variable each falls back to. */
const QUERY_OPTIONS: Record<string, string | null> = {
  host: 'PGHOST',
  port: 'PGPORT',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  dbname: 'PGDATABASE',
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  application_name: 'PGAPPNAME',
  options: 'PGOPTIONS',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
};

/** True for the URI schemes this module parses (the PostgreSQL backend). */
export function isPostgresUri(uri: string): boolean {
  const scheme = /^([a-zA-Z][\w+.-]*:)/.exec(uri)?.[1]?.toLowerCase();
  return scheme !== undefined && SCHEMES.includes(scheme);
}

/** The URI with its password replaced by `***`, for logs and error messages. */
export function redactPgUri(uri: string): string {
  return uri
    .replace(/^([^:]+:\/\/[^:@/?#]*):[^@/?#]*@/, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new PgUriError(`Invalid --backend-store-uri: the ${what} is not valid percent-encoding`);
  }
}

/**
 * Parses a PostgreSQL URI. `env` supplies libpq's PG* fallbacks (process.env by default); a value in
 * the URI always wins over the environment, as in libpq.
 */
export function parsePgUri(uri: string, env: NodeJS.ProcessEnv = process.env): PgConnectionSettings {
  const m = /^([a-zA-Z][\w+.-]*:)\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?(#.*)?$/.exec(uri);
  if (!m || !SCHEMES.includes(m[1]!.toLowerCase())) {
    throw new PgUriError(
      `Invalid --backend-store-uri '${redactPgUri(uri)}': expected postgresql://user:password@host:port/database ` +
        `(also postgres://, postgresql+psycopg2://, postgresql+psycopg://, postgresql+pg8000://)`,
    );
  }
  const authority = m[2]!;
  const at = authority.lastIndexOf('@');
  const userInfo = at >= 0 ? authority.slice(0, at) : undefined;
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const q = new Map<string, string>();
  for (const pair of (m[4] ?? '').slice(1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode((eq >= 0 ? pair.slice(0, eq) : pair).replace(/\+/g, ' '), 'query');
    const value = decode((eq >= 0 ? pair.slice(eq + 1) : '').replace(/\+/g, ' '), `value of '${key}'`);
    if (!(key in QUERY_OPTIONS)) {
      throw new PgUriError(
        `Unsupported option '${key}' in --backend-store-uri: Minflow understands ${Object.keys(QUERY_OPTIONS).join(', ')}`,
      );
    }
    q.set(key, value);
  }
  const fromEnv = (key: string): string | undefined => {
    const name = QUERY_OPTIONS[key];
    const v = name ? env[name] : undefined;
    return v === undefined || v === '' ? undefined : v;
  };
  const opt = (key: string): string | undefined => q.get(key) ?? fromEnv(key);

  let uriUser: string | undefined;
  let uriPassword: string | undefined;
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    uriUser = decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo, 'user name') || undefined;
    if (colon >= 0) uriPassword = decode(userInfo.slice(colon + 1), 'password');
  }

  let uriHost: string | undefined;
  let uriPort: string | undefined;
  if (hostPort !== '') {
    if (hostPort.includes(',')) {
      throw new PgUriError(
        `Invalid --backend-store-uri '${redactPgUri(uri)}': several hosts are not supported; give one host (e.g. a load balancer or pgbouncer in front of the cluster)`,
      );
    }
    const hp = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
    if (!hp) throw new PgUriError(`Invalid --backend-store-uri '${redactPgUri(uri)}': cannot read host and port '${hostPort}'`);
    const h = decode(hp[1]!, 'host');
    uriHost = h.startsWith('[') ? h.slice(1, -1) : h || undefined;
    uriPort = hp[2] || undefined;
  }
  const path = m[3] ? decode(m[3].slice(1), 'database name') : '';

  // libpq: a host given as a query option overrides the one in the authority.
  const host = q.get('host') ?? uriHost ?? fromEnv('host') ?? 'localhost';
  if (host.includes(',')) {
    throw new PgUriError('several hosts are not supported in --backend-store-uri: give one host');
  }
  const portText = q.get('port') ?? uriPort ?? fromEnv('port') ?? '5432';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new PgUriError(`Invalid port '${portText}' in --backend-store-uri (expected 1-65535)`);
  }
  const user = q.get('user') ?? uriUser ?? fromEnv('user') ?? osUser();
  const password = q.get('password') ?? uriPassword ?? fromEnv('password');
  const database = q.get('dbname') ?? (path || undefined) ?? fromEnv('dbname') ?? user;

  const sslModeText = opt('sslmode') ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(sslModeText)) {
    throw new PgUriError(`Invalid sslmode '${sslModeText}' in --backend-store-uri: use one of ${SSL_MODES.join(', ')}`);
  }
  const timeoutText = opt('connect_timeout');
  let connectTimeout: number | undefined;
  if (timeoutText !== undefined) {
    connectTimeout = Number(timeoutText);
    if (!/^\d+$/.test(timeoutText.trim())) {
      throw new PgUriError(`Invalid connect_timeout '${timeoutText}' in --backend-store-uri (whole seconds)`);
    }
    // libpq: values below 2 seconds are raised to 2; 0 means no limit.
    if (connectTimeout === 0) connectTimeout = undefined;
    else if (connectTimeout < 2) connectTimeout = 2;
  }
  const attrsText = opt('target_session_attrs') ?? 'any';
  if (!(SESSION_ATTRS as readonly string[]).includes(attrsText)) {
    throw new PgUriError(
      `Invalid target_session_attrs '${attrsText}' in --backend-store-uri: use one of ${SESSION_ATTRS.join(', ')}`,
    );
  }
  return {
    host,
    port,
    user,
    password,
    database,
    sslMode: sslModeText as SslMode,
    sslRootCert: opt('sslrootcert'),
    sslCert: opt('sslcert'),
    sslKey: opt('sslkey'),
    connectTimeout,
    applicationName: opt('application_name'),
    options: opt('options'),
    targetSessionAttrs: attrsText as TargetSessionAttrs,
  };
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'postgres';
  }
}
