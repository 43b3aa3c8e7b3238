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
import { hashPasswordWerkzeug, isPasswordHash, verifyPassword } from '../secrets.js';
import { readBasicAuthConfig, type BasicAuthConfig } from './config.js';
import { allows, isPermissionName, type Capability, type PermissionName } from './permissions.js';
import { AuthStore, foldGrants, type AuthUser, type ResourceKind, type Role, type RoleGrant } from './store.js';

export { readBasicAuthConfig } from './config.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The basic-auth app's user row of authUser (null: no such user, e.g. a token name). */
    authRow?: AuthUser | null;
  }
}

type Params = Record<string, unknown>;
type Check = (req: FastifyRequest, reply: FastifyReply, p: Params) => Promise<boolean | 'answered'>;

const MIN_PASSWORD = 1;
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
      else req.body = JSON.stringify({ ...p, experiment_ids: kept });
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
          const parsed: unknown = JSON.parse(body);
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
        const id = str((JSON.parse(payload) as Params).experiment_id);
        if (id !== null) await this.store.setPermission('experiment', id, user.id, 'MANAGE');
        return payload;
      }
      if (rpcKey === 'POST registered-models/create' && user) {
        const name = str(((JSON.parse(payload) as Params).registered_model as Params | undefined)?.name);
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
        const body = JSON.parse(payload) as Params;
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
          const refetched = ((JSON.parse(inner.body) as Params)[listKey] as Params[] | undefined ?? []).slice(0, max - kept.length);
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
        return JSON.stringify(body);
      };
      if (rpcKey === 'POST experiments/search' || rpcKey === 'GET experiments/search') {
        return refill('experiments', 'experiment', (e) => String(e.experiment_id), 1000, `${prefix}/api/2.0/mlflow/experiments/search`);
      }
      if (rpcKey === 'GET registered-models/search' || rpcKey === 'POST registered-models/search') {
        return refill('registered_models', 'registered_model', (m) => String(m.name), 100, `${prefix}/api/2.0/mlflow/registered-models/search`);
      }
      if (rpcKey === 'GET model-versions/search' || rpcKey === 'POST model-versions/search') {
        const body = JSON.parse(payload) as { model_versions?: { name: string }[] };
        if (!body.model_versions) return payload;
        const readable = await this.readerOf(req, 'registered_model');
        body.model_versions = body.model_versions.filter((m) => readable(m.name));
        return JSON.stringify(body);
      }
      const route = req.routeOptions.url ?? '';
      if (/\/graphql$/.test(route)) return this.filterGraphql(req, payload, experimentOfRun);
      return payload;
    });

    this.routes(app, prefix);
  }

  /** Every object in GraphQL data that names an experiment (experimentId) or run (runId) the user may not read becomes null. */
  private async filterGraphql(req: FastifyRequest, payload: string, experimentOfRun: (id: string) => Promise<string | null>): Promise<string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return payload;
    }
    if (Array.isArray(parsed)) {
      const parts = await Promise.all(parsed.map((x) => this.filterGraphql(req, JSON.stringify(x), experimentOfRun)));
      return `[${parts.join(',')}]`;
    }
    const body = parsed as { data?: unknown };
    if (!body || !body.data) return payload;
    const readExp = await this.readerOf(req, 'experiment');
    const readModel = await this.readerOf(req, 'registered_model');
    const runs = new Map<string, string | null>();
    const hidden = async (o: Record<string, unknown>): Promise<boolean> => {
      const own = o.experimentId ?? (o.info as Record<string, unknown> | undefined)?.experimentId;
      if (typeof own === 'string' && !readExp(own)) return true;
      const runId = o.runId ?? o.runUuid;
      if (typeof runId === 'string') {
        if (!runs.has(runId)) runs.set(runId, await experimentOfRun(runId));
        const e = runs.get(runId);
        if (e !== null && e !== undefined && !readExp(e)) return true;
      }
      if (typeof o.name === 'string' && ('version' in o || 'latestVersions' in o) && !readModel(o.name)) return true;
      return false;
    };
    const walk = async (v: unknown): Promise<unknown> => {
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (const x of v) {
          const y = await walk(x);
          if (y !== null || x === null) out.push(y);
        }
        return out;
      }
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (await hidden(o)) return null;
        for (const k of Object.keys(o)) o[k] = await walk(o[k]);
        return o;
      }
      return v;
    };
    body.data = await walk(body.data);
    return JSON.stringify(body);
  }

  private routes(app: FastifyInstance, prefix: string): void {
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
                  Object.assign(p, JSON.parse(body) as Params);
                } catch {
                  throw new MlflowError('INVALID_PARAMETER_VALUE', 'The request body is not valid JSON');
                }
              } else if (body && typeof body === 'object') Object.assign(p, body as Params);
              const out = await handler(req, p);
              return reply.type('application/json').send(JSON.stringify(out ?? {}));
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
    const v2 = ['2.0'];
    const v3 = ['3.0'];

    route('POST', 'users/create', v2, async (_req, p) => {
      const username = typeof p.username === 'string' ? p.username : '';
      const password = typeof p.password === 'string' ? p.password : '';
      if (!username || password.length < MIN_PASSWORD) throw new MlflowError('INVALID_PARAMETER_VALUE', 'Username and password cannot be empty.');
      return { user: userJson(await this.store.createUser(username, await hashPasswordWerkzeug(password, this.scrypt()))) };
    });
    route('GET', 'users/get', v2, async (_req, p) => ({ user: userJson(await this.store.getUser(need(p, 'username'))) }));
    route('GET', 'users/list', v2, async () => ({ users: (await this.store.listUsers()).map((u) => ({ ...userJson(u), roles: [] })) }));
    route('GET', 'users/current', v2, async (req) => ({ user: userJson(await this.store.getUser(req.authUser ?? '')), is_basic_auth: true }));
    route('GET', 'users/current/permissions', v3, async (req: FastifyRequest) => {
      const user = await this.store.getUser(req.authUser ?? '');
      const rows = [];
      for (const kind of ['experiment', 'registered_model'] as const) {
        for (const [key, permission] of await this.store.permissions(kind, user.id)) rows.push({ resource_type: kind, resource_id: key, permission });
      }
      return { is_admin: user.isAdmin, permissions: rows };
    });
    route('PATCH', 'users/update-password', v2, async (req, p) => {
      const username = need(p, 'username');
      const password = need(p, 'password');
      if (username === req.authUser) {
        const current = p.current_password;
        if (typeof current !== 'string' || current === '') {
          throw new MlflowError('INVALID_PARAMETER_VALUE', 'Current password is required when changing your own password.');
        }
        if (!(await verifyPassword(current, (await this.store.getUser(username)).passwordHash, this.scrypt()))) {
          throw new MlflowError('INVALID_PARAMETER_VALUE', 'Current password does not match.');
        }
        if (password === current) throw new MlflowError('INVALID_PARAMETER_VALUE', 'New password must differ from the current password.');
      }
      await this.store.updateUser(username, { passwordHash: await hashPasswordWerkzeug(password, this.scrypt()) });
      this.auth?.forget();
      return {};
    });
    route('PATCH', 'users/update-admin', v2, async (_req, p) => {
      const v = p.is_admin;
      const isAdmin = v === true || v === 'true' || v === 'True' || v === 1 || v === '1';
      await this.store.updateUser(need(p, 'username'), { isAdmin });
      return {};
    });
    route('DELETE', 'users/delete', v2, async (req, p) => {
      const username = need(p, 'username');
      if (username === req.authUser) {
        throw new MlflowError('BAD_REQUEST', 'Users cannot delete their own account. Ask another admin to delete this user instead.');
      }
      await this.store.deleteUser(username);
      this.auth?.forget();
      return {};
    });
    route('POST', 'users/permissions/grant', v3, async (_req, p) => {
      await this.store.createPermission(kindOf(p), need(p, 'resource_id'), need(p, 'username'), p.permission);
      return {};
    });
    route('POST', 'users/permissions/revoke', v3, async (_req, p) => {
      await this.store.deletePermission(kindOf(p), need(p, 'resource_id'), need(p, 'username'));
      return {};
    });
    route('GET', 'users/permissions/get', v3, async (_req, p) => {
      const kind = kindOf(p);
      const user = await this.store.getUser(need(p, 'username'));
      const permission: PermissionName = user.isAdmin
        ? 'MANAGE'
        : ((await this.store.permission(kind, need(p, 'resource_id'), user.id)) ??
          foldGrants(await this.store.userRoleGrants(user.id), kind, need(p, 'resource_id')) ??
          this.config.defaultPermission);
      return { allowed: allows(permission, 'use'), permission };
    });
    route('GET', 'users/permissions/list', v3, async (_req, p) => {
      const user = await this.store.getUser(need(p, 'username'));
      const rows = [];
      for (const kind of ['experiment', 'registered_model'] as const) {
        for (const [key, permission] of await this.store.permissions(kind, user.id)) rows.push({ resource_type: kind, resource_id: key, permission });
      }
      return { is_admin: user.isAdmin, permissions: rows };
    });
    // MLflow 3.x roles (admin only here: Minflow has no workspace admins).
    const roleJson = async (r: Role) => ({
      id: r.id,
      name: r.name,
      workspace: r.workspace,
      description: r.description,
      permissions: (await this.store.roleGrants(r.id)).map(grantJson),
    });
    const grantJson = (g: RoleGrant) => ({ id: g.id, role_id: g.roleId, resource_type: g.resourceType, resource_pattern: g.resourcePattern, permission: g.permission });
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
      return { role: await roleJson(await this.store.createRole(name, workspace, (p.description as string | null | undefined) ?? null)) };
    });
    route('GET', 'roles/get', v3, async (_req, p) => ({ role: await roleJson(await this.store.getRole(int(p, 'role_id'))) }));
    route('GET', 'roles/list', v3, async (req) => {
      const w = (req.query as Params | undefined)?.workspace;
      const workspaces = w === undefined ? null : (Array.isArray(w) ? w : [w]).map(String);
      return { roles: await Promise.all((await this.store.listRoles(workspaces)).map(roleJson)) };
    });
    route('PATCH', 'roles/update', v3, async (_req, p) => ({
      role: await roleJson(
        await this.store.updateRole(int(p, 'role_id'), {
          name: typeof p.name === 'string' ? p.name : undefined,
          description: typeof p.description === 'string' ? p.description : undefined,
        }),
      ),
    }));
    route('DELETE', 'roles/delete', v3, async (_req, p) => {
      await this.store.deleteRole(int(p, 'role_id'));
      return {};
    });
    route('POST', 'roles/permissions/add', v3, async (_req, p) => ({
      role_permission: grantJson(await this.store.addRoleGrant(int(p, 'role_id'), need(p, 'resource_type'), need(p, 'resource_pattern'), need(p, 'permission'))),
    }));
    route('DELETE', 'roles/permissions/remove', v3, async (_req, p) => {
      await this.store.removeRoleGrant(int(p, 'role_permission_id'));
      return {};
    });
    route('GET', 'roles/permissions/list', v3, async (_req, p) => ({ role_permissions: (await this.store.roleGrants((await this.store.getRole(int(p, 'role_id'))).id)).map(grantJson) }));
    route('PATCH', 'roles/permissions/update', v3, async (_req, p) => ({
      role_permission: grantJson(await this.store.updateRoleGrant(int(p, 'role_permission_id'), need(p, 'permission'))),
    }));
    route('POST', 'roles/assign', v3, async (_req, p) => ({ assignment: assignmentJson(await this.store.assignRole(need(p, 'username'), int(p, 'role_id'))) }));
    route('DELETE', 'roles/unassign', v3, async (_req, p) => {
      await this.store.unassignRole(need(p, 'username'), int(p, 'role_id'));
      return {};
    });
    route('GET', 'users/roles/list', v3, async (_req, p) => ({ roles: await Promise.all((await this.store.userRoles(need(p, 'username'))).map(roleJson)) }));
    route('GET', 'roles/users/list', v3, async (_req, p) => ({ assignments: (await this.store.roleAssignments(int(p, 'role_id'))).map(assignmentJson) }));

    // MLflow 2.x's per-resource endpoints, over the same grants.
    for (const [kind, base, key, wrap] of [
      ['experiment', 'experiments', 'experiment_id', 'experiment_permission'],
      ['registered_model', 'registered-models', 'name', 'registered_model_permission'],
    ] as const) {
      const json = (r: { key: string; userId: number; permission: string }) => ({ [key]: r.key, user_id: r.userId, permission: r.permission });
      route('POST', `${base}/permissions/create`, v2, async (_req, p) => ({
        [wrap]: json(await this.store.createPermission(kind, need(p, key), need(p, 'username'), p.permission)),
      }));
      route('GET', `${base}/permissions/get`, v2, async (_req, p) => ({ [wrap]: json(await this.store.getPermission(kind, need(p, key), need(p, 'username'))) }));
      route('PATCH', `${base}/permissions/update`, v2, async (_req, p) => {
        await this.store.updatePermission(kind, need(p, key), need(p, 'username'), p.permission);
        return {};
      });
      route('DELETE', `${base}/permissions/delete`, v2, async (_req, p) => {
        await this.store.deletePermission(kind, need(p, key), need(p, 'username'));
        return {};
      });
    }
  }

  private scrypt() {
    const pool = this.auth?.pool;
    return pool ? pool.scrypt.bind(pool) : undefined;
  }
}

export { isPermissionName };

const RUN_ARGUMENTS = new Set(['runId', 'runIds', 'runUuid', 'run_id', 'run_ids', 'run_uuid']);

/** The run ids a GraphQL request's arguments name, literal or through variables (graphql-js parses). */
async function graphqlRunIds(p: Params): Promise<string[]> {
  if (typeof p.query !== 'string') return [];
  let variables: unknown = p.variables;
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables);
    } catch {
      variables = {};
    }
  }
  const { parse, visit, Kind } = await import('graphql');
  let doc;
  try {
    doc = parse(p.query, { maxTokens: 50_000 });
  } catch {
    return []; // the endpoint answers its own GraphQL error
  }
  const vars = (variables && typeof variables === 'object' ? variables : {}) as Record<string, unknown>;
  const out: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
  };
  // Variables anywhere under a run-named key (input objects passed whole as variables).
  const walkVars = (v: unknown, key: string | null): void => {
    if (key !== null && RUN_ARGUMENTS.has(key)) collect(v);
    if (Array.isArray(v)) v.forEach((x) => walkVars(x, null));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walkVars(x, k);
  };
  walkVars(vars, null);
  type ValueNode = import('graphql').ValueNode;
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.STRING) return node.value;
    if (node.kind === Kind.LIST) return node.values.map(valueOf);
    if (node.kind === Kind.VARIABLE) return vars[node.name.value];
    return undefined;
  };
  const named = (name: string, value: ValueNode) => {
    if (RUN_ARGUMENTS.has(name)) collect(valueOf(value));
  };
  visit(doc, {
    Argument: (node) => named(node.name.value, node.value),
    ObjectField: (node) => named(node.name.value, node.value),
  });
  return out;
}
