// Issue 14, item 14: durability on power loss. WAL with synchronous=NORMAL acknowledges commits before
// they reach the disk, and an artifact's rename into place was not followed by a directory fsync: an
// OS crash could drop both. Now synchronous=FULL is the default (chosen by bench/DURABILITY.md;
// --sqlite-synchronous normal is the faster opt-out), and the directory is fsynced after a rename.
// A power loss cannot be staged here, so the test watches the system calls with strace: after the
// commit is acknowledged the WAL has been fsynced; after the upload returns, the artifact's directory
// has been fsynced after the rename.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ConfigError, parseServerArgs } from '../../server/config.js';
import { openDatabase } from '../../server/store/db.js';
import { ROOT, tempDir } from '../helpers/paths.js';

const dir = tempDir('safety-durability');

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function strace(): string {
  const r = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('strace is missing: install it with `apt-get install -y strace`');
  return 'strace';
}

/** Runs `body` (an ES module's text) under strace, with fds shown as paths; returns the trace lines. */
function traced(name: string, body: string): string[] {
  const script = path.join(dir, `${name}.mts`);
  fs.writeFileSync(script, body);
  const trace = path.join(dir, `${name}.trace`);
  const r = spawnSync(strace(), ['-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2,write', '-o', trace, process.execPath, '--import', 'tsx', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return fs.readFileSync(trace, 'utf8').split('\n');
}

it('the default is synchronous=FULL; --sqlite-synchronous normal opts out; anything else is refused', () => {
  expect(parseServerArgs([]).sqliteSynchronous).toBe('full');
  expect(parseServerArgs(['--sqlite-synchronous', 'normal']).sqliteSynchronous).toBe('normal');
  expect(parseServerArgs([], { MINFLOW_SQLITE_SYNCHRONOUS: 'NORMAL' }).sqliteSynchronous).toBe('normal');
  expect(() => parseServerArgs(['--sqlite-synchronous', 'off'])).toThrow(ConfigError);
  const full = openDatabase(path.join(dir, 'full.db'));
  const normal = openDatabase(path.join(dir, 'normal.db'), { synchronous: 'normal' });
  try {
    expect(full.sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(normal.sqlite.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  } finally {
    full.close();
    normal.close();
  }
});

it('an acknowledged commit has fsynced the WAL; an uploaded artifact has fsynced its directory after the rename', () => {
  const data = path.join(dir, 'traced');
  const lines = traced(
    'writes',
    `
    import fs from 'node:fs';
    import { Readable } from 'node:stream';
    import { openDatabase } from ${JSON.stringify(path.join(ROOT, 'server/store/db.ts'))};
    import { LocalArtifactStore } from ${JSON.stringify(path.join(ROOT, 'server/artifacts/local-store.ts'))};
    const db = openDatabase(${JSON.stringify(path.join(data, 'mlflow.db'))});
    fs.writeSync(1, 'MARK-COMMIT-START\\n');
    db.sqlite.prepare("INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES ('durable', '', 'active', 1, 1)").run();
    fs.writeSync(1, 'MARK-COMMIT-ACKED\\n');
    const store = new LocalArtifactStore(${JSON.stringify(path.join(data, 'artifacts'))});
    await store.write('run/artifacts/model.pkl', Readable.from([Buffer.from('weights')]));
    fs.writeSync(1, 'MARK-UPLOAD-ACKED\\n');
    db.close();
    `,
  );
  const at = (mark: string) => lines.findIndex((l) => l.includes(mark));
  const commitStart = at('MARK-COMMIT-START');
  const commitAcked = at('MARK-COMMIT-ACKED');
  const uploadAcked = at('MARK-UPLOAD-ACKED');
  expect(commitStart).toBeGreaterThan(-1);
  const commit = lines.slice(commitStart, commitAcked);
  expect(commit.some((l) => /f(data)?sync\(\d+<[^>]*mlflow\.db-wal>\)/.test(l)), commit.join('\n')).toBe(true);

  const upload = lines.slice(commitAcked, uploadAcked);
  const artifactDir = path.join(data, 'artifacts', 'run', 'artifacts');
  const rename = upload.findIndex((l) => /rename/.test(l) && l.includes('model.pkl'));
  expect(rename, upload.join('\n')).toBeGreaterThan(-1);
  const after = upload.slice(rename + 1);
  expect(after.some((l) => new RegExp(`fsync\\(\\d+<${artifactDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}>\\)`).test(l)), upload.join('\n')).toBe(true);
});
