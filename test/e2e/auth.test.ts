// Authentication, Host and Origin checks on a real server process, with users and tokens made by the
// real CLI (`minflow users add`, `minflow tokens add`).
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const PASSWORD = 'a long enough password';

function cli(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli(), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** node:http, so that the Host header can be anything. */
function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: string[]; body: string }>((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

let dir: string;
let usersFile: string;
let tokensFile: string;
let token: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = tempDir('auth');
  usersFile = path.join(dir, 'users');
  tokensFile = path.join(dir, 'tokens');
  const added = await cli(['users', 'add', 'alice', '--file', usersFile, '--password-stdin'], `${PASSWORD}\n`);
  expect(added, added.stderr).toMatchObject({ code: 0 });
  const made = await cli(['tokens', 'add', 'ci', '--file', tokensFile]);
  expect(made.code, made.stderr).toBe(0);
  token = /mft_[A-Za-z0-9_-]+/.exec(made.stdout)![0];
  server = await startServer({ args: ['--auth', 'basic', '--auth-users-file', usersFile, '--auth-tokens-file', tokensFile] });
});

afterAll(async () => {
  await server?.stop();
});

describe('minflow server --auth basic --auth-tokens-file', () => {
  it('keeps /health open and answers everything else 401 with both challenges and MLflow’s error JSON', async () => {
    expect(await request(`${server.url}/health`)).toMatchObject({ status: 200, body: 'OK' });
    for (const url of ['/api/2.0/mlflow/experiments/search?max_results=1', '/ajax-api/2.0/mlflow/runs/get?run_id=x', '/', '/graphql', '/openapi.json', '/get-artifact?path=a', '/api/2.0/mlflow-artifacts/artifacts/x', '/nope']) {
      const res = await request(`${server.url}${url}`);
      expect(res.status, url).toBe(401);
      // Two WWW-Authenticate headers on the wire (node joins them in res.headers).
      const challenges = res.raw.filter((_v, i) => i % 2 === 1 && res.raw[i - 1]!.toLowerCase() === 'www-authenticate');
      expect(challenges).toEqual(['Basic realm="mlflow", charset="UTF-8"', 'Bearer realm="mlflow"']);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body)).toMatchObject({ error_code: 'UNAUTHENTICATED', message: expect.stringMatching(/MLFLOW_TRACKING_TOKEN/) });
    }
    // Capability discovery is public, as in MLflow's basic-auth app.
    expect((await request(`${server.url}/api/3.0/mlflow/server-info`)).status).toBe(200);
  });

  it('accepts the user’s password and the token, and nothing close to them', async () => {
    const search = `${server.url}/api/2.0/mlflow/experiments/search?max_results=1`;
    expect((await request(search, { headers: basic('alice', PASSWORD) })).status).toBe(200);
    expect((await request(search, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    for (const headers of [basic('alice', `${PASSWORD}x`), basic('bob', PASSWORD), { authorization: `Bearer ${token.slice(0, -1)}` }, { authorization: token }]) {
      expect((await request(search, { headers })).status).toBe(401);
    }
  });

  it('stores no secret in the clear', async () => {
    const fs = await import('node:fs');
    expect(fs.readFileSync(usersFile, 'utf8')).not.toContain(PASSWORD);
    expect(fs.readFileSync(tokensFile, 'utf8')).not.toContain(token);
    expect(fs.statSync(usersFile).mode & 0o777).toBe(0o600);
  });

  it('guards writes and artifact downloads too; downloads carry nosniff', async () => {
    const put = `${server.url}/api/2.0/mlflow-artifacts/artifacts/auth/page.html`;
    expect((await request(put, { method: 'PUT', body: '<script>alert(1)</script>' })).status).toBe(401);
    expect((await request(put, { method: 'PUT', body: '<script>alert(1)</script>', headers: basic('alice', PASSWORD) })).status).toBe(200);
    const got = await request(put, { headers: { authorization: `Bearer ${token}` } });
    expect(got).toMatchObject({ status: 200, body: '<script>alert(1)</script>' });
    expect(got.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'content-disposition': 'attachment; filename=page.html', 'x-frame-options': 'SAMEORIGIN' });
  });

  it('picks up a user added while it runs, and a removed one stops working', async () => {
    const search = `${server.url}/api/2.0/mlflow/experiments/search?max_results=1`;
    expect((await cli(['users', 'add', 'bob', '--file', usersFile], 'bob-password-1\n')).code).toBe(0);
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await request(search, { headers: basic('bob', 'bob-password-1') })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect((await cli(['tokens', 'remove', 'ci', '--file', tokensFile])).code).toBe(0);
    for (let i = 0; i < 40 && status !== 401; i++) {
      status = (await request(search, { headers: { authorization: `Bearer ${token}` } })).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
  });

  it('refuses foreign Host headers (DNS rebinding) even with credentials, but not on /health', async () => {
    const search = `${server.url}/api/2.0/mlflow/experiments/search?max_results=1`;
    const res = await request(search, { headers: { ...basic('alice', PASSWORD), host: 'attacker.example.com' } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error_code: 'PERMISSION_DENIED', message: 'Invalid Host header - possible DNS rebinding attack detected' });
    expect((await request(`${server.url}/health`, { headers: { host: 'attacker.example.com' } })).status).toBe(200);
    expect((await request(search, { headers: { ...basic('alice', PASSWORD), host: `192.168.0.7:${server.port}` } })).status).toBe(200);
  });

  it('refuses state-changing requests from other sites’ pages', async () => {
    const create = `${server.url}/api/2.0/mlflow/experiments/create`;
    const body = JSON.stringify({ name: 'from-evil' });
    const headers = { ...basic('alice', PASSWORD), 'content-type': 'application/json' };
    const evil = await request(create, { method: 'POST', body, headers: { ...headers, origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ error_code: 'PERMISSION_DENIED', message: 'Cross-origin request blocked' });
    expect((await request(create, { method: 'POST', body, headers: { ...headers, origin: `http://localhost:${server.port}` } })).status).toBe(200);
  });
});

describe('starting', () => {
  it('warns loudly when listening beyond loopback without authentication', async () => {
    const open = await startServer({ args: ['--host', '0.0.0.0', '--log-level', 'warn'] });
    try {
      expect(open.output()).toMatch(/SECURITY WARNING: Minflow is listening on 0\.0\.0\.0 without authentication/);
    } finally {
      await open.stop();
    }
    const local = await startServer({ args: ['--log-level', 'warn'] });
    try {
      expect(local.output()).not.toMatch(/SECURITY WARNING/);
    } finally {
      await local.stop();
    }
  });

  it('refuses to start with --auth basic and no users file, saying how to make one', async () => {
    const missing = path.join(dir, 'no-such-users');
    const res = await cli(['server', '--port', '0', '--auth', 'basic', '--auth-users-file', missing, '--backend-store-uri', `sqlite:///${path.join(dir, 'x.db')}`]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`minflow users add <name> --file ${missing}`);
  });
});
