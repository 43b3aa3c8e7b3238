// Issue 17: `minflow server --app-name basic-auth`, configured by the ini file MLFLOW_AUTH_CONFIG_PATH
// names, driven by MLflow's own auth client (mlflow.server.get_app_client("basic-auth")) and the
// official tracking client logged in as each user (test/compat/py/basic_auth.py): READ reads but cannot
// log, tag, upload, register or move an alias; EDIT logs but cannot delete or grant; MANAGE can;
// NO_PERMISSIONS hides the experiment from search, GraphQL and the artifact routes; the admin can all.
// The auth database is SQLite on the sqlite project and its own PostgreSQL database on the postgres one.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackendKind } from '../helpers/backend.js';
import { tempDir } from '../helpers/paths.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { runPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const ADMIN_PASSWORD = 'admin-password-1234';

let server: ServerProcess;
let authDb: TestDatabase | null = null;
let dir: string;

beforeAll(async () => {
  dir = tempDir('basic-auth');
  authDb = testBackendKind() === 'postgres' ? await createTestDatabase() : null;
  const ini = path.join(dir, 'basic_auth.ini');
  fs.writeFileSync(
    ini,
    [
      '[mlflow]',
      'default_permission = READ',
      `database_uri = ${authDb ? authDb.uri : `sqlite:///${path.join(dir, 'basic_auth.db')}`}`,
      'admin_username = admin',
      `admin_password = ${ADMIN_PASSWORD}`,
      'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
      '',
    ].join('\n'),
  );
  server = await startServer({ args: ['--app-name', 'basic-auth'], env: { MLFLOW_AUTH_CONFIG_PATH: ini } });
});

afterAll(async () => {
  await server?.stop();
  await authDb?.drop();
});

interface Check {
  who: string;
  what: string;
  expect: string;
  got: string;
  detail: string | null;
}

describe('minflow server --app-name basic-auth with MLflow’s auth client', () => {
  it('gives each user exactly what MLflow’s permissions allow', async () => {
    const res = await runPython<{ checks: Check[]; data: Record<string, unknown> }>('test/compat/py/basic_auth.py', [server.url, 'admin', ADMIN_PASSWORD], {
      MLFLOW_TRACKING_URI: server.url,
    });
    const wrong = res.json.checks.filter((c) => c.got !== c.expect);
    expect(wrong, `${JSON.stringify(res.json.data)}\n${JSON.stringify(wrong, null, 1)}\n${res.stderr.slice(-3000)}\n${server.output().slice(-3000)}`).toEqual([]);
    expect(res.json.checks.length).toBeGreaterThan(40);
    expect(res.json.data).toMatchObject({ reader: { is_admin: false }, reader_permission: 'READ' });
  });

  it('kept users and permissions in the auth database, none in the tracking schema', async () => {
    if (authDb) return expect(authDb.uri).toMatch(/^postgresql:/);
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'basic_auth.db'), { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['users', 'experiment_permissions', 'registered_model_permissions']));
      const hash = (db.prepare("SELECT password_hash FROM users WHERE username = 'admin'").get() as { password_hash: string }).password_hash;
      expect(hash).toMatch(/^scrypt:32768:8:1\$/);
    } finally {
      db.close();
    }
  });
});
