/**
 * The one error type the data layer throws. A `code` lets callers (the trainer CLI, tests) react to the
 * kind of problem; the message is written for the person who supplied the file.
 */
export type DataErrorCode =
  | 'EMPTY_FILE'
  | 'NO_ROWS'
  | 'RAGGED_ROW'
  | 'UNTERMINATED_QUOTE'
  | 'DUPLICATE_COLUMN'
  | 'MISSING_TARGET'
  | 'MISSING_TARGET_VALUE'
  | 'NON_BINARY_TARGET'
  | 'UNKNOWN_COLUMN'
  | 'MISSING_FEATURE'
  | 'NO_FEATURES'
  | 'BAD_SPLIT';

export class DataError extends Error {
  override readonly name = 'DataError';
  constructor(
    readonly code: DataErrorCode,
    message: string,
    /** 1-based physical line of the CSV where the problem was found, when there is one. */
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}
