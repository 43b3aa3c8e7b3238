/** Public surface of the data layer. */
export { CsvParser, parseCsv, readCsvRecords } from './csv.js';
export type { CsvRecord } from './csv.js';
export { loadDataset, parseDataset, takeRows, encodeWithSchema } from './dataset.js';
export type { Dataset, FeatureMatrix, FeatureSchema, LoadOptions, TargetInfo } from './dataset.js';
export { DataError } from './errors.js';
export type { DataErrorCode } from './errors.js';
export { isMissing, parseNumericCell } from './missing.js';
export { RandomState } from './random.js';
export { matrixFromRecords, matrixFromRows } from './rows.js';
export { groupShuffleSplit, parseSplitSpec, shuffleSplit, splitDataset, splitIndices, timeSplit } from './split.js';
export type { SplitIndices, SplitOptions, SplitSpec } from './split.js';
export { ABT_COLUMNS, abtToCsv, generateSyntheticAbt, syntheticAbtDataset, writeAbtCsv } from './synthetic.js';
export type { AbtTable } from './synthetic.js';
