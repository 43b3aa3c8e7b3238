// A fixed-concurrency HTTP load generator for the serving benchmark: `concurrency` clients, each on its
// own keep-alive connection, send the same request back to back (closed loop) for a warm-up and then a
// measured window. Latency is from send to the last byte of the response body. Windows of the same
// cell can be pooled, so a benchmark can interleave servers in rounds.
import { Pool } from 'undici';

export interface LoadOptions {
  origin: string;
  path: string;
  body: string;
  contentType: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Every measured request's latency in ms, sorted. */
  latencies: Float64Array;
  requests: number;
  errors: number;
  /** The first error status and body, for the report. */
  firstError: string | null;
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(o.origin, { connections: o.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const measureFrom = t0 + o.warmupMs;
  const end = measureFrom + o.durationMs;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const start = performance.now();
      let ok = false;
      let detail = '';
      try {
        const res = await pool.request({ path: o.path, method: 'POST', headers: { 'content-type': o.contentType }, body: o.body });
        const text = await res.body.text();
        ok = res.statusCode === 200;
        if (!ok) detail = `${res.statusCode} ${text.slice(0, 300)}`;
      } catch (e) {
        detail = (e as Error).message;
      }
      const done = performance.now();
      if (start < measureFrom || done > end) continue;
      latencies.push(done - start);
      if (!ok) {
        errors++;
        firstError ??= detail;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, () => client()));
  await pool.close();
  return summarize(Float64Array.from(latencies), o.durationMs / 1000, errors, firstError);
}

function summarize(latencies: Float64Array, seconds: number, errors: number, firstError: string | null): LoadResult {
  const sorted = latencies.slice().sort();
  return {
    latencies: sorted,
    requests: sorted.length,
    errors,
    firstError,
    seconds,
    perSecond: sorted.length / seconds,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

/** Several windows of the same cell as one: requests and seconds add up, latencies are pooled. */
export function poolResults(results: LoadResult[]): LoadResult {
  const all = new Float64Array(results.reduce((n, r) => n + r.requests, 0));
  let k = 0;
  for (const r of results) {
    all.set(r.latencies, k);
    k += r.requests;
  }
  const seconds = results.reduce((t, r) => t + r.seconds, 0);
  const errors = results.reduce((t, r) => t + r.errors, 0);
  return summarize(all, seconds, errors, results.find((r) => r.firstError !== null)?.firstError ?? null);
}
