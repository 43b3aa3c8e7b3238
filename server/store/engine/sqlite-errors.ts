// SQLite failures that are the machine's condition, not the request's: a full disk (SQLITE_FULL), a
// database file or directory the server may no longer write (SQLITE_READONLY*), an I/O error
// (SQLITE_IOERR*), another process holding the write lock past busy_timeout (SQLITE_BUSY*), a file
// that cannot be opened (SQLITE_CANTOPEN*). MLflow turns SQLAlchemy's OperationalError — the class
// these come as through sqlite3 — into 503 TEMPORARILY_UNAVAILABLE with the driver's message
// (mlflow/store/db/utils.py, make_managed_session), and the Python client retries a 503: right for a
// transient condition, and the same answer PostgreSQL's "disk full" / "read-only transaction" /
// unreachable-server errors get (engine/pg-errors.ts). Everything else passes through unchanged.
import { MlflowError } from '../../errors.js';

const UNAVAILABLE = /^SQLITE_(FULL|READONLY|IOERR|BUSY|CANTOPEN|PROTOCOL|NOMEM)(_|$)/;

/** True for an SQLite error that says the database cannot take the statement right now. */
export function isSqliteUnavailable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && UNAVAILABLE.test(code);
}

/** The error a caller of the SQLite engine sees for a failed statement. */
export function mapSqliteError(e: unknown): unknown {
  if (e instanceof MlflowError || !isSqliteUnavailable(e)) return e;
  // MLflow's text is str(OperationalError): "(sqlite3.OperationalError) database or disk is full".
  const err = new MlflowError('TEMPORARILY_UNAVAILABLE', `(sqlite3.OperationalError) ${(e as Error).message}`);
  (err as { cause?: unknown }).cause = e;
  return err;
}
