// MLflow's error model: every failure is {"error_code", "message"} with the HTTP status that MLflow
// maps the code to (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS). The Python client branches on
// error_code, so the code and the message text must be MLflow's own.

export type ErrorCode =
  | 'INTERNAL_ERROR'
  | 'INVALID_STATE'
  | 'DATA_LOSS'
  | 'NOT_IMPLEMENTED'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'RESOURCE_EXHAUSTED'
  | 'CANCELLED'
  | 'ABORTED'
  | 'RESOURCE_CONFLICT'
  | 'ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'ENDPOINT_NOT_FOUND'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'PERMISSION_DENIED'
  | 'CUSTOMER_UNAUTHORIZED'
  | 'UNAUTHENTICATED'
  | 'BAD_REQUEST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_PARAMETER_VALUE';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  ABORTED: 409,
  RESOURCE_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  CUSTOMER_UNAUTHORIZED: 401,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
};

export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

// MLflow ≥ 3.10 adds an error class and a SQLSTATE to every error (mlflow/error_classification.py,
// the client-side maps); older clients ignore them.
const ERROR_CLASS_BY_CODE: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'INVALID_PARAMETER_VALUE',
  CUSTOMER_UNAUTHORIZED: 'PERMISSION_DENIED',
  ENDPOINT_NOT_FOUND: 'RESOURCE_NOT_FOUND',
  INTERNAL_ERROR: 'CLIENT_INTERNAL_ERROR',
  INVALID_PARAMETER_VALUE: 'INVALID_PARAMETER_VALUE',
  INVALID_STATE: 'CLIENT_INTERNAL_ERROR',
  NOT_FOUND: 'RESOURCE_NOT_FOUND',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  RESOURCE_ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  RESOURCE_DOES_NOT_EXIST: 'RESOURCE_NOT_FOUND',
  TEMPORARILY_UNAVAILABLE: 'CLIENT_INTERNAL_ERROR',
};
const SQLSTATE_INTERNAL = new Set<ErrorCode>(['INTERNAL_ERROR', 'INVALID_STATE', 'TEMPORARILY_UNAVAILABLE']);

export interface ErrorJson {
  error_code: ErrorCode;
  message: string;
  sqlstate?: string;
  error_class?: string;
}

export class MlflowError extends Error {
  readonly errorCode: ErrorCode;
  readonly statusCode: number;

  /**
   * `status` overrides the table for the few places where MLflow answers a user's mistake with a
   * 5xx (e.g. INVALID_STATE on renaming a deleted experiment): the Python client retries every 5xx
   * for minutes, so we keep MLflow's error_code and message but answer 400.
   */
  constructor(code: ErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'MlflowError';
    this.errorCode = code;
    this.statusCode = status ?? httpStatusFor(code);
  }

  toJSON(): ErrorJson {
    const out: ErrorJson = { error_code: this.errorCode, message: this.message };
    const errorClass = ERROR_CLASS_BY_CODE[this.errorCode];
    if (errorClass) {
      out.sqlstate = SQLSTATE_INTERNAL.has(this.errorCode) ? 'XXM00' : 'KAM00';
      out.error_class = errorClass;
    }
    return out;
  }
}

export function invalidParameter(message: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', message);
}

export function notFound(message: string): MlflowError {
  return new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
}

export function alreadyExists(message: string): MlflowError {
  return new MlflowError('RESOURCE_ALREADY_EXISTS', message);
}
