// The ten workloads of issue 7, each a function of one running server. Load workloads return the
// load generator's figures plus the server's peak RSS over the workload; 8, 9 and 10 have their own
// shapes. Every read checks its row count: an empty or short page is a failure, not a fast answer.
import { performance } from 'node:perf_hooks';
import {
  BASE_TIME,
  SEARCH_PAGE,
  UI_FILTER,
  UI_ORDER_BY,
  UI_PAGE,
  bigBatch,
  uiExpectedRows,
  writerBatch,
  type Sizes,
} from './data.js';
import { makePool, newTally, record, runLoad, send, summarize, type BenchRequest, type LoadResult, type RequestFactory } from './load.js';
import { API, createExperiment, createRun, type ApiClient, type Seeded } from './seed.js';
import type { RunningServer } from './servers.js';

export interface Context {
  server: RunningServer;
  api: ApiClient;
  sizes: Sizes;
  seeded: Seeded;
  /** Experiments the harness created so far, Default included. */
  experiments: number;
  /** Appended to the names of the experiments the workloads create (a second pass on the same data). */
  nameSuffix?: string;
  log(message: string): void;
}

export interface LoadWorkload {
  kind: 'load';
  id: string;
  title: string;
  concurrency: number;
  valuesLabel: string;
  load: LoadResult;
  peakRssMiB: number;
}

export interface Spec {
  id: string;
  title: string;
  concurrency: number;
  valuesLabel: string;
  durationMs: number;
  checkEvery?: number;
  factory: RequestFactory;
}

/** Runs one load workload against ctx.server (also for the workloads in other modules, e.g. wide.ts). */
export async function measureLoad(ctx: Context, spec: Spec): Promise<LoadWorkload> {
  const pool = makePool(ctx.server.url, spec.concurrency);
  try {
    ctx.server.rss.resetPeak();
    const load = await runLoad(pool, spec.factory, {
      concurrency: spec.concurrency,
      warmupMs: ctx.sizes.warmupMs,
      durationMs: spec.durationMs,
      checkEvery: spec.checkEvery === undefined ? undefined : Math.min(spec.checkEvery, ctx.sizes.checkEvery),
    });
    const peakRssMiB = ctx.server.rss.peakMiB();
    ctx.log(
      `  ${spec.id.padEnd(3)} ${spec.title}: ${load.reqPerSec.toFixed(1)} req/s, p50 ${load.p50.toFixed(1)} ms, p95 ${load.p95.toFixed(1)} ms, ` +
        `${load.errors} errors, ${load.checkFailures + load.warmupCheckFailures} wrong answers, peak RSS ${peakRssMiB.toFixed(0)} MiB`,
    );
    return { kind: 'load', id: spec.id, title: spec.title, concurrency: spec.concurrency, valuesLabel: spec.valuesLabel, load, peakRssMiB };
  } finally {
    await pool.close();
  }
}

const post = (path: string, body: unknown, extra: Partial<BenchRequest> = {}): BenchRequest => ({
  method: 'POST',
  path: `${API}${path}`,
  body: JSON.stringify(body),
  ...extra,
});

async function experimentFor(ctx: Context, name: string): Promise<string> {
  ctx.experiments++;
  return createExperiment(ctx.api, `${name}${ctx.nameSuffix ?? ''}`);
}

// ---- 1-4: writes ---------------------------------------------------------------------------------

export async function w1RunsCreate(ctx: Context): Promise<LoadWorkload> {
  const experimentId = await experimentFor(ctx, 'bench-w1');
  return measureLoad(ctx, {
    id: '1',
    title: 'runs/create',
    concurrency: 20,
    valuesLabel: 'runs',
    durationMs: ctx.sizes.durationMs,
    factory: (c, i) =>
      post('/runs/create', { experiment_id: experimentId, run_name: `w1-${c}-${i}`, start_time: Date.now() }, {
        check: (j) => {
          const id = (j as { run?: { info?: { run_id?: string } } }).run?.info?.run_id;
          return typeof id === 'string' && id.length === 32 ? null : `no run id in ${JSON.stringify(j).slice(0, 200)}`;
        },
      }),
  });
}

export async function w2SmallBatch(ctx: Context): Promise<LoadWorkload> {
  const experimentId = await experimentFor(ctx, 'bench-w2');
  const runId = await createRun(ctx.api, experimentId, 'w2');
  return measureLoad(ctx, {
    id: '2',
    title: 'log-batch, 10 metrics, one run',
    concurrency: 20,
    valuesLabel: 'metrics',
    durationMs: ctx.sizes.durationMs,
    factory: (c, i) => {
      const step = c * 1_000_000 + i;
      const metrics = Array.from({ length: 10 }, (_, k) => ({ key: `m${k}`, value: (i % 100) / 100, timestamp: BASE_TIME + step, step }));
      return post('/runs/log-batch', { run_id: runId, metrics }, { values: 10 });
    },
  });
}

export async function w3BigBatch(ctx: Context): Promise<LoadWorkload> {
  const experimentId = await experimentFor(ctx, 'bench-w3');
  const runIds: string[] = [];
  for (let c = 0; c < 20; c++) runIds.push(await createRun(ctx.api, experimentId, `w3-${c}`));
  return measureLoad(ctx, {
    id: '3',
    title: 'log-batch, 1000 metrics, one run per client',
    concurrency: 20,
    valuesLabel: 'metrics',
    durationMs: ctx.sizes.durationMs,
    factory: (c, i) => post('/runs/log-batch', { run_id: runIds[c], metrics: bigBatch(i) }, { values: 1000 }),
  });
}

export async function w4LogMetric(ctx: Context): Promise<LoadWorkload> {
  const experimentId = await experimentFor(ctx, 'bench-w4');
  const runIds: string[] = [];
  for (let c = 0; c < 20; c++) runIds.push(await createRun(ctx.api, experimentId, `w4-${c}`));
  return measureLoad(ctx, {
    id: '4',
    title: 'log-metric, one run per client',
    concurrency: 20,
    valuesLabel: 'metrics',
    durationMs: ctx.sizes.durationMs,
    factory: (c, i) => post('/runs/log-metric', { run_id: runIds[c], key: 'loss', value: 1 / (1 + i), timestamp: BASE_TIME + i, step: i }),
  });
}

// ---- 5-7: reads ----------------------------------------------------------------------------------

interface RunJson {
  info: { run_id: string; experiment_id: string };
  data?: { metrics?: { key: string; value: number | string }[]; params?: { key: string; value: string }[] };
}

export function searchRequest(ctx: Context): BenchRequest {
  const expected = Math.min(SEARCH_PAGE, ctx.sizes.searchRuns);
  const experimentId = ctx.seeded.searchExperimentId;
  return post('/runs/search', { experiment_ids: [experimentId], max_results: SEARCH_PAGE }, {
    values: expected,
    check: (j) => {
      const runs = (j as { runs?: RunJson[] }).runs ?? [];
      if (runs.length !== expected) return `runs/search returned ${runs.length} runs, expected ${expected}`;
      if (runs.some((r) => r.info.experiment_id !== experimentId)) return 'runs/search returned a run of another experiment';
      return null;
    },
  });
}

export function w5Search(ctx: Context): Promise<LoadWorkload> {
  const req = searchRequest(ctx);
  return measureLoad(ctx, {
    id: '5a',
    title: `runs/search max_results=${SEARCH_PAGE} over ${ctx.sizes.searchRuns} runs`,
    concurrency: 20,
    valuesLabel: 'runs',
    durationMs: ctx.sizes.readDurationMs,
    checkEvery: 4,
    factory: () => req,
  });
}

function uiCheck(expected: number) {
  return (j: unknown): string | null => {
    const runs = (j as { runs?: RunJson[] }).runs ?? [];
    if (runs.length !== expected) return `UI search returned ${runs.length} runs, expected ${expected}`;
    let previous = Number.POSITIVE_INFINITY;
    for (const r of runs) {
      const metric = (key: string) => Number(r.data?.metrics?.find((m) => m.key === key)?.value);
      const p1 = r.data?.params?.find((p) => p.key === 'p1')?.value;
      if (p1 !== 'v1' || !(metric('m2') > 0.2)) return `UI search returned a run outside the filter (p1=${p1}, m2=${metric('m2')})`;
      if (!(metric('m3') <= previous)) return 'UI search is not ordered by metrics.m3 DESC';
      previous = metric('m3');
    }
    return null;
  };
}

export function w5UiSearch(ctx: Context): Promise<LoadWorkload> {
  const expected = uiExpectedRows(ctx.sizes.uiRuns);
  if (expected < UI_PAGE) throw new Error(`the UI data set must match at least ${UI_PAGE} runs (matches ${expected})`);
  const req = post(
    '/runs/search',
    { experiment_ids: [ctx.seeded.uiExperimentId], filter: UI_FILTER, order_by: [UI_ORDER_BY], max_results: UI_PAGE, run_view_type: 'ACTIVE_ONLY' },
    { values: expected, check: uiCheck(expected) },
  );
  return measureLoad(ctx, {
    id: '5b',
    title: `UI runs table: ${UI_PAGE} rows, ${UI_FILTER}, ${UI_ORDER_BY}, ${ctx.sizes.uiRuns} runs × ${ctx.sizes.uiParams} params × ${ctx.sizes.uiMetrics} metrics`,
    concurrency: 20,
    valuesLabel: 'runs',
    durationMs: ctx.sizes.readDurationMs,
    checkEvery: 4,
    factory: () => req,
  });
}

export function w6History(ctx: Context): Promise<LoadWorkload> {
  const steps = ctx.sizes.historySteps;
  const req: BenchRequest = {
    method: 'GET',
    path: `${API}/metrics/get-history?run_id=${ctx.seeded.historyRunId}&metric_key=loss`,
    values: steps,
    check: (j) => {
      const metrics = (j as { metrics?: { step: number }[] }).metrics ?? [];
      if (metrics.length !== steps) return `get-history returned ${metrics.length} points, expected ${steps}`;
      return null;
    },
  };
  return measureLoad(ctx, {
    id: '6a',
    title: `get-history, ${steps}-step metric`,
    concurrency: 4,
    valuesLabel: 'points',
    durationMs: ctx.sizes.readDurationMs,
    checkEvery: 4,
    factory: () => req,
  });
}

/** Points per run the interval sampler may return: max_results (2500) samples plus the last step. */
export function chartBounds(steps: number): [number, number] {
  return [Math.min(steps, 2500), Math.min(steps, 2501)];
}

export function w6BulkInterval(ctx: Context): Promise<LoadWorkload> {
  const runIds = ctx.seeded.chartRunIds;
  const [low, high] = chartBounds(ctx.sizes.chartSteps);
  const query = runIds.map((id) => `run_ids=${id}`).join('&');
  const req: BenchRequest = {
    method: 'GET',
    path: `${API}/metrics/get-history-bulk-interval?${query}&metric_key=loss`,
    values: runIds.length * low,
    check: (j) => {
      const metrics = (j as { metrics?: { run_id: string; step: number }[] }).metrics ?? [];
      for (const id of runIds) {
        const points = metrics.filter((m) => m.run_id === id);
        if (points.length < low || points.length > high) return `bulk-interval returned ${points.length} points for a run, expected ${low}-${high}`;
        if (points[points.length - 1]!.step !== ctx.sizes.chartSteps - 1) return 'bulk-interval left out the last step';
      }
      return null;
    },
  };
  return measureLoad(ctx, {
    id: '6b',
    title: `get-history-bulk-interval, ${runIds.length} runs × ${ctx.sizes.chartSteps} steps`,
    concurrency: 20,
    valuesLabel: 'points',
    durationMs: ctx.sizes.readDurationMs,
    checkEvery: 4,
    factory: () => req,
  });
}

export function w7ExperimentsSearch(ctx: Context): Promise<LoadWorkload> {
  const expected = Math.min(1000, ctx.experiments);
  const req = post('/experiments/search', { max_results: 1000 }, {
    values: expected,
    check: (j) => {
      const n = ((j as { experiments?: unknown[] }).experiments ?? []).length;
      return n === expected ? null : `experiments/search returned ${n} experiments, expected ${expected}`;
    },
  });
  return measureLoad(ctx, {
    id: '7',
    title: `experiments/search over ${ctx.experiments} experiments`,
    concurrency: 20,
    valuesLabel: 'experiments',
    durationMs: ctx.sizes.readDurationMs,
    checkEvery: 4,
    factory: () => req,
  });
}

// ---- 8: writers and readers ----------------------------------------------------------------------

export interface MixedWorkload {
  kind: 'mixed';
  id: '8';
  title: string;
  writers: number;
  readers: number;
  idle: LoadResult;
  underLoad: LoadResult;
  /** Create-run + 500-metric batch pairs: requests, errors, latencies of each request. */
  writes: LoadResult;
  writeMetricsPerSec: number;
  peakRssMiB: number;
}

export async function w8Mixed(ctx: Context): Promise<MixedWorkload> {
  const WRITERS = 64;
  const READERS = 10;
  const experimentId = await experimentFor(ctx, 'bench-w8');
  const read = searchRequest(ctx);
  const readers = makePool(ctx.server.url, READERS);
  const writers = makePool(ctx.server.url, WRITERS);
  try {
    ctx.server.rss.resetPeak();
    const idle = await runLoad(readers, () => read, {
      concurrency: READERS,
      warmupMs: ctx.sizes.warmupMs,
      durationMs: ctx.sizes.readDurationMs,
      checkEvery: ctx.sizes.checkEvery,
    });
    ctx.log(`  8   readers idle: ${idle.reqPerSec.toFixed(1)} req/s, p95 ${idle.p95.toFixed(1)} ms`);

    const writes = newTally();
    let metrics = 0;
    let stop = false;
    const batch = writerBatch();
    // A writer's request counts when it was sent inside the readers' window, and the window's length
    // runs until the last counted request answered (as runLoad does: requests in flight at the deadline
    // finish and count). Counting at the answer instead would count none on a server slower than the window.
    let lastCountedEnd = 0;
    const writerLoop = async (w: number, counting: () => boolean) => {
      for (let i = 0; !stop; i++) {
        const create = post('/runs/create', { experiment_id: experimentId, run_name: `w8-${w}-${i}`, start_time: Date.now() }, { check: () => null });
        let t0 = performance.now();
        let counted = counting();
        const created = await send(writers, create, true);
        if (counted) {
          lastCountedEnd = performance.now();
          record(writes, create, created, lastCountedEnd - t0, false);
        }
        if (!created.ok) continue;
        const runId = (JSON.parse(created.text) as { run: { info: { run_id: string } } }).run.info.run_id;
        const log = post('/runs/log-batch', { run_id: runId, metrics: batch }, { values: 500 });
        t0 = performance.now();
        counted = counting();
        const logged = await send(writers, log, false);
        if (counted) {
          lastCountedEnd = performance.now();
          record(writes, log, logged, lastCountedEnd - t0, false);
          if (logged.ok) metrics += 500;
        }
      }
    };
    // Writers start, run for the warm-up uncounted, then readers measure while writers keep going.
    // Without a warm-up (--quick) the writers' first requests count too: on a server slower than the
    // readers' short window they would otherwise be the only ones sent, and none would count.
    let counting = ctx.sizes.warmupMs === 0;
    const writeStart = { t: performance.now() };
    const loops = Array.from({ length: WRITERS }, (_, w) => writerLoop(w, () => counting));
    if (ctx.sizes.warmupMs > 0) {
      await new Promise((r) => setTimeout(r, ctx.sizes.warmupMs));
      counting = true;
      writeStart.t = performance.now();
    }
    const underLoad = await runLoad(readers, () => read, { concurrency: READERS, warmupMs: 0, durationMs: ctx.sizes.readDurationMs, checkEvery: ctx.sizes.checkEvery });
    const readersEnd = performance.now();
    counting = false;
    stop = true;
    await Promise.all(loops);
    const writeElapsed = Math.max(lastCountedEnd, readersEnd) - writeStart.t;
    const writesResult = summarize(writes, writeElapsed);
    const peakRssMiB = ctx.server.rss.peakMiB();
    ctx.log(
      `  8   readers under ${WRITERS} writers: ${underLoad.reqPerSec.toFixed(1)} req/s, p95 ${underLoad.p95.toFixed(1)} ms, ` +
        `${underLoad.errors} reader errors; writers ${writesResult.reqPerSec.toFixed(1)} req/s, ${writesResult.errors} errors ${JSON.stringify(writesResult.errorKinds)}`,
    );
    return {
      kind: 'mixed',
      id: '8',
      title: `${WRITERS} writers (runs/create + 500-metric log-batch) while ${READERS} readers run 5a`,
      writers: WRITERS,
      readers: READERS,
      idle,
      underLoad,
      writes: writesResult,
      writeMetricsPerSec: metrics / (writeElapsed / 1000),
      peakRssMiB,
    };
  } finally {
    await Promise.all([readers.close(), writers.close()]);
  }
}
