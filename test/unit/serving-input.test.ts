// Request bodies → frames: each of MLflow's JSON input formats, CSV, Python's NaN tokens, and the
// errors a malformed body gets (MLflow's wording where MLflow has one).
import { describe, expect, it } from 'vitest';
import { ScoringError } from '../../serving/errors.js';
import { parseInvocationBody, mediaTypeOf, type InputFrame } from '../../serving/input.js';
import { parseJsonBody, rewritePythonConstants } from '../../serving/json-body.js';

const SIGNATURE = ['a', 'b', 'c'];
const json = (doc: unknown): InputFrame => parseInvocationBody(JSON.stringify(doc), 'application/json', SIGNATURE);
const table = (f: InputFrame): Record<string, unknown[]> => Object.fromEntries(f.columns);

function failure(fn: () => unknown): ScoringError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    return e as ScoringError;
  }
  throw new Error('expected a ScoringError');
}

describe('JSON input formats', () => {
  const expected = { a: [1, 4], b: [2, null], c: ['x', 'y'] };

  it('dataframe_split with columns (index ignored)', () => {
    const f = json({ dataframe_split: { columns: ['a', 'b', 'c'], index: [7, 8], data: [[1, 2, 'x'], [4, null, 'y']] } });
    expect(f.nRows).toBe(2);
    expect(f.textCells).toBe(false);
    expect(table(f)).toEqual(expected);
  });

  it('dataframe_split without columns matches the signature by position', () => {
    expect(table(json({ dataframe_split: { data: [[1, 2, 'x'], [4, null, 'y']] } }))).toEqual(expected);
  });

  it('dataframe_records, filling keys a record lacks with null as pandas does', () => {
    const f = json({ dataframe_records: [{ a: 1, c: 'x', b: 2 }, { a: 4, c: 'y' }] });
    expect(table(f)).toEqual(expected);
    const later = json({ dataframe_records: [{ a: 1 }, { a: 2, z: true }] });
    expect(table(later)).toEqual({ a: [1, 2], z: [null, true] });
  });

  it('instances: records, rows by position, or a dictionary of columns', () => {
    expect(table(json({ instances: [{ a: 1, b: 2, c: 'x' }, { a: 4, b: null, c: 'y' }] }))).toEqual(expected);
    expect(table(json({ instances: [[1, 2, 'x'], [4, null, 'y']] }))).toEqual(expected);
    expect(table(json({ instances: expected }))).toEqual(expected);
  });

  it('inputs: a dictionary of columns, of scalars (one row), records or rows', () => {
    expect(table(json({ inputs: expected }))).toEqual(expected);
    const one = json({ inputs: { a: 1, b: 2, c: 'x' } });
    expect(one.nRows).toBe(1);
    expect(table(one)).toEqual({ a: [1], b: [2], c: ['x'] });
    expect(table(json({ inputs: [{ a: 1, b: 2, c: 'x' }, { a: 4, b: null, c: 'y' }] }))).toEqual(expected);
    expect(table(json({ inputs: [[1, 2, 'x'], [4, null, 'y']] }))).toEqual(expected);
  });

  it('ignores params and other keys next to the one input field', () => {
    expect(json({ dataframe_records: [{ a: 1 }], params: { threshold: 0.3 } }).nRows).toBe(1);
  });

  it('zero rows is a valid, empty batch', () => {
    expect(json({ dataframe_records: [] }).nRows).toBe(0);
    expect(json({ dataframe_split: { columns: ['a'], data: [] } }).nRows).toBe(0);
    expect(json({ inputs: {} }).nRows).toBe(0);
  });
});

describe('CSV input', () => {
  it('a header and rows, cells kept as text for the signature to type', () => {
    const f = parseInvocationBody('a,b,c\n1,,x\n4,null,"y, z"\n', 'text/csv', SIGNATURE);
    expect(f.textCells).toBe(true);
    expect(table(f)).toEqual({ a: ['1', '4'], b: ['', 'null'], c: ['x', 'y, z'] });
  });

  it('accepts charset=utf-8 and refuses ragged rows, duplicate columns and unterminated quotes', () => {
    expect(parseInvocationBody('a\n1\n', 'text/csv; charset=UTF-8', SIGNATURE).nRows).toBe(1);
    expect(failure(() => parseInvocationBody('a,b\n1\n', 'text/csv', SIGNATURE)).message).toMatch(/line 2 has 1 fields, the header has 2/);
    expect(failure(() => parseInvocationBody('a,a\n1,2\n', 'text/csv', SIGNATURE)).message).toMatch(/column 'a' appears more than once/);
    expect(failure(() => parseInvocationBody('a\n"1\n', 'text/csv', SIGNATURE)).message).toMatch(/never closed/);
  });
});

describe('malformed bodies', () => {
  it('an empty body is a 400 BAD_REQUEST', () => {
    for (const type of ['application/json', 'text/csv']) {
      const e = failure(() => parseInvocationBody('  \n', type, SIGNATURE));
      expect(e.statusCode).toBe(400);
      expect(e.errorCode).toBe('BAD_REQUEST');
      expect(e.message).toMatch(/empty/);
    }
  });

  it('malformed JSON says so', () => {
    const e = failure(() => parseInvocationBody('{"dataframe_records": [', 'application/json', SIGNATURE));
    expect(e.statusCode).toBe(400);
    expect(e.message).toMatch(/^Invalid input\. Ensure that input is a valid JSON formatted string/);
  });

  it('not exactly one input field, or not a dictionary: MLflow\'s message', () => {
    expect(failure(() => json({ data: [] })).message).toMatch(/exactly one of the input fields .*Received dictionary with input fields: \['data'\]/);
    expect(failure(() => json({ inputs: {}, instances: [] })).message).toMatch(/exactly one of the input fields/);
    expect(failure(() => json([{ a: 1 }])).message).toMatch(/Received a list/);
  });

  it('each format checks its own shape', () => {
    expect(failure(() => json({ dataframe_split: [[1]] })).message).toMatch(/Dataframe split format must be a dictionary. Got a list/);
    expect(failure(() => json({ dataframe_split: { columns: ['a'] } })).message).toMatch(/must have 'data' field/);
    expect(failure(() => json({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3]] } })).message).toMatch(/2 columns passed, but row 1 has 1 values/);
    expect(failure(() => json({ dataframe_split: { columns: ['a', 'a'], data: [[1, 2]] } })).message).toMatch(/column 'a' appears more than once/);
    expect(failure(() => json({ dataframe_split: { data: [[1, 2]] } })).message).toMatch(/no column names and its rows have 2 values, but the model signature has 3 columns/);
    expect(failure(() => json({ dataframe_records: { a: [1] } })).message).toMatch(/must be a list of records. Got a dictionary/);
    expect(failure(() => json({ dataframe_records: [{ a: 1 }, 5] })).message).toMatch(/row 1 is a number/);
    expect(failure(() => json({ inputs: { a: [1, 2], b: [3] } })).message).toMatch(/column 'b' has 1 values, but 'a' has 2/);
    expect(failure(() => json({ inputs: { a: [1, 2], b: 3 } })).message).toMatch(/every column to a list/);
    expect(failure(() => json({ instances: 'abc' })).message).toMatch(/must be a list of rows or a dictionary of columns/);
  });
});

describe('content types', () => {
  it('JSON and CSV, case-insensitive, with an optional UTF-8 charset', () => {
    expect(mediaTypeOf('application/json')).toBe('json');
    expect(mediaTypeOf('Application/JSON; charset=utf-8')).toBe('json');
    expect(mediaTypeOf('text/csv')).toBe('csv');
  });

  it('anything else is a 415, as MLflow answers', () => {
    for (const type of [undefined, 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=latin-1', 'application/json; format=pandas-split']) {
      const e = failure(() => mediaTypeOf(type));
      expect(e.statusCode).toBe(415);
    }
  });
});

describe("Python's NaN and Infinity tokens", () => {
  it('are rewritten outside strings only', () => {
    expect(rewritePythonConstants('[NaN, Infinity, -Infinity, "NaN Infinity"]')).toBe('[null, 1e999, -1e999, "NaN Infinity"]');
    expect(rewritePythonConstants('{"a\\"NaN": 1}')).toBeNull();
    expect(rewritePythonConstants('[1, 2]')).toBeNull();
  });

  it('parse to missing values and infinities', () => {
    expect(parseJsonBody('{"inputs": {"a": [NaN, Infinity, -Infinity, 1]}}')).toEqual({ inputs: { a: [null, Infinity, -Infinity, 1] } });
  });

  it('do not rescue otherwise broken JSON', () => {
    expect(() => parseJsonBody('[NaN,')).toThrow(/valid JSON/);
  });
});
