// Shared by the hardening-*.test.ts files (issue 14): a real server process on loopback (the vitest
// project's backend, test/helpers/server-process.ts) and a /health probe that runs in its own child
// process — so that the test process building and sending an attack never delays the measurement —
// and reports the latencies it saw while the attack ran.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export { startServer, type ServerProcess } from '../helpers/server-process.js';

export interface HealthFigures {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  /** Probes that failed (connection refused/reset, non-200). */
  failures: number;
  /** The five slowest probes (ms), for the failure message. */
  slowest: number[];
}

// The probe: GET /health one after another (a fresh connection each, as a load balancer probes),
// 10 ms apart, until stdin closes; then the latencies as one JSON line on stdout.
const PROBE = `
const http = require('node:http');
const url = new URL(process.argv[1]);
const latencies = []; let failures = 0; let stop = false;
process.stdin.on('data', () => {}); process.stdin.on('end', () => { stop = true; });
function probe() {
  if (stop) { process.stdout.write(JSON.stringify({ latencies, failures }) + '\\n'); return; }
  const t0 = performance.now();
  const req = http.get({ host: url.hostname, port: url.port, path: '/health', agent: false }, (res) => {
    res.resume();
    res.on('end', () => { latencies.push(performance.now() - t0); if (res.statusCode !== 200) failures++; setTimeout(probe, 10); });
  });
  req.setTimeout(60000, () => req.destroy(new Error('probe timeout')));
  req.on('error', () => { failures++; latencies.push(performance.now() - t0); setTimeout(probe, 10); });
}
process.stdout.write('ready\\n');
probe();
`;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * /health latencies (ms) seen while `attack` runs. The probe starts first and keeps probing until
 * the attack's promise settles; at least `minMs` of probing either way.
 */
export async function healthDuring(url: string, attack: () => Promise<unknown>, minMs = 500): Promise<HealthFigures & { attack: unknown }> {
  const child = spawn(process.execPath, ['-e', PROBE, `${url}/health`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('ready\n')) await once(child.stdout, 'data');
  const started = Date.now();
  let result: unknown;
  try {
    result = await attack();
  } finally {
    const left = minMs - (Date.now() - started);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    child.stdin.end();
    await once(child, 'exit');
  }
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`the /health probe printed no result: ${out}`);
  const { latencies, failures } = JSON.parse(line) as { latencies: number[]; failures: number };
  const sorted = [...latencies].sort((a, b) => a - b);
  return { samples: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN, failures, slowest: sorted.slice(-5).reverse().map(Math.round), attack: result };
}

/** POST a JSON body (text given as is, so that a test can send megabytes it built once). */
export async function postJson(url: string, body: string | object, signal?: AbortSignal): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text.slice(0, 200) };
  }
  return { status: res.status, json };
}

/** Runs `count` calls of `one`, `concurrency` at a time; the results in order. */
export async function runConcurrently<T>(count: number, concurrency: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await one(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

/** One line per figure, printed by the tests for the report (before/after per item). */
export function report(item: string, figures: Record<string, unknown>): void {
  console.log(`[hardening] ${item} ${JSON.stringify(figures)}`);
}
