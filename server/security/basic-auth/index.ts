// `minflow server --app-name basic-auth`: MLflow's basic-auth app (mlflow/server/auth/). Users with an
// admin flag, a default permission, per-experiment and per-registered-model permissions (READ < USE <
// EDIT < MANAGE; NO_PERMISSIONS), stored in their own database (database_uri). This module opens it,
// creates the admin on first start, serves the auth REST API and enforces, before each handler, the
// permission MLflow's before_request validators require; search results and GraphQL data are filtered
// to what the user may read; the creator of an experiment or registered model gets MANAGE.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConfigError } from '../../config.js';
import { MlflowError } from '../../errors.js';
import type { SqlEngine } from '../../store/engine/types.js';
import { createPageToken, parseStartOffset } from '../../search/page-token.js';
import type { Authenticator } from '../auth.js';
import { CredentialsFile } from '../credentials-file.js';
import { hashPasswordWerkzeug, isPasswordHash } from '../secrets.js';
import { authApiRoutes } from './api.js';
import { filterGraphqlPayload, graphqlRunIds } from './graphql.js';
import { readBasicAuthConfig, type BasicAuthConfig } from './config.js';
import { allows, isPermissionName, type Capability, type PermissionName } from './permissions.js';
import { AuthStore, foldGrants, type AuthUser, type ResourceKind, type RoleGrant } from './store.js';
import { parseJsonExact, stringifyJsonExact } from '../../protocol/int64.js';

export { readBasicAuthConfig } from './config.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The basic-auth app's user row of authUser (null: no such user, e.g. a token name). */
    authRow?: AuthUser | null;
  }
}

type Params = Record<string, unknown>;
type Check = (req: FastifyRequest, reply: FastifyReply, p: Params) => Promise<boolean | 'answered'>;

/** Marks the server's own re-fetches of a search page (refill below): unfiltered, never from a client. */
const RAW_HEADER = 'x-minflow-basic-auth-refill';
const RAW_SECRET = randomBytes(24).toString('hex');

export class BasicAuthApp {
  private auth: Authenticator | null = null;
  /** Names imported from the users file at this start (null: nothing imported now). */
  imported: string[] | null = null;

  private constructor(
    readonly config: BasicAuthConfig,
    readonly store: AuthStore,
  ) {}

  /** `usersFile`: Minflow's users file (--auth-users-file), imported into the database once when it exists. */
  static async open(env: NodeJS.ProcessEnv = process.env, usersFile: string | null = null): Promise<BasicAuthApp> {
    const config = readBasicAuthConfig(env);
    const store = await AuthStore.open(config.databaseUri);
    const app = new BasicAuthApp(config, store);
    if (usersFile && fs.existsSync(usersFile)) {
      const entries = new CredentialsFile(usersFile, isPasswordHash).entries();
      app.imported = await store.importOnce(path.resolve(usersFile), entries);
    }
    if (!(await store.findUser(config.adminUsername))) {
      if ((await store.countUsers()) === 0 && !config.adminPassword) {
        await store.close();
        throw new ConfigError(
          `The basic-auth app has no users yet: set admin_password in MLFLOW_AUTH_CONFIG_PATH's [mlflow] section or MLFLOW_AUTH_ADMIN_PASSWORD so that ${config.adminUsername} can be created`,
        );
      }
      if (config.adminPassword) {
        await store.createUser(config.adminUsername, await hashPasswordWerkzeug(config.adminPassword), true).catch((e: unknown) => {
          if (!(e instanceof MlflowError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
        });
      }
    }
    return app;
  }

  /** For the Authenticator: the stored hash of a user. */
  readonly lookupUser = async (name: string): Promise<string | null> => (await this.store.findUser(name))?.passwordHash ?? null;

  close(): Promise<void> {
    return this.store.close();
  }

  private async user(req: FastifyRequest): Promise<AuthUser | null> {
    if (req.authRow === undefined) req.authRow = req.authUser === null ? null : await this.store.findUser(req.authUser);
    return req.authRow;
  }

  private async isAdmin(req: FastifyRequest): Promise<boolean> {
    return (await this.user(req))?.isAdmin === true;
  }

  /** The user's permission on a resource: admin MANAGE, else the explicit grant, else default_permission. */
  async permissionOf(req: FastifyRequest, kind: ResourceKind, key: string): Promise<PermissionName> {
    const user = await this.user(req);
    if (user?.isAdmin) return 'MANAGE';
    if (!user) return this.config.defaultPermission;
    return (
      (await this.store.permission(kind, key, user.id)) ??
      foldGrants(await this.roleGrants(req, user), kind, key) ??
      this.config.defaultPermission
    );
  }

  /** The grants of the user's roles, read once per request. */
  private async roleGrants(req: FastifyRequest, user: AuthUser): Promise<RoleGrant[]> {
    const cache = req as FastifyRequest & { authRoleGrants?: RoleGrant[] };
    cache.authRoleGrants ??= await this.store.userRoleGrants(user.id);
    return cache.authRoleGrants;
  }

  private async can(req: FastifyRequest, kind: ResourceKind, key: string | null, capability: Capability): Promise<boolean> {
    if (key === null) return allows(this.config.defaultPermission, capability) || (await this.isAdmin(req));
    return allows(await this.permissionOf(req, kind, key), capability);
  }

  /** A reader of many: experiment id → may read (search filtering). */
  async readerOf(req: FastifyRequest, kind: ResourceKind): Promise<(key: string) => boolean> {
    const user = await this.user(req);
    if (user?.isAdmin) return () => true;
    const explicit = user ? await this.store.permissions(kind, user.id) : new Map<string, PermissionName>();
    const grants = user ? await this.roleGrants(req, user) : [];
    const fallback = this.config.defaultPermission;
    return (key) => allows(explicit.get(key) ?? foldGrants(grants, kind, key) ?? fallback, 'read');
  }

  register(app: FastifyInstance, tracking: SqlEngine, auth: Authenticator | null): void {
    this.auth = auth;
    if (this.imported && this.imported.length > 0) app.log.info({ users: this.imported }, 'imported the users file into the basic-auth database');
    const experimentOfRun = async (runId: string): Promise<string | null> => {
      const row = await tracking.get<{ e: unknown }>('SELECT experiment_id AS e FROM runs WHERE run_uuid = ?', [runId]);
      return row ? String(row.e) : null;
    };
    const experimentByName = async (name: string): Promise<string | null> => {
      const row = await tracking.get<{ e: unknown }>('SELECT experiment_id AS e FROM experiments WHERE name = ?', [name]);
      return row ? String(row.e) : null;
    };
    const experimentOfLoggedModel = async (id: string): Promise<string | null> => {
      const row = await tracking.get<{ e: unknown }>('SELECT experiment_id AS e FROM logged_models WHERE model_id = ?', [id]);
      return row ? String(row.e) : null;
    };
    const str = (v: unknown): string | null => (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? String(v) : Array.isArray(v) ? str(v[0]) : null);
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((x): x is string => x !== null) : str(v) !== null ? [str(v)!] : []);

    // A resource that does not exist is left to the handler (its 404), as MLflow's validators do.
    const exp = (cap: Capability, from: (p: Params) => Promise<string | null> | string | null): Check => async (req, _r, p) => {
      const id = await from(p);
      return id === null ? true : this.can(req, 'experiment', id, cap);
    };
    const expId = (cap: Capability, fallback: string | null = null) => exp(cap, (p) => str(p.experiment_id) ?? fallback);
    const run = (cap: Capability) => exp(cap, async (p) => {
      const id = str(p.run_id) ?? str(p.run_uuid);
      return id === null ? null : experimentOfRun(id);
    });
    const model = (cap: Capability): Check => async (req, _r, p) => {
      const name = str(p.name);
      return name === null ? true : this.can(req, 'registered_model', name, cap);
    };
    const loggedModel = (cap: Capability) => exp(cap, async (p) => {
      const id = str(p.model_id);
      return id === null ? null : experimentOfLoggedModel(id);
    });
    const admin: Check = async (req) => this.isAdmin(req);
    const selfOrAdmin: Check = async (req, _r, p) => (await this.isAdmin(req)) || str(p.username) === req.authUser;
    const anyone: Check = async () => true;
    const manageResource: Check = async (req, _r, p) => {
      const kind = str(p.resource_type);
      const id = str(p.resource_id);
      if ((kind !== 'experiment' && kind !== 'registered_model') || id === null) return this.isAdmin(req);
      return this.can(req, kind, id, 'manage');
    };
    // Searches over experiment_ids: the ids the user may not read are dropped from the request (so
    // results, counts and page tokens never cover them); none left, an empty answer.
    const narrowExperiments: Check = async (req, reply, p) => {
      const ids = list(p.experiment_ids);
      if (ids.length === 0) return true;
      const readable = await this.readerOf(req, 'experiment');
      const kept = ids.filter(readable);
      if (kept.length === ids.length) return true;
      if (kept.length === 0) {
        await reply.type('application/json').send('{}');
        return 'answered';
      }
      if (req.method === 'GET') (req.query as Record<string, unknown>).experiment_ids = kept;
      else req.body = stringifyJsonExact({ ...p, experiment_ids: kept });
      return true;
    };
    const runsAll = (cap: Capability): Check => async (req, _r, p) => {
      for (const id of list(p.run_ids)) {
        const e = await experimentOfRun(id);
        if (e !== null && !(await this.can(req, 'experiment', e, cap))) return false;
      }
      return true;
    };

    const rpc: Record<string, Check> = {
      'POST experiments/create': anyone,
      'GET experiments/get': expId('read'),
      'GET experiments/get-by-name': exp('read', (p) => (str(p.experiment_name) === null ? null : experimentByName(str(p.experiment_name)!))),
      'POST experiments/delete': expId('delete'),
      'POST experiments/restore': expId('delete'),
      'POST experiments/update': expId('update'),
      'POST experiments/set-experiment-tag': expId('update'),
      'POST experiments/delete-experiment-tag': expId('update'),
      'POST experiments/search-datasets': narrowExperiments,
      'POST runs/create': expId('update', '0'),
      // validate_can_create_promptlab_run: a run create in the body's experiment (its missing id is the handler's 400).
      'POST runs/create-promptlab-run': expId('update'),
      'GET runs/get': run('read'),
      'POST runs/delete': run('delete'),
      'POST runs/restore': run('delete'),
      'POST runs/update': run('update'),
      'POST runs/log-metric': run('update'),
      'POST runs/log-batch': run('update'),
      'POST runs/log-inputs': run('update'),
      'POST runs/outputs': run('update'),
      'POST runs/log-model': run('update'),
      'POST runs/set-tag': run('update'),
      'POST runs/delete-tag': run('update'),
      'POST runs/log-parameter': run('update'),
      'POST runs/search': narrowExperiments,
      'GET runs/search': narrowExperiments,
      'GET metrics/get-history': run('read'),
      'GET metrics/get-history-bulk': runsAll('read'),
      'GET metrics/get-history-bulk-interval': runsAll('read'),
      'GET artifacts/list': run('read'),
      'POST registered-models/create': anyone,
      'GET registered-models/get': model('read'),
      'DELETE registered-models/delete': model('delete'),
      'PATCH registered-models/update': model('update'),
      'POST registered-models/rename': model('update'),
      'POST registered-models/get-latest-versions': model('read'),
      'GET registered-models/get-latest-versions': model('read'),
      'POST registered-models/set-tag': model('update'),
      'DELETE registered-models/delete-tag': model('update'),
      'POST registered-models/alias': model('update'),
      'DELETE registered-models/alias': model('delete'),
      'GET registered-models/alias': model('read'),
      'POST model-versions/create': model('update'),
      'GET model-versions/get': model('read'),
      'GET model-versions/get-download-uri': model('read'),
      'DELETE model-versions/delete': model('delete'),
      'PATCH model-versions/update': model('update'),
      'POST model-versions/transition-stage': model('update'),
      'POST model-versions/set-tag': model('update'),
      'DELETE model-versions/delete-tag': model('delete'),
      'POST logged-models': expId('update'),
      'GET logged-models/:model_id': loggedModel('read'),
      'PATCH logged-models/:model_id': loggedModel('update'),
      'DELETE logged-models/:model_id': loggedModel('delete'),
      'PATCH logged-models/:model_id/tags': loggedModel('update'),
      'DELETE logged-models/:model_id/tags/:tag_key': loggedModel('update'),
      'POST logged-models/:model_id/params': loggedModel('update'),
      'POST logged-models/search': narrowExperiments,
      'GET logged-models/:model_id/artifacts/files': loggedModel('read'),
      'GET logged-models/:model_id/artifacts/directories': loggedModel('read'),
      'GET traces': narrowExperiments,
      'POST traces/search': narrowExperiments,
      'POST upload-artifact': run('update'),
      // The auth API itself.
      'POST users/create': admin,
      'GET users/get': selfOrAdmin,
      'GET users/list': admin,
      'GET users/current': anyone,
      'GET users/current/permissions': anyone,
      'PATCH users/update-password': selfOrAdmin,
      'PATCH users/update-admin': admin,
      'DELETE users/delete': admin,
      'POST users/permissions/grant': manageResource,
      'POST users/permissions/revoke': manageResource,
      'GET users/permissions/get': selfOrAdmin,
      'GET users/permissions/list': admin,
      'POST roles/create': admin,
      'GET roles/get': admin,
      'GET roles/list': admin,
      'PATCH roles/update': admin,
      'DELETE roles/delete': admin,
      'POST roles/permissions/add': admin,
      'DELETE roles/permissions/remove': admin,
      'GET roles/permissions/list': admin,
      'PATCH roles/permissions/update': admin,
      'POST roles/assign': admin,
      'DELETE roles/unassign': admin,
      'GET users/roles/list': selfOrAdmin,
      'GET roles/users/list': admin,
      'POST experiments/permissions/create': expId('manage'),
      'GET experiments/permissions/get': expId('manage'),
      'PATCH experiments/permissions/update': expId('manage'),
      'DELETE experiments/permissions/delete': expId('manage'),
      'POST registered-models/permissions/create': model('manage'),
      'GET registered-models/permissions/get': model('manage'),
      'PATCH registered-models/permissions/update': model('manage'),
      'DELETE registered-models/permissions/delete': model('manage'),
    };

    // Flask routes, artifact proxy: keyed by the route pattern after the static prefix.
    const artifactExperiment = (path: string | null): string | null => {
      if (path === null) return null;
      let p = path;
      for (let i = 0; i < 5; i++) {
        let next: string;
        try {
          next = decodeURIComponent(p);
        } catch {
          break;
        }
        if (next === p) break;
        p = next;
      }
      return /^\/*(\d+)(?:\/|$)/.exec(p)?.[1] ?? null;
    };
    const proxy = (cap: Capability, from: (req: FastifyRequest, p: Params) => string | null): Check => async (req, _r, p) =>
      this.can(req, 'experiment', artifactExperiment(from(req, p)), cap);
    const star = (req: FastifyRequest) => str((req.params as Params | undefined)?.['*']);
    // GraphQL: every run an argument names (runId, runIds, runUuid, literal or variable) must be
    // readable, or the whole query is refused; experiments and model versions in the answer are
    // filtered afterwards (filterGraphql).
    const graphqlRuns: Check = async (req, _r, p) => {
      const ids = await graphqlRunIds(p);
      for (const id of ids) {
        const e = await experimentOfRun(id);
        if (e !== null && !(await this.can(req, 'experiment', e, 'read'))) return false;
      }
      return true;
    };
    const flask: Record<string, Check> = {
      'GET /graphql': graphqlRuns,
      'POST /graphql': graphqlRuns,
      'GET /get-artifact': run('read'),
      'GET /model-versions/get-artifact': model('read'),
      'GET /api/2.0/mlflow-artifacts/artifacts/*': proxy('read', star),
      'PUT /api/2.0/mlflow-artifacts/artifacts/*': proxy('update', star),
      'DELETE /api/2.0/mlflow-artifacts/artifacts/*': proxy('delete', star),
      'GET /api/2.0/mlflow-artifacts/artifacts': proxy('read', (_req, p) => str(p.path)),
      // A presigned URL to download (multipart download on an S3 destination): a read.
      'GET /api/2.0/mlflow-artifacts/presigned/*': proxy('read', star),
      'POST /api/2.0/mlflow-artifacts/mpu/create/*': proxy('update', star),
      'POST /api/2.0/mlflow-artifacts/mpu/complete/*': proxy('update', star),
      'POST /api/2.0/mlflow-artifacts/mpu/abort/*': proxy('update', star),
    };

    const prefix = app.config?.staticPrefix ?? '';
    const keyOf = (req: FastifyRequest): { check: Check | undefined; rpcKey: string | null } => {
      let route = req.routeOptions.url;
      if (!route) return { check: undefined, rpcKey: null };
      if (prefix && route.startsWith(prefix)) route = route.slice(prefix.length);
      route = route.replace(/^\/ajax-api\/2\.0\/mlflow-artifacts/, '/api/2.0/mlflow-artifacts');
      const m = /^\/(?:ajax-)?api\/[23]\.0\/mlflow\/(.+)$/.exec(route);
      if (m) {
        const k = `${req.method === 'HEAD' ? 'GET' : req.method} ${m[1]}`;
        return { check: rpc[k], rpcKey: k };
      }
      return { check: flask[`${req.method === 'HEAD' ? 'GET' : req.method} ${route}`], rpcKey: null };
    };

    const paramsOf = (req: FastifyRequest): Params => {
      const out: Params = { ...((req.params as Params | undefined) ?? {}) };
      const q = (req.query ?? {}) as Params;
      Object.assign(out, q);
      let body: unknown = req.body;
      if (Buffer.isBuffer(body)) body = body.toString('utf8');
      if (typeof body === 'string' && body.trim() !== '' && req.method !== 'GET' && req.method !== 'PUT') {
        try {
          const parsed: unknown = parseJsonExact(body);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(out, parsed);
        } catch {
          // the handler answers its own 400
        }
      } else if (body && typeof body === 'object' && !Array.isArray(body) && req.method !== 'PUT') Object.assign(out, body as Params);
      return out;
    };

    app.addHook('preHandler', async (req, reply) => {
      if (req.authUser === null) return; // an open route (health, static files, server-info)
      if (await this.isAdmin(req)) return;
      const { check, rpcKey } = keyOf(req);
      if (!check) return;
      const p = paramsOf(req);
      const ok = await check(req, reply, p);
      if (ok === 'answered') return reply;
      if (!ok) {
        req.log.info({ user: req.authUser, route: rpcKey ?? req.routeOptions.url }, 'permission denied');
        return reply.status(403).type('text/html; charset=utf-8').send('Permission denied');
      }
    });

    // After the handler: the creator's MANAGE, grants following renames and deletes, search results
    // and GraphQL data filtered to what the user may read.
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.authUser === null || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
      const { rpcKey } = keyOf(req);
      const user = await this.user(req);
      if (rpcKey === 'POST experiments/create' && user) {
        const id = str((parseJsonExact(payload) as Params).experiment_id);
        if (id !== null) await this.store.setPermission('experiment', id, user.id, 'MANAGE');
        return payload;
      }
      if (rpcKey === 'POST registered-models/create' && user) {
        const name = str(((parseJsonExact(payload) as Params).registered_model as Params | undefined)?.name);
        if (name !== null) await this.store.setPermission('registered_model', name, user.id, 'MANAGE');
        return payload;
      }
      if (rpcKey === 'POST registered-models/rename') {
        const p = paramsOf(req);
        if (str(p.name) !== null && str(p.new_name) !== null) await this.store.renameModel(str(p.name)!, str(p.new_name)!);
        return payload;
      }
      if (rpcKey === 'DELETE registered-models/delete') {
        const name = str(paramsOf(req).name);
        if (name !== null) await this.store.renameModel(name, null);
        return payload;
      }
      if (user?.isAdmin) return payload;
      if (req.headers[RAW_HEADER] === RAW_SECRET) return payload;
      // As MLflow's filter_search_experiments / _registered_models: unreadable items dropped, then the
      // page refilled from the following offsets so that it holds max_results when there are that many,
      // and the page token recomputed past what was read.
      const refill = async (listKey: string, kind: ResourceKind, idOf: (item: Params) => string, defaultMax: number, url: string) => {
        const body = parseJsonExact(payload) as Params;
        const items = (body[listKey] as Params[] | undefined) ?? [];
        const readable = await this.readerOf(req, kind);
        const kept = items.filter((x) => readable(idOf(x)));
        const p = paramsOf(req);
        const max = Number(str(p.max_results) ?? defaultMax) || defaultMax;
        let token = typeof body.next_page_token === 'string' && body.next_page_token !== '' ? body.next_page_token : null;
        for (let rounds = 0; kept.length < max && token !== null && rounds < 1000; rounds++) {
          const q = new URLSearchParams();
          for (const [k, v] of Object.entries(p)) if (k !== 'page_token') for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined && x !== null) q.append(k, String(x));
          q.set('page_token', token);
          const inner = await app.inject({ method: 'GET', url: `${url}?${q}`, headers: { authorization: req.headers.authorization ?? '', [RAW_HEADER]: RAW_SECRET } });
          if (inner.statusCode !== 200) break;
          const refetched = ((parseJsonExact(inner.body) as Params)[listKey] as Params[] | undefined ?? []).slice(0, max - kept.length);
          if (refetched.length === 0) {
            token = null;
            break;
          }
          kept.push(...refetched.filter((x) => readable(idOf(x))));
          token = createPageToken(parseStartOffset(token) + refetched.length);
        }
        body[listKey] = kept;
        if (token === null) delete body.next_page_token;
        else body.next_page_token = token;
        if (kept.length === 0) delete body[listKey];
        return stringifyJsonExact(body);
      };
      if (rpcKey === 'POST experiments/search' || rpcKey === 'GET experiments/search') {
        return refill('experiments', 'experiment', (e) => String(e.experiment_id), 1000, `${prefix}/api/2.0/mlflow/experiments/search`);
      }
      if (rpcKey === 'GET registered-models/search' || rpcKey === 'POST registered-models/search') {
        return refill('registered_models', 'registered_model', (m) => String(m.name), 100, `${prefix}/api/2.0/mlflow/registered-models/search`);
      }
      if (rpcKey === 'GET model-versions/search' || rpcKey === 'POST model-versions/search') {
        const body = parseJsonExact(payload) as { model_versions?: { name: string }[] };
        if (!body.model_versions) return payload;
        const readable = await this.readerOf(req, 'registered_model');
        body.model_versions = body.model_versions.filter((m) => readable(m.name));
        return stringifyJsonExact(body);
      }
      const route = req.routeOptions.url ?? '';
      if (/\/graphql$/.test(route)) {
        const readers = async () => ({ readExp: await this.readerOf(req, 'experiment'), readModel: await this.readerOf(req, 'registered_model') });
        return filterGraphqlPayload(payload, readers, experimentOfRun);
      }
      return payload;
    });

    authApiRoutes(app, prefix, {
      store: this.store,
      defaultPermission: this.config.defaultPermission,
      scrypt: () => this.scrypt(),
      forgetVerified: () => this.auth?.forget(),
    });
  }

  /** Every object in GraphQL data that names an experiment (experimentId) or run (runId) the user may not read becomes null. */
  private scrypt() {
    const pool = this.auth?.pool;
    return pool ? pool.scrypt.bind(pool) : undefined;
  }
}

export { isPermissionName };
