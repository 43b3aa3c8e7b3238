// parseFilter for each search kind: every operator on every key type, and MLflow's errors.
import { describe, expect, it } from 'vitest';
import { MlflowError } from '../../../server/errors.js';
import { parseFilter, type FilterClause, type SearchKind } from '../../../server/search/index.js';

const one = (kind: SearchKind, filter: string): FilterClause => {
  const clauses = parseFilter(kind, filter);
  expect(clauses).toHaveLength(1);
  return clauses[0] as FilterClause;
};

function rejects(kind: SearchKind, filter: string, message: string): void {
  let error: unknown;
  try {
    parseFilter(kind, filter);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MlflowError);
  expect((error as MlflowError).errorCode).toBe('INVALID_PARAMETER_VALUE');
  expect((error as MlflowError).statusCode).toBe(400);
  expect((error as MlflowError).message).toBe(message);
}

describe('grammar shared by every kind', () => {
  it('treats an empty or absent filter as no condition', () => {
    expect(parseFilter('runs', '')).toEqual([]);
    expect(parseFilter('runs', undefined)).toEqual([]);
    expect(parseFilter('experiments', null)).toEqual([]);
  });

  it('accepts AND in any case, stray ANDs, and juxtaposed comparisons, as MLflow does', () => {
    expect(parseFilter('runs', "params.a = 'x' and params.b = 'y'")).toHaveLength(2);
    expect(parseFilter('runs', "AND params.a = 'x' AND AND params.b = 'y' AND")).toHaveLength(2);
    expect(parseFilter('runs', "params.a = 'x' params.b = 'y'")).toHaveLength(2);
  });

  it('reads quoted keys and values verbatim', () => {
    expect(one('runs', 'tags.`mlflow.runName` = "a b"')).toMatchObject({ entity: 'tag', key: 'mlflow.runName', value: 'a b' });
    expect(one('runs', "params.\"my-param\" = 'x'")).toMatchObject({ key: 'my-param' });
    expect(one('runs', "params.'my param' = 'x'")).toMatchObject({ key: 'my param' });
    expect(one('runs', "tags.mlflow.source.name = 'x'")).toMatchObject({ key: 'mlflow.source.name' });
    // MLflow strips the quotes only: SQL-style doubling and backslashes stay in the value.
    expect(one('runs', "params.a = 'it''s'")).toMatchObject({ value: "it''s" });
    expect(one('runs', "params.a = 'it\\'s'")).toMatchObject({ value: "it\\'s" });
  });

  it('reads IN lists as Python literals', () => {
    expect(one('runs', "run_id IN ('a', \"b\", 'c',)")).toMatchObject({ comparator: 'IN', value: ['a', 'b', 'c'] });
    expect(one('runs', "run_id in ('x\\'y', 'it''s')")).toMatchObject({ value: ["x'y", 'its'] });
    expect(one('runs', "run_id not in ('a')")).toMatchObject({ comparator: 'NOT IN', value: ['a'] });
  });

  it.each([
    ["params.a = 'x' OR params.b = 'y'", "Invalid clause(s) in filter string: 'OR'"],
    ["(params.a = 'x')", "Invalid clause(s) in filter string: '(params.a = 'x')'"],
    ["NOT params.a = 'x'", "Invalid clause(s) in filter string: 'NOT'"],
    ["params.a = 'x' garbage", "Invalid clause(s) in filter string: 'params.a = 'x' garbage'"],
    ['params.a', "Invalid clause(s) in filter string: 'params.a'"],
    ["params.a = 'x';", "Invalid clause(s) in filter string: ';'"],
    ["params.a = 'x'; params.b = 'y'", "Search filter contained multiple expression \"params.a = 'x'; params.b = 'y'\". Provide AND-ed expression list."],
    ['   ', "Invalid filter '   '. Could not be parsed."],
    ['params.a = x', 'Parameter value is either not quoted or unidentified quote types used for string value x. Use either single or double quotes.'],
    ['run_id IN ()', 'While parsing a list in the query, expected a non-empty list of string values, but got empty list'],
    ["run_id IN ('a', 1)", "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ('a', 1)"],
    ['run_id IN (a)', 'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.'],
    ["'params.a' = 'x'", "Invalid comparison clause. Expected 'Identifier' found ''params.a''"],
  ])('rejects %j', (filter, message) => rejects('runs', filter, message));
});

describe('runs', () => {
  it.each([
    ['metrics.acc > 0.5', { entity: 'metric', key: 'acc', valueType: 'number', comparator: '>', value: 0.5 }],
    ['metric.acc >= -1', { entity: 'metric', comparator: '>=', value: -1 }],
    ['metrics.acc < 1e3', { comparator: '<', value: 1000 }],
    ['metrics.acc <= .5', { comparator: '<=', value: 0.5 }],
    ['metrics.acc = 2', { comparator: '=', value: 2 }],
    ['metrics.acc != 2', { comparator: '!=', value: 2 }],
    ["params.p = 'x'", { entity: 'parameter', valueType: 'string', comparator: '=' }],
    ["param.p != 'x'", { entity: 'parameter', comparator: '!=' }],
    ["parameters.p like 'x%'", { comparator: 'LIKE' }],
    ["params.p ILIKE 'x%'", { comparator: 'ILIKE' }],
    ['params.p IS NULL', { valueType: 'null', comparator: 'IS NULL', value: null }],
    ['tags.t is not null', { entity: 'tag', comparator: 'IS NOT NULL' }],
    ["tag.t Like 'x'", { entity: 'tag', comparator: 'LIKE' }],
    ["attributes.status = 'FINISHED'", { entity: 'attribute', key: 'status', value: 'FINISHED' }],
    ["attr.user_id != 'u'", { key: 'user_id', comparator: '!=' }],
    ["run.artifact_uri LIKE 's3://%'", { key: 'artifact_uri', comparator: 'LIKE' }],
    ["run_name ILIKE '%x%'", { key: 'run_name', comparator: 'ILIKE' }],
    ["`Run Name` = 'x'", { key: 'run_name' }],
    ["run_id = 'abc'", { key: 'run_id', valueType: 'string' }],
    ['start_time > 5', { key: 'start_time', valueType: 'number', value: 5 }],
    ['created <= 5', { key: 'start_time', comparator: '<=' }],
    ['attributes.end_time != 5', { key: 'end_time', comparator: '!=' }],
    ["dataset.name = 'd'", { entity: 'dataset', key: 'name' }],
    ["datasets.digest IN ('x')", { entity: 'dataset', key: 'digest', valueType: 'list' }],
    ["dataset.context NOT IN ('train')", { key: 'context', comparator: 'NOT IN' }],
  ])('%s', (filter, expected) => expect(one('runs', filter)).toMatchObject(expected));

  it.each([
    ["foo.a = 'x'", "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"],
    ["foo = 'x'", "Invalid attribute key 'foo' specified. Valid keys are '{'created', 'artifact_uri', 'run name', 'Run name', 'start_time', 'user_id', 'Run Name', 'end_time', 'run_name', 'status', 'Created', 'run_id'}'"],
    ["dataset.foo = 'x'", "Invalid dataset key 'foo' specified. Valid keys are '{'context', 'digest', 'name'}'"],
    ["metrics.acc > 'x'", "Expected numeric value type for metric. Found 'x'"],
    ["start_time > '5'", "Expected numeric value type for numeric attribute: start_time. Found '5'"],
    ['status = 5', 'Expected a quoted string value for attributes. Got value 5'],
    ['params.p = 5', "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 5"],
    ['dataset.name = 5', 'Expected a quoted string value for dataset attributes. Got value 5'],
    ["status IN ('a')", "Only ['run_id'] attributes support comparison with a list of quoted string values."],
    ['metrics.acc IS NULL', "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'acc'"],
    ['metrics.acc ~ 5', "Invalid comparator '~' not one of '{'>', '>=', '=', '!=', '<', '<='}"],
    ["params.p > 'x'", "Invalid comparator '>' not one of '{'LIKE', 'IS NOT NULL', '=', '!=', 'IS NULL', 'ILIKE'}'"],
    ["tags.t == 'x'", "Invalid comparator '==' not one of '{'LIKE', 'IS NOT NULL', '=', '!=', 'IS NULL', 'ILIKE'}"],
    ["status > 'a'", "Invalid comparator '>' not one of '{'LIKE', 'NOT IN', 'IN', '=', '!=', 'ILIKE'}'"],
    ['start_time LIKE 5', "Invalid comparator 'LIKE' not one of '{'LIKE', 'NOT IN', 'IN', '=', '!=', 'ILIKE'}"],
    ["dataset.name > 'a'", "Invalid comparator '>' not one of '{'LIKE', 'NOT IN', 'IN', '=', '!=', 'ILIKE'}"],
  ])('rejects %j', (filter, message) => rejects('runs', filter, message));
});

describe('experiments', () => {
  it.each([
    ["name = 'a'", { entity: 'attribute', key: 'name', valueType: 'string', comparator: '=' }],
    ["attribute.name != 'a'", { comparator: '!=' }],
    ["name LIKE 'a%'", { comparator: 'LIKE' }],
    ["name ILIKE '%A%'", { comparator: 'ILIKE' }],
    ['creation_time > 5', { key: 'creation_time', valueType: 'number', value: 5 }],
    ['last_update_time <= 5', { key: 'last_update_time', comparator: '<=' }],
    ["experiment_id = '7'", { key: 'experiment_id', valueType: 'number', value: 7 }],
    ["experiment_id IN ('1', ' 2 ')", { valueType: 'list', value: ['1', '2'] }],
    ["tags.t = 'x'", { entity: 'tag', key: 't' }],
    ["tag.`a.b` != 'x'", { entity: 'tag', key: 'a.b', comparator: '!=' }],
    ['tags.`mlflow.experiment.isGateway` IS NULL', { entity: 'tag', comparator: 'IS NULL' }],
    ['tags.t is not null', { comparator: 'IS NOT NULL' }],
  ])('%s', (filter, expected) => expect(one('experiments', filter)).toMatchObject(expected));

  it.each([
    ["attributes.name = 'a'", "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')"],
    ["foo = 'a'", "Invalid attribute key 'foo' specified. Valid keys are '{'name', 'creation_time', 'last_update_time', 'experiment_id'}'"],
    ["name IN ('a')", "Only ['experiment_id'] attributes support comparison with a list of quoted string values."],
    ["name > 'a'", "Invalid comparator '>' not one of '{'LIKE', 'NOT IN', 'IN', '=', '!=', 'ILIKE'}'"],
    ['creation_time LIKE 5', "Invalid comparator 'LIKE' not one of '{'LIKE', 'NOT IN', 'IN', '=', '!=', 'ILIKE'}"],
    ["experiment_id in ('1')", 'Invalid comparator for experiment_id: in'],
  ])('rejects %j', (filter, message) => rejects('experiments', filter, message));
});

describe('registered models', () => {
  it.each([
    ["name = 'm'", { entity: 'attribute', key: 'name', comparator: '=' }],
    ["name ilike '%m%'", { comparator: 'ILIKE' }],
    ["name like 'm%'", { comparator: 'LIKE' }],
    ["name != 'm'", { comparator: '!=' }],
    ["name IN ('a', 'b')", { valueType: 'list', comparator: 'IN' }],
    ["name NOT IN ('a')", { comparator: 'NOT IN' }],
    ["tags.`mlflow.prompt.is_prompt` = 'true'", { entity: 'tag', key: 'mlflow.prompt.is_prompt' }],
    ["tag.t LIKE 'x'", { entity: 'tag', comparator: 'LIKE' }],
  ])('%s', (filter, expected) => expect(one('registered_models', filter)).toMatchObject(expected));

  it.each([
    ["`name` = 'a'", "Invalid attribute key '`name`' specified. Valid keys are '{'name'}'"],
    ["metrics.a > 1", "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')"],
    ['name = 5', 'Expected a quoted string value or a list of quoted string values for attributes. Got value 5'],
    ["name > 'a'", 'Invalid comparator for attribute: >'],
    ["tags.t IN ('a')", "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('a')"],
    ["tags.t <> 'a'", 'Invalid comparator for tag: <>'],
  ])('rejects %j', (filter, message) => rejects('registered_models', filter, message));
});

describe('model versions', () => {
  it.each([
    ["name = 'm'", { key: 'name' }],
    ["run_id IN ('a', 'b')", { key: 'run_id', valueType: 'list' }],
    ["run_id = 'a'", { key: 'run_id', comparator: '=' }],
    ["source_path LIKE 's3://%'", { key: 'source_path', comparator: 'LIKE' }],
    ['version_number >= 3', { key: 'version_number', valueType: 'number', value: 3 }],
    ["version_number = '3'", { valueType: 'number', value: 3 }],
    ["tags.t ILIKE 'x'", { entity: 'tag', comparator: 'ILIKE' }],
  ])('%s', (filter, expected) => expect(one('model_versions', filter)).toMatchObject(expected));

  it.each([
    ['creation_timestamp > 5', "Invalid attribute key 'creation_timestamp' specified. Valid keys are '{'name', 'source_path', 'version_number', 'run_id'}'"],
    ['name = 5', "Only the '{'creation_timestamp', 'version_number', 'last_updated_timestamp'}' attributes support comparison with numeric values."],
    ["source_path IN ('a')", "Only ['name', 'run_id'] attributes support comparison with a list of quoted string values."],
    ['version_number > 1.5', "Invalid value for numeric attribute 'version_number': 1.5"],
    ["version_number = 'x'", "Invalid value for numeric attribute 'version_number': 'x'"],
    ["version_number LIKE '3'", 'Invalid comparator for attribute version_number: LIKE'],
  ])('rejects %j', (filter, message) => rejects('model_versions', filter, message));
});

describe('logged models (the SQL store parser)', () => {
  it.each([
    ['metrics.acc > 0.5', { entity: 'metric', key: 'acc', valueType: 'number', value: 0.5 }],
    ["params.p = 'x'", { entity: 'parameter', key: 'p', value: 'x' }],
    ['params.p = x', { value: 'x' }],
    ["tags.`a.b` LIKE 'x%'", { entity: 'tag', key: 'a.b', comparator: 'LIKE' }],
    ["attributes.name ilike 'm%'", { entity: 'attribute', key: 'name', comparator: 'ILIKE' }],
    ['creation_time > 5', { key: 'creation_timestamp', valueType: 'number' }],
    ['last_updated_timestamp <= 5', { key: 'last_updated_timestamp', comparator: '<=' }],
    ["source_run_id IN ('a', 'b')", { key: 'source_run_id', valueType: 'list', value: ['a', 'b'] }],
    ["status = 'READY'", { key: 'status', value: 'READY' }],
  ])('%s', (filter, expected) => expect(one('logged_models', filter)).toMatchObject(expected));

  it.each([
    ["param.a = 'x'", "Invalid entity type: 'param'. Expected one of ['attributes', 'metrics', 'params', 'tags']."],
    ['creation_time LIKE 5', "Invalid comparison operator for attributes.creation_timestamp_ms: 'LIKE'. Expected one of ('<', '<=', '>', '>=', '=', '!=')."],
    ["name > 'a'", "Invalid comparison operator for attributes.name: '>'. Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN')."],
    ['tags.a IS NULL', 'Invalid comparison: tags.aIS NULL. Expected a comparison with 3 tokens.'],
    ["name = 'a' OR name = 'b'", "Invalid filter string: \"name = 'a' OR name = 'b'\". Expected a list of comparisons separated by 'AND' (e.g. 'metrics.loss > 0.1 AND params.lr = 0.01')."],
  ])('rejects %j', (filter, message) => rejects('logged_models', filter, message));

  it('rejects unknown columns, where MLflow fails with a 500', () => {
    expect(() => parseFilter('logged_models', "foo = 'x'")).toThrow(MlflowError);
    expect(() => parseFilter('logged_models', "metrics.a > 'x'")).toThrow(MlflowError);
    // Object members are not columns either.
    expect(() => parseFilter('logged_models', "__proto__ = 'x'")).toThrow("Invalid attribute key '__proto__' specified.");
    expect(() => parseFilter('logged_models', "attributes.toString = 'x'")).toThrow("Invalid attribute key 'toString' specified.");
  });
});
