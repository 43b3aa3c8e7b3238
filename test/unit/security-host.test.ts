// Host and Origin checks (DNS rebinding, cross-site requests) and the flags that configure security.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseServerArgs } from '../../server/config.js';
import { fnmatch, hostName, isAllowedHost, isBlockedCrossOrigin, isLocalOrPrivateIp } from '../../server/security/host-check.js';
import { isLoopbackHost } from '../../server/security/index.js';
import { clientErrorResponse } from '../../server/security/limits.js';

describe('Host header', () => {
  it('accepts localhost names and loopback/private IP literals by default, with any port', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1', '127.0.0.1:80', '127.8.9.10:1', '[::1]:5000', '[::1]', '0.0.0.0:5000', '10.1.2.3', '172.16.0.1:5000', '172.31.255.255', '192.168.1.20:5000', '[fd12:3456::1]:5000', '[fc00::1]', 'LOCALHOST:5000']) {
      expect(isAllowedHost(host, null), host).toBe(true);
    }
  });

  it('refuses public names and addresses by default — including names that only look private', () => {
    for (const host of [undefined, '', 'evil.example.com', 'evil.example.com:5000', '8.8.8.8', '172.32.0.1', '11.0.0.1', '10.attacker.example', '192.168.evil.com', 'localhost.evil.com', '[2001:db8::1]:80', '127.0.0.1.nip.io']) {
      expect(isAllowedHost(host, null), String(host)).toBe(false);
    }
  });

  it('matches --allowed-hosts patterns as fnmatch does, case-insensitively', () => {
    const allowed = ['mlflow.example.com', '*.internal', 'api-*.corp:5000'];
    expect(isAllowedHost('mlflow.example.com', allowed)).toBe(true);
    expect(isAllowedHost('MLflow.Example.com', allowed)).toBe(true);
    expect(isAllowedHost('mlflow.example.com:5000', allowed)).toBe(true); // no port in the pattern: any port
    expect(isAllowedHost('mlflow.example.com.evil:5000', allowed)).toBe(false);
    expect(isAllowedHost('x.internal', allowed)).toBe(true);
    expect(isAllowedHost('x.internal:8080', allowed)).toBe(true);
    expect(isAllowedHost('api-1.corp:5000', allowed)).toBe(true);
    expect(isAllowedHost('api-12.corp:5000', allowed)).toBe(true);
    expect(isAllowedHost('api-1.corp:5001', allowed)).toBe(false);
    expect(isAllowedHost('[::1]:5000', ['::1'])).toBe(false);
    expect(isAllowedHost('[::1]:5000', ['[::1]'])).toBe(true);
    expect(isAllowedHost('localhost', allowed)).toBe(false);
    expect(isAllowedHost('anything', ['*'])).toBe(true);
  });

  it('implements fnmatch character classes and escapes everything else', () => {
    expect(fnmatch('a.b', 'a.b')).toBe(true);
    expect(fnmatch('axb', 'a.b')).toBe(false);
    expect(fnmatch('host1', 'host[0-9]')).toBe(true);
    expect(fnmatch('hostx', 'host[!0-9]')).toBe(true);
    expect(fnmatch('[::1]:80', '[[]::1]:*')).toBe(true);
    expect(fnmatch('a(b)', 'a(b)')).toBe(true);
  });

  it('reads host names out of Host headers', () => {
    expect(hostName('Example.com:5000')).toBe('example.com');
    expect(hostName('[::1]:5000')).toBe('::1');
    expect(hostName('::1')).toBe('::1');
    expect(isLocalOrPrivateIp('::ffff:10.0.0.1')).toBe(true);
    expect(isLocalOrPrivateIp('::ffff:8.8.8.8')).toBe(false);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });
});

describe('Origin of state-changing requests', () => {
  it('lets reads, localhost pages, this server’s own pages and allowed origins through', () => {
    expect(isBlockedCrossOrigin('https://evil.example', 'GET', [])).toBe(false);
    expect(isBlockedCrossOrigin(undefined, 'POST', [])).toBe(false);
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1', 'https://localhost', 'http://[::1]:5000']) {
      expect(isBlockedCrossOrigin(origin, 'POST', []), origin).toBe(false);
    }
    expect(isBlockedCrossOrigin('http://mlflow.internal:5000', 'POST', [], 'mlflow.internal:5000')).toBe(false);
    expect(isBlockedCrossOrigin('https://app.example.com', 'DELETE', ['https://app.example.com'])).toBe(false);
    expect(isBlockedCrossOrigin('https://x.example.com', 'PATCH', ['https://*.example.com'])).toBe(false);
    expect(isBlockedCrossOrigin('https://evil.example', 'POST', ['*'])).toBe(false);
  });

  it('blocks other pages’ POST/PUT/PATCH/DELETE', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(isBlockedCrossOrigin('https://evil.example', method, [])).toBe(true);
    expect(isBlockedCrossOrigin('null', 'POST', [])).toBe(true);
    expect(isBlockedCrossOrigin('http://localhost.evil.example', 'POST', [])).toBe(true);
    expect(isBlockedCrossOrigin('http://mlflow.internal:5000', 'POST', [], 'mlflow.internal:5001')).toBe(true);
  });
});

describe('security flags', () => {
  it('defaults: no auth, loopback, default hosts, SAMEORIGIN, 60 s idle timeout', () => {
    const c = parseServerArgs([], {});
    expect(c).toMatchObject({ host: '127.0.0.1', auth: 'none', authTokensFile: null, allowedHosts: null, corsAllowedOrigins: [], xFrameOptions: 'SAMEORIGIN', requestIdleTimeoutMs: 60_000, allowedArtifactRoots: [] });
    expect(c.authUsersFile).toMatch(/mlruns\/minflow-users$/);
  });

  it('reads flags and MLflow’s environment variables', () => {
    const c = parseServerArgs(
      ['--auth', 'basic', '--auth-users-file', '/etc/minflow/users', '--auth-tokens-file', 'tok', '--request-idle-timeout', '2.5', '--allowed-artifact-roots', '/data/a, /data/b', '--x-frame-options', 'deny'],
      { MLFLOW_SERVER_ALLOWED_HOSTS: 'a.example, *.b', MLFLOW_SERVER_CORS_ALLOWED_ORIGINS: 'https://ui.example' },
    );
    expect(c).toMatchObject({
      auth: 'basic',
      authUsersFile: '/etc/minflow/users',
      allowedHosts: ['a.example', '*.b'],
      corsAllowedOrigins: ['https://ui.example'],
      xFrameOptions: 'DENY',
      requestIdleTimeoutMs: 2500,
      allowedArtifactRoots: ['/data/a', '/data/b'],
    });
    expect(c.authTokensFile).toMatch(/\/tok$/);
  });

  it('refuses unknown auth modes and bad timeouts', () => {
    expect(() => parseServerArgs(['--auth', 'ldap'], {})).toThrow(ConfigError);
    expect(() => parseServerArgs(['--request-idle-timeout', '-1'], {})).toThrow(ConfigError);
  });

  it('answers socket-level client errors in MLflow’s error JSON', () => {
    expect(clientErrorResponse('HPE_HEADER_OVERFLOW').status).toBe(431);
    expect(JSON.parse(clientErrorResponse('HPE_INVALID_METHOD').body)).toMatchObject({ error_code: 'BAD_REQUEST' });
  });
});
