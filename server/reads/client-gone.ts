// The signal that a request's client has gone (its connection closed before the answer was sent),
// carried to the read jobs the request starts without threading it through every route: endpoint()
// runs each handler inside clientGone.run(signal), and readJob() picks it up.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyReply } from 'fastify';

export const clientGone = new AsyncLocalStorage<AbortSignal>();

/** Aborted when the reply's connection closes before the response was written out. */
export function replySignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const res = reply.raw;
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}
