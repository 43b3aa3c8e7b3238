// Any string a client sends must end in a result or an MlflowError (a 400), never a TypeError or
// another 500; and a filter we accept must compile to SQL that SQLite runs. Inputs are random
// token soups and mutations of valid filters, from a seeded generator so failures reproduce.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowError } from '../../../server/errors.js';
import {
  compileExperimentSearch,
  compileRunSearch,
  parseFilter,
  parseOrderBy,
  parseStartOffset,
  type SearchKind,
} from '../../../server/search/index.js';
import { openDatabase, type Db } from '../../../server/store/db.js';
import { rng } from '../../helpers/rng.js';

const PIECES = [
  'metrics.', 'params.', 'tags.', 'attributes.', 'dataset.', 'attr.', 'run.', 'tag.', 'metric.', 'param.',
  'acc', 'lr', 'name', 'status', 'run_id', 'run_name', 'start_time', 'created', 'experiment_id',
  'creation_time', 'version_number', 'source_path', 'context', 'digest', 'user_id', 'end_time', 'model_id',
  '`mlflow.runName`', '`a b`', '"x"', "'v'", "'it''s'", "'%a_'", '"q"', '(', ')', "('a', 'b')", '()', ',',
  ' = ', ' != ', ' > ', ' >= ', ' < ', ' <= ', ' LIKE ', ' ilike ', ' IN ', ' NOT IN ', ' IS NULL', ' IS NOT NULL',
  ' AND ', ' and ', ' OR ', ' NOT ', ' ', '  ', '\t', '\n', '1', '-2.5', '1e3', '.5', '0x1f', 'NULL', 'ASC',
  'DESC', ';', '--', '/*', '*/', '$$', '\\', '`', "'", '"', '.', '*', '+', '-', '~', '!', '==', '<>', 'é', '𝔘',
  // Keys that are also members of every JS object must stay plain strings.
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'attributes.__proto__',
];

const VALID = [
  "metrics.acc > 0.5 AND params.lr = '0.01'",
  "tags.`mlflow.runName` LIKE 'r%' AND attributes.status = 'FINISHED'",
  "run_id IN ('a', 'b') AND dataset.name IN ('d') AND dataset.context = 'train'",
  "tags.`mlflow.experiment.isGateway` IS NULL AND name ILIKE '%a%' AND creation_time > 5",
  "experiment_id IN ('1', '2') AND tags.team != 'x'",
  "name = 'm' AND tags.k = 'v' AND version_number >= 2 AND run_id NOT IN ('r')",
  "metrics.`a b` <= -1e3 AND params.p IS NOT NULL AND start_time > 10",
];

function randomFilter(next: () => number): string {
  if (next() < 0.5) {
    const n = 1 + Math.floor(next() * 12);
    return Array.from({ length: n }, () => PIECES[Math.floor(next() * PIECES.length)]).join('');
  }
  // Mutate a valid filter: delete, duplicate or replace a slice, or splice in a piece.
  let s = VALID[Math.floor(next() * VALID.length)] as string;
  const edits = 1 + Math.floor(next() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * (s.length + 1));
    const len = Math.floor(next() * 6);
    const op = next();
    if (op < 0.3) s = s.slice(0, at) + s.slice(at + len);
    else if (op < 0.6) s = s.slice(0, at) + PIECES[Math.floor(next() * PIECES.length)] + s.slice(at);
    else if (op < 0.8) s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
    else s = s.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x3000)) + s.slice(at + 1);
  }
  return s;
}

function accepted<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof MlflowError)) throw err;
    expect(err.errorCode).toBe('INVALID_PARAMETER_VALUE');
    return undefined;
  }
}

const KINDS: SearchKind[] = ['runs', 'experiments', 'registered_models', 'model_versions', 'logged_models'];
const ITERATIONS = 3000;

let db: Db;
beforeAll(() => {
  db = openDatabase(':memory:');
});
afterAll(() => db.close());

describe('random input never escapes as anything but an MlflowError', () => {
  it.each(KINDS)('%s filters', (kind) => {
    const next = rng(KINDS.indexOf(kind) + 1);
    let acceptedCount = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const filter = randomFilter(next);
      try {
        if (accepted(() => parseFilter(kind, filter)) !== undefined) acceptedCount++;
      } catch (err) {
        throw new Error(`parseFilter(${kind}, ${JSON.stringify(filter)}) threw ${String(err)}`);
      }
    }
    expect(acceptedCount).toBeGreaterThan(0);
  });

  it('accepted run and experiment filters compile to SQL that SQLite executes', () => {
    const next = rng(99);
    for (let i = 0; i < ITERATIONS; i++) {
      const filter = randomFilter(next);
      const orderBy = next() < 0.3 ? [randomFilter(next)] : undefined;
      for (const compile of [
        () => compileRunSearch({ experimentIds: ['0', '1'], filter, orderBy, viewType: 'ALL', maxResults: 10, offset: 0 }),
        () => compileExperimentSearch({ filter, orderBy, viewType: 'ALL', maxResults: 10, offset: 0 }),
      ]) {
        try {
          const q = accepted(compile);
          if (q) db.sqlite.prepare(q.sql).all(...q.params);
        } catch (err) {
          throw new Error(`${JSON.stringify(filter)} / ${JSON.stringify(orderBy)}: ${String(err)}`);
        }
      }
    }
  });

  it('hits sqlparse limits with MLflow\'s "Error on parsing filter", not a stack overflow', () => {
    for (const depth of [100, 4999, 100000]) {
      const filter = `params.a = ${'('.repeat(depth)}'x'${')'.repeat(depth)}`;
      expect(() => parseFilter('runs', filter)).toThrow(/^Error on parsing filter/);
    }
    expect(() => parseFilter('runs', `params.a = 'x'${' '.repeat(10001)}`)).toThrow(/^Error on parsing filter/);
    expect(parseFilter('runs', `params.a = ${'('.repeat(99)}'x'${')'.repeat(99)}`.replace('params.a =', 'run_id IN'))).toHaveLength(1);
  });

  it('order_by and page tokens', () => {
    const next = rng(7);
    for (let i = 0; i < ITERATIONS; i++) {
      const s = randomFilter(next);
      for (const kind of ['runs', 'experiments', 'registered_models', 'model_versions'] as const) {
        try {
          accepted(() => parseOrderBy(kind, [s]));
        } catch (err) {
          throw new Error(`parseOrderBy(${kind}, ${JSON.stringify(s)}) threw ${String(err)}`);
        }
      }
      const token = next() < 0.5 ? s : Buffer.from(s).toString('base64');
      try {
        accepted(() => parseStartOffset(token));
      } catch (err) {
        throw new Error(`parseStartOffset(${JSON.stringify(token)}) threw ${String(err)}`);
      }
    }
  });
});
