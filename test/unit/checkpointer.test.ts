// The WAL checkpointer (server/store/checkpointer.ts): idle until the WAL passes 2 MiB, then a worker
// checkpoints it while the server's own connection only keeps a 64 MiB backstop.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Checkpointer } from '../../server/store/checkpointer.js';
import { openDatabase, type Db } from '../../server/store/db.js';

let dir: string;
let db: Db;
let checkpointer: Checkpointer;

afterEach(() => {
  checkpointer?.close();
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('starts once writes begin and keeps the WAL checkpointed from its own thread', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-checkpointer-'));
  const file = path.join(dir, 'mlflow.db');
  db = openDatabase(file);
  checkpointer = new Checkpointer(db.sqlite, file);
  await new Promise((r) => setTimeout(r, 400));
  expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(1000); // idle: nothing started

  db.sqlite.exec('CREATE TABLE filler (x BLOB)');
  const insert = db.sqlite.prepare('INSERT INTO filler VALUES (randomblob(4000))');
  for (let i = 0; i < 800; i++) insert.run(); // ~3 MiB of WAL, one commit each
  await until(() => db.sqlite.pragma('wal_autocheckpoint', { simple: true }) === 16384);

  // More writes than the old 1000-page threshold: the worker, not the commits, copies them back.
  db.sqlite.transaction(() => {
    for (let i = 0; i < 1500; i++) insert.run();
  })();
  // The database file only grows when a checkpoint copies pages into it, and the server's connection
  // would not checkpoint below 16384 pages.
  await until(() => fs.statSync(file).size > 2300 * 4000);
  expect(db.sqlite.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(2300);
});
