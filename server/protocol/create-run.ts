// runs/create's request, shared by the route and the SQLite write worker that creates runs with very
// big bodies (server/store/big-writes.ts): the same spec and the same mapping onto the store's request.
import type { CreateRunRequest } from '../store/runs.js';
import { coerceRequest, type MessageSpec, type Parsed } from './fields.js';
import { TAGS, tagList } from './messages.js';
import { jsonBodyOfText } from './request.js';

export const CreateRun = {
  experiment_id: { type: 'string' },
  user_id: { type: 'string' },
  run_name: { type: 'string' },
  start_time: { type: 'int64' },
  tags: TAGS,
} as const satisfies MessageSpec;

export function createRunRequest(m: Parsed<typeof CreateRun>): CreateRunRequest {
  return { experimentId: m.experiment_id, userId: m.user_id, startTime: m.start_time, runName: m.run_name, tags: tagList(m.tags) };
}

/** The store's request from a runs/create body's text, read as readMessage reads a JSON body. */
export function createRunRequestFromText(text: string): CreateRunRequest {
  return createRunRequest(coerceRequest(CreateRun, jsonBodyOfText(text)));
}
