// The SqlEngine contract on both engines — the PostgreSQL engine on a real server (a throwaway
// database per file, test/helpers/postgres.ts) and the SQLite engine — plus what only PostgreSQL has:
// one client per concurrent transaction, snapshot reads, deadlock retries, stale prepared plans, error
// mapping, the pool. Opening (schema under the advisory lock) is engine-pg-open.test.ts.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MlflowError } from '../../server/errors.js';
import { openEngine } from '../../server/store/engine/open.js';
import { PostgresEngine } from '../../server/store/engine/postgres.js';
import { isUniqueViolation, type SqlEngine } from '../../server/store/engine/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

interface Backend {
  name: 'sqlite' | 'postgres';
  open(): Promise<{ engine: SqlEngine; close(): Promise<void> }>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    const { engine, kind } = await openEngine('sqlite:///:memory:');
    expect(kind).toBe('sqlite');
    return { engine, close: () => engine.close() };
  },
};

const postgres: Backend = {
  name: 'postgres',
  async open() {
    const db = await createTestDatabase();
    try {
      const { engine, kind } = await openEngine(db.uri);
      expect(kind).toBe('postgres');
      return {
        engine,
        async close() {
          await engine.close();
          await db.drop();
        },
      };
    } catch (e) {
      await db.drop();
      throw e;
    }
  },
};

const deferred = <T = void>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe.each([sqlite, postgres])('SqlEngine contract on $name', (backend) => {
  let engine: SqlEngine;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ engine, close } = await backend.open());
    await engine.run('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n BIGINT)');
  });
  afterAll(async () => close?.());
  beforeEach(async () => {
    await engine.run('DELETE FROM kv');
  });

  it('binds ? placeholders and leaves ? in literals and quoted identifiers alone', async () => {
    await engine.run('INSERT INTO kv (k, v, n) VALUES (?, ?, ?)', ['a?', "it's ?", 1]);
    const row = await engine.get<{ k: string; q: string; 'odd?': string }>(
      `SELECT k, 'lit?''s' AS q, v AS "odd?" FROM kv WHERE k = ? AND n = ?`,
      ['a?', 1],
    );
    expect(row).toEqual({ k: 'a?', q: "lit?'s", 'odd?': "it's ?" });
    expect(await engine.get('SELECT * FROM kv WHERE k = ?', ['missing'])).toBeUndefined();
  });

  it('values() returns arrays in select-list order; all() objects; run() the changed row count', async () => {
    for (const [k, n] of [['x', 3], ['y', 1], ['z', 2]] as const) {
      await engine.run('INSERT INTO kv (k, v, n) VALUES (?, ?, ?)', [k, `v${k}`, n]);
    }
    expect(await engine.values('SELECT n, k FROM kv ORDER BY n')).toEqual([[1, 'y'], [2, 'z'], [3, 'x']]);
    expect(await engine.all('SELECT k, n FROM kv WHERE n > ? ORDER BY k', [1])).toEqual([{ k: 'x', n: 3 }, { k: 'z', n: 2 }]);
    expect(await engine.run('UPDATE kv SET v = ? WHERE n >= ?', ['u', 2])).toEqual({ changes: 2 });
    expect(await engine.run('DELETE FROM kv WHERE k = ?', ['nobody'])).toEqual({ changes: 0 });
    // One statement text read both ways (one prepared statement on PostgreSQL, one on SQLite).
    const same = 'SELECT k, n FROM kv WHERE k = ?';
    expect(await engine.all(same, ['x'])).toEqual([{ k: 'x', n: 3 }]);
    expect(await engine.values(same, ['y'])).toEqual([['y', 1]]);
    expect(await engine.get(same, ['z'])).toEqual({ k: 'z', n: 2 });
    expect(await engine.values(same, ['x'])).toEqual([['x', 3]]);
  });

  it('reads int64 columns as JS numbers', async () => {
    await engine.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['big', 9007199254740991]);
    await engine.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['neg', -1_700_000_000_000]);
    expect(await engine.values('SELECT n FROM kv ORDER BY n')).toEqual([[-1_700_000_000_000], [9007199254740991]]);
    const [[count]] = await engine.values<[unknown]>('SELECT COUNT(*) FROM kv');
    expect(count).toBe(2);
  });

  it('commits a transaction when fn resolves and returns its value', async () => {
    const out = await engine.transaction(async () => {
      expect(engine.inTransaction()).toBe(true);
      await engine.run('INSERT INTO kv (k) VALUES (?)', ['t1']);
      return 42;
    });
    expect(out).toBe(42);
    expect(engine.inTransaction()).toBe(false);
    expect(await engine.values('SELECT k FROM kv')).toEqual([['t1']]);
  });

  it('rolls back every statement when fn throws, and rethrows', async () => {
    const boom = new Error('boom');
    await expect(
      engine.transaction(async () => {
        await engine.run('INSERT INTO kv (k) VALUES (?)', ['r1']);
        await engine.run('INSERT INTO kv (k) VALUES (?)', ['r2']);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await engine.values('SELECT k FROM kv')).toEqual([]);
  });

  it('a nested transaction joins the outer one: its failure, caught or not, is the outer one’s to commit or undo', async () => {
    await engine.transaction(async () => {
      await engine.run('INSERT INTO kv (k) VALUES (?)', ['outer']);
      const inner = await engine.transaction(async () => {
        await engine.run('INSERT INTO kv (k) VALUES (?)', ['inner']);
        return engine.inTransaction();
      });
      expect(inner).toBe(true);
    });
    expect(await engine.values('SELECT k FROM kv ORDER BY k')).toEqual([['inner'], ['outer']]);
    await engine.run('DELETE FROM kv');
    await expect(
      engine.transaction(async () => {
        await engine.run('INSERT INTO kv (k) VALUES (?)', ['outer']);
        await engine.transaction(async () => {
          await engine.run('INSERT INTO kv (k) VALUES (?)', ['inner']);
          throw new Error('inner failed');
        });
      }),
    ).rejects.toThrow('inner failed');
    expect(await engine.values('SELECT k FROM kv')).toEqual([]);
  });

  it('statements from another async context never land inside a transaction', async () => {
    const gate = deferred();
    const inserted = deferred();
    const tx = engine.transaction(async () => {
      await engine.run('INSERT INTO kv (k) VALUES (?)', ['in-tx']);
      inserted.resolve();
      await gate.promise;
      throw new Error('undo');
    });
    await inserted.promise;
    // Outside the transaction's context: must not join it (and so survives its rollback).
    const outside = engine.run('INSERT INTO kv (k) VALUES (?)', ['outside']);
    gate.resolve();
    await expect(tx).rejects.toThrow('undo');
    await outside;
    expect(await engine.values('SELECT k FROM kv')).toEqual([['outside']]);
  });

  it('reports a unique violation so that isUniqueViolation recognises it, and the engine stays usable', async () => {
    await engine.run('INSERT INTO kv (k) VALUES (?)', ['dup']);
    const e = await engine.run('INSERT INTO kv (k) VALUES (?)', ['dup']).catch((err: unknown) => err);
    expect(isUniqueViolation(e)).toBe(true);
    const inTx = await engine
      .transaction(async () => {
        await engine.run('INSERT INTO kv (k) VALUES (?)', ['dup']);
      })
      .catch((err: unknown) => err);
    expect(isUniqueViolation(inTx)).toBe(true);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
    expect(await engine.values('SELECT COUNT(*) FROM kv')).toEqual([[1]]);
  });

  it("a 'read' transaction reads and then ends", async () => {
    await engine.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['r', 5]);
    const n = await engine.transaction(async () => (await engine.get<{ n: number }>('SELECT n FROM kv'))!.n, 'read');
    expect(n).toBe(5);
    expect(engine.inTransaction()).toBe(false);
  });
});

describe('PostgresEngine on a real server', () => {
  let db: TestDatabase;
  let engine: PostgresEngine;
  beforeAll(async () => {
    db = await createTestDatabase();
    const opened = await openEngine(db.uri, { poolSize: 4 });
    engine = opened.engine as PostgresEngine;
    await engine.run('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n BIGINT, f DOUBLE PRECISION, d NUMERIC)');
  });
  afterAll(async () => {
    await engine?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    await engine.run('DELETE FROM kv');
  });

  it('runs two concurrent transactions each on its own connection, in parallel', async () => {
    // A waits for B's insert to commit while A's own transaction is open: impossible on one connection.
    const bCommitted = deferred();
    const aStarted = deferred();
    const pids: number[] = [];
    const a = engine.transaction(async () => {
      pids.push((await engine.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid);
      await engine.run('INSERT INTO kv (k) VALUES (?)', ['a']);
      aStarted.resolve();
      await bCommitted.promise;
      // READ COMMITTED: B's committed row is visible inside A.
      return (await engine.values('SELECT k FROM kv ORDER BY k')).flat();
    });
    await aStarted.promise;
    await engine.transaction(async () => {
      pids.push((await engine.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid);
      // A's uncommitted row is not visible to B.
      expect((await engine.values('SELECT k FROM kv')).flat()).toEqual([]);
      await engine.run('INSERT INTO kv (k) VALUES (?)', ['b']);
    });
    bCommitted.resolve();
    expect(await a).toEqual(['a', 'b']);
    expect(new Set(pids).size).toBe(2);
  });

  it("every statement of a transaction runs on its connection; 'read' is one REPEATABLE READ READ ONLY snapshot", async () => {
    const wrote = deferred();
    const firstRead = deferred();
    const seen = engine.transaction(async () => {
      const pid = (await engine.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid;
      const before = (await engine.values('SELECT COUNT(*) FROM kv'))[0]![0];
      firstRead.resolve();
      await wrote.promise;
      const after = (await engine.values('SELECT COUNT(*) FROM kv'))[0]![0];
      const samePid = (await engine.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid === pid;
      const iso = (await engine.get<{ i: string; ro: string }>("SELECT current_setting('transaction_isolation') AS i, current_setting('transaction_read_only') AS ro"))!;
      // 25006 read_only_sql_transaction, left as it is (a bug of the caller, not an unavailable server).
      const write = await engine
        .run('INSERT INTO kv (k) VALUES (?)', ['no'])
        .catch((e: unknown) => (e instanceof MlflowError ? e.errorCode : (e as { code?: string }).code));
      return { before, after, samePid, iso, write };
    }, 'read');
    await firstRead.promise;
    await engine.run('INSERT INTO kv (k) VALUES (?)', ['committed-meanwhile']);
    wrote.resolve();
    expect(await seen).toEqual({ before: 0, after: 0, samePid: true, iso: { i: 'repeatable read', ro: 'on' }, write: '25006' });
  });

  it('runs a deadlock victim again: two transactions locking two rows in opposite orders both commit', async () => {
    await engine.run("INSERT INTO kv (k, n) VALUES ('r1', 0), ('r2', 0)");
    const aLocked = deferred();
    const bLocked = deferred();
    let attempts = 0;
    const body = (first: string, second: string, mine: ReturnType<typeof deferred<void>>, theirs: ReturnType<typeof deferred<void>>) => async () => {
      attempts++;
      await engine.run('UPDATE kv SET n = n + 1 WHERE k = ?', [first]);
      if (attempts <= 2) {
        mine.resolve();
        await theirs.promise; // both hold their first row: the second UPDATEs deadlock
      }
      await engine.run('UPDATE kv SET n = n + 1 WHERE k = ?', [second]);
    };
    await Promise.all([
      engine.transaction(body('r1', 'r2', aLocked, bLocked)),
      engine.transaction(body('r2', 'r1', bLocked, aLocked)),
    ]);
    // At least one rerun (the deadlock victim's); on a loaded machine the jittered rerun may itself wait
    // out a lock and be chosen again, so the count is a floor. What must hold: both committed, once each.
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(await engine.values('SELECT k, n FROM kv ORDER BY k')).toEqual([['r1', 2], ['r2', 2]]);
  });

  it('keeps answering a prepared SELECT * after another process changes the table (cached plan 0A000)', async () => {
    const one = new PostgresEngine({ connectionString: db.uri }, { poolSize: 1 });
    try {
      await one.run('CREATE TABLE evolving (a INT)');
      await one.run('INSERT INTO evolving VALUES (1)');
      expect(await one.all('SELECT * FROM evolving')).toEqual([{ a: 1 }]);
      const admin = new pg.Client({ connectionString: db.uri });
      await admin.connect();
      await admin.query('ALTER TABLE evolving ADD COLUMN b INT DEFAULT 2');
      await admin.end();
      expect(await one.all('SELECT * FROM evolving')).toEqual([{ a: 1, b: 2 }]);
      expect(await one.all('SELECT * FROM evolving')).toEqual([{ a: 1, b: 2 }]);
      // Inside a transaction the stale plan aborts it: the transaction runs again, unprepared.
      await one.transaction(async () => one.all('SELECT a FROM evolving WHERE a = ?', [1]));
      const admin2 = new pg.Client({ connectionString: db.uri });
      await admin2.connect();
      await admin2.query('ALTER TABLE evolving ALTER COLUMN a TYPE BIGINT');
      await admin2.end();
      expect(await one.transaction(async () => one.all('SELECT a FROM evolving WHERE a = ?', [1]))).toEqual([{ a: 1 }]);
    } finally {
      await one.close();
    }
  });

  it('a statement issued after its transaction ended is refused instead of running on a reused connection', async () => {
    let late: Promise<unknown> | undefined;
    const release = deferred();
    await engine.transaction(async () => {
      late = (async () => {
        await release.promise;
        return engine.run('INSERT INTO kv (k) VALUES (?)', ['late']);
      })();
    });
    release.resolve();
    await expect(late).rejects.toThrow(/after its transaction ended/);
    expect(await engine.values('SELECT k FROM kv')).toEqual([]);
  });

  it('reads int8 and numeric as numbers, float8 NaN and ±Infinity as themselves', async () => {
    await engine.run('INSERT INTO kv (k, n, f, d) VALUES (?, ?, ?, ?)', ['a', -9007199254740991, Number.NaN, '12.5']);
    await engine.run('INSERT INTO kv (k, f) VALUES (?, ?)', ['b', Number.POSITIVE_INFINITY]);
    await engine.run('INSERT INTO kv (k, f) VALUES (?, ?)', ['c', Number.NEGATIVE_INFINITY]);
    await engine.run('INSERT INTO kv (k, f) VALUES (?, ?)', ['d', 0.1 + 0.2]);
    expect(await engine.values('SELECT k, n, f, d FROM kv ORDER BY k')).toEqual([
      ['a', -9007199254740991, Number.NaN, 12.5],
      ['b', null, Number.POSITIVE_INFINITY, null],
      ['c', null, Number.NEGATIVE_INFINITY, null],
      ['d', null, 0.1 + 0.2, null],
    ]);
    const [[sum, big]] = await engine.values<[unknown, unknown]>('SELECT SUM(n), 2::bigint ^ 40 FROM kv');
    expect(sum).toBe(-9007199254740991);
    expect(big).toBe(2 ** 40);
  });

  it('maps values the database cannot hold to 400 INVALID_PARAMETER_VALUE with a clear message', async () => {
    const nul = await engine.run('INSERT INTO kv (k) VALUES (?)', ['a\u0000b']).catch((e: unknown) => e);
    expect(nul).toBeInstanceOf(MlflowError);
    expect(nul).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', statusCode: 400 });
    expect((nul as Error).message).toMatch(/NUL character/);
    const syntax = await engine.get('SELECT * FROM kv WHERE n = ?', ['1.5']).catch((e: unknown) => e);
    expect(syntax).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', statusCode: 400 });
    expect((syntax as Error).message).toMatch(/invalid input syntax for type bigint: "1.5"/);
    const range = await engine.run('INSERT INTO kv (k, n) VALUES (?, ?)', ['r', 2n ** 63n]).catch((e: unknown) => e);
    expect(range).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', statusCode: 400 });
    expect((range as Error).message).toMatch(/out of the range/);
    // Inside a transaction too; the transaction is rolled back.
    const inTx = await engine
      .transaction(async () => {
        await engine.run('INSERT INTO kv (k) VALUES (?)', ['ok']);
        await engine.run('INSERT INTO kv (k) VALUES (?)', ['bad\u0000']);
      })
      .catch((e: unknown) => e);
    expect(inTx).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(await engine.values('SELECT k FROM kv')).toEqual([]);
  });

  it('leaves other SQL errors as they are, and refuses a placeholder/parameter count mismatch', async () => {
    const e = await engine.run('SELECT * FROM no_such_table').catch((err: unknown) => err);
    expect(e).not.toBeInstanceOf(MlflowError);
    expect((e as { code?: string }).code).toBe('42P01');
    await expect(engine.get('SELECT ? AS a', [])).rejects.toThrow(/1 placeholders but 0 parameters/);
  });

  it("opens at most the pool's connections (MLflow's pool variables)", async () => {
    const env = { ...process.env, MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '2', MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: '0' };
    const { engine: small } = await openEngine(db.uri, { env });
    try {
      const pids = await Promise.all(
        Array.from({ length: 6 }, async () => (await small.get<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.1)'))!.pid),
      );
      expect(new Set(pids).size).toBe(2);
    } finally {
      await small.close();
    }
  });

  it('answers 503 TEMPORARILY_UNAVAILABLE when the database cannot be reached', async () => {
    const down = new PostgresEngine({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'x', connectionTimeoutMillis: 2000 });
    try {
      const e1 = await down.get('SELECT 1').catch((err: unknown) => err);
      expect(e1).toMatchObject({ errorCode: 'TEMPORARILY_UNAVAILABLE', statusCode: 503 });
      const e2 = await down.transaction(async () => 1).catch((err: unknown) => err);
      expect(e2).toMatchObject({ errorCode: 'TEMPORARILY_UNAVAILABLE', statusCode: 503 });
    } finally {
      await down.close();
    }
  });

  it('survives the server terminating a pooled connection', async () => {
    const pid = (await engine.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid;
    const admin = new pg.Client({ connectionString: db.uri });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await admin.end();
    await new Promise((r) => setTimeout(r, 100));
    // The idle connection's error was absorbed; the next statements get working connections.
    for (let i = 0; i < 6; i++) expect(await engine.values('SELECT 1')).toEqual([[1]]);
  });

  it('inserts experiment 0 explicitly and generates ids from 1 (the Default experiment, as MLflow)', async () => {
    await engine.run("INSERT INTO experiments (experiment_id, name) VALUES (0, 'Default')");
    const a = await engine.get<{ experiment_id: number }>('INSERT INTO experiments (name) VALUES (?) RETURNING experiment_id', ['a']);
    const b = await engine.get<{ experiment_id: number }>('INSERT INTO experiments (name) VALUES (?) RETURNING experiment_id', ['b']);
    expect([a?.experiment_id, b?.experiment_id]).toEqual([1, 2]);
    const dup = await engine.run('INSERT INTO experiments (name) VALUES (?)', ['a']).catch((e: unknown) => e);
    expect(isUniqueViolation(dup)).toBe(true);
  });

  it('stores tag and param values of MLflow’s maximum length (8,000 / 6,000 chars) despite the (key, value) indexes', async () => {
    await engine.run("INSERT INTO experiments (experiment_id, name) VALUES (100, 'long') ON CONFLICT DO NOTHING");
    await engine.run("INSERT INTO runs (run_uuid, experiment_id) VALUES ('r-long', 100) ON CONFLICT DO NOTHING");
    // Random text compresses badly: the worst case for a btree entry.
    const random = (n: number) => Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 20000))).join('');
    await engine.run('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?)', ['r-long', 'k'.repeat(250), random(8000)]);
    await engine.run('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)', ['r-long', 'p'.repeat(250), random(6000)]);
    const [[t, p]] = await engine.values<[number, number]>(
      "SELECT (SELECT length(value) FROM tags WHERE run_uuid = 'r-long'), (SELECT length(value) FROM params WHERE run_uuid = 'r-long')",
    );
    expect([t, p]).toEqual([8000, 6000]);
  });
});
