// Limits: what a client sends too much of (body, batch entries, query string, nesting) gets a clear 4xx
// in MLflow's error JSON, and an upload that stalls or is abandoned is cut off and leaves no temporary
// file behind. The socket-level cases run against a listening app with a short idle timeout.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.js';
import { makeConfig } from '../../server/config.js';
import { API, createExperiment, createRun, expectError, startApi, type TestApi } from './helpers.js';

const IDLE_MS = 500;

let api: TestApi;
let runId: string;

beforeAll(async () => {
  api = await startApi();
  runId = (await createRun(api, await createExperiment(api))).info.run_id;
});
afterAll(async () => api.close());

describe('oversized and overfull requests (app.inject)', () => {
  it('refuses a JSON body over 32 MB with 413 and MLflow’s error JSON', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(33 * 1024 * 1024) });
    const res = await api.request({ method: 'POST', url: `${API}/experiments/create`, payload: huge, headers: { 'content-type': 'application/json' } });
    expectError(res, 413, 'INVALID_PARAMETER_VALUE', /Request body is too large/);
  });

  it('refuses a log-batch over MLflow’s entity limits', async () => {
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: i, timestamp: 1, step: 0 }));
    expectError(await api.post('runs/log-batch', { run_id: runId, metrics }), 400, 'INVALID_PARAMETER_VALUE', /metrics/);
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    expectError(await api.post('runs/log-batch', { run_id: runId, params }), 400, 'INVALID_PARAMETER_VALUE', /params/);
    const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    expectError(await api.post('runs/log-batch', { run_id: runId, tags }), 400, 'INVALID_PARAMETER_VALUE', /tags/);
  });

  it('answers 100,000-deep JSON with a 400 naming the field, not a stack overflow', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const res = await api.request({ method: 'POST', url: `${API}/experiments/create`, payload: `{"name": ${deep}}`, headers: { 'content-type': 'application/json' } });
    const err = expectError(res, 400, 'INVALID_PARAMETER_VALUE', /^Invalid value \[{32}\.\.\.\]{32} for parameter 'name'/);
    expect(err.message.length).toBeLessThan(400);
    const whole = await api.request({ method: 'POST', url: `${API}/runs/log-batch`, payload: deep, headers: { 'content-type': 'application/json' } });
    expectError(whole, 400, 'INVALID_PARAMETER_VALUE', /run_id/);
  });

  it('answers a path parameter over 1000 characters and an undecodable URL in MLflow’s shape', async () => {
    expectError(await api.request({ method: 'GET', url: `${API}/logged-models/${'m'.repeat(1001)}` }), 414, 'INVALID_PARAMETER_VALUE', /longer than 1000/);
    expectError(await api.request({ method: 'GET', url: `${API}/logged-models/%zz` }), 400, 'INVALID_PARAMETER_VALUE', /Malformed URL/);
  });

  it('refuses a UI upload over 10 MB', async () => {
    const res = await api.request({
      method: 'POST',
      url: `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=big.bin`,
      payload: Buffer.alloc(10 * 1024 * 1024 + 1).toString('latin1'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expectError(res, 400, 'INVALID_PARAMETER_VALUE', 'Artifact size is too large. Max size is 10MB.');
  });
});

// ---- over a real socket ---------------------------------------------------------------------------

let app: FastifyInstance;
let port: number;
let artifacts: string;

/** Sends raw bytes; resolves with what came back and when the server closed the connection. */
function rawExchange(chunks: (string | Buffer)[], opts: { gapMs?: number; endAfter?: boolean; destroyAfterMs?: number } = {}) {
  return new Promise<{ text: string; closedAfterMs: number }>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) break;
        socket.write(chunk);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      if (opts.destroyAfterMs !== undefined) setTimeout(() => socket.destroy(), opts.destroyAfterMs);
    });
    setTimeout(() => reject(new Error(`connection still open after 10 s; got: ${text.slice(0, 200)}`)), 10_000).unref();
  });
}

function putHead(file: string, length: number): string {
  return `PUT /api/2.0/mlflow-artifacts/artifacts/${file} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;
}

function leftovers(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.startsWith('.minflow-upload-')) : [];
}

async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe(`over a socket, with --request-idle-timeout ${IDLE_MS / 1000}`, () => {
  beforeAll(async () => {
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-limits-'));
    app = await buildApp(makeConfig({ dbFile: ':memory:', artifactsDestination: artifacts, requestIdleTimeoutMs: IDLE_MS }), {
      fastify: { forceCloseConnections: true },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(artifacts, { recursive: true, force: true });
  });

  it('closes a stalled upload after the idle timeout and removes its temporary file', async () => {
    const dir = path.join(artifacts, 'stalled');
    const exchange = rawExchange([putHead('stalled/big.bin', 1024 * 1024), Buffer.alloc(64 * 1024, 1)]);
    // While it waits for the rest, the upload's temporary file exists.
    expect(await eventually(() => leftovers(dir).length === 1)).toBe(true);
    const { closedAfterMs } = await exchange;
    expect(closedAfterMs).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(closedAfterMs).toBeLessThan(IDLE_MS + 2000);
    expect(await eventually(() => leftovers(dir).length === 0)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'big.bin'))).toBe(false);
  });

  it('removes the temporary file of an upload the client abandons', async () => {
    const dir = path.join(artifacts, 'abandoned');
    await rawExchange([putHead('abandoned/big.bin', 1024 * 1024), Buffer.alloc(64 * 1024, 2)], { destroyAfterMs: 100 });
    expect(await eventually(() => leftovers(dir).length === 0 && fs.existsSync(dir))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'big.bin'))).toBe(false);
  });

  it('lets a slow upload through as long as bytes keep coming', async () => {
    const parts = Array.from({ length: 8 }, (_, i) => Buffer.alloc(1000, 65 + i));
    const { text } = await rawExchange([putHead('slow/ok.bin', 8000), ...parts, ''], { gapMs: IDLE_MS / 3 });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(fs.readFileSync(path.join(artifacts, 'slow/ok.bin')).length).toBe(8000);
  });

  it('answers a request line over 16 KB with 431 in MLflow’s error JSON', async () => {
    const { text } = await rawExchange([`GET ${API}/experiments/search?filter=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`]);
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error_code: string; message: string };
    expect(body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/too large/) });
  });

  it('answers bytes that are not HTTP with 400 in MLflow’s error JSON', async () => {
    const { text } = await rawExchange(['\u0000\u0001garbage that is not http\r\n\r\n']);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ error_code: 'BAD_REQUEST' });
  });
});
