// Closed-loop load generator on undici: N clients, each sends its next request as soon as the previous
// one has answered. A warm-up runs first (its requests are checked but not counted), then the measured
// phase runs for a fixed duration; requests in flight at the deadline finish and count, and the elapsed
// time runs until the last of them answers, so req/s = completed / elapsed.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface BenchRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: string;
  /** Values this request carries or returns (metrics logged, rows read); default 1. */
  values?: number;
  /** Checks the parsed JSON answer; returns an error message, or null when the answer is right. */
  check?: (json: unknown) => string | null;
}

/** Makes client `client`'s `iteration`-th request (iteration counts across warm-up and measurement). */
export type RequestFactory = (client: number, iteration: number) => BenchRequest;

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Parse and check every n-th measured answer (warm-up answers are all checked); 1 checks all. */
  checkEvery?: number;
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Error kind → count, e.g. "HTTP 500 INTERNAL_ERROR: database is locked", "timeout". */
  errorKinds: Record<string, number>;
  checkFailures: number;
  checked: number;
  checkMessages: string[];
  elapsedMs: number;
  reqPerSec: number;
  valuesPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  /** Warm-up answers with a wrong row count or shape, and warm-up errors (not measured, but reported). */
  warmupCheckFailures: number;
  warmupErrors: number;
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** A short, stable label for an error answer: status, MLflow error code and the start of the message. */
function errorKind(status: number, text: string): string {
  let detail = text.slice(0, 120);
  try {
    const j = JSON.parse(text) as { error_code?: string; message?: string; detail?: unknown };
    if (j.error_code) detail = `${j.error_code}: ${String(j.message ?? '').slice(0, 100)}`;
    else if (j.detail !== undefined) detail = JSON.stringify(j.detail).slice(0, 120);
  } catch {
    // not JSON: keep the raw start
  }
  // Run ids and numbers differ on every request: blank them so kinds group.
  return `HTTP ${status} ${detail.replace(/[0-9a-f]{32}/g, '<id>').replace(/\d+/g, 'N')}`;
}

export function makePool(url: string, connections: number, timeoutMs = 120_000): Pool {
  return new Pool(url, {
    connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
}

export interface Outcome {
  ok: boolean;
  status: number;
  text: string;
  error?: string;
}

/** One request; never throws: transport errors and timeouts come back as `error`. */
export async function send(pool: Pool, req: BenchRequest, wantBody: boolean): Promise<Outcome> {
  try {
    const res = await pool.request({
      method: req.method,
      path: req.path,
      body: req.body,
      headers: req.body !== undefined ? { 'content-type': 'application/json' } : {},
    });
    const ok = res.statusCode === 200;
    if (ok && !wantBody) {
      await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
      return { ok, status: res.statusCode, text: '' };
    }
    return { ok, status: res.statusCode, text: await res.body.text() };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const timeout = err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT';
    return { ok: false, status: 0, text: '', error: timeout ? 'timeout' : `${err.code ?? 'error'}: ${err.message ?? String(e)}` };
  }
}

export interface Tally {
  latencies: number[];
  values: number;
  errors: number;
  errorKinds: Record<string, number>;
  checked: number;
  checkFailures: number;
  checkMessages: string[];
}

export function newTally(): Tally {
  return { latencies: [], values: 0, errors: 0, errorKinds: {}, checked: 0, checkFailures: 0, checkMessages: [] };
}

export function record(t: Tally, req: BenchRequest, out: Outcome, ms: number, doCheck: boolean): void {
  t.latencies.push(ms);
  if (!out.ok) {
    t.errors++;
    const kind = out.error ?? errorKind(out.status, out.text);
    t.errorKinds[kind] = (t.errorKinds[kind] ?? 0) + 1;
    return;
  }
  t.values += req.values ?? 1;
  if (doCheck && req.check) {
    t.checked++;
    let message: string | null;
    try {
      message = req.check(JSON.parse(out.text));
    } catch (e) {
      message = `answer is not JSON: ${(e as Error).message}`;
    }
    if (message !== null) {
      t.checkFailures++;
      if (t.checkMessages.length < 5) t.checkMessages.push(message);
    }
  }
}

export function summarize(t: Tally, elapsedMs: number, warmup?: Tally): LoadResult {
  const sorted = Float64Array.from(t.latencies).sort();
  const seconds = elapsedMs / 1000;
  return {
    requests: t.latencies.length,
    errors: t.errors,
    errorKinds: t.errorKinds,
    checkFailures: t.checkFailures,
    checked: t.checked,
    checkMessages: t.checkMessages,
    elapsedMs,
    reqPerSec: t.latencies.length / seconds,
    valuesPerSec: t.values / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    warmupCheckFailures: warmup?.checkFailures ?? 0,
    warmupErrors: warmup?.errors ?? 0,
  };
}

/** Runs the warm-up then the measured phase; `pool` must allow `concurrency` connections. */
export async function runLoad(pool: Pool, factory: RequestFactory, options: LoadOptions): Promise<LoadResult> {
  const checkEvery = Math.max(1, options.checkEvery ?? 1);
  const iterations = new Array<number>(options.concurrency).fill(0);

  // Warm-up: every answer checked, nothing timed.
  const warm = newTally();
  if (options.warmupMs > 0) {
    const until = performance.now() + options.warmupMs;
    await Promise.all(
      iterations.map(async (_, client) => {
        while (performance.now() < until) {
          const req = factory(client, iterations[client]!++);
          const out = await send(pool, req, req.check !== undefined);
          record(warm, req, out, 0, true);
        }
      }),
    );
  }

  const tally = newTally();
  const start = performance.now();
  const deadline = start + options.durationMs;
  let counter = 0;
  await Promise.all(
    iterations.map(async (_, client) => {
      while (performance.now() < deadline) {
        const req = factory(client, iterations[client]!++);
        const doCheck = req.check !== undefined && counter++ % checkEvery === 0;
        const t0 = performance.now();
        const out = await send(pool, req, doCheck);
        record(tally, req, out, performance.now() - t0, doCheck);
      }
    }),
  );
  const result = summarize(tally, performance.now() - start, warm);
  if (warm.checkMessages.length > 0) result.checkMessages.unshift(...warm.checkMessages.map((m) => `warm-up: ${m}`));
  for (const [k, v] of Object.entries(warm.errorKinds)) result.checkMessages.push(`warm-up error ×${v}: ${k}`);
  return result;
}

/** Runs `tasks` with at most `concurrency` in flight; rejects on the first failure. */
export async function parallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}
