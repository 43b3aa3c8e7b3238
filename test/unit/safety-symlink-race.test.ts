// Issue 14, item 7: a client who can create symlinks inside an artifact root, racing the server's path
// checks against its opens, read /etc/hosts and wrote files outside every root. Here a separate
// process swaps a directory inside the roots for a symlink to an outside directory as fast as it can
// (and, for a confined root, the experiment root itself), while the real stores read, list, write,
// create directories and delete through it. Bounded by count and time; afterwards not one byte read
// and not one name listed may come from outside, and the outside directory must be exactly as it was.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { ConfinedLocalStore } from '../../server/artifacts/confined-store.js';
import { LocalArtifactStore } from '../../server/artifacts/local-store.js';
import type { ArtifactStore } from '../../server/artifacts/store.js';
import { tempDir } from '../helpers/paths.js';

const base = tempDir('safety-symlink');
const outside = path.join(base, 'outside');
const SECRET = 'OUTSIDE-SECRET-BYTES';

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function snapshot(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) out.push(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  return out.sort();
}

/** A process that swaps `target` between a real directory and a symlink to `outside` until told to stop. */
function swapper(targets: string[]) {
  const script = `
    const fs = require('fs');
    const targets = ${JSON.stringify(targets)};
    const outside = ${JSON.stringify(outside)};
    let swaps = 0, stop = false;
    process.stdin.on('data', () => { stop = true; });
    function round() {
      for (let n = 0; n < 200; n++) for (const t of targets) {
        try { fs.renameSync(t, t + '.real'); } catch {}
        try { fs.symlinkSync(outside, t); } catch {}
        try { fs.unlinkSync(t); } catch {}
        try { fs.renameSync(t + '.real', t); } catch {}
        swaps++;
      }
      if (stop) { process.stdout.write(String(swaps)); process.exit(0); }
      setImmediate(round);
    }
    round();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number>((resolve) => child.once('exit', () => resolve(Number(out))));
  return {
    stop(): Promise<number> {
      child.stdin.write('stop\n');
      return done;
    },
  };
}

async function readAll(store: ArtifactStore, rel: string): Promise<string | null> {
  try {
    const { stream } = await store.read(rel);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString();
  } catch {
    return null; // missing or refused while the link was in place: fine
  }
}

interface Tally {
  reads: number;
  readsInside: number;
  leakedReads: number;
  leakedNames: number;
  writes: number;
}

async function attack(store: ArtifactStore, prefix: string, deadline: number, tally: Tally): Promise<void> {
  for (let i = 0; i < 300 && Date.now() < deadline; i++) {
    const text = await readAll(store, `${prefix}secret.txt`);
    tally.reads++;
    if (text?.includes(SECRET)) tally.leakedReads++;
    else if (text === 'inside') tally.readsInside++;
    const names = await store.list(prefix.replace(/\/$/, '')).catch(() => []);
    if (names.some((n) => n.path.endsWith('outside-only.txt'))) tally.leakedNames++;
    const wrote = await store.write(`${prefix}w-${i}.txt`, Readable.from([Buffer.from('x')])).then(
      () => true,
      () => false,
    );
    if (wrote) tally.writes++;
    await store.write(`${prefix}deep-${i}/a/b.txt`, Readable.from([Buffer.from('y')])).catch(() => {});
    await store.delete(`${prefix}deep-${i}`).catch(() => {});
  }
}

it('reads, listings and writes racing symlink swaps never touch a byte outside the roots', async () => {
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  fs.writeFileSync(path.join(outside, 'outside-only.txt'), SECRET);
  const before = snapshot(outside);

  // The artifacts destination, with a directory a client swaps for a link.
  const destination = path.join(base, 'artifacts');
  fs.mkdirSync(path.join(destination, 'd'), { recursive: true });
  fs.writeFileSync(path.join(destination, 'd', 'secret.txt'), 'inside');
  // An allowed root: a directory inside one experiment root, and a whole experiment root, swapped.
  const allowed = path.join(base, 'allowed');
  fs.mkdirSync(path.join(allowed, 'exp', 'd'), { recursive: true });
  fs.writeFileSync(path.join(allowed, 'exp', 'd', 'secret.txt'), 'inside');
  fs.mkdirSync(path.join(allowed, 'exp2'), { recursive: true });
  fs.writeFileSync(path.join(allowed, 'exp2', 'secret.txt'), 'inside');

  const stores: [ArtifactStore, string][] = [
    [new LocalArtifactStore(destination), 'd/'],
    [new ConfinedLocalStore(path.join(allowed, 'exp'), allowed, `file://${allowed}/exp`), 'd/'],
    [new ConfinedLocalStore(path.join(allowed, 'exp2'), allowed, `file://${allowed}/exp2`), ''],
  ];
  const swap = swapper([path.join(destination, 'd'), path.join(allowed, 'exp', 'd'), path.join(allowed, 'exp2')]);
  const tally: Tally = { reads: 0, readsInside: 0, leakedReads: 0, leakedNames: 0, writes: 0 };
  const deadline = Date.now() + 20_000;
  try {
    await Promise.all(stores.map(([store, prefix]) => Promise.all([attack(store, prefix, deadline, tally), attack(store, prefix, deadline, tally)])));
  } finally {
    const swaps = await swap.stop();
    console.log(JSON.stringify({ ...tally, swaps, outsideAfter: snapshot(outside).length - before.length }));
    expect(swaps).toBeGreaterThan(1000);
  }
  // The race was real: some operations went through, some were refused.
  expect(tally.readsInside).toBeGreaterThan(0);
  expect(tally.writes).toBeGreaterThan(0);
  expect(tally.readsInside).toBeLessThan(tally.reads);
  // And nothing crossed the line.
  expect(tally.leakedReads).toBe(0);
  expect(tally.leakedNames).toBe(0);
  expect(snapshot(outside)).toEqual(before);
  expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);
});

it('deleting trees while a subdirectory is swapped for a link never removes anything outside', async () => {
  const victim = path.join(base, 'outside-victim');
  fs.mkdirSync(victim, { recursive: true });
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(victim, `keep-${i}.txt`), SECRET);
  const before = snapshot(victim);
  const destination = path.join(base, 'artifacts-delete');
  fs.mkdirSync(path.join(destination, 'tree', 'sub'), { recursive: true });
  const store = new LocalArtifactStore(destination);
  // The swapper links tree/sub to the victim directory.
  const script = `
    const fs = require('fs');
    const t = ${JSON.stringify(path.join(destination, 'tree', 'sub'))};
    let stop = false, swaps = 0;
    process.stdin.on('data', () => { stop = true; });
    (function round() {
      for (let n = 0; n < 200; n++) {
        try { fs.renameSync(t, t + '.real'); } catch {}
        try { fs.symlinkSync(${JSON.stringify(victim)}, t); } catch {}
        try { fs.unlinkSync(t); } catch {}
        try { fs.renameSync(t + '.real', t); } catch {}
        swaps++;
      }
      if (stop) { process.stdout.write(String(swaps)); process.exit(0); }
      setImmediate(round);
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let deletes = 0;
  const deadline = Date.now() + 8_000;
  try {
    for (let i = 0; i < 400 && Date.now() < deadline; i++) {
      for (let k = 0; k < 5; k++) await store.write(`tree/sub/f-${k}.txt`, Readable.from([Buffer.from('z')])).catch(() => {});
      await store.delete('tree').then(() => deletes++, () => {});
      fs.mkdirSync(path.join(destination, 'tree'), { recursive: true });
    }
  } finally {
    child.stdin.write('stop\n');
    await exited;
  }
  console.log(JSON.stringify({ deletes, swaps: Number(out), victimAfter: snapshot(victim).length, victimBefore: before.length }));
  expect(deletes).toBeGreaterThan(0);
  expect(snapshot(victim)).toEqual(before);
});
