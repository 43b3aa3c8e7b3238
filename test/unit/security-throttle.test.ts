// The failed-login throttle and the scrypt worker pool (issue 14 item 2), without a server.
import { afterAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../server/security/auth.js';
import { ScryptBusy, ScryptPool } from '../../server/security/scrypt-pool.js';
import { hashPassword, hashPasswordWerkzeug, verifyPassword } from '../../server/security/secrets.js';
import { FailureThrottle } from '../../server/security/throttle.js';

describe('FailureThrottle', () => {
  it('allows a burst, then throttles until failures drain at the refill rate', () => {
    let t = 0;
    const th = new FailureThrottle({ burst: 3, refillPerMinute: 6 }, () => t);
    for (let i = 0; i < 3; i++) {
      expect(th.retryAfter('a')).toBe(0);
      th.fail('a');
    }
    expect(th.retryAfter('a')).toBe(10);
    expect(th.retryAfter('b')).toBe(0);
    t += 10_000;
    expect(th.retryAfter('a')).toBe(0);
    t += 60_000;
    expect(th.size).toBe(1);
    expect(th.retryAfter('a')).toBe(0);
    expect(th.size).toBe(0);
  });

  it('keeps at most maxKeys buckets', () => {
    const th = new FailureThrottle({ burst: 1, refillPerMinute: 1, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) th.fail(`k${i}`);
    expect(th.size).toBeLessThanOrEqual(100);
  });
});

describe('ScryptPool', () => {
  const pool = new ScryptPool({ threads: 1, maxQueued: 2 });
  afterAll(() => pool.close());

  it('computes the same keys as node:crypto on libuv, in a worker thread', async () => {
    const hash = await hashPassword('pool password');
    const fn = pool.scrypt.bind(pool);
    expect(await verifyPassword('pool password', hash, fn)).toBe(true);
    expect(await verifyPassword('pool passwore', hash, fn)).toBe(false);
    const w = await hashPasswordWerkzeug('werkzeug password', fn);
    expect(w).toMatch(/^scrypt:32768:8:1\$[A-Za-z0-9]{16}\$[0-9a-f]{128}$/);
    expect(await verifyPassword('werkzeug password', w)).toBe(true);
    expect(await verifyPassword('werkzeug passwore', w, fn)).toBe(false);
  });

  it('refuses work beyond its queue at once instead of piling it up', async () => {
    const salt = Buffer.from('salt');
    const o = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
    const jobs = Array.from({ length: 6 }, () => pool.scrypt('x', salt, 32, o).then(() => 'done', (e: unknown) => e));
    const results = await Promise.all(jobs);
    expect(results.filter((r) => r === 'done')).toHaveLength(3); // one running + two queued
    expect(results.filter((r) => r instanceof ScryptBusy)).toHaveLength(3);
  });
});

describe('Authenticator throttling', () => {
  it('answers a throttled client and a throttled user with a retry time, and lets a remembered password through', async () => {
    const hash = await hashPassword('right one');
    const auth = new Authenticator({
      usersFile: null,
      tokensFile: null,
      lookupUser: async (name) => (name === 'alice' ? hash : null),
      clientThrottle: { burst: 3, refillPerMinute: 1 },
      userThrottle: { burst: 2, refillPerMinute: 1 },
    });
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    try {
      expect(await auth.check(basic('alice', 'right one'), 'good')).toEqual({ user: 'alice' });
      expect(await auth.check(basic('alice', 'wrong 1'), 'bad1')).toEqual({ user: null });
      expect(await auth.check(basic('alice', 'wrong 2'), 'bad2')).toEqual({ user: null });
      // alice's name is now throttled: a wrong password from anywhere is refused without scrypt …
      expect(await auth.check(basic('alice', 'wrong 3'), 'bad3')).toMatchObject({ user: null, reason: 'user' });
      // … but her remembered password still passes, and a new address cannot try new ones.
      expect(await auth.check(basic('alice', 'right one'), 'elsewhere')).toEqual({ user: 'alice' });
      for (let i = 0; i < 3; i++) await auth.check(basic(`nobody${i}`, 'x'), 'flood');
      const refused = await auth.check(basic('alice', 'right one'), 'flood');
      expect(refused).toMatchObject({ user: null, reason: 'client' });
      expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      await auth.close();
    }
  });
});
