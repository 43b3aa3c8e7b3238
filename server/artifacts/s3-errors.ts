// S3 failures as MLflow errors (s3_artifact_repo.BOTO_TO_MLFLOW_ERROR): a missing key or bucket is
// RESOURCE_DOES_NOT_EXIST, a refusal PERMISSION_DENIED, bad credentials UNAUTHENTICATED; an S3 store
// that cannot be reached is TEMPORARILY_UNAVAILABLE. Messages name the S3 location and S3's own words.
import { MlflowError, type ErrorCode } from '../errors.js';

interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const CODE_BY_S3_ERROR: Record<string, ErrorCode> = {
  AccessDenied: 'PERMISSION_DENIED',
  AllAccessDisabled: 'PERMISSION_DENIED',
  NoSuchBucket: 'RESOURCE_DOES_NOT_EXIST',
  NoSuchKey: 'RESOURCE_DOES_NOT_EXIST',
  NotFound: 'RESOURCE_DOES_NOT_EXIST',
  NoSuchUpload: 'RESOURCE_DOES_NOT_EXIST',
  InvalidAccessKeyId: 'UNAUTHENTICATED',
  SignatureDoesNotMatch: 'UNAUTHENTICATED',
  ExpiredToken: 'UNAUTHENTICATED',
  InvalidToken: 'UNAUTHENTICATED',
  InvalidPart: 'INVALID_PARAMETER_VALUE',
  InvalidPartOrder: 'INVALID_PARAMETER_VALUE',
  EntityTooSmall: 'INVALID_PARAMETER_VALUE',
  InvalidArgument: 'INVALID_PARAMETER_VALUE',
  InvalidRange: 'INVALID_PARAMETER_VALUE',
  SlowDown: 'TEMPORARILY_UNAVAILABLE',
  ServiceUnavailable: 'TEMPORARILY_UNAVAILABLE',
};

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', 'TimeoutError']);

/** The S3 error code of an SDK error ('NoSuchKey', 'NotFound' for a HEAD 404, …), or undefined. */
export function s3ErrorCode(e: unknown): string | undefined {
  const err = e as SdkError | null;
  if (!err || typeof err !== 'object' || !err.$metadata) return undefined;
  return err.Code ?? err.name;
}

export function isS3NotFound(e: unknown): boolean {
  const code = s3ErrorCode(e);
  return code === 'NoSuchKey' || code === 'NotFound' || (code !== undefined && (e as SdkError).$metadata?.httpStatusCode === 404 && code !== 'NoSuchBucket');
}

/** `e` as an MlflowError (an MlflowError passes through); `what` says what was being done, e.g. "read s3://b/k". */
export function s3Error(e: unknown, what: string): unknown {
  if (e instanceof MlflowError) return e;
  const err = e as SdkError | null;
  if (!err || typeof err !== 'object') return e;
  const network = err.code ?? err.name;
  if (network && NETWORK_ERRORS.has(network)) {
    return new MlflowError('TEMPORARILY_UNAVAILABLE', `Failed to ${what}: the S3 endpoint cannot be reached (${network}${err.message ? `: ${err.message}` : ''})`);
  }
  const code = s3ErrorCode(e);
  if (code !== undefined) {
    const status = err.$metadata?.httpStatusCode;
    const mapped =
      CODE_BY_S3_ERROR[code] ?? (status === 403 ? 'PERMISSION_DENIED' : status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : status === 503 ? 'TEMPORARILY_UNAVAILABLE' : 'INTERNAL_ERROR');
    const detail = err.message && err.message !== code && err.message !== 'UnknownError' ? `${code}: ${err.message}` : `${code} (HTTP ${status ?? '?'})`;
    return new MlflowError(mapped, `Failed to ${what}: ${detail}`);
  }
  return e;
}
