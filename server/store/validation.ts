// Input validation with MLflow's rules, limits and message texts (mlflow/utils/validation.py).
import { invalidParameter } from '../errors.js';
import { decodeFully } from '../artifacts/safe-path.js';
import type { DatasetInput, Tag } from './entities.js';

export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_EXPERIMENT_TAG_KEY_LENGTH = 250;
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 20000;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_DATASET_NAME_SIZE = 500;
export const MAX_DATASET_DIGEST_SIZE = 36;
export const MAX_DATASET_SCHEMA_SIZE = 1048575;
export const MAX_DATASET_SOURCE_SIZE = 65535;
export const MAX_DATASET_PROFILE_SIZE = 16777215;
export const MAX_INPUT_TAG_KEY_SIZE = 255;
export const MAX_INPUT_TAG_VALUE_SIZE = 500;
export const MAX_ARTIFACT_LOCATION_LENGTH = Number(process.env.MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH ?? 2048);
/** MLFLOW_TRUNCATE_LONG_VALUES defaults to true: long param/tag values are cut, not refused. */
const TRUNCATE_LONG_VALUES = (process.env.MLFLOW_TRUNCATE_LONG_VALUES ?? 'true').toLowerCase() !== 'false';

const RUN_ID_REGEX = /^[a-zA-Z0-9][\w-]{0,255}$/;
const KEY_REGEX = /^[/\w.\- :]*$/;

/** Python's repr() of a str: single quotes unless the text holds one and no double quote. */
export function pythonRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

/** Python's json.dumps(value) with its default separators (", " and ": "). */
export function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyJson(k)}: ${pythonJsonDumps(v)}`)
      .join(', ')}}`;
  }
  return pyJson(value);
}

/** json.dumps(value) as MLflow's invalid_value() formats the offending value. */
function pyJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'number' && !Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function invalidValueMessage(path: string, value: unknown, message?: string): string {
  return message
    ? `Invalid value ${pyJson(value)} for parameter '${path}' supplied: ${message}`
    : `Invalid value ${pyJson(value)} for parameter '${path}' supplied.`;
}

export function exceedsMaximumLength(path: string, limit: number): string {
  return `'${path}' exceeds the maximum length of ${limit} characters`;
}

function appendToJsonPath(current: string, value: string): string {
  if (!current) return value;
  return value.startsWith('[') ? `${current}${value}` : `${current}.${value}`;
}

/** posixpath.normpath, which MLflow uses to refuse names that would resolve to another file. */
export function posixNormpath(p: string): string {
  if (p === '') return '.';
  const initialSlashes = p.startsWith('/') ? (p.startsWith('//') && !p.startsWith('///') ? 2 : 1) : 0;
  const out: string[] = [];
  for (const comp of p.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (!initialSlashes && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) {
      out.push(comp);
    } else if (out.length > 0) {
      out.pop();
    }
  }
  const joined = '/'.repeat(initialSlashes) + out.join('/');
  return joined || '.';
}

function pathNotUnique(name: string): boolean {
  const norm = posixNormpath(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

const BAD_CHARACTER_MESSAGE =
  'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';

function badPathMessage(name: string): string {
  return (
    'Names may be treated as files in certain cases, and must not resolve to other names' +
    ` when treated as such. This name would resolve to ${pythonRepr(posixNormpath(name))}`
  );
}

function validateName(name: string, path: string): void {
  if (!KEY_REGEX.test(name)) throw invalidParameter(invalidValueMessage(path, name, BAD_CHARACTER_MESSAGE));
  if (pathNotUnique(name)) throw invalidParameter(invalidValueMessage(path, name, badPathMessage(name)));
}

function lengthLimit(entity: string, limit: number, value: string, truncate = false): string {
  if (value.length <= limit) return value;
  if (truncate && TRUNCATE_LONG_VALUES) return value.slice(0, limit);
  throw invalidParameter(exceedsMaximumLength(entity, limit));
}

export function validateRunId(runId: string, path = 'run_id'): void {
  if (!RUN_ID_REGEX.test(runId)) throw invalidParameter(invalidValueMessage(path, runId));
}

/** int(experiment_id) as MLflow's SQL store takes it: any integer, exactly; else MLflow's message. */
export function parseExperimentId(experimentId: string | number): bigint {
  const s = String(experimentId).trim();
  if (!/^[+-]?\d+$/.test(s)) throw invalidParameter(`Invalid experiment ID '${experimentId}'. Experiment ID must be a valid integer.`);
  return BigInt(s);
}

/** Python's repr() of a float, as MLflow's messages print metric values (1 → 1.0). */
export function pythonFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return n.toFixed(1);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

export function validateMetric(m: { key?: string; value?: unknown; timestamp?: unknown; step?: unknown }, path = ''): void {
  const namePath = appendToJsonPath(path, 'name');
  if (m.key === undefined || m.key === null) {
    throw invalidParameter(invalidValueMessage(namePath, null, 'Metric name cannot be None. A key name must be provided.'));
  }
  validateName(m.key, namePath);
  if (m.value === undefined || m.value === null) {
    throw invalidParameter(`Missing value for required parameter '${appendToJsonPath(path, 'value')}'.`);
  }
  if (typeof m.value !== 'number') {
    throw invalidParameter(
      invalidValueMessage(
        appendToJsonPath(path, 'value'),
        m.value,
        `(timestamp=${String(m.timestamp)}). Please specify value as a valid double (64-bit floating point)`,
      ),
    );
  }
  if ((typeof m.timestamp !== 'number' && typeof m.timestamp !== 'bigint') || m.timestamp < 0) {
    throw invalidParameter(
      invalidValueMessage(
        appendToJsonPath(path, 'timestamp'),
        m.timestamp,
        `metric '${m.key}' (value=${pythonFloatRepr(m.value)}). Timestamp must be a nonnegative long (64-bit integer) `,
      ),
    );
  }
  if (typeof m.step !== 'number' && typeof m.step !== 'bigint') {
    throw invalidParameter(
      invalidValueMessage(
        appendToJsonPath(path, 'step'),
        m.step,
        `metric '${m.key}' (value=${pythonFloatRepr(m.value)}). Step must be a valid long (64-bit integer).`,
      ),
    );
  }
  lengthLimit('Metric name', MAX_ENTITY_KEY_LENGTH, m.key);
}

/** Validates and returns the param with its value truncated to 6000 characters, as MLflow. */
export function validateParam(key: string | undefined, value: string | undefined, path = ''): Tag {
  const keyPath = appendToJsonPath(path, 'key');
  if (key === undefined || key === null) throw invalidParameter(invalidValueMessage(keyPath, '', 'A key name must be provided.'));
  validateName(key, keyPath);
  return {
    key: lengthLimit('Param key', MAX_ENTITY_KEY_LENGTH, key),
    value: lengthLimit('Param value', MAX_PARAM_VAL_LENGTH, value ?? '', true),
  };
}

/** Validates and returns the run tag with its value truncated to 8000 characters, as MLflow. */
export function validateRunTag(key: string | undefined, value: string | undefined, path = ''): Tag {
  const keyPath = appendToJsonPath(path, 'key');
  if (key === undefined || key === null) throw invalidParameter(`Missing value for required parameter '${keyPath}'.`);
  validateName(key, keyPath);
  return {
    key: lengthLimit(keyPath, MAX_ENTITY_KEY_LENGTH, key),
    value: lengthLimit(appendToJsonPath(path, 'value'), MAX_TAG_VAL_LENGTH, value ?? '', true),
  };
}

export function validateExperimentTag(key: string | undefined, value: string | undefined): Tag {
  if (key === undefined || key === null) throw invalidParameter(`Missing value for required parameter 'key'.`);
  validateName(key, 'key');
  lengthLimit('key', MAX_EXPERIMENT_TAG_KEY_LENGTH, key);
  lengthLimit('value', MAX_EXPERIMENT_TAG_VAL_LENGTH, value ?? '');
  return { key, value: value ?? '' };
}

export function validateExperimentName(name: unknown): string {
  if (name === '' || name === undefined || name === null) throw invalidParameter(`Invalid experiment name: '${name ?? 'None'}'`);
  if (typeof name !== 'string') throw invalidParameter(`Invalid experiment name: ${String(name)}. Expects a string.`);
  if (name.length > MAX_EXPERIMENT_NAME_LENGTH) throw invalidParameter(exceedsMaximumLength('name', MAX_EXPERIMENT_NAME_LENGTH));
  return name;
}

function batchLimit(entity: string, limit: number, length: number): void {
  if (length > limit) {
    throw invalidParameter(
      `A batch logging request can contain at most ${limit} ${entity}. Got ${length} ${entity}. ` +
        `Please split up ${entity} across multiple requests and try again.`,
    );
  }
}

export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  batchLimit('metrics', MAX_METRICS_PER_BATCH, metrics);
  batchLimit('params', MAX_PARAMS_TAGS_PER_BATCH, params);
  batchLimit('tags', MAX_PARAMS_TAGS_PER_BATCH, tags);
  batchLimit('metrics, params, and tags', MAX_ENTITIES_PER_BATCH, metrics + params + tags);
}

export function validateParamKeysUnique(params: Tag[]): void {
  const seen = new Set<string>();
  const dupes: string[] = [];
  for (const p of params) {
    if (seen.has(p.key)) dupes.push(p.key);
    else seen.add(p.key);
  }
  if (dupes.length > 0) {
    throw invalidParameter(
      `Duplicate parameter keys have been submitted: [${dupes.map(pythonRepr).join(', ')}]. Please ensure ` +
        'the request contains only one param value per param key.',
    );
  }
}

export function validateDatasetInputs(inputs: DatasetInput[]): void {
  for (const input of inputs) {
    const d = input.dataset;
    if (!d) throw invalidParameter('Dataset cannot be None');
    if (d.name === undefined) throw invalidParameter('Dataset name cannot be None');
    if (d.digest === undefined) throw invalidParameter('Dataset digest cannot be None');
    if (d.sourceType === undefined) throw invalidParameter('Dataset source_type cannot be None');
    if (d.source === undefined) throw invalidParameter('Dataset source cannot be None');
    if (d.name.length > MAX_DATASET_NAME_SIZE) throw invalidParameter(exceedsMaximumLength('name', MAX_DATASET_NAME_SIZE));
    if (d.digest.length > MAX_DATASET_DIGEST_SIZE) throw invalidParameter(exceedsMaximumLength('digest', MAX_DATASET_DIGEST_SIZE));
    if (d.source.length > MAX_DATASET_SOURCE_SIZE) throw invalidParameter(exceedsMaximumLength('source', MAX_DATASET_SOURCE_SIZE));
    if (d.schema != null && d.schema.length > MAX_DATASET_SCHEMA_SIZE) throw invalidParameter(exceedsMaximumLength('schema', MAX_DATASET_SCHEMA_SIZE));
    if (d.profile != null && d.profile.length > MAX_DATASET_PROFILE_SIZE) throw invalidParameter(exceedsMaximumLength('profile', MAX_DATASET_PROFILE_SIZE));
    for (const tag of input.tags) {
      if (tag.key === undefined) throw invalidParameter('InputTag key cannot be None');
      if (tag.value === undefined) throw invalidParameter('InputTag value cannot be None');
      if (tag.key.length > MAX_INPUT_TAG_KEY_SIZE) throw invalidParameter(exceedsMaximumLength('key', MAX_INPUT_TAG_KEY_SIZE));
      if (tag.value.length > MAX_INPUT_TAG_VALUE_SIZE) throw invalidParameter(exceedsMaximumLength('value', MAX_INPUT_TAG_VALUE_SIZE));
    }
  }
}

/** Experiment artifact_location checks (handlers._validate_storage_location_uri, the parts that apply). */
export function validateArtifactLocation(location: string): void {
  if (location.includes('#') || /;[^/]*$/.test(location.split('?')[0]!.split('/').pop() ?? '')) {
    throw invalidParameter("'artifact_location' URL can't include fragments or params.");
  }
  const query = location.includes('?') ? location.slice(location.indexOf('?') + 1) : '';
  if (decodeFully(query).includes('..')) throw invalidParameter('Invalid query string');
  if (location.startsWith('runs:')) {
    throw invalidParameter(`Artifact location cannot be a runs:/ URI. Given: '${location}'`);
  }
  if (location.length > MAX_ARTIFACT_LOCATION_LENGTH) {
    throw invalidParameter(
      'Invalid artifact path length. The length of the artifact path cannot be ' +
        `greater than ${MAX_ARTIFACT_LOCATION_LENGTH} characters. To configure this limit, please set the ` +
        'MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.',
    );
  }
}

