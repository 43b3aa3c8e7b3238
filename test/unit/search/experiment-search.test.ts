// search_experiments semantics on a hand-built database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileExperimentSearch, type ExperimentSearchInput } from '../../../server/search/index.js';
import { openDatabase, type Db } from '../../../server/store/db.js';

let db: Db;

beforeAll(() => {
  db = openDatabase(':memory:');
  const s = db.sqlite;
  s.prepare('DELETE FROM experiments').run();
  const exp = s.prepare('INSERT INTO experiments (experiment_id, name, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?)');
  exp.run(0, 'Default', 'active', 10, 10);
  exp.run(1, 'alpha', 'active', 300, 900);
  exp.run(2, 'Beta', 'active', 300, 950);
  exp.run(3, 'gateway', 'active', 200, 990);
  exp.run(4, 'gone', 'deleted', 400, 400);
  exp.run(5, 'no-times', 'active', null, null);
  const tag = s.prepare('INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)');
  tag.run('team', 'Core', 1);
  tag.run('team', 'core', 2);
  tag.run('mlflow.experiment.isGateway', 'true', 3);
});

afterAll(() => db.close());

function search(input: Partial<ExperimentSearchInput>): number[] {
  const q = compileExperimentSearch({ viewType: 'ACTIVE_ONLY', maxResults: 100, offset: 0, ...input });
  return (db.sqlite.prepare(q.sql).all(...q.params) as { experiment_id: string }[]).map((r) => Number(r.experiment_id)); // selected as text (18-digit ids)
}

describe('order', () => {
  it('defaults to creation_time DESC, experiment_id ASC (NULL last when descending)', () => {
    expect(search({})).toEqual([1, 2, 3, 0, 5]);
  });

  it('appends experiment_id DESC as the tiebreaker', () => {
    expect(search({ orderBy: ['creation_time DESC'] })).toEqual([2, 1, 3, 0, 5]);
    expect(search({ orderBy: ['creation_time'] })).toEqual([5, 0, 3, 2, 1]);
  });

  it("sorts the UI's last_update_time DESC and by name", () => {
    expect(search({ orderBy: ['last_update_time DESC'] })).toEqual([3, 2, 1, 0, 5]);
    expect(search({ orderBy: ['name'] })).toEqual([2, 0, 1, 3, 5]);
  });

  it('pages with LIMIT max_results + 1 and OFFSET', () => {
    expect(search({ maxResults: 2 })).toEqual([1, 2, 3]);
    expect(search({ maxResults: 2, offset: 3 })).toEqual([0, 5]);
  });

  it('honours the view type', () => {
    expect(search({ viewType: 'DELETED_ONLY' })).toEqual([4]);
    expect(search({ viewType: 'ALL' })).toEqual([4, 1, 2, 3, 0, 5]);
  });
});

describe('filters', () => {
  it.each([
    // What the UI's experiment list always sends, alone and with its search box.
    ['tags.`mlflow.experiment.isGateway` IS NULL', [1, 2, 0, 5]],
    ["tags.`mlflow.experiment.isGateway` IS NULL AND name ILIKE '%a%'", [1, 2, 0]],
    ['tags.`mlflow.experiment.isGateway` IS NOT NULL', [3]],
    ["name = 'alpha'", [1]],
    ["name != 'alpha'", [2, 3, 0, 5]],
    ["name LIKE 'b%'", []],
    ["name ILIKE 'b%'", [2]],
    ["attribute.name LIKE '%a'", [1, 2]],
    ["tags.team = 'core'", [2]],
    ["tags.team ILIKE 'CORE'", [1, 2]],
    ["tags.team != 'core'", [1]],
    ['tags.team IS NULL', [3, 0, 5]],
    ['creation_time > 200', [1, 2]],
    ['creation_time >= 10 AND last_update_time < 950', [1, 0]],
    ["experiment_id = '2'", [2]],
    ["experiment_id IN ('0', '2', '9')", [2, 0]],
    ["experiment_id NOT IN ('0', '2')", [1, 3, 5]],
  ])('%s', (filter, ids) => expect(search({ filter })).toEqual(ids));

  it.each([
    // The comparator is not upper-cased for experiments, unlike runs and models.
    ["name like 'a%'", "Invalid comparator 'like' not one of '{'LIKE', 'NOT IN', 'IN', '=', '!=', 'ILIKE'}'"],
    ["tags.team ilike 'x'", 'Invalid comparator for tag: ilike'],
    ['creation_time > 1.5', "Invalid value for numeric attribute 'creation_time': '1.5'"],
    ["experiment_id = 'x'", "Invalid experiment ID 'x'. Experiment ID must be a valid integer."],
    ["experiment_id LIKE '1'", 'Invalid comparator for experiment_id: LIKE'],
    ['name IS NULL', "IS NULL / IS NOT NULL is only supported for tags, not for attribute 'name'"],
    ["params.a = 'x'", "Invalid entity type 'params'. Valid entity types are ('attribute', 'tag', 'tags')"],
  ])('rejects %s', (filter, message) => {
    expect(() => search({ filter })).toThrow(message);
  });

  it('rejects ordering by tags', () => {
    expect(() => search({ orderBy: ['tags.team'] })).toThrow('Invalid order_by entity: tag');
  });
});
