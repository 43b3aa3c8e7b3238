// Workload 11 (issue 18): wide runs, as a training loop that logs per-class or per-feature metrics makes
// them. `wideRuns` runs with `wideParams` params and `wideMetrics` metrics each; every `wideEvery`-th
// run logs `wideExtraMetrics` more metric keys. Three reads the UI and clients make over them:
//   11a runs/search max_results=1000 order_by metrics.m3 DESC (a client pulling a page of runs)
//   11b the UI's runs table: 100 rows ordered by metrics.m3 DESC
//   11c runs/get of a run with 1,000+ metrics
// and, for Minflow, the same reads timed one at a time beside a plain SQL script reading the same rows
// (bench/lib/raw-reads.ts), so the report shows how close to the engine's own speed the server gets.
import { BASE_TIME, UI_PAGE, uiMetricValue, type Sizes } from './data.js';
import { parallel, type BenchRequest } from './load.js';
import { API, createExperiment, createRun, type ApiClient } from './seed.js';
import { bulkIntervalStatements, runRowsStatements, searchPageStatements, type RawReadSpec } from './raw-reads.js';
import { measureLoad, type Context, type LoadWorkload } from './workloads.js';

export interface WideSeeded {
  experimentId: string;
  /** A run with the extra metrics (11c reads it). */
  wideRunId: string;
}

export const WIDE_ORDER_BY = 'metrics.m3 DESC';
export const WIDE_SEARCH_PAGE = 1000;

const isWide = (i: number, sizes: Sizes) => i % sizes.wideEvery === 0;
export const wideRunMetrics = (i: number, sizes: Sizes) => sizes.wideMetrics + (isWide(i, sizes) ? sizes.wideExtraMetrics : 0);

export async function seedWide(api: ApiClient, sizes: Sizes, concurrency: number, log: (m: string) => void): Promise<{ seeded: WideSeeded; seconds: number }> {
  const t0 = performance.now();
  const experimentId = await createExperiment(api, 'bench-wide');
  const ids = await parallel(sizes.wideRuns, concurrency, async (i) => {
    const runId = await createRun(api, experimentId, `wide-${i}`, [], BASE_TIME + i * 1000);
    const params = Array.from({ length: sizes.wideParams }, (_, k) => ({ key: `p${k}`, value: `v${(i + k) % 7}` }));
    const metrics = Array.from({ length: sizes.wideMetrics }, (_, k) => ({ key: `m${k}`, value: uiMetricValue(i, k), timestamp: BASE_TIME + i, step: 0 }));
    await api.call('POST', `${API}/runs/log-batch`, { run_id: runId, params, metrics });
    if (isWide(i, sizes)) {
      // MLflow takes at most 1000 metrics per log-batch.
      for (let from = 0; from < sizes.wideExtraMetrics; from += 1000) {
        const extra = Array.from({ length: Math.min(1000, sizes.wideExtraMetrics - from) }, (_, j) => {
          const k = from + j;
          return { key: `class_${k}_f1`, value: ((i + k) % 997) / 997, timestamp: BASE_TIME + i, step: 1 };
        });
        await api.call('POST', `${API}/runs/log-batch`, { run_id: runId, metrics: extra });
      }
    }
    return runId;
  });
  const seconds = (performance.now() - t0) / 1000;
  log(`  seeded ${sizes.wideRuns} wide runs (every ${sizes.wideEvery}th with ${sizes.wideExtraMetrics} more metrics) in ${seconds.toFixed(1)} s`);
  return { seeded: { experimentId, wideRunId: ids[0]! }, seconds };
}

interface RunJson {
  info: { run_id: string };
  data?: { metrics?: { key: string; value: number | string }[]; params?: unknown[] };
}

/** The runs the search must return, best m3 first; metric counts follow from the run index (its name). */
function checkPage(ctx: Context, expected: number) {
  return (j: unknown): string | null => {
    const runs = (j as { runs?: RunJson[] }).runs ?? [];
    if (runs.length !== expected) return `wide search returned ${runs.length} runs, expected ${expected}`;
    let previous = Number.POSITIVE_INFINITY;
    for (const r of runs) {
      const metrics = r.data?.metrics ?? [];
      const m3 = Number(metrics.find((m) => m.key === 'm3')?.value);
      if (!(m3 <= previous)) return 'wide search is not ordered by metrics.m3 DESC';
      previous = m3;
      if (metrics.length !== ctx.sizes.wideMetrics && metrics.length !== ctx.sizes.wideMetrics + ctx.sizes.wideExtraMetrics) {
        return `a wide run came back with ${metrics.length} metrics`;
      }
      if ((r.data?.params ?? []).length !== ctx.sizes.wideParams) return 'a wide run came back without its params';
    }
    return null;
  };
}

export function wideSearchRequest(ctx: Context, maxResults: number): BenchRequest {
  const expected = Math.min(maxResults, ctx.sizes.wideRuns);
  return {
    method: 'POST',
    path: `${API}/runs/search`,
    body: JSON.stringify({ experiment_ids: [ctx.seeded.wide!.experimentId], max_results: maxResults, order_by: [WIDE_ORDER_BY] }),
    values: expected,
    check: checkPage(ctx, expected),
  };
}

export function wideGetRequest(ctx: Context): BenchRequest {
  const expected = wideRunMetrics(0, ctx.sizes);
  return {
    method: 'GET',
    path: `${API}/runs/get?run_id=${ctx.seeded.wide!.wideRunId}`,
    values: expected,
    check: (j) => {
      const n = (j as { run?: RunJson }).run?.data?.metrics?.length ?? 0;
      return n === expected ? null : `runs/get of a wide run returned ${n} metrics, expected ${expected}`;
    },
  };
}

export function w11WideSearch(ctx: Context): Promise<LoadWorkload> {
  const req = wideSearchRequest(ctx, WIDE_SEARCH_PAGE);
  return measureLoad(ctx, {
    id: '11a',
    title: `wide runs: runs/search max_results=${WIDE_SEARCH_PAGE} order_by ${WIDE_ORDER_BY} over ${ctx.sizes.wideRuns} runs × ${ctx.sizes.wideParams} params × ${ctx.sizes.wideMetrics} metrics, every ${ctx.sizes.wideEvery}th with ${ctx.sizes.wideExtraMetrics} more`,
    concurrency: 4,
    valuesLabel: 'runs',
    durationMs: ctx.sizes.readDurationMs,
    checkEvery: 4,
    factory: () => req,
  });
}

export function w11WideUi(ctx: Context): Promise<LoadWorkload> {
  const req = wideSearchRequest(ctx, UI_PAGE);
  return measureLoad(ctx, {
    id: '11b',
    title: `wide runs, the UI's runs table: ${UI_PAGE} rows ordered by ${WIDE_ORDER_BY}`,
    concurrency: 4,
    valuesLabel: 'runs',
    durationMs: ctx.sizes.readDurationMs,
    checkEvery: 4,
    factory: () => req,
  });
}

export function w11WideGet(ctx: Context): Promise<LoadWorkload> {
  const req = wideGetRequest(ctx);
  return measureLoad(ctx, {
    id: '11c',
    title: `wide runs: runs/get of a run with ${wideRunMetrics(0, ctx.sizes)} metrics`,
    concurrency: 4,
    valuesLabel: 'metrics',
    durationMs: ctx.sizes.readDurationMs,
    checkEvery: 4,
    factory: () => req,
  });
}

/** Issue 18's raw-SQL comparisons: the wide reads (when seeded) and 6b's bulk-interval (when its runs are). */
export function rawReadSpecs(ctx: Context): RawReadSpec[] {
  const specs: RawReadSpec[] = [];
  const wide = ctx.seeded.wide;
  if (wide) {
    specs.push(
      { id: '11a', label: `runs/search of ${WIDE_SEARCH_PAGE} wide runs`, request: wideSearchRequest(ctx, WIDE_SEARCH_PAGE), statements: searchPageStatements(wide.experimentId, 'm3', WIDE_SEARCH_PAGE + 1) },
      { id: '11b', label: `the UI's ${UI_PAGE}-row table of wide runs`, request: wideSearchRequest(ctx, UI_PAGE), statements: searchPageStatements(wide.experimentId, 'm3', UI_PAGE + 1) },
      { id: '11c', label: `runs/get of a ${wideRunMetrics(0, ctx.sizes)}-metric run`, request: wideGetRequest(ctx), statements: runRowsStatements(wide.wideRunId) },
    );
  }
  const charts = ctx.seeded.chartRunIds;
  if (charts.length > 0) {
    specs.push({
      id: '6b',
      label: `get-history-bulk-interval, ${charts.length} runs × ${ctx.sizes.chartSteps} steps`,
      request: { method: 'GET', path: `${API}/metrics/get-history-bulk-interval?${charts.map((id) => `run_ids=${id}`).join('&')}&metric_key=loss` },
      statements: bulkIntervalStatements(charts, 'loss', 2500),
    });
  }
  return specs;
}
