// PostgreSQL errors, sorted by whose fault they are. A value the database cannot hold (SQLSTATE class
// 22: bad number text, int8 overflow, a NUL character in text) is the request's fault: 400
// INVALID_PARAMETER_VALUE, as the Python client must not retry it for minutes. A database that cannot
// be reached is 503 TEMPORARILY_UNAVAILABLE (retried, and behind a load balancer another replica may
// answer). Everything else — a unique violation (23505, which entity stores catch with
// isUniqueViolation), a deadlock, a bug — passes through unchanged.
import { MlflowError } from '../../errors.js';

interface PgErrorLike {
  code?: unknown;
  message?: unknown;
}

/** Data exceptions the request caused, with the wording the user sees. */
function dataErrorMessage(code: string, pgMessage: string): string {
  switch (code) {
    case '22021':
      // PostgreSQL text cannot hold U+0000 (SQLite can); say so plainly rather than "invalid byte sequence".
      return `Invalid value: text values may not contain the NUL character (\\u0000) (${pgMessage})`;
    case '22003':
      return `Invalid value: a number is out of the range the database column can hold (${pgMessage})`;
    default:
      return `Invalid value: ${pgMessage}`;
  }
}

/**
 * The database is there but cannot take the statement now — disk full (53100), out of memory (53200),
 * an I/O error (58030), a read-only server such as a hot standby (25006): 503 as well, the answer
 * SQLite's SQLITE_FULL / SQLITE_READONLY / SQLITE_IOERR get (engine/sqlite-errors.ts).
 */
const UNAVAILABLE_CODES = new Set(['53100', '53200', '58030', '25006']);
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const NODE_CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const CONNECTION_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly/i;

/** True when the failure is the database being unreachable, not the statement. */
export function isConnectionError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { code, message } = e as PgErrorLike;
  if (typeof code === 'string') {
    if (code.startsWith('08') || CONNECTION_CODES.has(code) || NODE_CONNECTION_CODES.has(code)) return true;
  }
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}

/** The error a caller of the engine sees for a failed statement. */
export function mapPgError(e: unknown): unknown {
  if (typeof e !== 'object' || e === null || e instanceof MlflowError) return e;
  const { code, message } = e as PgErrorLike;
  const text = typeof message === 'string' ? message : String(e);
  if (typeof code === 'string' && code.length === 5 && code.startsWith('22')) {
    return new MlflowError('INVALID_PARAMETER_VALUE', dataErrorMessage(code, text));
  }
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) {
    const err = new MlflowError('TEMPORARILY_UNAVAILABLE', `The metadata database cannot take writes now: ${text}`);
    (err as { cause?: unknown }).cause = e;
    return err;
  }
  if (isConnectionError(e)) {
    const err = new MlflowError('TEMPORARILY_UNAVAILABLE', `The metadata database is unavailable: ${text}`);
    (err as { cause?: unknown }).cause = e;
    return err;
  }
  return e;
}
