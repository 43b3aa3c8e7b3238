// Issue 14, item 8: a second server on the same SQLite file used to start, and then about a third of
// the writes failed with 500 "database is locked". Now the first server holds <db>.minflow-lock and
// the second refuses to start with a message naming the holder (pid, host, start time); a lock left
// by a process that is gone (kill -9) is taken over; a clean stop removes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { acquireSqliteLock, lockFileFor } from '../../server/store/sqlite-lock.js';
import { api, startMinflow, type Proc } from './safety-helpers.js';

const dir = tempDir('safety-lock');
const dbFile = path.join(dir, 'mlflow.db');
const started: Proc[] = [];

afterAll(async () => {
  for (const p of started) await p.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

it('refuses a second server on the same file, naming the first; takes over after kill -9; a clean stop removes the lock', async () => {
  const first = await startMinflow(dir);
  started.push(first);
  const lock = JSON.parse(fs.readFileSync(lockFileFor(dbFile), 'utf8'));
  expect(lock).toMatchObject({ pid: first.child.pid, host: os.hostname() });

  const second = await startMinflow(dir, [], false);
  started.push(second);
  const code = await Promise.race([second.exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
  expect(code, second.output()).toBe(2);
  expect(second.output()).toContain(`is in use by another Minflow server: pid ${first.child.pid} on host ${os.hostname()}, started ${lock.startedAt}`);
  // The first one is untouched and still writes.
  expect((await api(first.url, 'experiments/create', { name: 'still-mine' })).status).toBe(200);

  // kill -9 leaves the lock file behind: the next server sees its pid is gone and takes over.
  await first.stop('SIGKILL');
  expect(fs.existsSync(lockFileFor(dbFile))).toBe(true);
  const third = await startMinflow(dir);
  started.push(third);
  expect(JSON.parse(fs.readFileSync(lockFileFor(dbFile), 'utf8')).pid).toBe(third.child.pid);
  expect((await api(third.url, 'experiments/get-by-name?experiment_name=still-mine')).status).toBe(200);
  expect(await third.stop('SIGTERM')).toBe(0);
  expect(fs.existsSync(lockFileFor(dbFile))).toBe(false);
});

it('a stale lock of a dead pid is taken over; a live holder, or this process holding it already, is refused', () => {
  const file = path.join(dir, 'other.db');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  fs.writeFileSync(lockFileFor(file), JSON.stringify({ pid: deadPid, host: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
  const lock = acquireSqliteLock(file);
  expect(JSON.parse(fs.readFileSync(lockFileFor(file), 'utf8')).pid).toBe(process.pid);
  expect(() => acquireSqliteLock(file)).toThrow(/in use by another Minflow server: pid/);
  lock.release();
  expect(fs.existsSync(lockFileFor(file))).toBe(false);

  // A live process (our parent, vitest's runner) on this host is not stale.
  fs.writeFileSync(lockFileFor(file), JSON.stringify({ pid: process.ppid, host: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
  expect(() => acquireSqliteLock(file)).toThrow(`pid ${process.ppid} on host ${os.hostname()}, started 2020-01-01T00:00:00.000Z`);
  // Another host's lock cannot be judged: refused, with the way out in the message.
  fs.writeFileSync(lockFileFor(file), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '2020-01-01T00:00:00.000Z' }));
  expect(() => acquireSqliteLock(file)).toThrow(/on host elsewhere.*remove .*other\.db\.minflow-lock/);
  fs.rmSync(lockFileFor(file));
});
