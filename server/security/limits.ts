// Limits enforced below the router, where Fastify's own answers are not MLflow's: a request line or
// headers over Node's 16 KB, or bytes that are not HTTP, get a 4xx in MLflow's error JSON; and a
// connection that moves no bytes for --request-idle-timeout is closed, which aborts a stalled upload
// (the artifact store then removes its temporary file).
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import { MlflowError } from '../errors.js';

export function clientErrorResponse(code: string | undefined): { status: number; body: string } {
  let error: MlflowError;
  if (code === 'HPE_HEADER_OVERFLOW') {
    error = new MlflowError('INVALID_PARAMETER_VALUE', 'Request line and headers are too large (more than 16 KB): send long queries as a POST body', 431);
  } else if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    error = new MlflowError('INVALID_PARAMETER_VALUE', 'The request took too long to arrive', 408);
  } else {
    error = new MlflowError('BAD_REQUEST', 'Malformed HTTP request', 400);
  }
  return { status: error.statusCode, body: JSON.stringify(error.toJSON()) };
}

/** Fastify's clientErrorHandler, answering as MLflow would (JSON error body), then closing. */
function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, body } = clientErrorResponse(err.code);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** The router's own refusals (a path that does not percent-decode, a path parameter over 1000 characters). */
const frameworkErrors = (error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void => {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const mlflowError = tooLong
    ? new MlflowError('INVALID_PARAMETER_VALUE', 'A path parameter is longer than 1000 characters', 414)
    : new MlflowError('INVALID_PARAMETER_VALUE', `Malformed URL: ${error.message}`, 400);
  void reply.status(mlflowError.statusCode).type('application/json').send(JSON.stringify(mlflowError.toJSON()));
};

/** Server options for buildApp's Fastify(): idle timeout and MLflow-shaped answers to malformed requests. */
export function serverLimits(
  config: Pick<Config, 'requestIdleTimeoutMs'>,
): Pick<FastifyServerOptions, 'connectionTimeout' | 'clientErrorHandler' | 'frameworkErrors'> {
  return { connectionTimeout: config.requestIdleTimeoutMs, clientErrorHandler, frameworkErrors };
}
