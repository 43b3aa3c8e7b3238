// Parsed connection settings (pg-uri.ts) → node-postgres client options, with libpq's sslmode
// meanings: disable/allow = no TLS (allow's fallback to TLS is not offered), prefer = TLS when the
// server offers it (probed once at start), require = TLS without verification (with sslrootcert it
// verifies the chain, as libpq), verify-ca = chain, verify-full = chain and host name.
import fs from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { PgConnectionSettings } from './pg-uri.js';

export class PgConnectError extends Error {}

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PgConnectError(`cannot read ${what} '${file}' from --backend-store-uri: ${(e as Error).message}`);
  }
}

function tlsOptions(s: PgConnectionSettings, verify: 'none' | 'ca' | 'full'): ConnectionOptions {
  const tls: ConnectionOptions = {};
  if (s.sslRootCert && s.sslRootCert !== 'system') tls.ca = readPem(s.sslRootCert, 'sslrootcert');
  if (s.sslCert) tls.cert = readPem(s.sslCert, 'sslcert');
  if (s.sslKey) tls.key = readPem(s.sslKey, 'sslkey');
  tls.rejectUnauthorized = verify !== 'none';
  if (verify === 'ca') tls.checkServerIdentity = () => undefined;
  // SNI carries host names only (RFC 6066); node checks an IP literal against the certificate without it.
  if (!s.host.startsWith('/') && net.isIP(s.host) === 0) tls.servername = s.host;
  return tls;
}

/** The TLS setting for a given mode, or 'probe' for prefer (TLS if the server has it). */
export function sslFor(s: PgConnectionSettings): false | ConnectionOptions | 'probe' {
  switch (s.sslMode) {
    case 'disable':
    case 'allow':
      return false;
    case 'prefer':
      // libpq never uses TLS over a Unix socket.
      return s.host.startsWith('/') ? false : 'probe';
    case 'require':
      return tlsOptions(s, s.sslRootCert ? 'ca' : 'none');
    case 'verify-ca':
      return tlsOptions(s, 'ca');
    case 'verify-full':
      return tlsOptions(s, 'full');
  }
}

export function clientConfig(s: PgConnectionSettings, ssl: false | ConnectionOptions): pg.ClientConfig {
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    ssl,
    connectionTimeoutMillis: s.connectTimeout ? s.connectTimeout * 1000 : undefined,
    application_name: s.applicationName ?? 'minflow',
    options: s.options,
    // TCP keepalives (libpq's keepalives=1 default): a vanished server or NAT drop is noticed on an idle pooled connection.
    keepAlive: true,
  };
}

/**
 * Connects once to settle sslmode=prefer (TLS if the server answers with it, else plain, as libpq)
 * and to check target_session_attrs, and returns the client options every pooled connection uses.
 */
export async function resolveClientConfig(s: PgConnectionSettings): Promise<pg.ClientConfig> {
  const ssl = sslFor(s);
  let config = clientConfig(s, ssl === 'probe' ? { ...tlsOptions(s, 'none') } : ssl);
  let client: pg.Client;
  try {
    client = await connect(config);
  } catch (e) {
    if (ssl !== 'probe' || !/does not support SSL/i.test((e as Error).message)) throw connectError(s, e);
    config = clientConfig(s, false);
    try {
      client = await connect(config);
    } catch (e2) {
      throw connectError(s, e2);
    }
  }
  try {
    await checkSessionAttrs(client, s);
  } finally {
    await client.end().catch(() => {});
  }
  return config;
}

async function connect(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(config);
  client.on('error', () => {}); // reported by connect()'s rejection
  try {
    await client.connect();
    return client;
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
}

/** Node reports a refused `localhost` (::1 and 127.0.0.1) as an AggregateError with an empty message. */
function describe(e: unknown): string {
  const errors = (e as { errors?: unknown }).errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map((x) => (x as Error).message).join('; ');
  return (e as Error)?.message || String(e);
}

/** "cannot connect to PostgreSQL at …" with who and where, never the password. */
function connectError(s: PgConnectionSettings, e: unknown): PgConnectError {
  const at = s.host.startsWith('/') ? `${s.host}/.s.PGSQL.${s.port}` : `${s.host}:${s.port}`;
  const err = new PgConnectError(
    `cannot connect to PostgreSQL at ${at} (database '${s.database}', user '${s.user}', sslmode=${s.sslMode}): ${describe(e)}`,
  );
  (err as { code?: unknown }).code = (e as { code?: unknown }).code;
  return err;
}

/** node-postgres has no target_session_attrs: with one host it means "refuse a server that cannot take writes". */
async function checkSessionAttrs(client: pg.Client, s: PgConnectionSettings): Promise<void> {
  const attrs = s.targetSessionAttrs;
  if (attrs === 'any') return;
  if (attrs === 'read-only' || attrs === 'standby' || attrs === 'prefer-standby') {
    throw new PgConnectError(
      `target_session_attrs=${attrs} would connect Minflow to a read-only server, but the tracking server writes; use any, read-write or primary`,
    );
  }
  const { rows } = await client.query<{ ro: string; standby: boolean }>(
    "SELECT current_setting('transaction_read_only') AS ro, pg_is_in_recovery() AS standby",
  );
  const readOnly = rows[0]!.ro === 'on';
  const standby = rows[0]!.standby;
  if ((attrs === 'read-write' && readOnly) || (attrs === 'primary' && standby)) {
    throw new PgConnectError(
      `the PostgreSQL server at ${s.host}:${s.port} is ${standby ? 'a standby' : 'read-only'}, and target_session_attrs=${attrs} asks for a ${attrs === 'primary' ? 'primary' : 'read-write'} server`,
    );
  }
}
