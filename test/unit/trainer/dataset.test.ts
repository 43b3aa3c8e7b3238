import { describe, expect, it } from 'vitest';
import { encodeWithSchema, loadDataset, parseDataset, takeRows } from '../../../trainer/data/dataset.js';
import { DataError } from '../../../trainer/data/errors.js';
import { isMissing, parseNumericCell } from '../../../trainer/data/missing.js';
import { ABT_CSV } from '../../helpers/paths.js';

function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('missing values', () => {
  it('recognises the common spellings, case-insensitively, padded or not', () => {
    for (const s of ['', ' ', 'null', 'NULL', 'NA', 'na', 'NaN', 'nan', 'N/A', '#N/A', '<NA>', ' null ', '?']) {
      expect(isMissing(s), JSON.stringify(s)).toBe(true);
      expect(parseNumericCell(s)).toBeNaN();
    }
    for (const s of ['0', 'none', 'nancy', '-']) expect(isMissing(s), s).toBe(false);
  });

  it('parses numbers strictly and leaves text undefined', () => {
    expect(parseNumericCell('1.5e3')).toBe(1500);
    expect(parseNumericCell(' -0.25 ')).toBe(-0.25);
    expect(parseNumericCell('.5')).toBe(0.5);
    expect(parseNumericCell('inf')).toBe(Infinity);
    expect(parseNumericCell('-Infinity')).toBe(-Infinity);
    expect(parseNumericCell('0x1f')).toBeUndefined();
    expect(parseNumericCell('12abc')).toBeUndefined();
    expect(parseNumericCell('Yes')).toBeUndefined();
  });
});

describe('dataset loading', () => {
  it('reads numeric and categorical features, missing → NaN, ordinal codes in sorted order', () => {
    const ds = parseDataset('plan,spend,flag_churn\nbasic,10,0\npro,null,1\n,NA,0\nbasic,2.5,1\n');
    expect(ds.featureNames).toEqual(['plan', 'spend']);
    expect(ds.schema).toEqual([
      { name: 'plan', type: 'categorical', categories: ['basic', 'pro'] },
      { name: 'spend', type: 'numeric' },
    ]);
    expect(Array.from(ds.columns[0]!)).toEqual([0, 1, NaN, 0]);
    expect(Array.from(ds.columns[1]!)).toEqual([10, NaN, NaN, 2.5]);
    expect(Array.from(ds.y)).toEqual([0, 1, 0, 1]);
    expect(ds.layout).toBe('generic');
  });

  it('turns a column categorical when text appears after numbers', () => {
    const ds = parseDataset('code,flag_churn\n1,0\n2,1\nx7,0\n');
    expect(ds.schema[0]).toEqual({ name: 'code', type: 'categorical', categories: ['1', '2', 'x7'] });
    expect(Array.from(ds.columns[0]!)).toEqual([0, 1, 2]);
  });

  it('encodes scoring-time values with the training schema (unseen category → NaN)', () => {
    const ds = parseDataset('plan,spend,flag_churn\nbasic,1,0\npro,2,1\n');
    expect(encodeWithSchema(ds.schema[0]!, 'pro')).toBe(1);
    expect(encodeWithSchema(ds.schema[0]!, 'enterprise')).toBeNaN();
    expect(encodeWithSchema(ds.schema[1]!, '3.5')).toBe(3.5);
    expect(encodeWithSchema(ds.schema[1]!, 'null')).toBeNaN();
    expect(encodeWithSchema(ds.schema[1]!, null)).toBeNaN();
  });

  it.each([
    ['0/1', ['0', '1'], '1'],
    ['1.0/0.0', ['0.0', '1.0'], '1'],
    ['Yes/No', ['No', 'Yes'], 'Yes'],
    ['True/False', ['False', 'True'], 'True'],
    ['y/n', ['n', 'y'], 'y'],
    ['stay/leave (sorts last wins)', ['leave', 'stay'], 'stay'],
  ])('binary target %s → positive label %s', (_, [neg, pos], expected) => {
    const ds = parseDataset(`x,flag_churn\n1,${neg}\n2,${pos}\n3,${pos}\n`);
    expect(ds.target.positiveLabel).toBe(expected);
    expect(Array.from(ds.y)).toEqual([0, 1, 1]);
  });

  it('honours an explicit positive label and target name', () => {
    const ds = parseDataset('x,churned\n1,Yes\n2,No\n', { target: 'churned', positiveLabel: 'no' });
    expect(ds.target).toEqual({ name: 'churned', positiveLabel: 'No', negativeLabel: 'Yes' });
    expect(Array.from(ds.y)).toEqual([0, 1]);
  });

  it('recognises the abt layout (features = columns[2:-1]) and keeps ids/dates as text', () => {
    const ds = parseDataset('dt_ref,id_cliente,a,b,flag_churn\n2024-01-01,007,1,2,0\n2024-02-01,008,3,null,1\n');
    expect(ds.layout).toBe('abt');
    expect(ds.featureNames).toEqual(['a', 'b']);
    expect(ds.extra.get('id_cliente')).toEqual(['007', '008']);
    expect(ds.extra.get('dt_ref')).toEqual(['2024-01-01', '2024-02-01']);
  });

  it('uses every other column for a generic layout, minus the drop list', () => {
    const ds = parseDataset('customer,a,flag_churn,b\nc1,1,0,2\nc2,3,1,4\n', { drop: ['customer'] });
    expect(ds.featureNames).toEqual(['a', 'b']);
    expect(ds.extra.get('customer')).toEqual(['c1', 'c2']);
  });

  it('fails clearly on bad input', () => {
    expect(dataError(() => parseDataset('')).code).toBe('EMPTY_FILE');
    expect(dataError(() => parseDataset('a,flag_churn\n')).code).toBe('NO_ROWS');
    const missing = dataError(() => parseDataset('a,b\n1,2\n'));
    expect(missing.code).toBe('MISSING_TARGET');
    expect(missing.message).toContain('"flag_churn"');
    const three = dataError(() => parseDataset('a,flag_churn\n1,0\n2,1\n3,2\n'));
    expect(three.code).toBe('NON_BINARY_TARGET');
    expect(three.message).toContain('more than two labels');
    expect(dataError(() => parseDataset('a,flag_churn\n1,1\n2,1\n')).message).toContain('only one label');
    const ragged = dataError(() => parseDataset('a,b,flag_churn\n1,2,0\n3,1\n'));
    expect(ragged.code).toBe('RAGGED_ROW');
    expect(ragged.line).toBe(3);
    expect(ragged.message).toBe('line 3: expected 3 fields like the header, found 2');
    expect(dataError(() => parseDataset('a,a,flag_churn\n1,2,0\n')).code).toBe('DUPLICATE_COLUMN');
    expect(dataError(() => parseDataset('a,flag_churn\n1,null\n')).code).toBe('MISSING_TARGET_VALUE');
    expect(dataError(() => parseDataset('a,flag_churn\n1,0\n', { drop: ['zzz'] })).code).toBe('UNKNOWN_COLUMN');
    expect(dataError(() => parseDataset('a,flag_churn\n1,0\n2,1\n', { positiveLabel: 'yes' })).code).toBe('NON_BINARY_TARGET');
  });

  it('takes rows in the given order', () => {
    const ds = parseDataset('id,a,flag_churn\nx,1,0\ny,2,1\nz,3,0\n', { drop: ['id'] });
    const sub = takeRows(ds, [2, 0]);
    expect(Array.from(sub.columns[0]!)).toEqual([3, 1]);
    expect(Array.from(sub.y)).toEqual([0, 0]);
    expect(sub.extra.get('id')).toEqual(['z', 'x']);
    expect(sub.nRows).toBe(2);
  });

  it('streams the real abt.csv: 4055 rows, 92 features, nulls as NaN', async () => {
    const ds = await loadDataset(ABT_CSV);
    expect(ds.nRows).toBe(4055);
    expect(ds.featureNames).toHaveLength(92);
    expect(ds.featureNames[0]).toBe('dias_primeira_iteracao_life');
    expect(ds.featureNames[91]).toBe('mediana_dias_recorrencia_d28');
    expect(ds.layout).toBe('abt');
    expect(ds.schema.every((s) => s.type === 'numeric')).toBe(true);
    const positives = ds.y.reduce((s, v) => s + v, 0);
    expect(positives / ds.nRows).toBeCloseTo(0.4343, 3);
    let nan = 0;
    for (const c of ds.columns) for (const v of c) if (Number.isNaN(v)) nan++;
    expect(nan / (ds.nRows * 92)).toBeCloseTo(0.196, 2);
  });
});

describe('scoring input → matrix', () => {
  it('encodes rows and records with the training schema, ignoring extra columns', async () => {
    const { matrixFromRows, matrixFromRecords } = await import('../../../trainer/data/rows.js');
    const ds = parseDataset('plan,spend,flag_churn\nbasic,1,0\npro,2,1\n');
    const m = matrixFromRows(ds.schema, ['spend', 'extra', 'plan'], [[3, 'x', 'pro'], ['null', 'y', 'gold'], [null, 'z', 'basic']]);
    expect(m.featureNames).toEqual(['plan', 'spend']);
    expect(Array.from(m.columns[0]!)).toEqual([1, NaN, 0]);
    expect(Array.from(m.columns[1]!)).toEqual([3, NaN, NaN]);
    const r = matrixFromRecords(ds.schema, [{ plan: 'pro', spend: 5 }, { plan: 'basic' }]);
    expect(Array.from(r.columns[1]!)).toEqual([5, NaN]);
    expect(() => matrixFromRows(ds.schema, ['spend'], [[1]])).toThrow(/no column "plan"/);
  });
});
