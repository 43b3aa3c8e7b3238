/**
 * Worker-thread entry for forest fitting: grows the trees it claims from the shared counter and posts
 * them back with their buffers transferred (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ForestJob } from './forest-fit.js';
import { growClaimedTrees } from './forest-fit.js';

export interface WorkerInput {
  job: ForestJob;
  counter: Int32Array;
}

const { job, counter } = workerData as WorkerInput;
const grown = growClaimedTrees(job, counter);
const transfer: ArrayBuffer[] = [];
for (const g of grown) {
  const t = g.tree;
  for (const a of [t.feature, t.threshold, t.right, t.missingLeft, t.value, t.impurity, t.weightedN, t.nSamples, g.importances]) {
    transfer.push(a.buffer as ArrayBuffer);
  }
}
parentPort!.postMessage(grown, transfer);
