// Which PostgreSQL driver the engine uses, decided by measurement: node-postgres (`pg`) and
// postgres.js (`postgres`) on this machine's PostgreSQL, with the settings the engine would use
// (int8 parsed to numbers, parameters bound, arrays for wide reads). Each workload runs 3 times per
// driver in a throwaway database; the table shows the median. Results go in bench/PG-DRIVER.md.
//
//   node --import tsx bench/pg-driver.ts [--uri postgresql://postgres@127.0.0.1:5432/postgres] [--reps 3] [--reverse]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { PostgresEngine } from '../server/store/engine/postgres.js';

const { values: args } = parseArgs({
  options: {
    uri: { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    reps: { type: 'string', default: '3' },
    reverse: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (args.help) {
  process.stdout.write('Usage: node --import tsx bench/pg-driver.ts [--uri <admin database URI>] [--reps N] [--reverse]\n');
  process.exit(0);
}
const REPS = Number(args.reps);
const POOL = 16;
const LOOKUPS = 20_000;
const CONCURRENCY = 16;
const BATCH_ROWS = 1_000;
const BATCHES = 200;
const READ_ROWS = 100_000;

interface Driver {
  name: string;
  /** One PK lookup, rows as objects. */
  lookup(id: number): Promise<unknown>;
  /** BEGIN; multi-row INSERT of `rows` (6 params each); COMMIT — all on one connection. */
  insertBatch(sql: string, params: (string | number)[]): Promise<void>;
  /** All rows as arrays. */
  readAll(sql: string): Promise<unknown[][]>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

const LOOKUP_SQL = 'SELECT id, a, b, c, d, e FROM t WHERE id = $1';

function pgDriver(uri: string, named: boolean): Driver {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      if (oid === 20 || oid === 1700) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({ connectionString: uri, max: POOL, types });
  pool.on('error', () => {}); // an idle client's connection closed under it (DROP DATABASE … FORCE at the end)
  return {
    name: named ? 'pg (named statements)' : 'pg',
    lookup: (id) =>
      pool.query(named ? { name: 'lookup', text: LOOKUP_SQL, values: [id] } : { text: LOOKUP_SQL, values: [id] }),
    async insertBatch(sql, params) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(named ? { name: `ins${params.length}`, text: sql, values: params } : { text: sql, values: params });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    async readAll(sql) {
      const r = await pool.query({ text: sql, rowMode: 'array' });
      return r.rows as unknown[][];
    },
    async exec(sql) {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}

function postgresJsDriver(uri: string, prepare: boolean): Driver {
  // `prepare` must also be passed to each unsafe() call: the pool-wide option covers tagged templates only
  // (unprepared unsafe() measured at half the speed).
  const sql = postgres(uri, {
    max: POOL,
    prepare,
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20, 1700], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
  });
  return {
    name: prepare ? 'postgres' : 'postgres (prepare: false)',
    lookup: (id) => sql.unsafe(LOOKUP_SQL, [id], { prepare }),
    async insertBatch(text, params) {
      await sql.begin((tx) => tx.unsafe(text, params, { prepare }));
    },
    async readAll(text) {
      return (await sql.unsafe(text, [], { prepare }).values()) as unknown[][];
    },
    async exec(text) {
      await sql.unsafe(text);
    },
    close: () => sql.end(),
  };
}

/** The engine itself over `pg` (named statements): what its ? translation, ALS and wrapping cost. */
function engineDriver(uri: string): Driver {
  const engine = new PostgresEngine({ connectionString: uri }, { poolSize: POOL });
  const q = (text: string) => text.replace(/\$\d+/g, '?');
  const lookup = q(LOOKUP_SQL);
  return {
    name: 'PostgresEngine (pg, named)',
    lookup: (id) => engine.get(lookup, [id]),
    async insertBatch(text, params) {
      const sql = q(text);
      await engine.transaction(async () => {
        await engine.run(sql, params);
      });
    },
    readAll: (text) => engine.values(text),
    async exec(text) {
      await engine.run(text);
    },
    close: () => engine.close(),
  };
}

/**
 * The engine's own cost per statement, measured so that a busy machine cancels out: engine.get and the
 * same named statement through a bare pg pool, alternating, one connection each; medians.
 */
async function engineOverhead(uri: string): Promise<string> {
  const engine = new PostgresEngine({ connectionString: uri }, { poolSize: 1 });
  const pool = new pg.Pool({ connectionString: uri, max: 1 });
  pool.on('error', () => {});
  const lookup = LOOKUP_SQL.replace('$1', '?');
  const viaEngine: number[] = [];
  const viaPg: number[] = [];
  try {
    for (let i = 0; i < 10_000; i++) {
      const id = (i % READ_ROWS) + 1;
      let t0 = performance.now();
      await engine.get(lookup, [id]);
      viaEngine.push(performance.now() - t0);
      t0 = performance.now();
      await pool.query({ name: 'overhead', text: LOOKUP_SQL, values: [id] });
      viaPg.push(performance.now() - t0);
    }
  } finally {
    await engine.close();
    await pool.end();
  }
  const us = (xs: number[]) => median(xs) * 1000;
  return `PostgresEngine overhead, 10,000 alternating PK lookups, medians: engine.get ${us(viaEngine).toFixed(1)} µs, bare pg (named) ${us(viaPg).toFixed(1)} µs → ${(us(viaEngine) - us(viaPg)).toFixed(1)} µs per statement`;
}

function insertSql(rows: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const b = r * 6;
    tuples.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6})`);
  }
  return `INSERT INTO w (id, a, b, c, d, e) VALUES ${tuples.join(',')}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

interface Row {
  driver: string;
  seqLookups: number;
  concLookups: number;
  insertRows: number;
  readRows: number;
}

async function measure(d: Driver): Promise<Row> {
  const ids = Array.from({ length: LOOKUPS }, (_, i) => ((i * 7919) % READ_ROWS) + 1);
  await d.exec('TRUNCATE w');
  for (let i = 0; i < 500; i++) await d.lookup(ids[i]!); // warm the pool and the server's plan cache
  const seq: number[] = [];
  const conc: number[] = [];
  const ins: number[] = [];
  const read: number[] = [];
  const text = insertSql(BATCH_ROWS);
  for (let rep = 0; rep < REPS; rep++) {
    seq.push(
      await time(async () => {
        for (const id of ids) await d.lookup(id);
      }),
    );
    conc.push(
      await time(async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < ids.length) await d.lookup(ids[next++]!);
          }),
        );
      }),
    );
    await d.exec('TRUNCATE w');
    let id = 0;
    ins.push(
      await time(async () => {
        for (let b = 0; b < BATCHES; b++) {
          const params: (string | number)[] = [];
          for (let r = 0; r < BATCH_ROWS; r++) {
            id++;
            params.push(id, `key-${id % 100}`, id / 7, id * 1000, `value ${id}`, id % 3);
          }
          await d.insertBatch(text, params);
        }
      }),
    );
    read.push(
      await time(async () => {
        const rows = await d.readAll('SELECT id, a, b, c, d, e FROM t ORDER BY id');
        if (rows.length !== READ_ROWS || typeof rows[0]![3] !== 'number') {
          throw new Error(`${d.name}: read ${rows.length} rows, c = ${typeof rows[0]![3]}`);
        }
      }),
    );
  }
  return {
    driver: d.name,
    seqLookups: LOOKUPS / (median(seq) / 1000),
    concLookups: LOOKUPS / (median(conc) / 1000),
    insertRows: (BATCH_ROWS * BATCHES) / (median(ins) / 1000),
    readRows: READ_ROWS / (median(read) / 1000),
  };
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: args.uri });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(
      `cannot reach PostgreSQL at ${args.uri} (${(e as Error).message}); start it with \`pg_ctlcluster --skip-systemctl-redirect 15 main start\``,
    );
  }
  const dbName = `minflow_bench_pgdriver_${process.pid}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(args.uri);
  url.pathname = `/${dbName}`;
  const uri = url.toString();
  const rows: Row[] = [];
  let overhead = '';
  try {
    const setup = new pg.Client({ connectionString: uri });
    await setup.connect();
    await setup.query('CREATE TABLE t (id bigint PRIMARY KEY, a text, b double precision, c bigint, d text, e integer)');
    await setup.query(
      `INSERT INTO t SELECT i, 'key-' || (i % 100), i / 7.0, i * 1000, 'value ' || i, i % 3 FROM generate_series(1, ${READ_ROWS}) i`,
    );
    await setup.query('CREATE TABLE w (id bigint PRIMARY KEY, a text, b double precision, c bigint, d text, e integer)');
    await setup.query('VACUUM ANALYZE t');
    const { rows: v } = await setup.query('SELECT version()');
    process.stdout.write(`${(v[0] as { version: string }).version}\n`);
    await setup.end();
    const drivers = [
      () => pgDriver(uri, false),
      () => pgDriver(uri, true),
      () => postgresJsDriver(uri, true),
      () => postgresJsDriver(uri, false),
      () => engineDriver(uri),
    ];
    if (args.reverse) drivers.reverse(); // the order effect (page cache, a busy neighbour) is visible this way
    for (const make of drivers) {
      const d = make();
      try {
        rows.push(await measure(d));
      } finally {
        await d.close();
      }
    }
    overhead = await engineOverhead(uri);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const header = `| driver | PK lookups/s, sequential | PK lookups/s, ${CONCURRENCY} concurrent | rows/s inserted (${BATCH_ROWS}-row INSERT in a tx) | rows/s read (${READ_ROWS / 1000}k × 6 cols, arrays) |`;
  process.stdout.write(
    [
      `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, pg ${pkgVersion('pg')}, postgres ${pkgVersion('postgres')}, median of ${REPS}`,
      header,
      '|---|--:|--:|--:|--:|',
      ...rows.map((r) => `| ${r.driver} | ${fmt(r.seqLookups)} | ${fmt(r.concLookups)} | ${fmt(r.insertRows)} | ${fmt(r.readRows)} |`),
      '',
      overhead,
      '',
    ].join('\n'),
  );
}

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

await main();
