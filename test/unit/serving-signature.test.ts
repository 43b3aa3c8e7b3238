// The signature check: types per column (JSON values and CSV text), nulls against `required`, absent
// columns, extra columns, and that what reaches the model is encoded exactly as training encodes it.
import { describe, expect, it } from 'vitest';
import type { FeatureSchema } from '../../trainer/data/dataset.js';
import { matrixFromRecords } from '../../trainer/data/rows.js';
import type { ColSpec } from '../../trainer/mlflow-model/format.js';
import { ScoringError } from '../../serving/errors.js';
import { parseInvocationBody, type InputFrame } from '../../serving/input.js';
import { columnRules, frameToMatrix } from '../../serving/signature.js';

const FEATURES: FeatureSchema[] = [
  { name: 'saldo', type: 'numeric' },
  { name: 'plano', type: 'categorical', categories: ['basic', 'gold', 'silver'] },
  { name: 'dias', type: 'numeric' },
];
const SIGNATURE: ColSpec[] = [
  { name: 'saldo', type: 'double', required: true },
  { name: 'plano', type: 'string', required: false },
  { name: 'dias', type: 'long', required: false },
  { name: 'vip', type: 'boolean', required: false },
];
const RULES = columnRules(SIGNATURE, FEATURES);

const frame = (columns: Record<string, unknown[]>, textCells = false): InputFrame => ({
  columns: new Map(Object.entries(columns)),
  nRows: Object.values(columns)[0]?.length ?? 0,
  textCells,
});

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringError);
    expect((e as ScoringError).statusCode).toBe(400);
    expect((e as ScoringError).errorCode).toBe('BAD_REQUEST');
    return (e as Error).message;
  }
  throw new Error('expected a 400');
}

describe('column rules', () => {
  it('come from the signature, plus model features it does not list (optional, typed by the feature)', () => {
    const rules = columnRules([{ name: 'saldo', type: 'double', required: true }], FEATURES);
    expect(rules).toEqual([
      { name: 'saldo', type: 'double', required: true },
      { name: 'plano', type: 'string', required: false },
      { name: 'dias', type: 'double', required: false },
    ]);
  });

  it('a ColSpec without `required` is required, as in MLflow', () => {
    expect(columnRules([{ name: 'x', type: 'double' } as ColSpec], [])[0]!.required).toBe(true);
  });
});

describe('frameToMatrix', () => {
  it('encodes JSON values as training does (categories by code, null → NaN, unknown category → NaN)', () => {
    const m = frameToMatrix(frame({ saldo: [1.5, 2], plano: ['gold', 'platinum'], dias: [3, null], extra: ['ignored', 1] }), RULES, FEATURES);
    expect(m.featureNames).toEqual(['saldo', 'plano', 'dias']);
    expect(Array.from(m.columns[0]!)).toEqual([1.5, 2]);
    expect(Array.from(m.columns[1]!)).toEqual([1, NaN]);
    expect(Array.from(m.columns[2]!)).toEqual([3, NaN]);
    const viaTrainer = matrixFromRecords(FEATURES, [
      { saldo: 1.5, plano: 'gold', dias: 3 },
      { saldo: 2, plano: 'platinum', dias: null },
    ]);
    expect(m.columns).toEqual(viaTrainer.columns);
  });

  it('types CSV text by the signature, with the training table\'s missing spellings', () => {
    const m = frameToMatrix(frame({ saldo: ['1e3', ' -2.5 '], plano: [' silver', 'null'], dias: ['', 'NA'], vip: ['true', '0'] }, true), RULES, FEATURES);
    expect(Array.from(m.columns[0]!)).toEqual([1000, -2.5]);
    expect(Array.from(m.columns[1]!)).toEqual([2, NaN]);
    expect(Array.from(m.columns[2]!)).toEqual([NaN, NaN]);
  });

  it('accepts nulls where the signature allows them and refuses them in a required column', () => {
    expect(() => frameToMatrix(frame({ saldo: [1], plano: [null], dias: [null], vip: [null] }), RULES, FEATURES)).not.toThrow();
    expect(badRequest(() => frameToMatrix(frame({ saldo: [1, null], plano: ['gold', 'gold'], dias: [1, 2] }), RULES, FEATURES))).toBe(
      "The input column 'saldo' is required by the model signature and may not be null, but row 1 is null.",
    );
    expect(badRequest(() => frameToMatrix(frame({ saldo: ['1', 'NA'], plano: ['gold', 'gold'], dias: ['1', '2'] }, true), RULES, FEATURES))).toMatch(
      /'saldo' is required .* row 1 is null/,
    );
  });

  it('a missing required column names it', () => {
    expect(badRequest(() => frameToMatrix(frame({ plano: ['gold'], dias: [1] }), RULES, FEATURES))).toBe(
      "The input column 'saldo' is required by the model signature but missing from the input data. Columns received: [plano, dias].",
    );
  });

  it('an absent optional column the model needs is refused too (only its values may be null)', () => {
    expect(badRequest(() => frameToMatrix(frame({ saldo: [1], dias: [1] }), RULES, FEATURES))).toMatch(
      /^The input column 'plano' is needed by the model \(its values may be null, but the column must be sent\) but missing/,
    );
  });

  it('an absent optional column the model does not use is fine', () => {
    expect(frameToMatrix(frame({ saldo: [1], plano: ['gold'], dias: [1] }), RULES, FEATURES).nRows).toBe(1);
  });

  it('wrong JSON types name the column, the row and the expected type', () => {
    const ok = { saldo: [1], plano: ['gold'], dias: [1] };
    expect(badRequest(() => frameToMatrix(frame({ ...ok, saldo: ['12.5'] }), RULES, FEATURES))).toBe(
      "Incompatible input types for column 'saldo': row 0 has \"12.5\" (a string), but the model signature expects double.",
    );
    expect(badRequest(() => frameToMatrix(frame({ ...ok, saldo: [true] }), RULES, FEATURES))).toMatch(/'saldo': row 0 has true \(a boolean\)/);
    expect(badRequest(() => frameToMatrix(frame({ ...ok, dias: [1.5] }), RULES, FEATURES))).toMatch(/'dias': row 0 has 1.5 \(a number\), but the model signature expects long/);
    expect(badRequest(() => frameToMatrix(frame({ ...ok, plano: [3] }), RULES, FEATURES))).toMatch(/'plano': row 0 has 3 \(an integer\), but the model signature expects string/);
    expect(badRequest(() => frameToMatrix(frame({ ...ok, vip: ['yes'] }), RULES, FEATURES))).toMatch(/'vip': row 0 has "yes" \(a string\), but the model signature expects boolean/);
    expect(badRequest(() => frameToMatrix(frame({ ...ok, saldo: [[1]] }), RULES, FEATURES))).toMatch(/'saldo': row 0 has \[1\] \(a list\)/);
    expect(badRequest(() => frameToMatrix(frame({ ...ok, saldo: [{ v: 1 }] }), RULES, FEATURES))).toMatch(/\(an object\)/);
  });

  it('CSV text that does not parse as the column type is refused', () => {
    const ok = { saldo: ['1'], plano: ['gold'], dias: ['1'] };
    expect(badRequest(() => frameToMatrix(frame({ ...ok, saldo: ['abc'] }, true), RULES, FEATURES))).toBe(
      "Incompatible input types for column 'saldo': row 0 has \"abc\" (a string), but the model signature expects double and the text does not parse as one.",
    );
    expect(badRequest(() => frameToMatrix(frame({ ...ok, dias: ['2.5'] }, true), RULES, FEATURES))).toMatch(/'dias'.*expects long/);
    expect(badRequest(() => frameToMatrix(frame({ ...ok, vip: ['maybe'] }, true), RULES, FEATURES))).toMatch(/'vip'.*expects boolean/);
  });

  it('batch scoring names rows its own way', () => {
    const f: InputFrame = { ...frame({ saldo: ['x'], plano: ['gold'], dias: ['1'] }, true), rowName: () => 'line 42' };
    expect(badRequest(() => frameToMatrix(f, RULES, FEATURES))).toMatch(/'saldo': line 42 has "x"/);
  });

  it('zero rows need no columns', () => {
    const m = frameToMatrix(frame({}), RULES, FEATURES);
    expect(m.nRows).toBe(0);
    expect(m.columns).toHaveLength(3);
  });

  it('works end to end from a request body', () => {
    const body = JSON.stringify({ dataframe_split: { columns: ['saldo', 'plano', 'dias'], data: [[10, 'basic', 7]] } });
    const m = frameToMatrix(parseInvocationBody(body, 'application/json', RULES.map((r) => r.name)), RULES, FEATURES);
    expect(m.columns.map((c) => c[0])).toEqual([10, 0, 7]);
  });
});
