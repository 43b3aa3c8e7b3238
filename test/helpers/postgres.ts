// Throwaway PostgreSQL databases for tests: each call creates a uniquely named database on the local
// server (127.0.0.1:5432, user postgres, trust auth; MINFLOW_TEST_PG_ADMIN_URI overrides) and drop()
// removes it again, terminating whatever connections are still open on it. A server that is not
// running fails the test with the command that starts it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URI = process.env.MINFLOW_TEST_PG_ADMIN_URI ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const START_COMMAND = 'pg_ctlcluster --skip-systemctl-redirect 15 main start';

export interface TestDatabase {
  /** postgresql://… URI of the new, empty database. */
  uri: string;
  /** The database's name. */
  name: string;
  drop(): Promise<void>;
}

/** Runs `sql` on the admin database with a fresh connection (CREATE/DROP DATABASE cannot share a transaction). */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URI, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw new Error(
      `PostgreSQL is not reachable at ${PG_ADMIN_URI} (${(e as Error).message}). Start it with \`${START_COMMAND}\` ` +
        '(install: `apt-get install -y postgresql`).',
    );
  }
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `minflow_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URI);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    uri: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      // WITH (FORCE) terminates the remaining sessions first (PostgreSQL ≥ 13).
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
