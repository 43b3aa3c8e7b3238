/**
 * Runs a forest job on the main thread plus `threads - 1` worker threads. The binned codes sit in a
 * SharedArrayBuffer, so workers read them without a copy; each worker costs a module load (tens of ms,
 * more under a TypeScript loader), which is why small forests stay on one thread.
 *
 * Built code (dist/) loads forest-worker.js directly; under tsx or vitest see spawn(). If workers cannot
 * start at all, the main thread grows every tree, so fitting never fails for lack of threads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ForestJob, GrownTree } from './forest-fit.js';
import { growClaimedTrees, growForestTree } from './forest-fit.js';
import type { WorkerInput } from './forest-worker.js';

/** tsx's ESM API module, found through its package.json so the worker does not depend on the cwd. */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const entry = pkg.exports['./esm/api']?.import?.default;
  if (entry === undefined) throw new Error('unexpected tsx package layout: no ./esm/api export');
  return pathToFileURL(join(dirname(pkgPath), entry)).href;
}

/**
 * Node cannot load a .ts worker by itself, and `--import tsx` in a worker's execArgv is ignored on Node 20,
 * so under a TypeScript loader the worker is a tiny bootstrap that registers tsx, then imports the entry.
 */
function spawn(input: WorkerInput): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./forest-worker.js', import.meta.url), { workerData: input });
  const entry = new URL('./forest-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: input });
}

function startWorker(input: WorkerInput): Promise<GrownTree[]> {
  return new Promise((resolve, reject) => {
    const worker = spawn(input);
    let result: GrownTree[] | undefined;
    worker.once('message', (m: GrownTree[]) => {
      result = m;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`forest worker exited with code ${code} before returning trees`));
    });
  });
}

export interface ForestRun {
  trees: GrownTree[];
  /** Threads that actually grew trees (1 + workers that started). */
  threads: number;
  /** Why workers failed, if any did (their trees were grown on the main thread). */
  workerErrors: string[];
}

/** Grows every tree of the job using up to `threads` threads in all; returns them in index order. */
export async function runForestJob(job: ForestJob, threads: number): Promise<ForestRun> {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const workerErrors: string[] = [];
  const workers: Promise<GrownTree[] | null>[] = [];
  for (let k = 1; k < threads; k++) {
    // A worker that fails to start claims no trees, so the others (and the main thread) absorb its share.
    workers.push(
      startWorker({ job, counter }).catch((e: unknown) => {
        workerErrors.push(e instanceof Error ? e.message : String(e));
        return null;
      }),
    );
  }
  const mine = growClaimedTrees(job, counter);
  const fromWorkers = await Promise.all(workers);
  const all = mine.concat(...fromWorkers.map((r) => r ?? []));
  if (all.length !== job.seeds.length) {
    // A worker died after claiming trees: grow the missing ones here.
    const have = new Set(all.map((g) => g.index));
    for (let i = 0; i < job.seeds.length; i++) if (!have.has(i)) all.push(growForestTree(job, i));
  }
  all.sort((a, b) => a.index - b.index);
  return { trees: all, threads: 1 + fromWorkers.filter((r) => r !== null).length, workerErrors };
}
