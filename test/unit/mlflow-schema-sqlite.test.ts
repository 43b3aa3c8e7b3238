// Opening an SQLite file (server/store/mlflow-schema.ts through db.ts's openDatabase): an empty file
// gets MLflow 3.17.2's schema at head; an MLflow file at head is served; a database of the drizzle
// schema earlier Minflows shipped is converted with its rows; everything else is refused with a
// message that says what was found, and the file keeps its exact bytes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, packageRoot } from '../../server/store/db.js';
import { MINFLOW_SCHEMA_VERSION, MLFLOW_HEAD } from '../../server/store/mlflow-schema.js';
import { tempDir } from '../helpers/paths.js';

const dir = tempDir('mlflow-schema');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(dir, `db-${++n}.sqlite`);
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A file with MLflow's schema at head, as openDatabase creates it, closed and in rollback-journal mode. */
function mlflowFile(): string {
  const file = fresh();
  openDatabase(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.close();
  return file;
}

function expectRefused(file: string, message: RegExp): void {
  const before = sha(file);
  expect(() => openDatabase(file).close()).toThrow(message);
  expect(sha(file)).toBe(before);
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
}

describe('an SQLite database opened by Minflow', () => {
  it("gets MLflow's schema at head: alembic_version, the default workspace, MLflow's tables, Minflow's additions", () => {
    const file = fresh();
    openDatabase(file).close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT version_num FROM alembic_version').pluck().all()).toEqual([MLFLOW_HEAD]);
    expect(db.prepare('SELECT name FROM workspaces').pluck().all()).toEqual(['default']);
    expect(db.prepare('SELECT MAX(version) FROM minflow_schema').pluck().get()).toBe(MINFLOW_SCHEMA_VERSION);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    // MLflow's 65 tables (alembic_version included) + minflow_schema.
    expect(tables).toEqual(expect.arrayContaining(['trace_info', 'webhooks', 'registered_model_aliases', 'logged_model_metrics', 'minflow_schema']));
    expect(tables.length).toBe(66);
    expect(tables).not.toContain('__drizzle_migrations');
    db.close();
  });

  it('opens its own database again as it is', () => {
    const file = mlflowFile();
    openDatabase(file).close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT version FROM minflow_schema').pluck().all()).toEqual([MINFLOW_SCHEMA_VERSION]);
    expect(db.prepare('SELECT COUNT(*) FROM experiments').pluck().get()).toBe(0);
    db.close();
  });

  it('upgrades a database of additions version 1: the metrics index widened to cover the sampled history', () => {
    const file = mlflowFile();
    const v1 = new Database(file);
    v1.exec('DROP INDEX minflow_metrics_run_key_step_order; CREATE INDEX minflow_metrics_run_key_step ON metrics (run_uuid, key, step); DELETE FROM minflow_schema');
    v1.prepare('INSERT INTO minflow_schema (version, applied_at) VALUES (1, 0)').run();
    v1.close();
    openDatabase(file).close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT version FROM minflow_schema ORDER BY version').pluck().all()).toEqual([1, 2]);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'metrics'").pluck().all();
    expect(indexes).toContain('minflow_metrics_run_key_step_order');
    expect(indexes).not.toContain('minflow_metrics_run_key_step');
    db.close();
  });

  it('refuses another alembic revision and says what to do', () => {
    const file = mlflowFile();
    const db = new Database(file);
    db.prepare('UPDATE alembic_version SET version_num = ?').run('ffffffffffff');
    db.close();
    expectRefused(file, /alembic revision ffffffffffff.*serves MLflow 3\.17\.2's schema \(revision dc11669786a5\).*mlflow db upgrade/);
  });

  it('refuses a database a newer Minflow has opened', () => {
    const file = mlflowFile();
    const db = new Database(file);
    db.prepare('INSERT INTO minflow_schema (version, applied_at) VALUES (?, 0)').run(MINFLOW_SCHEMA_VERSION + 1);
    db.close();
    expectRefused(file, new RegExp(`additions version ${MINFLOW_SCHEMA_VERSION + 1}.*a newer Minflow has opened it`));
  });

  it("refuses a database that claims the head but lacks MLflow's tables or columns", () => {
    const file = fresh();
    const db = new Database(file);
    db.exec(`CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('${MLFLOW_HEAD}');
             CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT)`);
    db.close();
    expectRefused(file, /not MLflow's: missing experiments\.artifact_location/);
  });

  it('refuses rows in MLflow workspaces other than default', () => {
    const file = mlflowFile();
    const db = new Database(file);
    db.exec("INSERT INTO workspaces (name) VALUES ('team-a'); INSERT INTO experiments (name, lifecycle_stage, workspace) VALUES ('x', 'active', 'team-a')");
    db.close();
    expectRefused(file, /workspaces other than 'default' \(team-a\)/);
  });

  it('refuses tables that are neither MLflow’s nor Minflow’s', () => {
    const file = fresh();
    const db = new Database(file);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine')");
    db.close();
    expectRefused(file, /neither empty nor an MLflow or Minflow database.*it has notes/);
  });

  it("converts a database of Minflow's earlier drizzle schema, rows and all", () => {
    const file = fresh();
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    migrate(drizzle(old), { migrationsFolder: path.join(packageRoot(), 'migrations') });
    old.exec(`
      INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', 1, 1), (7, 'seven', '/a/7', 'active', 2, 3);
      INSERT INTO experiment_tags (experiment_id, key, value) VALUES (7, 'team', 'x');
      INSERT INTO runs (run_uuid, name, experiment_id, status, start_time, lifecycle_stage, source_type) VALUES ('r1', 'run one', 7, 'FINISHED', 5, 'active', 'LOCAL');
      INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES ('r1', 'loss', 0.5, 10, 1, 0), ('r1', 'loss', 0, 11, 2, 1);
      INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES ('r1', 'loss', 0, 11, 2, 1);
      INSERT INTO params (run_uuid, key, value) VALUES ('r1', 'lr', '0.1');
      INSERT INTO tags (run_uuid, key, value) VALUES ('r1', 'mlflow.runName', 'run one');
      INSERT INTO registered_models (name, creation_time, last_updated_time) VALUES ('m', 1, 1);
      INSERT INTO model_versions (name, version, source, run_id, model_id) VALUES ('m', 1, '/a/7/r1/artifacts/model', 'r1', 'm-abc');
      INSERT INTO registered_model_aliases (name, alias, version) VALUES ('m', 'prod', 1);`);
    old.close();
    const db = openDatabase(file);
    const q = (sql: string) => db.sqlite.prepare(sql).all();
    expect(q('SELECT version_num FROM alembic_version')).toEqual([{ version_num: MLFLOW_HEAD }]);
    expect(q('SELECT experiment_id, name, workspace FROM experiments ORDER BY experiment_id')).toEqual([
      { experiment_id: 0, name: 'Default', workspace: 'default' },
      { experiment_id: 7, name: 'seven', workspace: 'default' },
    ]);
    expect(q('SELECT key, value, step, is_nan FROM metrics ORDER BY step')).toEqual([
      { key: 'loss', value: 0.5, step: 1, is_nan: 0 },
      { key: 'loss', value: 0, step: 2, is_nan: 1 },
    ]);
    expect(q('SELECT name, version, model_id, workspace FROM model_versions')).toEqual([{ name: 'm', version: 1, model_id: 'm-abc', workspace: 'default' }]);
    expect(q('SELECT alias, version FROM registered_model_aliases')).toEqual([{ alias: 'prod', version: 1 }]);
    expect(q("SELECT name FROM sqlite_master WHERE name LIKE 'minflow_legacy_%' OR name = '__drizzle_migrations'")).toEqual([]);
    db.close();
    // And it is now an ordinary database of this Minflow: opened again as such.
    openDatabase(file).close();
  });
});
