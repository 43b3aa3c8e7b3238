import { describe, expect, it } from 'vitest';
import { loadDataset, parseDataset } from '../../../trainer/data/dataset.js';
import { DataError } from '../../../trainer/data/errors.js';
import { RandomState } from '../../../trainer/data/random.js';
import { groupShuffleSplit, parseSplitSpec, shuffleSplit, splitDataset, splitIndices, timeSplit } from '../../../trainer/data/split.js';
import { ABT_CSV } from '../../helpers/paths.js';

// Expected values below were computed once with numpy 2.4.6 / scikit-learn 1.9.1.

describe('numpy RandomState (MT19937)', () => {
  it('reproduces permutation, random_sample and randint', () => {
    expect(Array.from(new RandomState(42).permutation(20))).toEqual([0, 17, 15, 1, 8, 5, 11, 3, 18, 16, 13, 2, 9, 19, 4, 12, 7, 10, 14, 6]);
    const r = new RandomState(42);
    expect(r.random()).toBe(0.3745401188473625);
    expect(r.randint(0, 2147483647)).toBe(1935803228);
    expect(Array.from(r.randintArray(0, 100, 5))).toEqual([14, 71, 60, 20, 82]);
  });

  it('rejects seeds numpy rejects', () => {
    expect(() => new RandomState(-1)).toThrow(RangeError);
    expect(() => new RandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new RandomState(1.5)).toThrow(RangeError);
  });
});

describe('train_test_split reproduction', () => {
  it.each([
    [10, 0.2, 42, [5, 0, 7, 2, 9, 4, 3, 6], [8, 1]],
    [17, 0.25, 7, [2, 1, 0, 14, 10, 7, 12, 3, 6, 9, 4, 15], [13, 11, 16, 8, 5]],
    [23, 5, 0, [1, 13, 22, 16, 8, 6, 17, 4, 2, 5, 18, 9, 7, 19, 3, 0, 15, 12], [11, 10, 21, 14, 20]],
  ])('n=%i test_size=%d random_state=%i', (n, testSize, seed, train, test) => {
    const s = shuffleSplit(n, { testSize, randomState: seed });
    expect(Array.from(s.train)).toEqual(train);
    expect(Array.from(s.test)).toEqual(test);
  });

  it('picks the same 811 test rows as the seed on abt.csv', async () => {
    const ds = await loadDataset(ABT_CSV);
    const { train, test } = splitIndices(ds, 'random');
    expect(train.length).toBe(3244);
    expect(test.length).toBe(811);
    expect(Array.from(test.slice(0, 20))).toEqual([
      964, 790, 1517, 2037, 1096, 744, 3733, 2456, 1164, 932, 999, 2822, 2119, 1590, 598, 2662, 787, 1189, 461, 2589,
    ]);
    expect(Array.from(train.slice(0, 5))).toEqual([3600, 436, 3483, 3649, 3972]);
    expect(test.reduce((s, v) => s + v, 0)).toBe(1589578);
    expect(test[810]).toBe(2876);
    expect(train[3243]).toBe(3174);
  });

  it('rejects a test size that leaves nothing to train on', () => {
    expect(() => shuffleSplit(5, { testSize: 5 })).toThrow(DataError);
    expect(() => shuffleSplit(5, { testSize: 0 })).toThrow(DataError);
  });
});

describe('grouped split (GroupShuffleSplit)', () => {
  it('matches scikit-learn on a small example', () => {
    const s = groupShuffleSplit(['a', 'b', 'a', 'c', 'd', 'b', 'e', 'c', 'f', 'g'], { testSize: 0.2, randomState: 42 });
    expect(Array.from(s.train)).toEqual([3, 4, 6, 7, 8, 9]);
    expect(Array.from(s.test)).toEqual([0, 1, 2, 5]);
  });

  it('keeps every customer of abt.csv on one side, as scikit-learn does', async () => {
    const ds = await loadDataset(ABT_CSV);
    const { train, test } = splitIndices(ds, 'group:id_cliente');
    expect([train.length, test.length]).toEqual([3198, 857]);
    expect(Array.from(test.slice(0, 10))).toEqual([39, 64, 76, 77, 78, 79, 80, 81, 82, 83]);
    expect(test.reduce((s, v) => s + v, 0)).toBe(1799054);
    const ids = ds.extra.get('id_cliente')!;
    const testIds = new Set(Array.from(test, (i) => ids[i]));
    for (const i of train) expect(testIds.has(ids[i])).toBe(false);
  });
});

describe('out-of-time split', () => {
  it('puts the latest dates in test, about the requested share, no date on both sides', () => {
    const dates = ['2024-01-01', '2024-01-01', '2024-02-01', '2024-02-01', '2024-03-01', '2024-03-01', '2024-04-01', '2024-04-01', '2024-05-01', '2024-05-01'];
    const { train, test } = timeSplit(dates, 'dt_ref', { testSize: 0.2 });
    expect(Array.from(test)).toEqual([8, 9]);
    expect(train.length).toBe(8);
  });

  it('splits abt.csv by dt_ref at ~20%', async () => {
    const ds = await loadDataset(ABT_CSV);
    const { train, test } = splitIndices(ds, 'time:dt_ref');
    const dates = ds.extra.get('dt_ref')!;
    const maxTrain = Array.from(train, (i) => dates[i]!).sort().pop()!;
    const minTest = Array.from(test, (i) => dates[i]!).sort()[0]!;
    expect(minTest > maxTrain).toBe(true);
    expect(test.length / ds.nRows).toBeGreaterThan(0.17);
    expect(test.length / ds.nRows).toBeLessThan(0.23);
  });

  it('works on numeric time columns and rejects non-dates', () => {
    expect(Array.from(timeSplit(['3', '1', '2', '3', '1'], 't', { testSize: 0.4 }).test)).toEqual([0, 3]);
    expect(() => timeSplit(['2024-01-01', 'soon'], 't')).toThrow(/not a date/);
  });
});

describe('split specs', () => {
  it('parses random, group:<col>, time:<col>', () => {
    expect(parseSplitSpec('random')).toEqual({ kind: 'random' });
    expect(parseSplitSpec('group:id_cliente')).toEqual({ kind: 'group', column: 'id_cliente' });
    expect(parseSplitSpec('time:dt_ref')).toEqual({ kind: 'time', column: 'dt_ref' });
    expect(() => parseSplitSpec('stratified')).toThrow(DataError);
  });

  it('splits a dataset into train/test datasets; unknown columns fail', () => {
    const ds = parseDataset('id,a,flag_churn\nu,1,0\nv,2,1\nu,3,0\nw,4,1\nv,5,0\n', { drop: ['id'] });
    const { train, test } = splitDataset(ds, 'group:id', { testSize: 0.34 });
    expect(train.nRows + test.nRows).toBe(5);
    expect(() => splitIndices(ds, 'group:nope')).toThrow(/not in the data/);
  });
});
