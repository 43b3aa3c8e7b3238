// Errors across a worker thread's message port: an MlflowError keeps its code, message and status (the
// client gets the answer it would have had on the event loop); anything else keeps its message and stack.
import { MlflowError, type ErrorCode } from '../errors.js';

export type WorkerError =
  | { mlflow: true; code: ErrorCode; message: string; status: number }
  | { mlflow: false; message: string; stack?: string | undefined };

export function workerErrorOf(e: unknown): WorkerError {
  return e instanceof MlflowError
    ? { mlflow: true, code: e.errorCode, message: e.message, status: e.statusCode }
    : { mlflow: false, message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined };
}

export function errorOfWorker(error: WorkerError): Error {
  if (error.mlflow) return new MlflowError(error.code, error.message, error.status);
  const e = new Error(error.message);
  if (error.stack) e.stack = error.stack;
  return e;
}
