// The basic-auth app's configuration and database (issue 17), without a server: MLflow's ini, the
// admin on first start, its own migrations (reopening keeps rows), grants, the users-file import once.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BasicAuthApp } from '../../server/security/basic-auth/index.js';
import { parseIni, readBasicAuthConfig } from '../../server/security/basic-auth/config.js';
import { AuthStore } from '../../server/security/basic-auth/store.js';
import { hashPassword, verifyPassword } from '../../server/security/secrets.js';
import { tempDir } from '../helpers/paths.js';

const dir = tempDir('basic-auth-store');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function ini(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

describe('the ini file', () => {
  it('reads MLflow’s [mlflow] keys and MLflow’s defaults without a file', () => {
    expect(parseIni('# c\n[mlflow]\ndefault_permission = EDIT\n; x\nadmin_username=root\n').get('mlflow')?.get('admin_username')).toBe('root');
    expect(readBasicAuthConfig({})).toEqual({
      defaultPermission: 'READ',
      databaseUri: 'sqlite:///basic_auth.db',
      adminUsername: 'admin',
      adminPassword: null,
      authorizationFunction: 'mlflow.server.auth:authenticate_request_basic_auth',
    });
    expect(readBasicAuthConfig({ MLFLOW_AUTH_ADMIN_PASSWORD: 'from-env' }).adminPassword).toBe('from-env');
  });

  it('refuses an unknown permission and a Python authorization function', () => {
    expect(() => readBasicAuthConfig({ MLFLOW_AUTH_CONFIG_PATH: ini('bad1.ini', '[mlflow]\ndefault_permission = ALL\n') })).toThrow(/default_permission/);
    expect(() => readBasicAuthConfig({ MLFLOW_AUTH_CONFIG_PATH: ini('bad2.ini', '[mlflow]\nauthorization_function = my.mod:fn\n') })).toThrow(/cannot run in Minflow/);
    expect(() => readBasicAuthConfig({ MLFLOW_AUTH_CONFIG_PATH: path.join(dir, 'missing.ini') })).toThrow(/Cannot read/);
  });
});

describe('the auth database', () => {
  it('creates the admin on first start, refuses to start without a password, and keeps rows across reopening', async () => {
    const db = `sqlite:///${path.join(dir, 'a.db')}`;
    await expect(BasicAuthApp.open({ MLFLOW_AUTH_CONFIG_PATH: ini('nopw.ini', `[mlflow]\ndatabase_uri = ${db}\n`) })).rejects.toThrow(/admin_password/);
    const env = { MLFLOW_AUTH_CONFIG_PATH: ini('ok.ini', `[mlflow]\ndatabase_uri = ${db}\nadmin_username = boss\nadmin_password = boss-pass-1\n`) };
    const first = await BasicAuthApp.open(env);
    const boss = await first.store.getUser('boss');
    expect(boss.isAdmin).toBe(true);
    expect(await verifyPassword('boss-pass-1', boss.passwordHash)).toBe(true);
    await first.store.createUser('ann', await hashPassword('ann-pass-1'));
    await first.store.createPermission('experiment', '7', 'ann', 'EDIT');
    await expect(first.store.createPermission('experiment', '7', 'ann', 'READ')).rejects.toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS' });
    await expect(first.store.createPermission('experiment', '8', 'ann', 'WRITE')).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await first.close();
    const again = await BasicAuthApp.open(env);
    expect((await again.store.listUsers()).map((u) => u.username)).toEqual(['boss', 'ann']);
    const ann = await again.store.getUser('ann');
    expect(await again.store.permission('experiment', '7', ann.id)).toBe('EDIT');
    await again.store.updatePermission('experiment', '7', 'ann', 'NO_PERMISSIONS');
    expect(await again.store.permission('experiment', '7', ann.id)).toBe('NO_PERMISSIONS');
    await again.store.deleteUser('ann');
    await expect(again.store.getUser('ann')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await again.close();
  });

  it('imports a Minflow users file once', async () => {
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, `old:${await hashPassword('old-pass-1')}\n`);
    const env = { MLFLOW_AUTH_CONFIG_PATH: ini('imp.ini', `[mlflow]\ndatabase_uri = sqlite:///${path.join(dir, 'b.db')}\nadmin_password = admin-pass-1\n`) };
    const a = await BasicAuthApp.open(env, users);
    expect(a.imported).toEqual(['old']);
    expect(await verifyPassword('old-pass-1', (await a.store.getUser('old')).passwordHash)).toBe(true);
    await a.store.deleteUser('old');
    await a.close();
    const b = await BasicAuthApp.open(env, users);
    expect(b.imported).toBeNull(); // not again: a user deleted since stays deleted
    expect(await b.store.findUser('old')).toBeNull();
    await b.close();
  });

  it('opens an in-memory database for tests', async () => {
    const s = await AuthStore.open('sqlite:///:memory:');
    expect(await s.countUsers()).toBe(0);
    await s.close();
  });
});
