// Authentication: HTTP Basic against the users file (scrypt hashes) and Bearer tokens against the
// tokens file (SHA-256), the two ways the MLflow client sends credentials (MLFLOW_TRACKING_USERNAME /
// _PASSWORD and MLFLOW_TRACKING_TOKEN). A verified password is remembered for a while, keyed by a
// digest, so that a UI page's dozens of requests cost one scrypt, not dozens.
import { CredentialsFile, type CredentialEntry } from './credentials-file.js';
import { digest, hashPassword, hashToken, isPasswordHash, isTokenHash, verifyPassword } from './secrets.js';

const REMEMBER_MS = 10 * 60 * 1000;
const MAX_REMEMBERED = 10_000;

export interface AuthenticatorOptions {
  /** Users for HTTP Basic; null = Basic is not accepted. */
  usersFile: string | null;
  /** Tokens for Bearer; null = Bearer is not accepted. */
  tokensFile: string | null;
  onProblems?: (file: string, problems: string[]) => void;
}

export class Authenticator {
  readonly users: CredentialsFile | null;
  readonly tokens: CredentialsFile | null;
  /** digest(user, password) → the stored hash it was verified against, and until when. */
  private readonly remembered = new Map<string, { hash: string; until: number }>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private tokenIndex: { from: CredentialEntry[]; byHash: Map<string, string> } | null = null;
  /** Verified against when the user does not exist, so a miss takes as long as a wrong password. */
  private decoy: Promise<string> | null = null;

  constructor(options: AuthenticatorOptions) {
    this.users = options.usersFile ? new CredentialsFile(options.usersFile, isPasswordHash) : null;
    this.tokens = options.tokensFile ? new CredentialsFile(options.tokensFile, isTokenHash) : null;
    for (const f of [this.users, this.tokens]) if (f) f.onProblems = (p) => options.onProblems?.(f.file, p);
  }

  /** Which challenges a 401 carries: Basic first, so that a browser asks for a user and password. */
  challenges(): string[] {
    const out: string[] = [];
    if (this.users) out.push('Basic realm="mlflow", charset="UTF-8"');
    if (this.tokens) out.push('Bearer realm="mlflow"');
    return out;
  }

  /** The user (or token name) an Authorization header proves, or null. */
  async authenticate(header: string | undefined): Promise<string | null> {
    if (!header) return null;
    const space = header.indexOf(' ');
    const scheme = (space > 0 ? header.slice(0, space) : header).toLowerCase();
    const credentials = space > 0 ? header.slice(space + 1).trim() : '';
    if (scheme === 'basic' && this.users) return this.basic(credentials);
    if (scheme === 'bearer' && this.tokens) return this.bearer(credentials);
    return null;
  }

  private async basic(credentials: string): Promise<string | null> {
    if (!/^[A-Za-z0-9+/]+=*$/.test(credentials)) return null;
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const stored = this.users!.entries().find((e) => e.name === user)?.hash;
    const key = digest(`${user}\u0000${password}`);
    const known = this.remembered.get(key);
    if (stored && known && known.hash === stored && known.until > Date.now()) return user;
    let check = this.pending.get(key);
    if (!check) {
      check = stored ? verifyPassword(password, stored) : (this.decoy ??= hashPassword('minflow-decoy')).then((h) => verifyPassword(password, h)).then(() => false);
      this.pending.set(key, check);
      void check.finally(() => this.pending.delete(key)).catch(() => {});
    }
    if (!(await check) || !stored) return null;
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
    this.remembered.set(key, { hash: stored, until: Date.now() + REMEMBER_MS });
    return user;
  }

  private bearer(token: string): string | null {
    if (token === '') return null;
    const entries = this.tokens!.entries();
    if (this.tokenIndex?.from !== entries) {
      this.tokenIndex = { from: entries, byHash: new Map(entries.map((e) => [e.hash, e.name])) };
    }
    return this.tokenIndex.byHash.get(hashToken(token)) ?? null;
  }
}
