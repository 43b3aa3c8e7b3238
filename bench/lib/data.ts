// The benchmark's data set, the same for both servers: its sizes (full and --quick), the values it
// logs (pure functions of the run index, so the expected answers are computed, not read back), and
// the request bodies both the seeding and the workloads send.

export interface Sizes {
  /** Workload 5: runs in the search experiment (each created with a name and 3 tags). */
  searchRuns: number;
  /** Workload 5, UI shape: runs × params × metrics. */
  uiRuns: number;
  uiParams: number;
  uiMetrics: number;
  /** Workload 6: steps of the one long history, and the 10 chart runs' steps each. */
  historySteps: number;
  chartRuns: number;
  chartSteps: number;
  /** Workload 7. */
  experiments: number;
  /** Workload 11 (issue 18's wide runs): runs × params × metrics, and every wideEvery-th run with wideExtraMetrics more keys. */
  wideRuns: number;
  wideParams: number;
  wideMetrics: number;
  wideEvery: number;
  wideExtraMetrics: number;
  /** Workload 9, MiB. */
  artifactMiB: number;
  /** Warm-up and measured duration of each load workload, ms. */
  warmupMs: number;
  durationMs: number;
  /** Longer window for the slow reads (search, history), so MLflow answers enough requests. */
  readDurationMs: number;
  /** Reads parse and check every n-th measured answer (all warm-up answers are checked). */
  checkEvery: number;
}

export const FULL: Sizes = {
  searchRuns: 25_000,
  uiRuns: 1_500,
  uiParams: 150,
  uiMetrics: 150,
  historySteps: 100_000,
  chartRuns: 10,
  chartSteps: 10_000,
  experiments: 1_000,
  wideRuns: 2_000,
  wideParams: 20,
  wideMetrics: 20,
  wideEvery: 10,
  wideExtraMetrics: 1_000,
  artifactMiB: 1024,
  warmupMs: 2_000,
  durationMs: 10_000,
  readDurationMs: 10_000,
  checkEvery: 4,
};

/** Every workload for a second or so on small data: checks the harness runs, not the figures. */
export const QUICK: Sizes = {
  searchRuns: 300,
  uiRuns: 270,
  uiParams: 100,
  uiMetrics: 100,
  historySteps: 5_000,
  chartRuns: 10,
  chartSteps: 1_000,
  experiments: 50,
  wideRuns: 100,
  wideParams: 20,
  wideMetrics: 20,
  wideEvery: 10,
  wideExtraMetrics: 1_000,
  artifactMiB: 32,
  warmupMs: 0,
  durationMs: 1_000,
  readDurationMs: 1_000,
  checkEvery: 1,
};

/** Seeding requests in flight (MLflow runs 4 workers on 2 cores: more only queues). */
export const SEED_CONCURRENCY = 8;
export const BASE_TIME = 1_700_000_000_000;
export const SEARCH_PAGE = 1000;
export const UI_PAGE = 100;
/** The UI's runs table: a param and a metric filter, ordered by another metric. */
export const UI_FILTER = "params.p1 = 'v1' AND metrics.m2 > 0.2";
export const UI_ORDER_BY = 'metrics.m3 DESC';

export interface KeyValue {
  key: string;
  value: string;
}
export interface MetricJson {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export function uiParamValue(run: number, k: number): string {
  return `v${(run + k) % 2}`;
}

export function uiMetricValue(run: number, k: number): number {
  return ((run * 37 + k * 11) % 1000) / 1000;
}

/** How many UI runs match UI_FILTER: the page must hold min(UI_PAGE, that) rows. */
export function uiExpectedRows(uiRuns: number): number {
  let n = 0;
  for (let i = 0; i < uiRuns; i++) if (uiParamValue(i, 1) === 'v1' && uiMetricValue(i, 2) > 0.2) n++;
  return Math.min(UI_PAGE, n);
}

/** The two log-batches of a UI run: params are capped at 100 per batch (MLflow's limit). */
export function uiBatches(run: number, sizes: Sizes): { params: KeyValue[]; metrics: MetricJson[] }[] {
  const params = Array.from({ length: sizes.uiParams }, (_, k) => ({ key: `p${k}`, value: uiParamValue(run, k) }));
  const metrics = Array.from({ length: sizes.uiMetrics }, (_, k) => ({
    key: `m${k}`,
    value: uiMetricValue(run, k),
    timestamp: BASE_TIME + run,
    step: 0,
  }));
  const batches = Math.max(1, Math.ceil(params.length / 100));
  return Array.from({ length: batches }, (_, b) => ({ params: params.slice(b * 100, b * 100 + 100), metrics: b === 0 ? metrics : [] }));
}

/** `count` points of `key` from `fromStep`, one per step. */
export function historyPoints(key: string, fromStep: number, count: number): MetricJson[] {
  return Array.from({ length: count }, (_, i) => {
    const step = fromStep + i;
    return { key, value: 1 / (1 + step * 1e-3), timestamp: BASE_TIME + step, step };
  });
}

/** Workload 3's 1000-metric batch: 10 keys × 100 consecutive steps. */
export function bigBatch(iteration: number): MetricJson[] {
  return Array.from({ length: 1000 }, (_, i) => {
    const step = iteration * 100 + Math.floor(i / 10);
    return { key: `m${i % 10}`, value: (step % 997) / 997, timestamp: BASE_TIME + step, step };
  });
}

/** Workload 8's writer batch: 500 metrics, 5 keys × 100 steps. */
export function writerBatch(): MetricJson[] {
  return Array.from({ length: 500 }, (_, i) => {
    const step = Math.floor(i / 5);
    return { key: `w${i % 5}`, value: i / 500, timestamp: BASE_TIME + step, step };
  });
}

export function searchRunTags(i: number): KeyValue[] {
  return [
    { key: 'mlflow.user', value: `user${i % 17}` },
    { key: 'mlflow.source.name', value: 'train.py' },
    { key: 'team', value: `team-${i % 5}` },
  ];
}
