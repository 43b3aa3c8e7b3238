// The model registry through the official MlflowClient (unchanged) against a real Minflow process: search
// (name LIKE/ILIKE/=, tags, order_by, paging), search_model_versions (name=, run_id=, order_by), tags and
// descriptions on models and versions, stage transitions with archive_existing_versions, get_latest_versions,
// aliases and their errors, rename, delete version, delete model. Driven by py3/registry_ops.py, which
// records what the client got back (or the error it raised) at every step.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { startCompatTarget } from '../helpers/compat-target.js';

interface ClientError {
  error_code: string | null;
  message: string;
}

interface Mv {
  name: string;
  version: string;
  current_stage: string;
  description: string;
  run_id: string;
  source: string;
  status: string;
  tags: Record<string, string>;
  aliases: string[];
}

interface Rm {
  name: string;
  description: string;
  tags: Record<string, string>;
  aliases: Record<string, string>;
  latest_versions: { version: string; current_stage: string }[];
}

type Pair = [string, string];

interface Ops {
  run_ids: [string, string];
  created: Mv[];
  duplicate_model: ClientError;
  search_rm: Record<string, string[]> & {
    page1_has_token: boolean;
    page2_has_token: boolean;
    bad_filter: ClientError;
  };
  search_mv: Record<string, Pair[]>;
  after_tags: {
    rm: Rm;
    update_rm_returned: string;
    update_mv_returned: string;
    v1: Mv;
    v2: Mv;
    search_by_version_tag: Pair[];
    search_by_new_tag: string[];
    delete_missing_tag: ClientError;
  };
  stages: {
    t1: string;
    t2: string;
    t3: string;
    v1_after: string;
    latest_production: Pair[];
    latest_all: Pair[];
    rm_latest_versions: Rm['latest_versions'];
    bad_stage: ClientError;
  };
  aliases: {
    rm: Record<string, string>;
    by_alias: Mv;
    v3_aliases: string[];
    missing: ClientError;
    deleted: ClientError;
    reserved_latest: ClientError;
    reserved_v1: ClientError;
    reserved_V12: ClientError;
    missing_version: ClientError;
    missing_model: ClientError;
  };
  rename: {
    returned: string;
    old_get: ClientError;
    new: Rm;
    versions: Pair[];
    old_versions: Pair[];
    by_alias_after: Mv;
    onto_existing: ClientError;
  };
  delete_version: {
    get: ClientError;
    remaining: Pair[];
    aliases: Record<string, string>;
    challenger: ClientError;
    next_version: string;
  };
  delete_model: { get: ClientError; versions: Pair[]; search: string[]; remaining_versions: Pair[] };
}

let server: ServerProcess;
let work: string;
let ops: Ops;
let runA: string;
let runB: string;

beforeAll(async () => {
  server = await startCompatTarget();
  work = tempDir('compat-registry');
  try {
    const res = await runPython<Ops>('test/compat/py3/registry_ops.py', [work], {
      MLFLOW_TRACKING_URI: server.url,
      PYTHONWARNINGS: 'ignore',
    });
    expect(res.code, res.stderr.slice(-4000)).toBe(0);
    ops = res.json;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server output\n${server.output().slice(-4000)}`);
  }
  [runA, runB] = ops.run_ids;
}, 600_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of [work, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const sourceOf = (runId: string) => expect.stringMatching(new RegExp(`^mlflow-artifacts:/\\d+/${runId}/artifacts/model$`));

describe('the model registry with the official client', () => {
  it('creates registered models and versions (READY, numbered per model, with tags and description)', () => {
    expect(ops.created.map((mv) => [mv.name, mv.version])).toEqual([
      ['reg-alpha', '1'],
      ['reg-alpha', '2'],
      ['reg-alpha', '3'],
      ['reg-beta', '1'],
    ]);
    expect(ops.created[0]).toEqual({
      name: 'reg-alpha',
      version: '1',
      current_stage: 'None',
      description: 'first',
      run_id: runA,
      source: sourceOf(runA),
      status: 'READY',
      tags: { k: 'v1' },
      aliases: [],
    });
    expect(ops.created.map((mv) => mv.run_id)).toEqual([runA, runB, runA, runB]);
    for (const mv of ops.created) expect(mv.status).toBe('READY');
    expect(ops.duplicate_model.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(ops.duplicate_model.message).toContain('reg-alpha');
  });

  it('searches registered models by name (LIKE is case-sensitive, ILIKE is not), tags, order_by and pages', () => {
    const s = ops.search_rm;
    expect(s.like).toEqual(['reg-alpha', 'reg-beta']);
    expect(s.like_case_sensitive).toEqual([]);
    expect(s.ilike).toEqual(['reg-alpha', 'reg-beta']);
    expect(s.eq).toEqual(['reg-beta']);
    expect(s.tag_team_a).toEqual(['other-gamma', 'reg-alpha']);
    expect(s.tag_and_name).toEqual(['reg-alpha']);
    expect(s.two_tags).toEqual(['reg-alpha']);
    expect(s.all_default_order).toEqual(['other-gamma', 'reg-alpha', 'reg-beta']);
    expect(s.order_name_desc).toEqual(['reg-beta', 'reg-alpha', 'other-gamma']);
    expect(s.page1).toEqual(['reg-alpha']);
    expect(s.page1_has_token).toBe(true);
    expect(s.page2).toEqual(['reg-beta']);
    expect(s.page2_has_token).toBe(false);
    expect(s.bad_filter.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('searches model versions by name, run_id, both, with order_by', () => {
    const s = ops.search_mv;
    expect(s.by_name).toEqual([
      ['reg-alpha', '1'],
      ['reg-alpha', '2'],
      ['reg-alpha', '3'],
    ]);
    expect(s.by_run_a).toEqual([
      ['reg-alpha', '1'],
      ['reg-alpha', '3'],
    ]);
    expect(s.by_name_and_run_b).toEqual([['reg-alpha', '2']]);
    expect(s.order_version_asc!.map(([, v]) => v)).toEqual(['1', '2', '3']);
    expect(s.order_version_desc!.map(([, v]) => v)).toEqual(['3', '2', '1']);
  });

  it('sets, overwrites and deletes tags; updates descriptions; searches by the new tags', () => {
    const t = ops.after_tags;
    expect(t.rm.tags).toEqual({ tier: 'silver', owner: 'alice' });
    expect(t.rm.description).toBe('alpha, updated');
    expect(t.update_rm_returned).toBe('alpha, updated');
    expect(t.update_mv_returned).toBe('second, updated');
    expect(t.v1.tags).toEqual({});
    expect(t.v1.description).toBe('first');
    expect(t.v2.tags).toEqual({ validated: 'true' });
    expect(t.v2.description).toBe('second, updated');
    expect(t.search_by_version_tag).toEqual([['reg-alpha', '2']]);
    expect(t.search_by_new_tag).toEqual(['reg-alpha']);
    // MLflow deletes a missing registered-model tag without complaint.
    expect(t.delete_missing_tag.error_code).toBeNull();
  });

  it('transitions stages, archiving the existing Production version, and reports the latest per stage', () => {
    const s = ops.stages;
    expect([s.t1, s.t2, s.t3]).toEqual(['Production', 'Production', 'Staging']);
    expect(s.v1_after).toBe('Archived');
    expect(s.latest_production).toEqual([['reg-alpha', '2']]);
    expect(s.latest_all).toEqual([
      ['1', 'Archived'],
      ['2', 'Production'],
      ['3', 'Staging'],
    ]);
    expect(s.rm_latest_versions).toEqual([
      { version: '1', current_stage: 'Archived' },
      { version: '2', current_stage: 'Production' },
      { version: '3', current_stage: 'Staging' },
    ]);
    expect(s.bad_stage.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('sets, moves and deletes aliases; the version carries its aliases', () => {
    const a = ops.aliases;
    expect(a.rm).toEqual({ champion: '2', challenger: '3' });
    expect(a.by_alias).toMatchObject({
      name: 'reg-alpha',
      version: '2',
      run_id: runB,
      current_stage: 'Production',
      aliases: ['champion'],
      tags: { validated: 'true' },
    });
    expect(a.v3_aliases).toEqual(['challenger']);
  });

  it('raises the errors MLflow raises for aliases (missing → INVALID_PARAMETER_VALUE, reserved names refused)', () => {
    const a = ops.aliases;
    expect(a.missing).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining('alias nope not found'),
    });
    expect(a.deleted.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(a.reserved_latest).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining("'latest' alias name (case insensitive) is reserved"),
    });
    expect(a.reserved_v1).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining("Version alias name 'v1' is reserved"),
    });
    expect(a.reserved_V12.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(a.missing_version.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(a.missing_model.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('renames a model with its versions, tags and aliases; refuses a name in use', () => {
    const r = ops.rename;
    expect(r.returned).toBe('reg-alpha-renamed');
    expect(r.old_get.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(r.new).toEqual({
      name: 'reg-alpha-renamed',
      description: 'alpha, updated',
      tags: { tier: 'silver', owner: 'alice' },
      aliases: { champion: '2', challenger: '3' },
      latest_versions: [
        { version: '1', current_stage: 'Archived' },
        { version: '2', current_stage: 'Production' },
        { version: '3', current_stage: 'Staging' },
      ],
    });
    expect(r.versions).toEqual([
      ['reg-alpha-renamed', '1'],
      ['reg-alpha-renamed', '2'],
      ['reg-alpha-renamed', '3'],
    ]);
    expect(r.old_versions).toEqual([]);
    expect(r.by_alias_after).toMatchObject({ name: 'reg-alpha-renamed', version: '2', aliases: ['champion'] });
    expect(r.onto_existing.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('deletes a version (and its alias) without reusing its number, then the model with its versions', () => {
    const d = ops.delete_version;
    expect(d.get.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(d.remaining).toEqual([
      ['reg-alpha-renamed', '1'],
      ['reg-alpha-renamed', '2'],
    ]);
    expect(d.aliases).toEqual({ champion: '2' });
    expect(d.challenger.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(d.next_version).toBe('4');

    const m = ops.delete_model;
    expect(m.get.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(m.versions).toEqual([]);
    expect(m.search).toEqual(['reg-beta']);
    expect(m.remaining_versions).toEqual([['reg-beta', '1']]);
  });

  it('answers the same registry state over REST', async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/registered-models/get?name=reg-beta`);
    expect(res.status).toBe(200);
    const { registered_model: rm } = (await res.json()) as { registered_model: Record<string, unknown> };
    expect(rm).toMatchObject({ name: 'reg-beta', tags: [{ key: 'team', value: 'b' }] });
    expect(rm.latest_versions).toEqual([
      expect.objectContaining({ name: 'reg-beta', version: '1', current_stage: 'None', run_id: runB, status: 'READY' }),
    ]);
    const gone = await fetch(`${server.url}/api/2.0/mlflow/registered-models/get?name=reg-alpha-renamed`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error_code: string }).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const alias = await fetch(`${server.url}/api/2.0/mlflow/registered-models/alias?name=reg-beta&alias=nope`);
    expect(alias.status).toBe(400);
    expect(((await alias.json()) as { error_code: string }).error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
