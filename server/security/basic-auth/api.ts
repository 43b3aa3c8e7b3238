// The basic-auth app's REST API, as MLflow 3.17.2 serves it (mlflow/server/auth/__init__.py): users,
// the 2.x per-experiment / per-registered-model permission routes, the 3.x users/permissions and roles
// routes, users/current(/permissions). Who may call each is enforced by the app's hooks (index.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MlflowError } from '../../errors.js';
import { hashPasswordWerkzeug, verifyPassword } from '../secrets.js';
import { allows, type PermissionName } from './permissions.js';
import { foldGrants, type AuthStore, type AuthUser, type ResourceKind, type Role, type RoleGrant } from './store.js';
import { parseJsonExact, stringifyJsonExact } from '../../protocol/int64.js';

type Params = Record<string, unknown>;

const MIN_PASSWORD = 1;

export interface AuthApiDeps {
  store: AuthStore;
  defaultPermission: PermissionName;
  /** The server's scrypt pool (off libuv's I/O threads), when there is one. */
  scrypt(): Parameters<typeof hashPasswordWerkzeug>[1];
  /** Drops remembered password verifications after a password change or a user's deletion. */
  forgetVerified(): void;
}

export function authApiRoutes(app: FastifyInstance, prefix: string, deps: AuthApiDeps): void {
  const route = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, versions: string[], handler: (req: FastifyRequest, p: Params) => Promise<unknown>) => {
    for (const v of versions) {
      for (const base of ['/api', '/ajax-api']) {
        app.route({
          method,
          url: `${prefix}${base}/${v}/mlflow/${path}`,
          handler: async (req, reply) => {
            const p: Params = { ...((req.query ?? {}) as Params) };
            let body: unknown = req.body;
            if (Buffer.isBuffer(body)) body = body.toString('utf8');
            if (typeof body === 'string' && body.trim() !== '') {
              try {
                Object.assign(p, parseJsonExact(body) as Params);
              } catch {
                throw new MlflowError('INVALID_PARAMETER_VALUE', 'The request body is not valid JSON');
              }
            } else if (body && typeof body === 'object') Object.assign(p, body as Params);
            const out = await handler(req, p);
            return reply.type('application/json').send(stringifyJsonExact(out ?? {}));
          },
        });
      }
    }
  };
  const need = (p: Params, name: string): string => {
    const v = p[name];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
    throw new MlflowError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${name}'.`);
  };
  const userJson = (u: AuthUser) => ({ id: u.id, username: u.username, is_admin: u.isAdmin });
  const kindOf = (p: Params): ResourceKind => {
    const t = need(p, 'resource_type');
    if (t !== 'experiment' && t !== 'registered_model') {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `Unsupported resource_type '${t}'. Minflow supports experiment and registered_model.`);
    }
    return t;
  };
  const grantJson = (g: RoleGrant) => ({ id: g.id, role_id: g.roleId, resource_type: g.resourceType, resource_pattern: g.resourcePattern, permission: g.permission });
  const roleJson = async (r: Role) => ({
    id: r.id,
    name: r.name,
    workspace: r.workspace,
    description: r.description,
    permissions: (await deps.store.roleGrants(r.id)).map(grantJson),
  });
  // MLflow 3.x keeps a user's direct grants (users/permissions/grant, the creator's MANAGE) in a role of
  // its own, `__user_<id>__`, and answers them as that role wherever it lists a user's roles; the UI's
  // Account page and the admin's user pages read them from there (users/roles/list, users/list).
  // Minflow keeps them in the 2.x tables and shows them as that role. Its ids are negative because it
  // is no row of `roles`: the UI grants and revokes direct permissions by resource
  // (users/permissions/grant, users/permissions/revoke), never by these ids.
  const directRole = async (u: AuthUser) => {
    const permissions: ReturnType<typeof grantJson>[] = [];
    for (const kind of ['experiment', 'registered_model'] as const) {
      for (const [key, permission] of await deps.store.permissions(kind, u.id)) {
        permissions.push({ id: -(permissions.length + 1), role_id: -u.id, resource_type: kind, resource_pattern: key, permission });
      }
    }
    return permissions.length === 0 ? null : { id: -u.id, name: `__user_${u.id}__`, workspace: 'default', description: null, permissions };
  };
  /** A user's roles as MLflow lists them: the direct-grants role first (MLflow creates it at the first grant), then the assigned ones. */
  const rolesOf = async (u: AuthUser) => {
    const direct = await directRole(u);
    const assigned = await Promise.all((await deps.store.userRoles(u.username)).map(roleJson));
    return direct ? [direct, ...assigned] : assigned;
  };
  /** users/permissions/list and users/current/permissions: one row per grant of each of the user's roles, with its role (mlflow/server/auth _UserRolePermissionRow). */
  const permissionRows = async (u: AuthUser) => ({
    is_admin: u.isAdmin,
    permissions: (await rolesOf(u)).flatMap((r) =>
      r.permissions.map((g) => ({ role_id: r.id, role_name: r.name, workspace: r.workspace, resource_type: g.resource_type, resource_pattern: g.resource_pattern, permission: g.permission })),
    ),
  });
  const v2 = ['2.0'];
  const v3 = ['3.0'];

  route('POST', 'users/create', v2, async (_req, p) => {
    const username = typeof p.username === 'string' ? p.username : '';
    const password = typeof p.password === 'string' ? p.password : '';
    if (!username || password.length < MIN_PASSWORD) throw new MlflowError('INVALID_PARAMETER_VALUE', 'Username and password cannot be empty.');
    return { user: userJson(await deps.store.createUser(username, await hashPasswordWerkzeug(password, deps.scrypt()))) };
  });
  route('GET', 'users/get', v2, async (_req, p) => ({ user: userJson(await deps.store.getUser(need(p, 'username'))) }));
  route('GET', 'users/list', v2, async () => ({
    users: await Promise.all((await deps.store.listUsers()).map(async (u) => ({ ...userJson(u), roles: await rolesOf(u) }))),
  }));
  route('GET', 'users/current', v2, async (req) => ({ user: userJson(await deps.store.getUser(req.authUser ?? '')), is_basic_auth: true }));
  route('GET', 'users/current/permissions', v3, async (req: FastifyRequest) => permissionRows(await deps.store.getUser(req.authUser ?? '')));
  route('PATCH', 'users/update-password', v2, async (req, p) => {
    const username = need(p, 'username');
    const password = need(p, 'password');
    if (username === req.authUser) {
      const current = p.current_password;
      if (typeof current !== 'string' || current === '') {
        throw new MlflowError('INVALID_PARAMETER_VALUE', 'Current password is required when changing your own password.');
      }
      if (!(await verifyPassword(current, (await deps.store.getUser(username)).passwordHash, deps.scrypt()))) {
        throw new MlflowError('INVALID_PARAMETER_VALUE', 'Current password does not match.');
      }
      if (password === current) throw new MlflowError('INVALID_PARAMETER_VALUE', 'New password must differ from the current password.');
    }
    await deps.store.updateUser(username, { passwordHash: await hashPasswordWerkzeug(password, deps.scrypt()) });
    deps.forgetVerified();
    return {};
  });
  route('PATCH', 'users/update-admin', v2, async (_req, p) => {
    const v = p.is_admin;
    const isAdmin = v === true || v === 'true' || v === 'True' || v === 1 || v === '1';
    await deps.store.updateUser(need(p, 'username'), { isAdmin });
    return {};
  });
  route('DELETE', 'users/delete', v2, async (req, p) => {
    const username = need(p, 'username');
    if (username === req.authUser) {
      throw new MlflowError('BAD_REQUEST', 'Users cannot delete their own account. Ask another admin to delete this user instead.');
    }
    await deps.store.deleteUser(username);
    deps.forgetVerified();
    return {};
  });
  route('POST', 'users/permissions/grant', v3, async (_req, p) => {
    await deps.store.createPermission(kindOf(p), need(p, 'resource_id'), need(p, 'username'), p.permission);
    return {};
  });
  route('POST', 'users/permissions/revoke', v3, async (_req, p) => {
    await deps.store.deletePermission(kindOf(p), need(p, 'resource_id'), need(p, 'username'));
    return {};
  });
  route('GET', 'users/permissions/get', v3, async (_req, p) => {
    const kind = kindOf(p);
    const user = await deps.store.getUser(need(p, 'username'));
    const permission: PermissionName = user.isAdmin
      ? 'MANAGE'
      : ((await deps.store.permission(kind, need(p, 'resource_id'), user.id)) ??
        foldGrants(await deps.store.userRoleGrants(user.id), kind, need(p, 'resource_id')) ??
        deps.defaultPermission);
    return { allowed: allows(permission, 'use'), permission };
  });
  route('GET', 'users/permissions/list', v3, async (_req, p) => permissionRows(await deps.store.getUser(need(p, 'username'))));
  // MLflow 3.x roles (admin only here: Minflow has no workspace admins).
  const assignmentJson = (a: { id: number; userId: number; roleId: number }) => ({ id: a.id, user_id: a.userId, role_id: a.roleId });
  const int = (p: Params, name: string): number => {
    const n = Number(need(p, name));
    if (!Number.isSafeInteger(n)) throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid value '${String(p[name])}' for parameter '${name}': an integer is required.`);
    return n;
  };
  route('POST', 'roles/create', v3, async (_req, p) => {
    const name = typeof p.name === 'string' ? p.name.trim() : '';
    if (!name) throw new MlflowError('INVALID_PARAMETER_VALUE', 'Role name cannot be empty.');
    const workspace = typeof p.workspace === 'string' ? p.workspace.trim() : '';
    if (!workspace) throw new MlflowError('INVALID_PARAMETER_VALUE', 'Workspace cannot be empty.');
    if (p.description !== undefined && p.description !== null && typeof p.description !== 'string') {
      throw new MlflowError('INVALID_PARAMETER_VALUE', 'Role description must be a string or null.');
    }
    return { role: await roleJson(await deps.store.createRole(name, workspace, (p.description as string | null | undefined) ?? null)) };
  });
  route('GET', 'roles/get', v3, async (_req, p) => ({ role: await roleJson(await deps.store.getRole(int(p, 'role_id'))) }));
  route('GET', 'roles/list', v3, async (req) => {
    const w = (req.query as Params | undefined)?.workspace;
    const workspaces = w === undefined ? null : (Array.isArray(w) ? w : [w]).map(String);
    return { roles: await Promise.all((await deps.store.listRoles(workspaces)).map(roleJson)) };
  });
  route('PATCH', 'roles/update', v3, async (_req, p) => ({
    role: await roleJson(
      await deps.store.updateRole(int(p, 'role_id'), {
        name: typeof p.name === 'string' ? p.name : undefined,
        description: typeof p.description === 'string' ? p.description : undefined,
      }),
    ),
  }));
  route('DELETE', 'roles/delete', v3, async (_req, p) => {
    await deps.store.deleteRole(int(p, 'role_id'));
    return {};
  });
  route('POST', 'roles/permissions/add', v3, async (_req, p) => ({
    role_permission: grantJson(await deps.store.addRoleGrant(int(p, 'role_id'), need(p, 'resource_type'), need(p, 'resource_pattern'), need(p, 'permission'))),
  }));
  route('DELETE', 'roles/permissions/remove', v3, async (_req, p) => {
    await deps.store.removeRoleGrant(int(p, 'role_permission_id'));
    return {};
  });
  route('GET', 'roles/permissions/list', v3, async (_req, p) => ({ role_permissions: (await deps.store.roleGrants((await deps.store.getRole(int(p, 'role_id'))).id)).map(grantJson) }));
  route('PATCH', 'roles/permissions/update', v3, async (_req, p) => ({
    role_permission: grantJson(await deps.store.updateRoleGrant(int(p, 'role_permission_id'), need(p, 'permission'))),
  }));
  route('POST', 'roles/assign', v3, async (_req, p) => ({ assignment: assignmentJson(await deps.store.assignRole(need(p, 'username'), int(p, 'role_id'))) }));
  route('DELETE', 'roles/unassign', v3, async (_req, p) => {
    await deps.store.unassignRole(need(p, 'username'), int(p, 'role_id'));
    return {};
  });
  route('GET', 'users/roles/list', v3, async (_req, p) => ({ roles: await rolesOf(await deps.store.getUser(need(p, 'username'))) }));
  route('GET', 'roles/users/list', v3, async (_req, p) => ({ assignments: (await deps.store.roleAssignments(int(p, 'role_id'))).map(assignmentJson) }));

  // MLflow 2.x's per-resource endpoints, over the same grants.
  for (const [kind, base, key, wrap] of [
    ['experiment', 'experiments', 'experiment_id', 'experiment_permission'],
    ['registered_model', 'registered-models', 'name', 'registered_model_permission'],
  ] as const) {
    const json = (r: { key: string; userId: number; permission: string }) => ({ [key]: r.key, user_id: r.userId, permission: r.permission });
    route('POST', `${base}/permissions/create`, v2, async (_req, p) => ({
      [wrap]: json(await deps.store.createPermission(kind, need(p, key), need(p, 'username'), p.permission)),
    }));
    route('GET', `${base}/permissions/get`, v2, async (_req, p) => ({ [wrap]: json(await deps.store.getPermission(kind, need(p, key), need(p, 'username'))) }));
    route('PATCH', `${base}/permissions/update`, v2, async (_req, p) => {
      await deps.store.updatePermission(kind, need(p, key), need(p, 'username'), p.permission);
      return {};
    });
    route('DELETE', `${base}/permissions/delete`, v2, async (_req, p) => {
      await deps.store.deletePermission(kind, need(p, key), need(p, 'username'));
      return {};
    });
  }
}
