// parseOrderBy for each search kind.
import { describe, expect, it } from 'vitest';
import { MlflowError } from '../../../server/errors.js';
import { parseOrderBy } from '../../../server/search/index.js';

function rejects(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MlflowError);
  expect((error as MlflowError).errorCode).toBe('INVALID_PARAMETER_VALUE');
  expect((error as MlflowError).message).toBe(message);
}

describe('runs', () => {
  it.each([
    ['start_time', { entity: 'attribute', key: 'start_time', ascending: true }],
    ['attributes.start_time DESC', { entity: 'attribute', key: 'start_time', ascending: false }],
    ['created desc', { entity: 'attribute', key: 'start_time', ascending: false }],
    ['run_name ASC', { entity: 'attribute', key: 'run_name', ascending: true }],
    ['metrics.`my metric` DESC', { entity: 'metric', key: 'my metric', ascending: false }],
    ['metrics."acc"', { entity: 'metric', key: 'acc', ascending: true }],
    ['tags.`mlflow.runName` ASC', { entity: 'tag', key: 'mlflow.runName', ascending: true }],
    ['params.lr  DESC', { entity: 'parameter', key: 'lr', ascending: false }],
  ])('%s', (clause, expected) => expect(parseOrderBy('runs', [clause])).toEqual([expected]));

  it('treats an absent or empty list as no ordering', () => {
    expect(parseOrderBy('runs', undefined)).toEqual([]);
    expect(parseOrderBy('runs', [])).toEqual([]);
  });

  it.each([
    [['start_time foo'], "Invalid ordering key in order_by clause 'start_time foo'."],
    [['start_time ASC DESC'], "Invalid order_by clause 'start_time ASC DESC'. Could not be parsed."],
    [[' start_time'], "Invalid order_by clause ' start_time'. Could not be parsed."],
    [['metrics.a, metrics.b'], "Invalid order_by clause 'metrics.a, metrics.b'. Could not be parsed."],
    [['foo'], "Invalid attribute key 'foo' specified. Valid keys are '{'start_time', 'artifact_uri', 'run_name', 'end_time', 'created', 'status', 'user_id', 'Created', 'run_id'}'"],
    [['dataset.name'], "Invalid identifier type 'dataset'"],
    [['metrics.a', 'metric.a DESC'], "`order_by` contains duplicate fields: ['metrics.a', 'metric.a DESC']"],
    [['created', 'start_time'], "`order_by` contains duplicate fields: ['created', 'start_time']"],
  ])('rejects %j', (orderBy, message) => rejects(() => parseOrderBy('runs', orderBy), message));

  it('allows a tag and a param with the same key', () => {
    expect(parseOrderBy('runs', ['tags.a', 'params.a'])).toHaveLength(2);
  });
});

describe('experiments', () => {
  it('parses the four orderable attributes', () => {
    expect(parseOrderBy('experiments', ['name', 'experiment_id DESC', 'attribute.creation_time asc', 'last_update_time DESC'])).toEqual([
      { entity: 'attribute', key: 'name', ascending: true },
      { entity: 'attribute', key: 'experiment_id', ascending: false },
      { entity: 'attribute', key: 'creation_time', ascending: true },
      { entity: 'attribute', key: 'last_update_time', ascending: false },
    ]);
  });

  it.each([
    [['tags.x'], 'Invalid order_by entity: tag'],
    [['timestamp'], "Invalid attribute key 'timestamp' specified. Valid keys are '{'name', 'creation_time', 'last_update_time', 'experiment_id'}'"],
  ])('rejects %j', (orderBy, message) => rejects(() => parseOrderBy('experiments', orderBy), message));
});

describe('registry', () => {
  it('maps both timestamp keys of registered models to last_updated_timestamp', () => {
    expect(parseOrderBy('registered_models', ['timestamp DESC', 'name'])).toEqual([
      { entity: 'attribute', key: 'last_updated_timestamp', ascending: false },
      { entity: 'attribute', key: 'name', ascending: true },
    ]);
    rejects(
      () => parseOrderBy('registered_models', ['timestamp', 'last_updated_timestamp']),
      "`order_by` contains duplicate fields: ['timestamp', 'last_updated_timestamp']",
    );
    rejects(() => parseOrderBy('registered_models', ['creation_timestamp']), "Invalid order by key 'creation_timestamp' specified. Valid keys are '{'name', 'timestamp'}'");
  });

  it('accepts the model-version keys', () => {
    expect(parseOrderBy('model_versions', ['version_number DESC', 'creation_timestamp'])).toEqual([
      { entity: 'attribute', key: 'version_number', ascending: false },
      { entity: 'attribute', key: 'creation_timestamp', ascending: true },
    ]);
    rejects(() => parseOrderBy('model_versions', ['tags.x']), "Invalid order by key 'x' specified. Valid keys are {'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}");
  });
});

describe('logged models (order_by objects)', () => {
  it('reads attributes, aliases and metrics with their dataset', () => {
    expect(
      parseOrderBy('logged_models', [
        { field_name: 'creation_time', ascending: false },
        { field_name: 'metrics.acc', dataset_name: 'eval', dataset_digest: 'abc' },
        { field_name: 'name' },
      ]),
    ).toEqual([
      { entity: 'attribute', key: 'creation_timestamp', ascending: false },
      { entity: 'metric', key: 'acc', ascending: true, datasetName: 'eval', datasetDigest: 'abc' },
      { entity: 'attribute', key: 'name', ascending: true },
    ]);
  });

  it.each([
    [{ field_name: 'foo' }, 'Invalid order by field name: foo'],
    [{ field_name: 'params.lr' }, 'Invalid order by field name: params.lr. Only metrics are supported.'],
    [{}, 'Invalid order by field name: '],
  ])('rejects %j', (orderBy, message) => rejects(() => parseOrderBy('logged_models', [orderBy]), message));
});
