// How secrets are stored: passwords as scrypt hashes (memory-hard, slow on purpose, salted), bearer
// tokens as SHA-256 digests (a token is 256 random bits, so a fast digest is enough and it can be
// looked up on every request). Both in a PHC-like text form, one per line of a credentials file.
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';

const SCRYPT = { ln: 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: { N: number; r: number; p: number; maxmem: number }): Promise<Buffer> {
  return libuvScrypt(password, salt, KEY_LENGTH, options);
}

function scryptOptions(ln: number, r: number, p: number): { N: number; r: number; p: number; maxmem: number } {
  // maxmem must cover 128 * N * r bytes, or node refuses the parameters.
  return { N: 2 ** ln, r, p, maxmem: 256 * 2 ** ln * r };
}

/** `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, scryptOptions(SCRYPT.ln, SCRYPT.r, SCRYPT.p));
  return `$scrypt$ln=${SCRYPT.ln},r=${SCRYPT.r},p=${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const SCRYPT_HASH = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

export function isPasswordHash(text: string): boolean {
  return SCRYPT_HASH.test(text);
}

/** Computes one scrypt key: libuv's pool by default, the server passes its worker pool (scrypt-pool.ts). */
export type ScryptFn = (password: string, salt: Buffer, keyLength: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

const libuvScrypt: ScryptFn = (password, salt, keyLength, options) =>
  new Promise((resolve, reject) => scryptCallback(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));

// werkzeug's generate_password_hash (what MLflow's basic-auth app stores): scrypt:N:r:p$salt$hex, the
// salt used as its UTF-8 text, a 64-byte key.
const WERKZEUG_SCRYPT = /^scrypt:(\d+):(\d+):(\d+)\$([^$]+)\$([0-9a-f]+)$/;

export function isWerkzeugScryptHash(text: string): boolean {
  return WERKZEUG_SCRYPT.test(text);
}

/** `scrypt:32768:8:1$<salt>$<hex>`, the form MLflow's auth database holds (werkzeug's default method). */
export async function hashPasswordWerkzeug(password: string, scryptFn: ScryptFn = libuvScrypt): Promise<string> {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const salt = [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('');
  const [N, r, p] = [32768, 8, 1];
  const key = await scryptFn(password, Buffer.from(salt, 'utf8'), 64, { N, r, p, maxmem: 132 * N * r * p + 1024 * 1024 });
  return `scrypt:${N}:${r}:${p}$${salt}$${key.toString('hex')}`;
}

export async function verifyPassword(password: string, stored: string, scryptFn: ScryptFn = libuvScrypt): Promise<boolean> {
  const w = WERKZEUG_SCRYPT.exec(stored);
  if (w) {
    const [N, r, p] = [Number(w[1]), Number(w[2]), Number(w[3])];
    if (N < 2 ** 10 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
    const expected = Buffer.from(w[5]!, 'hex');
    if (expected.length < 16 || expected.length > 128) return false;
    const actual = await scryptFn(password, Buffer.from(w[4]!, 'utf8'), expected.length, { N, r, p, maxmem: 132 * N * r * p + 1024 * 1024 });
    return timingSafeEqual(expected, actual);
  }
  const m = SCRYPT_HASH.exec(stored);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a tampered file from making every login allocate gigabytes.
  if (ln < 10 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scryptFn(password, Buffer.from(m[4]!, 'base64'), KEY_LENGTH, scryptOptions(ln, r, p));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A new bearer token: a recognisable prefix and 256 random bits. */
export function newToken(): string {
  return `mft_${randomBytes(32).toString('base64url')}`;
}

/** `$sha256$<hex>` of a token. */
export function hashToken(token: string): string {
  return `$sha256$${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

export function isTokenHash(text: string): boolean {
  return /^\$sha256\$[0-9a-f]{64}$/.test(text);
}

/** A digest for in-memory cache keys: never keep a password itself around. */
export function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}
