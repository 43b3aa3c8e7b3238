// Issue 14 item 2: an unauthenticated wrong-password flood must not starve a logged-in user. A real
// server with --auth basic; attackers, each from its own loopback address (127.0.0.x, as distinct
// clients are), send Basic logins with wrong passwords — half at the logged-in user's name, half at
// made-up names — as fast as the server answers, while the logged-in user downloads a 100 kB artifact
// again and again. Measured: the user's download latencies during the flood (p50/p99/max) and what the
// attackers were answered. Before the fix (scrypt on libuv's pool, no throttling) 8 attackers took a
// download from ~10 ms to seconds.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const PASSWORD = 'the right password';
const ATTACKERS = 16;
const FLOOD_MS = 8000;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function cli(args: string[], stdin = ''): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli(), ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stderr }));
    child.stdin.end(stdin);
  });
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

let server: ServerProcess;
let artifactUrl: string;
const alice = { authorization: basic('alice', PASSWORD) };

beforeAll(async () => {
  const dir = tempDir('auth-flood');
  const usersFile = path.join(dir, 'users');
  const added = await cli(['users', 'add', 'alice', '--file', usersFile, '--password-stdin'], `${PASSWORD}\n`);
  expect(added.code, added.stderr).toBe(0);
  server = await startServer({ args: ['--auth', 'basic', '--auth-users-file', usersFile] });
  const created = await request(`${server.url}/api/2.0/mlflow/runs/create`, {
    method: 'POST',
    headers: { ...alice, 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_id: '0' }),
  });
  expect(created.status, created.body.toString()).toBe(200);
  const runId = (JSON.parse(created.body.toString()) as { run: { info: { run_id: string } } }).run.info.run_id;
  artifactUrl = `${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/blob.bin`;
  const put = await request(artifactUrl, { method: 'PUT', headers: alice, body: Buffer.alloc(100 * 1024, 7) });
  expect(put.status, put.body.toString()).toBe(200);
});

afterAll(async () => {
  await server?.stop();
});

describe('a wrong-password flood (issue 14 item 2)', () => {
  it('keeps a logged-in user’s 100 kB downloads fast and answers the attackers 429 with MLflow JSON', async () => {
    const userAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const quiet: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await request(artifactUrl, { headers: alice, agent: userAgent });
      quiet.push(performance.now() - t0);
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(100 * 1024);
    }

    const stopAt = Date.now() + FLOOD_MS;
    const statuses = new Map<number, number>();
    let throttled: Answer | null = null;
    const attacker = async (i: number) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.0.${10 + i}` } as http.AgentOptions);
      let n = 0;
      while (Date.now() < stopAt) {
        const user = i % 2 === 0 ? 'alice' : `user${i}-${n}`;
        const res = await request(`${server.url}/api/2.0/mlflow/experiments/search?max_results=1`, {
          headers: { authorization: basic(user, `wrong-${i}-${n++}`) },
          agent,
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) throttled ??= res;
      }
      agent.destroy();
    };
    const during: number[] = [];
    const downloads = (async () => {
      await new Promise((r) => setTimeout(r, 500)); // the flood under way
      while (Date.now() < stopAt) {
        const t0 = performance.now();
        const res = await request(artifactUrl, { headers: alice, agent: userAgent });
        during.push(performance.now() - t0);
        expect(res.status).toBe(200);
        expect(res.body.length).toBe(100 * 1024);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await Promise.all([downloads, ...Array.from({ length: ATTACKERS }, (_, i) => attacker(i))]);
    userAgent.destroy();

    const q = [...quiet].sort((a, b) => a - b);
    const d = [...during].sort((a, b) => a - b);
    const figures = {
      attackers: ATTACKERS,
      quiet: { p50: quantile(q, 0.5), p99: quantile(q, 0.99) },
      during: { samples: d.length, p50: quantile(d, 0.5), p99: quantile(d, 0.99), max: d.at(-1) },
      attackerAnswers: Object.fromEntries(statuses),
    };
    console.log(`[auth-flood] ${JSON.stringify(figures)}`);

    expect(throttled, JSON.stringify(figures)).not.toBeNull();
    expect(JSON.parse(throttled!.body.toString())).toMatchObject({ error_code: 'RESOURCE_EXHAUSTED' });
    expect(Number(throttled!.headers['retry-after'])).toBeGreaterThan(0);
    expect(d.length).toBeGreaterThan(20);
    expect(quantile(d, 0.99), JSON.stringify(figures)).toBeLessThan(500);
    // The right password still works from a fresh address while its user name is being attacked.
    const fresh = new http.Agent({ localAddress: '127.0.0.200' } as http.AgentOptions);
    const ok = await request(artifactUrl, { headers: alice, agent: fresh });
    fresh.destroy();
    expect(ok.status).toBe(200);
  });
});
