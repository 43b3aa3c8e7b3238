// Passwords, tokens, credentials files and the authenticator, without a server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../server/security/auth.js';
import { CredentialsFile, parseCredentials, validName } from '../../server/security/credentials-file.js';
import { hashPassword, hashToken, isPasswordHash, isTokenHash, newToken, verifyPassword } from '../../server/security/secrets.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-sec-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('secrets', () => {
  it('hashes passwords with salted scrypt and verifies them', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse'), hashPassword('correct horse')]);
    expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(isPasswordHash(a)).toBe(true);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('refuses hashes with absurd cost parameters instead of allocating for them', async () => {
    expect(await verifyPassword('x', '$scrypt$ln=30,r=8,p=1$c2FsdA==$aGFzaA==')).toBe(false);
    expect(await verifyPassword('x', 'plaintext')).toBe(false);
  });

  it('makes 256-bit tokens and stores only their SHA-256', () => {
    const t = newToken();
    expect(t).toMatch(/^mft_[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(t);
    expect(hashToken(t)).toMatch(/^\$sha256\$[0-9a-f]{64}$/);
    expect(isTokenHash(hashToken(t))).toBe(true);
    expect(hashToken(t)).not.toContain(t.slice(4));
  });
});

describe('credentials files', () => {
  it('parses name:hash lines, skipping comments and reporting malformed lines', () => {
    const h = hashToken('x');
    const { entries, problems } = parseCredentials(`# header\n\nalice:${h}\nbroken line\nbob:notahash\n  carol:${h}  \n`, isTokenHash);
    expect(entries.map((e) => e.name)).toEqual(['alice', 'carol']);
    expect(problems).toEqual(['line 4 is not name:hash', 'line 5 is not name:hash']);
  });

  it('accepts names without colons or surrounding blanks', () => {
    expect(validName('alice@example.com')).toBe(true);
    expect(validName('ci bot')).toBe(true);
    expect(validName('a:b')).toBe(false);
    expect(validName(' a')).toBe(false);
    expect(validName('')).toBe(false);
    expect(validName('#a')).toBe(false);
  });

  it('writes atomically with owner-only permissions and rereads a changed file', () => {
    const file = new CredentialsFile(path.join(dir, 'sub', 'tokens'), isTokenHash);
    expect(file.entries()).toEqual([]);
    file.write([{ name: 'a', hash: hashToken('1') }], '# test');
    expect(fs.statSync(file.file).mode & 0o777).toBe(0o600);
    expect(file.entries(Date.now() + 5000).map((e) => e.name)).toEqual(['a']);
    fs.appendFileSync(file.file, `b:${hashToken('2')}\n`);
    expect(file.entries(Date.now() + 10_000).map((e) => e.name)).toEqual(['a', 'b']);
  });
});

describe('Authenticator', () => {
  it('accepts a user’s password (Basic) and a token (Bearer), nothing else', async () => {
    const users = path.join(dir, 'users');
    const tokens = path.join(dir, 'tokens');
    const token = newToken();
    fs.writeFileSync(users, `alice:${await hashPassword('s3cret-pass')}\n`);
    fs.writeFileSync(tokens, `ci:${hashToken(token)}\n`);
    const auth = new Authenticator({ usersFile: users, tokensFile: tokens });
    expect(auth.challenges()).toEqual(['Basic realm="mlflow", charset="UTF-8"', 'Bearer realm="mlflow"']);
    expect(await auth.authenticate(basic('alice', 's3cret-pass'))).toBe('alice');
    expect(await auth.authenticate(basic('alice', 's3cret-pass'))).toBe('alice'); // remembered
    expect(await auth.authenticate(`bearer ${token}`)).toBe('ci');
    for (const header of [
      undefined,
      '',
      'Basic',
      'Basic !!!',
      basic('alice', 'wrong'),
      basic('mallory', 's3cret-pass'),
      `Basic ${Buffer.from('alice').toString('base64')}`,
      `Bearer ${token}x`,
      'Bearer ',
      `Token ${token}`,
      `Digest ${token}`,
    ]) {
      expect(await auth.authenticate(header), String(header)).toBeNull();
    }
  });

  it('forgets a remembered password when the user’s hash changes', async () => {
    const users = path.join(dir, 'users2');
    fs.writeFileSync(users, `bob:${await hashPassword('first-password')}\n`);
    const auth = new Authenticator({ usersFile: users, tokensFile: null });
    expect(await auth.authenticate(basic('bob', 'first-password'))).toBe('bob');
    fs.writeFileSync(users, `bob:${await hashPassword('second-password')}\n`);
    fs.utimesSync(users, new Date(), new Date(Date.now() + 5000));
    await new Promise((r) => setTimeout(r, 1100)); // the file is checked at most once a second
    expect(await auth.authenticate(basic('bob', 'first-password'))).toBeNull();
    expect(await auth.authenticate(basic('bob', 'second-password'))).toBe('bob');
    expect(await auth.authenticate(`Bearer ${newToken()}`)).toBeNull(); // no tokens file: Bearer refused
    expect(auth.challenges()).toEqual(['Basic realm="mlflow", charset="UTF-8"']);
  });

  it('verifies concurrent requests with the same credentials once', async () => {
    const users = path.join(dir, 'users3');
    fs.writeFileSync(users, `carol:${await hashPassword('parallel-pass')}\n`);
    const auth = new Authenticator({ usersFile: users, tokensFile: null });
    await auth.ready(); // the scrypt thread's start (seconds under tsx) is not what is measured
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 40 }, () => auth.authenticate(basic('carol', 'parallel-pass'))));
    expect(new Set(results)).toEqual(new Set(['carol']));
    // 40 separate scrypt runs would take seconds; one takes ~0.1 s.
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
