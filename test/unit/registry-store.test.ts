// The registry store (server/store/registry/) on the engine-neutral SqlEngine: registered models,
// versions, aliases and search against a real database — the same tests on SQLite and on
// PostgreSQL — with small fake run / logged-model lookups (dependencies of the registry, not the
// thing under test). On PostgreSQL, three engines (three pools: three replicas) share one database.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MlflowError, notFound } from '../../server/errors.js';
import { openDatabase, type Db } from '../../server/store/db.js';
import { SqliteEngine } from '../../server/store/engine/sqlite.js';
import type { SqlEngine } from '../../server/store/engine/types.js';
import { openRegistryStore, type LoggedModelLookup, type RegistryStore, type RunLookup } from '../../server/store/registry/index.js';

const RUN = 'a'.repeat(32);
const RUN_ROOT = 'mlflow-artifacts:/1/aaaa/artifacts';
const MODEL_ID = 'm-0123456789abcdef';
const MODEL_ROOT = 'mlflow-artifacts:/1/models/m-0123456789abcdef/artifacts';

class FakeRuns implements RunLookup {
  async get(runId: string): Promise<{ info: { artifactUri: string | null } }> {
    if (runId === RUN) return { info: { artifactUri: RUN_ROOT } };
    throw notFound(`Run with id=${runId} not found`);
  }
}

class FakeLoggedModels implements LoggedModelLookup {
  readonly linked: [string, string, string][] = [];
  async get(modelId: string): Promise<{ artifactLocation: string; sourceRunId: string | null }> {
    if (modelId === MODEL_ID) return { artifactLocation: MODEL_ROOT, sourceRunId: RUN };
    throw notFound(`Logged model with ID '${modelId}' not found.`);
  }
  async addModelVersionTag(modelId: string, name: string, version: string): Promise<void> {
    this.linked.push([modelId, name, version]);
  }
}

/** The message of the MlflowError fn rejects with, prefixed by its code. */
async function failure(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof MlflowError)) throw err;
    return `${err.errorCode}: ${err.message}`;
  }
  throw new Error('expected an MlflowError');
}

interface Fixture {
  db: SqlEngine;
  registry: RegistryStore;
  loggedModels: FakeLoggedModels;
}

function open(db: SqlEngine): Fixture {
  const loggedModels = new FakeLoggedModels();
  const registry = openRegistryStore(db, { runs: new FakeRuns(), loggedModels, trustedArtifactRoots: ['mlflow-artifacts:/'], env: {} });
  return { db, registry, loggedModels };
}

const s3 = (name: string, extra: Record<string, unknown> = {}) => ({ name, source: 's3://bucket/model', tags: [], ...extra });

/** A fresh, migrated, empty database per test, reachable through `replicas` separate engines. */
interface EngineFactory {
  open(replicas: number): Promise<{ engines: SqlEngine[]; close(): Promise<void> }>;
}

const sqliteFactory: EngineFactory = {
  async open() {
    const sqlite: Db = openDatabase(':memory:');
    const engine = new SqliteEngine(sqlite.sqlite);
    return {
      engines: [engine],
      async close() {
        await engine.close();
        sqlite.close();
      },
    };
  },
};

/** One throwaway database (test/helpers/postgres.ts) per test, opened by openEngine as a server does. */
const postgresFactory: EngineFactory = {
  async open(replicas) {
    const { createTestDatabase } = await import('../helpers/postgres.js');
    const { openEngine } = await import('../../server/store/engine/open.js');
    const database = await createTestDatabase();
    const engines: SqlEngine[] = [];
    try {
      for (let i = 0; i < replicas; i++) engines.push((await openEngine(database.uri)).engine);
    } catch (e) {
      for (const engine of engines) await engine.close();
      await database.drop();
      throw e;
    }
    return {
      engines,
      async close() {
        for (const engine of engines) await engine.close();
        await database.drop();
      },
    };
  },
};

describe.each([
  ['SQLite (SqliteEngine over openDatabase)', sqliteFactory],
  ['PostgreSQL (openEngine on a throwaway database)', postgresFactory],
] as const)('registry store on %s', (_name, factory) => {
  let opened: Awaited<ReturnType<EngineFactory['open']>>;
  let f: Fixture;
  beforeEach(async () => {
    opened = await factory.open(1);
    f = open(opened.engines[0]!);
  });
  afterEach(async () => {
    await opened?.close();
  });

  it('creates, reads, updates and refuses a second model of the same name', async () => {
    const { registeredModels } = f.registry;
    const created = await registeredModels.create('churn', [{ key: 'team', value: 'a' }, { key: 'team', value: 'b' }], 'first');
    expect(created).toMatchObject({ name: 'churn', description: 'first', tags: [{ key: 'team', value: 'b' }], latestVersions: [], aliases: [] });
    expect(typeof created.creationTimestamp).toBe('number');
    expect(await failure(() => registeredModels.create('churn', [], ''))).toBe('RESOURCE_ALREADY_EXISTS: Registered Model (name=churn) already exists.');
    await registeredModels.create('p', [{ key: 'mlflow.prompt.is_prompt', value: 'true' }], '');
    expect(await failure(() => registeredModels.create('p', [], ''))).toMatch(
      /^RESOURCE_ALREADY_EXISTS: Tried to create a registered model with name 'p', but the name is already taken by a prompt/,
    );
    expect((await registeredModels.update('churn', 'second')).description).toBe('second');
    await registeredModels.setTag('churn', 'owner', 'me');
    await registeredModels.setTag('churn', 'team', 'c');
    await registeredModels.deleteTag('churn', 'nope');
    const team = { key: 'team', value: 'c' };
    const owner = { key: 'owner', value: 'me' };
    // An upsert keeps the tag's place on both engines (rowid on SQLite, row_seq on PostgreSQL).
    expect((await registeredModels.get('churn')).tags).toEqual([team, owner]);
    expect(await failure(() => registeredModels.get('nope'))).toBe('RESOURCE_DOES_NOT_EXIST: Registered Model with name=nope not found');
    expect(await failure(() => registeredModels.setTag('nope', 'k', 'v'))).toBe('RESOURCE_DOES_NOT_EXIST: Registered Model with name=nope not found');
  });

  it('numbers versions max + 1 and never reuses a deleted number', async () => {
    const { registeredModels, modelVersions } = f.registry;
    await registeredModels.create('churn', [], '');
    for (let i = 1; i <= 3; i++) expect((await modelVersions.create(s3('churn'))).version).toBe(i);
    await modelVersions.delete('churn', '3');
    expect(await failure(() => modelVersions.get('churn', 3))).toBe('RESOURCE_DOES_NOT_EXIST: Model Version (name=churn, version=3) not found');
    expect((await modelVersions.create(s3('churn'))).version).toBe(4);
    expect(await failure(() => modelVersions.create(s3('nope')))).toBe('RESOURCE_DOES_NOT_EXIST: Registered Model with name=nope not found');
    // MLflow checks a deleted version's number before its name.
    expect(await failure(() => modelVersions.delete('', 'x'))).toBe("INVALID_PARAMETER_VALUE: Parameter 'version' must be an integer, got 'x'.");
  });

  it('keeps versions, tags, stages and download URIs', async () => {
    const { registeredModels, modelVersions } = f.registry;
    await registeredModels.create('churn', [], '');
    const v1 = await modelVersions.create(s3('churn', { tags: [{ key: 'k', value: '1' }], description: 'd', runLink: 'link' }));
    expect(v1).toMatchObject({ version: 1, currentStage: 'None', status: 'READY', description: 'd', runLink: 'link', tags: [{ key: 'k', value: '1' }] });
    await modelVersions.create(s3('churn'));
    await modelVersions.setTag('churn', '2', 'a', 'x');
    await modelVersions.setTag('churn', '2', 'b', 'y');
    await modelVersions.setTag('churn', '2', 'a', 'z');
    await modelVersions.deleteTag('churn', '2', 'b');
    expect((await modelVersions.get('churn', '2')).tags).toEqual([{ key: 'a', value: 'z' }]);
    expect((await modelVersions.update('churn', '1', null)).description).toBeNull();

    await modelVersions.transitionStage('churn', '1', 'production', false);
    await modelVersions.transitionStage('churn', '2', 'Production', true);
    expect((await modelVersions.get('churn', '1')).currentStage).toBe('Archived');
    const latest = await registeredModels.getLatestVersions('churn');
    expect(latest.map((v) => [v.version, v.currentStage])).toEqual([
      [1, 'Archived'],
      [2, 'Production'],
    ]);
    expect((await registeredModels.getLatestVersions('churn', ['production'])).map((v) => v.version)).toEqual([2]);
    expect(await failure(() => modelVersions.transitionStage('churn', '1', 'None', true))).toMatch(/^INTERNAL_ERROR: Model version transition cannot archive/);
    expect(await modelVersions.getDownloadUri('churn', 1)).toBe('s3://bucket/model');
    expect(await failure(() => modelVersions.getDownloadUri('churn', 9))).toBe('RESOURCE_DOES_NOT_EXIST: Model Version (name=churn, version=9) not found');
  });

  it('checks sources against the run / logged model and links the logged model after the commit', async () => {
    const { registeredModels, modelVersions } = f.registry;
    await registeredModels.create('churn', [], '');
    const fromRun = await modelVersions.create({ name: 'churn', source: `${RUN_ROOT}/model`, runId: RUN, tags: [] });
    expect(fromRun).toMatchObject({ version: 1, runId: RUN, source: `${RUN_ROOT}/model` });
    expect(await failure(() => modelVersions.create({ name: 'churn', source: `${RUN_ROOT}/model`, runId: 'b'.repeat(32), tags: [] }))).toMatch(
      /The run_id request parameter must identify the resource that contains the source/,
    );
    const fromModel = await modelVersions.create({ name: 'churn', source: `models:/${MODEL_ID}`, modelId: MODEL_ID, tags: [] });
    expect(fromModel).toMatchObject({ version: 2, runId: RUN, source: `models:/${MODEL_ID}`, storageLocation: MODEL_ROOT, modelId: MODEL_ID });
    expect(f.loggedModels.linked).toEqual([[MODEL_ID, 'churn', '2']]);
    expect(await modelVersions.getDownloadUri('churn', 2)).toBe(MODEL_ROOT);
    // A registered-model source is pinned to its version and inherits its run.
    const pinned = await modelVersions.create({ name: 'churn', source: 'models:/churn/latest', tags: [] });
    expect(pinned).toMatchObject({ version: 3, source: 'models:/churn/2', storageLocation: MODEL_ROOT, runId: RUN });
  });

  it('moves, resolves and drops aliases; a deleted version takes its aliases with it', async () => {
    const { registeredModels, modelVersions, aliases } = f.registry;
    await registeredModels.create('churn', [], '');
    await modelVersions.create(s3('churn'));
    await modelVersions.create(s3('churn'));
    await aliases.set('churn', 'production', '1');
    await aliases.set('churn', 'challenger', 2);
    expect((await aliases.getModelVersion('churn', 'production')).aliases).toEqual(['production']);
    await aliases.set('churn', 'production', '2');
    const v2 = await aliases.getModelVersion('churn', 'production');
    expect([v2.version, v2.aliases]).toEqual([2, ['challenger', 'production']]);
    expect((await registeredModels.get('churn')).aliases).toEqual([
      { alias: 'challenger', version: 2 },
      { alias: 'production', version: 2 },
    ]);
    expect((await aliases.getModelVersion('churn', 'LATEST')).version).toBe(2);
    expect(await failure(() => aliases.set('churn', 'x', '7'))).toBe('RESOURCE_DOES_NOT_EXIST: Model Version (name=churn, version=7) not found');
    expect(await failure(() => aliases.set('churn', 'v1', '1'))).toBe("INVALID_PARAMETER_VALUE: Version alias name 'v1' is reserved.");
    await aliases.delete('churn', 'challenger');
    await aliases.delete('churn', 'never-set');
    await modelVersions.delete('churn', '2');
    expect(await failure(() => aliases.getModelVersion('churn', 'production'))).toBe('INVALID_PARAMETER_VALUE: Registered model alias production not found.');
    expect((await registeredModels.get('churn')).aliases).toEqual([]);
  });

  it('renames atomically: versions, tags and aliases follow; a taken name is refused with MLflow’s text', async () => {
    const { registeredModels, modelVersions, aliases } = f.registry;
    await registeredModels.create('old', [{ key: 't', value: '1' }], '');
    await modelVersions.create(s3('old', { tags: [{ key: 'vt', value: '2' }] }));
    await aliases.set('old', 'prod', 1);
    await registeredModels.create('taken', [], '');
    expect(await failure(() => registeredModels.rename('old', 'taken'))).toBe(
      'RESOURCE_ALREADY_EXISTS: Registered Model (name=taken) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: registered_models.name',
    );
    const renamed = await registeredModels.rename('old', 'new');
    expect(renamed).toMatchObject({ name: 'new', tags: [{ key: 't', value: '1' }], aliases: [{ alias: 'prod', version: 1 }] });
    expect(renamed.latestVersions.map((v) => [v.name, v.version])).toEqual([['new', 1]]);
    expect((await modelVersions.get('new', 1)).tags).toEqual([{ key: 'vt', value: '2' }]);
    expect(await failure(() => registeredModels.get('old'))).toBe('RESOURCE_DOES_NOT_EXIST: Registered Model with name=old not found');
    expect((await modelVersions.create(s3('new'))).version).toBe(2);
    expect(await failure(() => registeredModels.rename('ghost', 'x'))).toBe('RESOURCE_DOES_NOT_EXIST: Registered Model with name=ghost not found');
  });

  it('deletes a model with everything under it', async () => {
    const { db, registry } = f;
    await registry.registeredModels.create('churn', [{ key: 't', value: '1' }], '');
    await registry.modelVersions.create(s3('churn', { tags: [{ key: 'vt', value: '2' }] }));
    await registry.aliases.set('churn', 'prod', 1);
    await registry.registeredModels.delete('churn');
    for (const table of ['registered_models', 'registered_model_tags', 'model_versions', 'model_version_tags', 'registered_model_aliases']) {
      expect(Number((await db.get<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`))!.n)).toBe(0);
    }
    expect(await failure(() => registry.registeredModels.delete('churn'))).toBe('RESOURCE_DOES_NOT_EXIST: Registered Model with name=churn not found');
  });

  it('searches models and versions: filters, byte order, prompts hidden, pages', async () => {
    const { registeredModels, modelVersions } = f.registry;
    for (const name of ['b-model', 'a-model', 'B-model', 'é-model']) await registeredModels.create(name, [{ key: 'team', value: name[0]! }], '');
    await registeredModels.create('prompt', [{ key: 'mlflow.prompt.is_prompt', value: 'true' }], '');
    const names = async (req: Parameters<typeof registeredModels.search>[0]) => (await registeredModels.search(req)).items.map((m) => m.name);
    expect(await names({})).toEqual(['B-model', 'a-model', 'b-model', 'é-model']);
    expect(await names({ filter: "name LIKE 'b%'" })).toEqual(['b-model']);
    expect(await names({ filter: "name ILIKE 'b%'" })).toEqual(['B-model', 'b-model']);
    expect(await names({ filter: "tags.team = 'a'" })).toEqual(['a-model']);
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'" })).toEqual(['prompt']);
    expect(await names({ orderBy: ['name DESC'] })).toEqual(['é-model', 'b-model', 'a-model', 'B-model']);
    // `\` is an ordinary character in LIKE on both engines (SQLite has no escape character).
    await registeredModels.create('back\\slash', [], '');
    expect(await names({ filter: "name LIKE 'back\\%'" })).toEqual(['back\\slash']);
    expect(await names({ filter: "name LIKE 'back\\s%'" })).toEqual(['back\\slash']);
    await registeredModels.delete('back\\slash');
    const first = await registeredModels.search({ maxResults: 3 });
    expect(first.items.map((m) => m.name)).toEqual(['B-model', 'a-model', 'b-model']);
    expect(await names({ maxResults: 3, pageToken: first.nextPageToken })).toEqual(['é-model']);
    // max_results <= 0 keeps MLflow's arithmetic on SQLite: LIMIT max + 1 (negative: none), rows[:max].
    expect(await names({ maxResults: -2 })).toEqual(['B-model', 'a-model']);
    expect(await names({ maxResults: -1 })).toEqual([]);
    expect(await names({ maxResults: 0 })).toEqual([]);

    await modelVersions.create(s3('a-model'));
    await modelVersions.create({ name: 'a-model', source: `${RUN_ROOT}/x`, runId: RUN, tags: [{ key: 'k', value: 'v' }] });
    await modelVersions.create(s3('b-model'));
    await modelVersions.delete('a-model', 1);
    const versions = async (filter?: string, orderBy?: string[]) =>
      (await modelVersions.search({ filter, orderBy })).items.map((v) => `${v.name}/${v.version}`);
    expect(await versions(undefined, ['name ASC'])).toEqual(['a-model/2', 'b-model/1']);
    expect(await versions(`run_id = '${RUN}'`)).toEqual(['a-model/2']);
    expect(await versions("tags.k = 'v'")).toEqual(['a-model/2']);
    expect(await versions("name IN ('b-model', 'x')")).toEqual(['b-model/1']);
    expect(await versions('version_number >= 2')).toEqual(['a-model/2']);
    expect((await modelVersions.search({ filter: "tags.k = 'v'" })).items[0]!.tags).toEqual([{ key: 'k', value: 'v' }]);
    const searched = await registeredModels.search({ filter: "name = 'a-model'" });
    expect(searched.items[0]!.latestVersions.map((v) => v.version)).toEqual([2]);
  });

  it('gives 50 concurrent creates versions 1..50 exactly', async () => {
    await f.registry.registeredModels.create('churn', [], '');
    const made = await Promise.all(Array.from({ length: 50 }, () => f.registry.modelVersions.create(s3('churn'))));
    expect(made.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});

// Replicas: separate pools on one database, nothing shared in memory. (SQLite has one writer
// connection per process; several processes on one SQLite file are not a supported topology.)
describe('registry store, three PostgreSQL replicas on one database', () => {
  let opened: Awaited<ReturnType<EngineFactory['open']>>;
  let replicas: Fixture[];
  beforeAll(async () => {
    opened = await postgresFactory.open(3);
    replicas = opened.engines.map(open);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('gives 50 concurrent create_model_version calls through 3 replicas versions 1..50 exactly', async () => {
    await replicas[0]!.registry.registeredModels.create('churn', [], '');
    const made = await Promise.all(
      Array.from({ length: 50 }, (_, i) => replicas[i % 3]!.registry.modelVersions.create(s3('churn', { description: `call ${i}` }))),
    );
    expect(made.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const stored = await replicas[1]!.registry.modelVersions.search({ filter: "name = 'churn'" });
    expect(stored.items.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // Each reply describes the row it created.
    for (const v of made) expect((await replicas[2]!.registry.modelVersions.get('churn', v.version)).description).toBe(v.description);
  });

  it('lets one of several replicas creating (or renaming to) the same name win; the others get MLflow’s error', async () => {
    const created = await Promise.allSettled(replicas.flatMap((r) => [r, r].map((x) => x.registry.registeredModels.create('race', [], ''))));
    expect(created.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of created) {
      if (r.status === 'rejected') expect(String((r.reason as Error).message)).toBe('Registered Model (name=race) already exists.');
    }
    for (const [i, r] of replicas.entries()) await r.registry.registeredModels.create(`from-${i}`, [], '');
    const renamed = await Promise.allSettled(replicas.map((r, i) => r.registry.registeredModels.rename(`from-${i}`, 'target')));
    expect(renamed.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of renamed) {
      if (r.status === 'rejected') {
        expect(String((r.reason as Error).message)).toBe(
          'Registered Model (name=target) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: registered_models.name',
        );
      }
    }
  });

  it('sees another replica’s rename, alias move and delete at once (no process-local state)', async () => {
    const [a, b, c] = replicas as [Fixture, Fixture, Fixture];
    await a.registry.registeredModels.create('old', [], '');
    await a.registry.modelVersions.create(s3('old'));
    await a.registry.modelVersions.create(s3('old'));
    await a.registry.aliases.set('old', 'prod', 1);
    await b.registry.registeredModels.rename('old', 'new');
    expect(await failure(() => a.registry.modelVersions.create(s3('old')))).toBe('RESOURCE_DOES_NOT_EXIST: Registered Model with name=old not found');
    expect((await a.registry.aliases.getModelVersion('new', 'prod')).version).toBe(1);
    await c.registry.aliases.set('new', 'prod', 2);
    expect((await a.registry.aliases.getModelVersion('new', 'prod')).version).toBe(2);
    await b.registry.modelVersions.delete('new', 2);
    expect(await failure(() => a.registry.aliases.getModelVersion('new', 'prod'))).toBe('INVALID_PARAMETER_VALUE: Registered model alias prod not found.');
    expect((await c.registry.modelVersions.create(s3('new'))).version).toBe(3);
  });

  it('lets concurrent renames, alias moves and version writes on one model all finish, without a deadlock', async () => {
    const [a, b, c] = replicas as [Fixture, Fixture, Fixture];
    await a.registry.registeredModels.create('m0', [], '');
    for (let i = 0; i < 3; i++) await a.registry.modelVersions.create(s3('m0'));
    // 30 rounds: replica b renames m<i> → m<i+1> while a and c move an alias, transition and tag.
    let current = 'm0';
    for (let i = 0; i < 30; i++) {
      const next = `m${i + 1}`;
      // Every other round the rename starts 5 ms late: the rename wins nearly every race it starts
      // with (1-4 of 30 version writes stored on a loaded machine), and the check below wants some
      // versions written concurrently with the other writes.
      const from = current;
      const rename = () => b.registry.registeredModels.rename(from, next);
      const results = await Promise.allSettled([
        i % 2 === 1 ? new Promise((r) => setTimeout(r, 5)).then(rename) : rename(),
        a.registry.aliases.set(current, 'prod', (i % 3) + 1),
        c.registry.modelVersions.transitionStage(current, (i % 3) + 1, 'Production', true),
        a.registry.modelVersions.setTag(current, 1, 'round', String(i)),
        c.registry.modelVersions.create(s3(current)),
      ]);
      for (const r of results) {
        // Losing the race to the rename is the only acceptable failure: the old name is gone.
        if (r.status === 'rejected') expect(String((r.reason as Error).message)).toMatch(/not found/);
      }
      expect(results[0].status).toBe('fulfilled');
      current = next;
    }
    const versions = (await a.registry.modelVersions.search({ filter: `name = '${current}'` })).items;
    const numbers = versions.map((v) => v.version).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    console.log(`[registry-race] ${numbers.length - 3} of 30 racing version writes stored`);
    expect(numbers.length).toBeGreaterThan(3);
    // archive_existing_versions under concurrency still leaves one Production version.
    expect(versions.filter((v) => v.currentStage === 'Production')).toHaveLength(1);
    expect((await c.registry.registeredModels.get(current)).name).toBe(current);
  });
});
