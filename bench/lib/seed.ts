// Loads the data set into a server through its REST API, in parallel and in big log-batches (1000
// metrics, 100 params per request: MLflow's limits). A seeding request that fails is retried a few
// times (MLflow's SQLite store answers "database is locked" under parallel writes); retries are
// counted and reported, measured requests are never retried.
import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { historyPoints, searchRunTags, uiBatches, type Sizes } from './data.js';
import { parallel, send } from './load.js';
import type { WideSeeded } from './wide.js';

export interface ApiClient {
  pool: Pool;
  retries: number;
  /** Why requests were retried: error kind → count. */
  retryKinds: Record<string, number>;
  call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
}

export function apiClient(pool: Pool): ApiClient {
  const client: ApiClient = {
    pool,
    retries: 0,
    retryKinds: {},
    async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      let last = '';
      for (let attempt = 0; attempt < 6; attempt++) {
        if (attempt > 0) {
          client.retries++;
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
        const out = await send(pool, { method, path, body: body === undefined ? undefined : JSON.stringify(body) }, true);
        if (out.ok) return JSON.parse(out.text) as T;
        last = out.error ?? `HTTP ${out.status} ${out.text.slice(0, 300)}`;
        // A 4xx is the harness's mistake: retrying will not help.
        if (out.status >= 400 && out.status < 500) break;
        const kind = `${path.split('?')[0]}: ${last.slice(0, 100).replace(/\d+/g, 'N')}`;
        client.retryKinds[kind] = (client.retryKinds[kind] ?? 0) + 1;
      }
      throw new Error(`${method} ${path} failed: ${last}`);
    },
  };
  return client;
}

export const API = '/api/2.0/mlflow';

export async function createExperiment(api: ApiClient, name: string, tags: { key: string; value: string }[] = []): Promise<string> {
  const r = await api.call<{ experiment_id: string }>('POST', `${API}/experiments/create`, { name, tags });
  return r.experiment_id;
}

export async function createRun(
  api: ApiClient,
  experimentId: string,
  runName: string,
  tags: { key: string; value: string }[] = [],
  startTime?: number,
): Promise<string> {
  const r = await api.call<{ run: { info: { run_id: string } } }>('POST', `${API}/runs/create`, {
    experiment_id: experimentId,
    run_name: runName,
    start_time: startTime ?? Date.now(),
    tags,
  });
  return r.run.info.run_id;
}

export interface Seeded {
  searchExperimentId: string;
  uiExperimentId: string;
  historyRunId: string;
  chartRunIds: string[];
  /** Experiments that exist after seeding, Default included (workload 7's expected count). */
  experimentCount: number;
  /** Workload 11's wide runs, when seeded (bench/lib/wide.ts). */
  wide?: WideSeeded;
  seconds: Record<string, number>;
  retries: number;
}

/** Deletes all but the first (by start time) of each run name in the experiment; returns how many. */
export async function removeDuplicateRuns(api: ApiClient, experimentId: string): Promise<number> {
  const byName = new Map<string, { id: string; start: number }[]>();
  let pageToken: string | undefined;
  do {
    const page: { runs?: { info: { run_id: string; run_name: string; start_time: number | string } }[]; next_page_token?: string } = await api.call('POST', `${API}/runs/search`, {
      experiment_ids: [experimentId],
      max_results: 1000,
      ...(pageToken ? { page_token: pageToken } : {}),
    });
    for (const r of page.runs ?? []) {
      const list = byName.get(r.info.run_name) ?? byName.set(r.info.run_name, []).get(r.info.run_name)!;
      list.push({ id: r.info.run_id, start: Number(r.info.start_time) });
    }
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  const extra = [...byName.values()].flatMap((list) => list.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id)).slice(1));
  await parallel(extra.length, 4, (i) => api.call('POST', `${API}/runs/delete`, { run_id: extra[i]!.id }));
  return extra.length;
}

/** Seeds everything workloads 5-7 read; `concurrency` requests in flight. */
/** The parts of the data set, and the workloads that read each. */
export const SEED_PARTS = {
  experiments: ['7', '8'],
  search: ['5a', '8'],
  ui: ['5b'],
  history: ['6a', '6b'],
} as const;
export type SeedPart = keyof typeof SEED_PARTS;

/** Seeds what workloads 5-8 read, or only the parts `wanted` names (a partial run); `concurrency` requests in flight. */
export async function seed(api: ApiClient, sizes: Sizes, concurrency: number, log: (m: string) => void, wanted: (part: SeedPart) => boolean = () => true): Promise<Seeded> {
  const seconds: Record<string, number> = {};
  const timed = async <T>(label: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    seconds[label] = (performance.now() - t0) / 1000;
    log(`  seeded ${label} in ${seconds[label]!.toFixed(1)} s`);
    return out;
  };

  if (wanted('experiments')) {
    await timed(`${sizes.experiments} experiments`, () =>
      parallel(sizes.experiments, concurrency, (i) =>
        createExperiment(api, `bench-exp-${String(i).padStart(5, '0')}`, [{ key: 'owner', value: `team-${i % 5}` }]),
      ),
    );
  }

  const searchExperimentId = await createExperiment(api, 'bench-search');
  const retriesBefore = api.retries;
  const searchRuns = wanted('search') ? sizes.searchRuns : 0;
  await timed(`${searchRuns} search runs`, () =>
    parallel(searchRuns, concurrency, (i) => createRun(api, searchExperimentId, `run-${i}`, searchRunTags(i), 1_700_000_000_000 + i * 1000)),
  );
  // A retried runs/create whose first attempt did land (the server committed, then the answer failed or
  // timed out) leaves a second run of that name; workload 5 expects exactly searchRuns active runs.
  if (api.retries > retriesBefore) {
    const removed = await removeDuplicateRuns(api, searchExperimentId);
    if (removed > 0) log(`  removed ${removed} duplicate search runs left by retried runs/create (retries: ${JSON.stringify(api.retryKinds)})`);
  }

  const uiExperimentId = await createExperiment(api, 'bench-ui');
  const uiRuns = wanted('ui') ? sizes.uiRuns : 0;
  await timed(`${uiRuns} UI runs × ${sizes.uiParams} params × ${sizes.uiMetrics} metrics`, () =>
    parallel(uiRuns, concurrency, async (i) => {
      const runId = await createRun(api, uiExperimentId, `ui-run-${i}`, [], 1_700_000_000_000 + i * 1000);
      for (const batch of uiBatches(i, sizes)) await api.call('POST', `${API}/runs/log-batch`, { run_id: runId, ...batch });
    }),
  );

  const historyExperimentId = await createExperiment(api, 'bench-history');
  const historyRunId = await createRun(api, historyExperimentId, 'history');
  const chartRunIds = wanted('history') ? await parallel(sizes.chartRuns, concurrency, (i) => createRun(api, historyExperimentId, `chart-${i}`)) : [];
  // One 1000-point batch per request; the chart runs' batches interleave with the long history's.
  const jobs: { runId: string; from: number; count: number }[] = [];
  const historySteps = wanted('history') ? sizes.historySteps : 0;
  for (let s = 0; s < historySteps; s += 1000) jobs.push({ runId: historyRunId, from: s, count: Math.min(1000, historySteps - s) });
  for (const runId of chartRunIds) {
    for (let s = 0; s < sizes.chartSteps; s += 1000) jobs.push({ runId, from: s, count: Math.min(1000, sizes.chartSteps - s) });
  }
  await timed(`history ${sizes.historySteps} steps + ${sizes.chartRuns} × ${sizes.chartSteps} steps`, () =>
    parallel(jobs.length, concurrency, (j) =>
      api.call('POST', `${API}/runs/log-batch`, { run_id: jobs[j]!.runId, metrics: historyPoints('loss', jobs[j]!.from, jobs[j]!.count) }),
    ),
  );

  // Default + the 1000 + bench-search, bench-ui, bench-history.
  return {
    searchExperimentId,
    uiExperimentId,
    historyRunId,
    chartRunIds,
    experimentCount: 1 + (wanted('experiments') ? sizes.experiments : 0) + 3,
    seconds,
    retries: api.retries,
  };
}
