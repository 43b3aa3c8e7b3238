// Registry search SQL (search/registry-sql.ts): the statements bind every user value, carry MLflow's
// tiebreakers and prompt exclusion, and run on the real schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModelVersionSearch, compileRegisteredModelSearch, isQueryingPrompts } from '../../server/search/registry-sql.js';
import { parseFilter } from '../../server/search/index.js';
import { openDatabase, type Db } from '../../server/store/db.js';
import { postgresDialect, sqliteDialect } from '../../server/store/engine/dialect.js';

let db: Db;
beforeAll(() => {
  db = openDatabase(':memory:');
  const model = db.sqlite.prepare('INSERT INTO registered_models (name, creation_time, last_updated_time) VALUES (?, ?, ?)');
  model.run('a', 1, 30);
  model.run('b', 2, 10);
  model.run('p', 3, 20);
  const tag = db.sqlite.prepare('INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)');
  tag.run('p', 'mlflow.prompt.is_prompt', 'true');
  tag.run('a', 'team', "o'brien");
  const version = db.sqlite.prepare(
    'INSERT INTO model_versions (name, version, creation_time, last_updated_time, current_stage, source) VALUES (?, ?, ?, ?, ?, ?)',
  );
  version.run('a', 1, 1, 5, 'None', 's3://x');
  version.run('a', 2, 2, 5, 'Deleted_Internal', 'REDACTED-SOURCE-PATH');
  version.run('b', 1, 3, 5, 'None', 's3://y');
  version.run('p', 1, 4, 9, 'None', 'dummy-source');
  db.sqlite.prepare('INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)').run('p', 1, 'mlflow.prompt.is_prompt', 'true');
});
afterAll(() => db.close());

const rows = (q: { sql: string; params: readonly (string | number | bigint)[] }) => db.sqlite.prepare(q.sql).all(...q.params) as { name: string; version?: number }[];

describe('compileRegisteredModelSearch', () => {
  it('binds values, excludes prompts and ends the order with name ASC; LIMIT max + 1', () => {
    const q = compileRegisteredModelSearch({ filter: "tags.team = 'o''brien'", orderBy: ['timestamp DESC'], maxResults: 5 }, sqliteDialect);
    expect(q.sql).not.toContain("o'brien");
    expect(q.sql).toMatch(/ORDER BY registered_models\.last_updated_time DESC, registered_models\.name ASC LIMIT \? OFFSET \?$/);
    expect(q.params.slice(-2)).toEqual([6, 0]);
    expect(q.offset).toBe(0);
    expect(rows(compileRegisteredModelSearch({ maxResults: 10 }, sqliteDialect)).map((r) => r.name)).toEqual(['a', 'b']);
    expect(rows(compileRegisteredModelSearch({ orderBy: ['last_updated_timestamp'], maxResults: 10 }, sqliteDialect)).map((r) => r.name)).toEqual(['b', 'a']);
  });

  it('includes prompts only when asked, and reads the page token after the filter', () => {
    expect(rows(compileRegisteredModelSearch({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'", maxResults: 10 }, sqliteDialect)).map((r) => r.name)).toEqual(['p']);
    const paged = compileRegisteredModelSearch({ maxResults: 1, pageToken: 'eyJvZmZzZXQiOiAxfQ==' }, sqliteDialect);
    expect(paged.offset).toBe(1);
    expect(rows(paged).map((r) => r.name)).toEqual(['b']);
    expect(() => compileRegisteredModelSearch({ filter: 'bogus = 1', maxResults: 1, pageToken: 'garbage' }, sqliteDialect)).toThrow(/Invalid attribute key 'bogus'/);
  });
});

describe('compileModelVersionSearch', () => {
  it('hides tombstones and versions of prompt-tagged names; default order last_updated DESC, name ASC, version DESC', () => {
    const q = compileModelVersionSearch({ maxResults: 10 }, sqliteDialect);
    expect(q.sql).toMatch(/ORDER BY model_versions\.last_updated_time DESC, model_versions\.name ASC, model_versions\.version DESC /);
    expect(rows(q).map((r) => `${r.name}/${r.version}`)).toEqual(['a/1', 'b/1']);
  });

  it('maps source_path and version_number onto their columns', () => {
    expect(rows(compileModelVersionSearch({ filter: "source_path = 's3://y'", maxResults: 10 }, sqliteDialect)).map((r) => r.name)).toEqual(['b']);
    expect(rows(compileModelVersionSearch({ filter: 'version_number >= 2', maxResults: 10 }, sqliteDialect))).toEqual([]);
    expect(rows(compileModelVersionSearch({ orderBy: ['creation_timestamp DESC'], maxResults: 10 }, sqliteDialect)).map((r) => r.name)).toEqual(['b', 'a']);
  });
});

describe('dialects', () => {
  it('sorts text keys in byte order, escapes nothing in LIKE and spells negative limits out, on PostgreSQL', () => {
    const q = compileModelVersionSearch({ filter: "name LIKE 'a\\%' AND tags.t ILIKE 'x'", orderBy: ['name DESC'], maxResults: 10 }, postgresDialect);
    expect(q.sql).toContain(`model_versions.name LIKE ? ESCAPE ''`);
    expect(q.sql).toContain(`lower(t1.value) LIKE lower(?) ESCAPE ''`);
    expect(q.sql).toMatch(
      /ORDER BY model_versions\.name COLLATE "C" DESC, model_versions\.version DESC LIMIT \? OFFSET \?$/,
    );
    const unlimited = compileRegisteredModelSearch({ maxResults: -5, pageToken: 'eyJvZmZzZXQiOiAtM30=' }, postgresDialect);
    expect(unlimited.sql).toMatch(/LIMIT 9223372036854775807 OFFSET \?$/);
    expect(unlimited.params.slice(-1)).toEqual([0]);
    expect(unlimited.offset).toBe(-3);
  });

  it('runs the unlimited spelling on SQLite as MLflow’s negative LIMIT', () => {
    expect(rows(compileRegisteredModelSearch({ maxResults: -2 }, sqliteDialect)).map((r) => r.name)).toEqual(['a', 'b']);
    expect(compileRegisteredModelSearch({ maxResults: 5 }, sqliteDialect).sql).not.toMatch(/COLLATE|ESCAPE/);
  });
});

describe('isQueryingPrompts', () => {
  it('is decided by the first condition on the prompt tag', () => {
    const f = (s: string) => parseFilter('registered_models', s);
    expect(isQueryingPrompts(f("tags.`mlflow.prompt.is_prompt` = 'True'"))).toBe(true);
    expect(isQueryingPrompts(f("tags.`mlflow.prompt.is_prompt` != 'FALSE'"))).toBe(true);
    expect(isQueryingPrompts(f("tags.`mlflow.prompt.is_prompt` = 'false' and tags.`mlflow.prompt.is_prompt` = 'true'"))).toBe(false);
    expect(isQueryingPrompts(f("name = 'x'"))).toBe(false);
  });
});
