// A GraphQL query answered inside a read worker (graphql/offload.ts says which): the worker's own
// stores, its read jobs run inline in the snapshot the worker opened for the job, and the response
// written as text here, so the server only sends it.
import { stringifyJsonExact } from '../protocol/int64.js';
import { JsonText } from '../protocol/wire.js';
import { executeReadJob, type ReadStores } from '../reads/jobs.js';
import { GraphqlEndpoint } from './endpoint.js';
import type { WorkerGraphqlRequest } from './offload.js';

const endpoints = new WeakMap<ReadStores, GraphqlEndpoint>();

export async function answerInReadWorker(stores: ReadStores, request: WorkerGraphqlRequest): Promise<string> {
  let endpoint = endpoints.get(stores);
  if (!endpoint) endpoints.set(stores, (endpoint = new GraphqlEndpoint({ store: stores, read: (job) => executeReadJob(stores, job) })));
  const answer = await endpoint.run(request);
  return answer instanceof JsonText ? answer.text : stringifyJsonExact(answer);
}
