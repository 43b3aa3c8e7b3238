// Authentication: HTTP Basic against the users file (scrypt hashes) or, for the basic-auth app, the
// auth database, and Bearer tokens against the tokens file (SHA-256), the two ways the MLflow client
// sends credentials (MLFLOW_TRACKING_USERNAME / _PASSWORD and MLFLOW_TRACKING_TOKEN). A verified
// password is remembered for a while, keyed by a digest, so that a UI page's dozens of requests cost
// one scrypt, not dozens.
//
// Flood resistance (issue 14 item 2): scrypt runs in a dedicated worker thread with a bounded queue
// (scrypt-pool.ts), never on libuv's I/O pool; failures are throttled per client address and per user
// (throttle.ts), so that wrong passwords become cheap 429s quickly. Order of checks: a throttled client
// is refused before anything else; a remembered (already verified) password passes even while its
// user is throttled, so that guessing at alice from elsewhere cannot lock out alice's running jobs.
import { CredentialsFile, type CredentialEntry } from './credentials-file.js';
import { ScryptBusy, ScryptPool } from './scrypt-pool.js';
import { digest, hashPassword, hashToken, isPasswordHash, isTokenHash, verifyPassword, type ScryptFn } from './secrets.js';
import { FailureThrottle, type ThrottleOptions } from './throttle.js';

const REMEMBER_MS = 10 * 60 * 1000;
const MAX_REMEMBERED = 10_000;

/** Where Basic users come from when not from a users file: the stored hash of a user, or null. */
export type UserHashLookup = (name: string) => Promise<string | null>;

export interface AuthenticatorOptions {
  /** Users for HTTP Basic; null = Basic is not accepted (unless lookupUser is given). */
  usersFile: string | null;
  /** Tokens for Bearer; null = Bearer is not accepted. */
  tokensFile: string | null;
  /** Users from elsewhere (the basic-auth app's database); replaces usersFile for Basic. */
  lookupUser?: UserHashLookup;
  onProblems?: (file: string, problems: string[]) => void;
  /** Failures per client address (default burst 10, 10 per minute forgiven). */
  clientThrottle?: ThrottleOptions;
  /** Failures per user name (default burst 20, 20 per minute forgiven). */
  userThrottle?: ThrottleOptions;
  /** Dedicated scrypt threads (default 1) and how many verifications may wait (default 16). */
  scryptThreads?: number;
  scryptMaxQueued?: number;
}

/** What a request's credentials came to. */
export type AuthOutcome =
  | { user: string }
  | { user: null; retryAfterSeconds?: number; reason?: 'client' | 'user' | 'busy' };

export class Authenticator {
  readonly users: CredentialsFile | null;
  readonly tokens: CredentialsFile | null;
  private readonly lookupUser: UserHashLookup | null;
  /** digest(user, password) → the stored hash it was verified against, and until when. */
  private readonly remembered = new Map<string, { hash: string; until: number }>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private tokenIndex: { from: CredentialEntry[]; byHash: Map<string, string> } | null = null;
  /** Verified against when the user does not exist, so a miss takes as long as a wrong password. */
  private decoy: Promise<string> | null = null;
  readonly pool: ScryptPool;
  private readonly scryptFn: ScryptFn;
  readonly clientThrottle: FailureThrottle;
  readonly userThrottle: FailureThrottle;

  constructor(options: AuthenticatorOptions) {
    this.users = options.usersFile && !options.lookupUser ? new CredentialsFile(options.usersFile, isPasswordHash) : null;
    this.tokens = options.tokensFile ? new CredentialsFile(options.tokensFile, isTokenHash) : null;
    this.lookupUser = options.lookupUser ?? null;
    for (const f of [this.users, this.tokens]) if (f) f.onProblems = (p) => options.onProblems?.(f.file, p);
    this.pool = new ScryptPool({ threads: options.scryptThreads ?? 1, maxQueued: options.scryptMaxQueued ?? 16 });
    this.scryptFn = (password, salt, keyLength, o) => this.pool.scrypt(password, salt, keyLength, o);
    this.clientThrottle = new FailureThrottle(options.clientThrottle ?? { burst: 10, refillPerMinute: 10 });
    this.userThrottle = new FailureThrottle(options.userThrottle ?? { burst: 20, refillPerMinute: 20 });
  }

  private get basicOn(): boolean {
    return this.users !== null || this.lookupUser !== null;
  }

  /** Which challenges a 401 carries: Basic first, so that a browser asks for a user and password. */
  challenges(): string[] {
    const out: string[] = [];
    if (this.basicOn) out.push('Basic realm="mlflow", charset="UTF-8"');
    if (this.tokens) out.push('Bearer realm="mlflow"');
    return out;
  }

  /** The user (or token name) an Authorization header proves, or null. */
  async authenticate(header: string | undefined, client = ''): Promise<string | null> {
    return (await this.check(header, client)).user;
  }

  /** As authenticate, saying also whether the attempt was throttled (answered 429). */
  async check(header: string | undefined, client = ''): Promise<AuthOutcome> {
    if (!header) return { user: null };
    const space = header.indexOf(' ');
    const scheme = (space > 0 ? header.slice(0, space) : header).toLowerCase();
    const credentials = space > 0 ? header.slice(space + 1).trim() : '';
    if (scheme === 'basic' && this.basicOn) return this.basic(credentials, client);
    if (scheme === 'bearer' && this.tokens) return { user: this.bearer(credentials) };
    return { user: null };
  }

  private async storedHash(user: string): Promise<string | undefined> {
    if (this.lookupUser) return (await this.lookupUser(user)) ?? undefined;
    return this.users!.entries().find((e) => e.name === user)?.hash;
  }

  /** Forget remembered verifications (a password changed or a user was deleted). */
  forget(): void {
    this.remembered.clear();
  }

  private async basic(credentials: string, client: string): Promise<AuthOutcome> {
    if (!/^[A-Za-z0-9+/]+=*$/.test(credentials)) return { user: null };
    const clientWait = this.clientThrottle.retryAfter(client);
    if (clientWait > 0) return { user: null, retryAfterSeconds: clientWait, reason: 'client' };
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { user: null };
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const stored = await this.storedHash(user);
    const key = digest(`${user}\u0000${password}`);
    const known = this.remembered.get(key);
    if (stored && known && known.hash === stored && known.until > Date.now()) return { user };
    const userKey = `u\u0000${user}`;
    const userWait = this.userThrottle.retryAfter(userKey);
    if (userWait > 0) {
      this.clientThrottle.fail(client);
      return { user: null, retryAfterSeconds: userWait, reason: 'user' };
    }
    let check = this.pending.get(key);
    if (!check) {
      check = stored
        ? verifyPassword(password, stored, this.scryptFn)
        : (this.decoy ??= hashPassword('minflow-decoy')).then((h) => verifyPassword(password, h, this.scryptFn)).then(() => false);
      this.pending.set(key, check);
      void check.finally(() => this.pending.delete(key)).catch(() => {});
    }
    let ok: boolean;
    try {
      ok = await check;
    } catch (e) {
      if (e instanceof ScryptBusy) return { user: null, retryAfterSeconds: 1, reason: 'busy' };
      throw e;
    }
    if (!ok || !stored) {
      this.clientThrottle.fail(client);
      this.userThrottle.fail(userKey);
      return { user: null };
    }
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
    this.remembered.set(key, { hash: stored, until: Date.now() + REMEMBER_MS });
    return { user };
  }

  private bearer(token: string): string | null {
    if (token === '') return null;
    const entries = this.tokens!.entries();
    if (this.tokenIndex?.from !== entries) {
      this.tokenIndex = { from: entries, byHash: new Map(entries.map((e) => [e.hash, e.name])) };
    }
    return this.tokenIndex.byHash.get(hashToken(token)) ?? null;
  }

  /** Resolves once the scrypt thread has started. */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
