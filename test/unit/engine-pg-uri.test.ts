// PostgreSQL URIs as MLflow users write them → connection settings; sslmode → TLS options; the
// `?` → `$n` translation. Pure functions: no server needed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendFromUri, ConfigError } from '../../server/config.js';
import { poolFromEnv } from '../../server/store/engine/open.js';
import { clientConfig, sslFor } from '../../server/store/engine/pg-connect.js';
import { translatePlaceholders } from '../../server/store/engine/pg-sql.js';
import { isPostgresUri, parsePgUri, redactPgUri } from '../../server/store/engine/pg-uri.js';

const noEnv = {};

describe('parsePgUri', () => {
  it.each([
    'postgresql://u:p@db.example.com:6543/mlflow',
    'postgres://u:p@db.example.com:6543/mlflow',
    'postgresql+psycopg2://u:p@db.example.com:6543/mlflow',
    'postgresql+psycopg://u:p@db.example.com:6543/mlflow',
    'postgresql+pg8000://u:p@db.example.com:6543/mlflow',
  ])('reads %s', (uri) => {
    expect(isPostgresUri(uri)).toBe(true);
    const s = parsePgUri(uri, noEnv);
    expect(s).toMatchObject({ host: 'db.example.com', port: 6543, user: 'u', password: 'p', database: 'mlflow', sslMode: 'prefer' });
  });

  it('does not take other schemes', () => {
    expect(isPostgresUri('sqlite:///x.db')).toBe(false);
    expect(isPostgresUri('mysql://u@h/db')).toBe(false);
    expect(isPostgresUri('postgresql+asyncpg://u@h/db')).toBe(false);
    expect(() => parsePgUri('mysql://u@h/db', noEnv)).toThrow(/expected postgresql:\/\//);
  });

  it('URL-decodes the user, password and database', () => {
    const s = parsePgUri('postgresql://me%40corp:p%40ss%3Aw%2Frd%25@h/my%20db', noEnv);
    expect(s.user).toBe('me@corp');
    expect(s.password).toBe('p@ss:w/rd%');
    expect(s.database).toBe('my db');
  });

  it('falls back to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE as libpq does, the URI winning', () => {
    const env = { PGHOST: 'envhost', PGPORT: '7777', PGUSER: 'envuser', PGPASSWORD: 'envpass', PGDATABASE: 'envdb' };
    expect(parsePgUri('postgresql://', env)).toMatchObject({
      host: 'envhost',
      port: 7777,
      user: 'envuser',
      password: 'envpass',
      database: 'envdb',
    });
    expect(parsePgUri('postgresql://u@h:1234/d', env)).toMatchObject({ host: 'h', port: 1234, user: 'u', password: 'envpass', database: 'd' });
    expect(parsePgUri('postgresql://u:@h/d', env).password).toBe('');
  });

  it('defaults like libpq: localhost, 5432, the OS user, database = user', () => {
    const s = parsePgUri('postgresql://', noEnv);
    expect(s.host).toBe('localhost');
    expect(s.port).toBe(5432);
    expect(s.user).toBe(os.userInfo().username);
    expect(s.database).toBe(s.user);
    expect(s.password).toBeUndefined();
  });

  it('takes a Unix socket directory from ?host=, and an IPv6 literal', () => {
    expect(parsePgUri('postgresql://u@/mlflow?host=/var/run/postgresql', noEnv)).toMatchObject({ host: '/var/run/postgresql', database: 'mlflow' });
    expect(parsePgUri('postgresql:///mlflow?host=%2Ftmp&port=5433', noEnv)).toMatchObject({ host: '/tmp', port: 5433 });
    expect(parsePgUri('postgresql://u@[::1]:5433/d', noEnv)).toMatchObject({ host: '::1', port: 5433 });
  });

  it('reads the libpq query options', () => {
    const s = parsePgUri(
      'postgresql://u@h/d?sslmode=verify-full&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem&connect_timeout=10' +
        '&application_name=tracking%201&options=-c%20statement_timeout%3D5000&target_session_attrs=read-write',
      noEnv,
    );
    expect(s).toMatchObject({
      sslMode: 'verify-full',
      sslRootCert: '/ca.pem',
      sslCert: '/c.pem',
      sslKey: '/k.pem',
      connectTimeout: 10,
      applicationName: 'tracking 1',
      options: '-c statement_timeout=5000',
      targetSessionAttrs: 'read-write',
    });
    expect(parsePgUri('postgresql://u@h/d?connect_timeout=1', noEnv).connectTimeout).toBe(2);
    expect(parsePgUri('postgresql://u@h/d?connect_timeout=0', noEnv).connectTimeout).toBeUndefined();
    expect(parsePgUri('postgresql://u@h/d', { PGSSLMODE: 'require', PGAPPNAME: 'x' })).toMatchObject({ sslMode: 'require', applicationName: 'x' });
  });

  it('refuses what it does not understand, naming it', () => {
    expect(() => parsePgUri('postgresql://u@h/d?sslmode=sometimes', noEnv)).toThrow(/Invalid sslmode 'sometimes'.*verify-full/);
    expect(() => parsePgUri('postgresql://u@h/d?keepalives=1', noEnv)).toThrow(/Unsupported option 'keepalives'.*sslmode/);
    expect(() => parsePgUri('postgresql://u@h/d?client_encoding=latin1', noEnv)).toThrow(/Unsupported option 'client_encoding'/);
    expect(() => parsePgUri('postgresql://u@h:99999/d', noEnv)).toThrow(/Invalid port '99999'/);
    expect(() => parsePgUri('postgresql://u@h:5432,h2:5432/d', noEnv)).toThrow(/several hosts/);
    expect(() => parsePgUri('postgresql://u@h/d?connect_timeout=soon', noEnv)).toThrow(/Invalid connect_timeout/);
    expect(() => parsePgUri('postgresql://u@h/d?target_session_attrs=whatever', noEnv)).toThrow(/Invalid target_session_attrs/);
    expect(() => parsePgUri('postgresql://u:%zz@h/d', noEnv)).toThrow(/password is not valid percent-encoding/);
  });

  it('never echoes the password', () => {
    expect(redactPgUri('postgresql://u:s3cret@h/d?password=s3cret&x=1')).toBe('postgresql://u:***@h/d?password=***&x=1');
    try {
      parsePgUri('postgresql://u:s3cret@h:5432,h2/d', noEnv);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
  });
});

describe('sslmode → TLS options (libpq meanings)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-ssl-'));
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const s = (query: string) => parsePgUri(`postgresql://u@db.example.com/d?${query}`, noEnv);

  it('disable and allow: no TLS; prefer: probed (never over a Unix socket)', () => {
    expect(sslFor(s('sslmode=disable'))).toBe(false);
    expect(sslFor(s('sslmode=allow'))).toBe(false);
    expect(sslFor(s('sslmode=prefer'))).toBe('probe');
    expect(sslFor(s(''))).toBe('probe');
    expect(sslFor(parsePgUri('postgresql://u@/d?host=/var/run/postgresql', noEnv))).toBe(false);
  });

  it('require: TLS without verification, unless a root certificate is given (then the chain, as verify-ca)', () => {
    expect(sslFor(s('sslmode=require'))).toMatchObject({ rejectUnauthorized: false, servername: 'db.example.com' });
    expect(sslFor(parsePgUri('postgresql://u@10.0.0.5/d?sslmode=require', noEnv))).not.toHaveProperty('servername');
    const withCa = sslFor(s(`sslmode=require&sslrootcert=${ca}`));
    expect(withCa).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(typeof (withCa as { checkServerIdentity?: unknown }).checkServerIdentity).toBe('function');
  });

  it('verify-ca checks the chain only; verify-full the chain and the host name', () => {
    const vca = sslFor(s(`sslmode=verify-ca&sslrootcert=${ca}`)) as { rejectUnauthorized: boolean; checkServerIdentity?: () => unknown };
    expect(vca.rejectUnauthorized).toBe(true);
    expect(vca.checkServerIdentity?.()).toBeUndefined();
    const vfull = sslFor(s('sslmode=verify-full')) as { rejectUnauthorized: boolean; checkServerIdentity?: unknown };
    expect(vfull.rejectUnauthorized).toBe(true);
    expect(vfull.checkServerIdentity).toBeUndefined();
  });

  it('a certificate file that cannot be read is a clear error', () => {
    expect(() => sslFor(s('sslmode=verify-full&sslcert=/nonexistent/client.pem'))).toThrow(/cannot read sslcert '\/nonexistent\/client.pem'/);
  });

  it('connection options reach the driver', () => {
    const c = clientConfig(parsePgUri('postgresql://u:p@h:6000/d?connect_timeout=7&application_name=a&options=-c%20x%3D1', noEnv), false);
    expect(c).toMatchObject({ host: 'h', port: 6000, user: 'u', password: 'p', database: 'd', connectionTimeoutMillis: 7000, application_name: 'a', options: '-c x=1', ssl: false, keepAlive: true });
  });
});

describe("pool size from MLflow's MLFLOW_SQLALCHEMYSTORE_* variables", () => {
  it('gives the connection budget SQLAlchemy would (pool_size 5 + max_overflow 10 by default), else 10', () => {
    expect(poolFromEnv({})).toEqual({ size: 10, recycleSeconds: undefined });
    expect(poolFromEnv({ MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '20' })).toEqual({ size: 30, recycleSeconds: undefined });
    expect(poolFromEnv({ MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '4', MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: '0' }).size).toBe(4);
    expect(poolFromEnv({ MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: '2' }).size).toBe(7);
    expect(poolFromEnv({ MLFLOW_SQLALCHEMYSTORE_POOL_RECYCLE: '300' }).recycleSeconds).toBe(300);
    expect(() => poolFromEnv({ MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: 'many' })).toThrow(/Invalid MLFLOW_SQLALCHEMYSTORE_POOL_SIZE 'many'/);
    expect(() => poolFromEnv({ MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '0' })).toThrow(/≥ 1/);
  });
});

describe('--backend-store-uri (config)', () => {
  it('keeps SQLite as it was and adds PostgreSQL', () => {
    expect(backendFromUri('sqlite:///:memory:')).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(backendFromUri('sqlite:///rel/x.db')).toEqual({ kind: 'sqlite', file: path.resolve('rel/x.db') });
    expect(backendFromUri('postgresql+psycopg2://u:p@h/d')).toEqual({ kind: 'postgres', uri: 'postgresql+psycopg2://u:p@h/d' });
  });

  it('refuses other schemes and bad PostgreSQL URIs at start, as ConfigError', () => {
    expect(() => backendFromUri('mysql://u:pw@h/d')).toThrow(ConfigError);
    expect(() => backendFromUri('mysql://u:pw@h/d')).toThrow(/SQLite .* or PostgreSQL/);
    expect(() => backendFromUri('mysql://u:pw@h/d')).not.toThrow(/pw/);
    expect(() => backendFromUri('postgresql://u@h/d?bogus=1')).toThrow(ConfigError);
  });
});

describe('? → $n', () => {
  it('numbers placeholders in code', () => {
    expect(translatePlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?)')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)',
      params: 3,
    });
    expect(translatePlaceholders('SELECT 1')).toEqual({ text: 'SELECT 1', params: 0 });
  });

  it("leaves ? in 'literals' ('' escapes), \"identifiers\", E'…' strings, dollar quotes and comments", () => {
    const sql = `SELECT 'a?b', 'it''s ?', "col?" , E'x\\'?', $$?$$, $tag$ ? $tag$, x -- what?
      /* why? /* nested? */ still? */ FROM t WHERE k = ? AND v = ?`;
    const t = translatePlaceholders(sql);
    expect(t.params).toBe(2);
    expect(t.text.endsWith('WHERE k = $1 AND v = $2')).toBe(true);
    expect(t.text).toContain(`'a?b', 'it''s ?', "col?" , E'x\\'?', $$?$$, $tag$ ? $tag$, x -- what?`);
    expect(t.text).toContain('/* why? /* nested? */ still? */');
  });

  it('a $ inside an identifier or a $n parameter is not a dollar quote', () => {
    expect(translatePlaceholders('SELECT a$b, ? FROM t').text).toBe('SELECT a$b, $1 FROM t');
  });
});
