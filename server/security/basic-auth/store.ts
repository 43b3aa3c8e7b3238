// The basic-auth app's own database (MLflow keeps auth apart from tracking: database_uri, default
// sqlite:///basic_auth.db): MLflow's tables users, experiment_permissions and
// registered_model_permissions, created by this module's migrations (recorded in
// minflow_auth_migrations), on SQLite or PostgreSQL through the store's engines.
import path from 'node:path';
import Database from 'better-sqlite3';
import { MlflowError } from '../../errors.js';
import { isPostgresUri } from '../../store/engine/pg-uri.js';
import { SqliteEngine } from '../../store/engine/sqlite.js';
import { isUniqueViolation, type SqlEngine } from '../../store/engine/types.js';
import { isPermissionName, PERMISSION_NAMES, type PermissionName } from './permissions.js';

export interface AuthUser {
  id: number;
  username: string;
  passwordHash: string;
  isAdmin: boolean;
}

export type ResourceKind = 'experiment' | 'registered_model';

const MIGRATIONS: ((pg: boolean) => string[])[] = [
  (pg) => {
    const id = pg ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
    return [
      `CREATE TABLE users (id ${id}, username VARCHAR(255) NOT NULL UNIQUE, password_hash VARCHAR(255) NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0)`,
      `CREATE TABLE experiment_permissions (id ${id}, experiment_id VARCHAR(255) NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, permission VARCHAR(255) NOT NULL, CONSTRAINT unique_experiment_user UNIQUE (experiment_id, user_id))`,
      `CREATE TABLE registered_model_permissions (id ${id}, name VARCHAR(255) NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, permission VARCHAR(255) NOT NULL, CONSTRAINT unique_name_user UNIQUE (name, user_id))`,
    ];
  },
  // Which Minflow users files were imported (once each).
  () => ['CREATE TABLE minflow_auth_imports (source VARCHAR(1024) PRIMARY KEY, imported_at BIGINT NOT NULL)'],
  // MLflow 3.x roles: named sets of grants (a resource id or '*'), assigned to users.
  (pg) => {
    const id = pg ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
    return [
      `CREATE TABLE roles (id ${id}, name VARCHAR(255) NOT NULL, workspace VARCHAR(255) NOT NULL, description VARCHAR(1024), CONSTRAINT unique_workspace_role_name UNIQUE (workspace, name))`,
      `CREATE TABLE role_permissions (id ${id}, role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE, resource_type VARCHAR(64) NOT NULL, resource_pattern VARCHAR(255) NOT NULL, permission VARCHAR(32) NOT NULL, CONSTRAINT unique_role_resource UNIQUE (role_id, resource_type, resource_pattern))`,
      `CREATE TABLE user_role_assignments (id ${id}, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE, CONSTRAINT unique_user_role UNIQUE (user_id, role_id))`,
    ];
  },
];

export interface Role {
  id: number;
  name: string;
  workspace: string;
  description: string | null;
}

export interface RoleGrant {
  id: number;
  roleId: number;
  resourceType: string;
  resourcePattern: string;
  permission: string;
}

const ROLE_PERMISSIONS = ['READ', 'USE', 'EDIT', 'MANAGE', 'DENY'];
const RANK: Record<string, number> = { NO_PERMISSIONS: 0, READ: 1, USE: 2, EDIT: 3, MANAGE: 4 };

/** Role grants on one resource folded as MLflow folds them: DENY wins, else the highest; null when none applies. */
export function foldGrants(grants: RoleGrant[], kind: ResourceKind, key: string): PermissionName | null {
  let best: PermissionName | null = null;
  for (const g of grants) {
    if (g.resourceType !== kind || (g.resourcePattern !== '*' && g.resourcePattern !== key)) continue;
    if (g.permission === 'DENY') return 'NO_PERMISSIONS';
    if (isPermissionName(g.permission) && (best === null || RANK[g.permission]! > RANK[best]!)) best = g.permission;
  }
  return best;
}

const TABLE: Record<ResourceKind, { table: string; key: string; label: string }> = {
  experiment: { table: 'experiment_permissions', key: 'experiment_id', label: 'Experiment permission' },
  registered_model: { table: 'registered_model_permissions', key: 'name', label: 'Registered model permission' },
};

function invalidPermission(permission: unknown): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', `Invalid permission '${String(permission)}'. Valid permissions are: ${PERMISSION_NAMES.join(', ')}`);
}

export class AuthStore {
  constructor(
    readonly engine: SqlEngine,
    private readonly pg: boolean,
  ) {}

  static async open(databaseUri: string): Promise<AuthStore> {
    let store: AuthStore;
    if (isPostgresUri(databaseUri)) {
      const [{ parsePgUri }, { resolveClientConfig }, { PostgresEngine }] = await Promise.all([
        import('../../store/engine/pg-uri.js'),
        import('../../store/engine/pg-connect.js'),
        import('../../store/engine/postgres.js'),
      ]);
      const config = await resolveClientConfig(parsePgUri(databaseUri));
      store = new AuthStore(new PostgresEngine(config, { poolSize: 4 }), true);
    } else {
      const m = /^sqlite:\/\/\/(.*)$/.exec(databaseUri);
      if (!m) throw new Error(`Unsupported database_uri '${databaseUri}': use sqlite:///path or postgresql://…`);
      const file = m[1] === '' || m[1] === ':memory:' ? ':memory:' : path.resolve(m[1]!);
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      store = new AuthStore(new SqliteEngine(db, { onClose: () => db.close() }), false);
    }
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    await this.engine.run('CREATE TABLE IF NOT EXISTS minflow_auth_migrations (version INTEGER PRIMARY KEY)');
    await this.engine.transaction(async () => {
      if (this.pg) await this.engine.run('LOCK TABLE minflow_auth_migrations IN EXCLUSIVE MODE');
      const row = await this.engine.get<{ v: number | null }>('SELECT MAX(version) AS v FROM minflow_auth_migrations');
      const at = Number(row?.v ?? 0);
      if (at > MIGRATIONS.length) throw new Error(`The auth database is at migration ${at}, newer than this Minflow (${MIGRATIONS.length})`);
      for (let v = at; v < MIGRATIONS.length; v++) {
        for (const sql of MIGRATIONS[v]!(this.pg)) await this.engine.run(sql);
        await this.engine.run('INSERT INTO minflow_auth_migrations (version) VALUES (?)', [v + 1]);
      }
    });
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  private static user(row: Record<string, unknown>): AuthUser {
    return { id: Number(row.id), username: String(row.username), passwordHash: String(row.password_hash), isAdmin: Number(row.is_admin) === 1 };
  }

  async findUser(username: string): Promise<AuthUser | null> {
    const row = await this.engine.get('SELECT id, username, password_hash, is_admin FROM users WHERE username = ?', [username]);
    return row ? AuthStore.user(row) : null;
  }

  async getUser(username: string): Promise<AuthUser> {
    const user = await this.findUser(username);
    if (!user) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `User with username=${username} not found`);
    return user;
  }

  async listUsers(): Promise<AuthUser[]> {
    return (await this.engine.all('SELECT id, username, password_hash, is_admin FROM users ORDER BY id')).map((r) => AuthStore.user(r));
  }

  async countUsers(): Promise<number> {
    return Number((await this.engine.get<{ n: number }>('SELECT COUNT(*) AS n FROM users'))?.n ?? 0);
  }

  async createUser(username: string, passwordHash: string, isAdmin = false): Promise<AuthUser> {
    try {
      await this.engine.run('INSERT INTO users (username, password_hash, is_admin) VALUES (?, ?, ?)', [username, passwordHash, isAdmin ? 1 : 0]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `User '${username}' already exists`);
      throw e;
    }
    return this.getUser(username);
  }

  async updateUser(username: string, change: { passwordHash?: string; isAdmin?: boolean }): Promise<void> {
    await this.getUser(username);
    if (change.passwordHash !== undefined) await this.engine.run('UPDATE users SET password_hash = ? WHERE username = ?', [change.passwordHash, username]);
    if (change.isAdmin !== undefined) await this.engine.run('UPDATE users SET is_admin = ? WHERE username = ?', [change.isAdmin ? 1 : 0, username]);
  }

  async deleteUser(username: string): Promise<void> {
    const user = await this.getUser(username);
    await this.engine.transaction(async () => {
      await this.engine.run('DELETE FROM experiment_permissions WHERE user_id = ?', [user.id]);
      await this.engine.run('DELETE FROM registered_model_permissions WHERE user_id = ?', [user.id]);
      await this.engine.run('DELETE FROM users WHERE id = ?', [user.id]);
    });
  }

  /** The explicit permission of a user on a resource, or null (then default_permission applies). */
  async permission(kind: ResourceKind, key: string, userId: number): Promise<PermissionName | null> {
    const t = TABLE[kind];
    const row = await this.engine.get<{ permission: string }>(`SELECT permission FROM ${t.table} WHERE ${t.key} = ? AND user_id = ?`, [key, userId]);
    return row && isPermissionName(row.permission) ? row.permission : null;
  }

  /** Explicit permissions of a user on many resources at once (search filtering). */
  async permissions(kind: ResourceKind, userId: number): Promise<Map<string, PermissionName>> {
    const t = TABLE[kind];
    const rows = await this.engine.all<{ k: string; permission: string }>(`SELECT ${t.key} AS k, permission FROM ${t.table} WHERE user_id = ?`, [userId]);
    return new Map(rows.filter((r) => isPermissionName(r.permission)).map((r) => [String(r.k), r.permission as PermissionName]));
  }

  async createPermission(kind: ResourceKind, key: string, username: string, permission: unknown): Promise<{ key: string; userId: number; permission: PermissionName }> {
    if (!isPermissionName(permission)) throw invalidPermission(permission);
    const user = await this.getUser(username);
    const t = TABLE[kind];
    try {
      await this.engine.run(`INSERT INTO ${t.table} (${t.key}, user_id, permission) VALUES (?, ?, ?)`, [key, user.id, permission]);
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new MlflowError('RESOURCE_ALREADY_EXISTS', `${t.label} (${t.key}=${key}, username=${username}) already exists.`);
      }
      throw e;
    }
    return { key, userId: user.id, permission };
  }

  async getPermission(kind: ResourceKind, key: string, username: string): Promise<{ key: string; userId: number; permission: PermissionName }> {
    const user = await this.getUser(username);
    const p = await this.permission(kind, key, user.id);
    if (!p) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `${TABLE[kind].label} with ${TABLE[kind].key}=${key} and username=${username} not found`);
    return { key, userId: user.id, permission: p };
  }

  async updatePermission(kind: ResourceKind, key: string, username: string, permission: unknown): Promise<void> {
    if (!isPermissionName(permission)) throw invalidPermission(permission);
    const found = await this.getPermission(kind, key, username);
    const t = TABLE[kind];
    await this.engine.run(`UPDATE ${t.table} SET permission = ? WHERE ${t.key} = ? AND user_id = ?`, [permission, key, found.userId]);
  }

  /** Insert or replace (the creator's MANAGE). */
  async setPermission(kind: ResourceKind, key: string, userId: number, permission: PermissionName): Promise<void> {
    const t = TABLE[kind];
    await this.engine.transaction(async () => {
      await this.engine.run(`DELETE FROM ${t.table} WHERE ${t.key} = ? AND user_id = ?`, [key, userId]);
      await this.engine.run(`INSERT INTO ${t.table} (${t.key}, user_id, permission) VALUES (?, ?, ?)`, [key, userId, permission]);
    });
  }

  async deletePermission(kind: ResourceKind, key: string, username: string): Promise<void> {
    const found = await this.getPermission(kind, key, username);
    const t = TABLE[kind];
    await this.engine.run(`DELETE FROM ${t.table} WHERE ${t.key} = ? AND user_id = ?`, [key, found.userId]);
  }

  /**
   * The users of a Minflow users file (`minflow users add`, name + scrypt hash), imported once: a name
   * already in the database keeps its row. Returns the names added, or null when the file was imported before.
   */
  async importOnce(source: string, entries: { name: string; hash: string }[]): Promise<string[] | null> {
    return this.engine.transaction(async () => {
      if (await this.engine.get('SELECT source FROM minflow_auth_imports WHERE source = ?', [source])) return null;
      const added: string[] = [];
      for (const e of entries) {
        if (await this.findUser(e.name)) continue;
        await this.engine.run('INSERT INTO users (username, password_hash, is_admin) VALUES (?, ?, 0)', [e.name, e.hash]);
        added.push(e.name);
      }
      await this.engine.run('INSERT INTO minflow_auth_imports (source, imported_at) VALUES (?, ?)', [source, Date.now()]);
      return added;
    });
  }

  // --- roles
  private static role(r: Record<string, unknown>): Role {
    return { id: Number(r.id), name: String(r.name), workspace: String(r.workspace), description: r.description === null || r.description === undefined ? null : String(r.description) };
  }

  private static grant(r: Record<string, unknown>): RoleGrant {
    return { id: Number(r.id), roleId: Number(r.role_id), resourceType: String(r.resource_type), resourcePattern: String(r.resource_pattern), permission: String(r.permission) };
  }

  async createRole(name: string, workspace: string, description: string | null): Promise<Role> {
    try {
      await this.engine.run('INSERT INTO roles (name, workspace, description) VALUES (?, ?, ?)', [name, workspace, description]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Role '${name}' already exists in workspace '${workspace}'.`);
      throw e;
    }
    const row = await this.engine.get('SELECT * FROM roles WHERE workspace = ? AND name = ?', [workspace, name]);
    return AuthStore.role(row!);
  }

  async getRole(id: number): Promise<Role> {
    const row = await this.engine.get('SELECT * FROM roles WHERE id = ?', [id]);
    if (!row) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Role with id=${id} not found`);
    return AuthStore.role(row);
  }

  async listRoles(workspaces: string[] | null): Promise<Role[]> {
    const rows = workspaces && workspaces.length > 0
      ? await this.engine.all(`SELECT * FROM roles WHERE workspace IN (${workspaces.map(() => '?').join(', ')}) ORDER BY id`, workspaces)
      : await this.engine.all('SELECT * FROM roles ORDER BY id');
    return rows.map((r) => AuthStore.role(r));
  }

  async updateRole(id: number, change: { name?: string; description?: string }): Promise<Role> {
    await this.getRole(id);
    if (change.name !== undefined) await this.engine.run('UPDATE roles SET name = ? WHERE id = ?', [change.name, id]);
    if (change.description !== undefined) await this.engine.run('UPDATE roles SET description = ? WHERE id = ?', [change.description, id]);
    return this.getRole(id);
  }

  async deleteRole(id: number): Promise<void> {
    await this.getRole(id);
    await this.engine.transaction(async () => {
      await this.engine.run('DELETE FROM role_permissions WHERE role_id = ?', [id]);
      await this.engine.run('DELETE FROM user_role_assignments WHERE role_id = ?', [id]);
      await this.engine.run('DELETE FROM roles WHERE id = ?', [id]);
    });
  }

  async addRoleGrant(roleId: number, resourceType: string, pattern: string, permission: string): Promise<RoleGrant> {
    await this.getRole(roleId);
    if (resourceType !== 'experiment' && resourceType !== 'registered_model') {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `Unsupported resource_type '${resourceType}'. Minflow supports experiment and registered_model.`);
    }
    if (!ROLE_PERMISSIONS.includes(permission)) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid permission '${permission}'. Valid permissions are: ${ROLE_PERMISSIONS.join(', ')}`);
    }
    try {
      await this.engine.run('INSERT INTO role_permissions (role_id, resource_type, resource_pattern, permission) VALUES (?, ?, ?, ?)', [roleId, resourceType, pattern, permission]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Permission for role_id=${roleId} on resource_type=${resourceType}, resource_pattern=${pattern} already exists.`);
      throw e;
    }
    const row = await this.engine.get('SELECT * FROM role_permissions WHERE role_id = ? AND resource_type = ? AND resource_pattern = ?', [roleId, resourceType, pattern]);
    return AuthStore.grant(row!);
  }

  async getRoleGrant(id: number): Promise<RoleGrant> {
    const row = await this.engine.get('SELECT * FROM role_permissions WHERE id = ?', [id]);
    if (!row) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Role permission with id=${id} not found`);
    return AuthStore.grant(row);
  }

  async updateRoleGrant(id: number, permission: string): Promise<RoleGrant> {
    await this.getRoleGrant(id);
    if (!ROLE_PERMISSIONS.includes(permission)) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid permission '${permission}'. Valid permissions are: ${ROLE_PERMISSIONS.join(', ')}`);
    }
    await this.engine.run('UPDATE role_permissions SET permission = ? WHERE id = ?', [permission, id]);
    return this.getRoleGrant(id);
  }

  async removeRoleGrant(id: number): Promise<void> {
    await this.getRoleGrant(id);
    await this.engine.run('DELETE FROM role_permissions WHERE id = ?', [id]);
  }

  async roleGrants(roleId: number): Promise<RoleGrant[]> {
    return (await this.engine.all('SELECT * FROM role_permissions WHERE role_id = ? ORDER BY id', [roleId])).map((r) => AuthStore.grant(r));
  }

  /** Every grant of every role assigned to a user. */
  async userRoleGrants(userId: number): Promise<RoleGrant[]> {
    const rows = await this.engine.all(
      'SELECT p.* FROM role_permissions p JOIN user_role_assignments a ON a.role_id = p.role_id WHERE a.user_id = ? ORDER BY p.id',
      [userId],
    );
    return rows.map((r) => AuthStore.grant(r));
  }

  async assignRole(username: string, roleId: number): Promise<{ id: number; userId: number; roleId: number }> {
    const user = await this.getUser(username);
    await this.getRole(roleId);
    try {
      await this.engine.run('INSERT INTO user_role_assignments (user_id, role_id) VALUES (?, ?)', [user.id, roleId]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `User '${username}' already has role ${roleId}.`);
      throw e;
    }
    const row = await this.engine.get<{ id: number }>('SELECT id FROM user_role_assignments WHERE user_id = ? AND role_id = ?', [user.id, roleId]);
    return { id: Number(row!.id), userId: user.id, roleId };
  }

  async unassignRole(username: string, roleId: number): Promise<void> {
    const user = await this.getUser(username);
    const r = await this.engine.run('DELETE FROM user_role_assignments WHERE user_id = ? AND role_id = ?', [user.id, roleId]);
    if (r.changes === 0) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `User '${username}' does not have role ${roleId}.`);
  }

  async userRoles(username: string): Promise<Role[]> {
    const user = await this.getUser(username);
    const rows = await this.engine.all('SELECT r.* FROM roles r JOIN user_role_assignments a ON a.role_id = r.id WHERE a.user_id = ? ORDER BY r.id', [user.id]);
    return rows.map((r) => AuthStore.role(r));
  }

  async roleAssignments(roleId: number): Promise<{ id: number; userId: number; roleId: number }[]> {
    await this.getRole(roleId);
    const rows = await this.engine.all<{ id: number; user_id: number }>('SELECT id, user_id FROM user_role_assignments WHERE role_id = ? ORDER BY id', [roleId]);
    return rows.map((r) => ({ id: Number(r.id), userId: Number(r.user_id), roleId }));
  }

  /** A registered model renamed or deleted: its grants follow (MLflow does the same). */
  async renameModel(from: string, to: string | null): Promise<void> {
    if (to === null) await this.engine.run('DELETE FROM registered_model_permissions WHERE name = ?', [from]);
    else await this.engine.run('UPDATE registered_model_permissions SET name = ? WHERE name = ?', [to, from]);
  }
}
