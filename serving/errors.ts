// The errors a scoring request can end in, shaped as MLflow's scoring server writes them
// (`{"error_code": "BAD_REQUEST", "message": ...}`), so clients written against `mlflow models serve`
// read ours the same way. A caller's mistake is a 4xx, never a 5xx.

export type ScoringErrorCode = 'BAD_REQUEST' | 'UNSUPPORTED_MEDIA_TYPE' | 'INTERNAL_ERROR' | 'REQUEST_TOO_LARGE';

export class ScoringError extends Error {
  override readonly name = 'ScoringError';
  constructor(
    readonly errorCode: ScoringErrorCode,
    message: string,
    readonly statusCode: number = errorCode === 'BAD_REQUEST' ? 400 : errorCode === 'UNSUPPORTED_MEDIA_TYPE' ? 415 : 500,
  ) {
    super(message);
  }

  toJSON(): { error_code: string; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export function badRequest(message: string): ScoringError {
  return new ScoringError('BAD_REQUEST', message);
}
