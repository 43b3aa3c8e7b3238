// Walking an artifact path from a held directory handle, so that no symlink swapped in between a
// check and an open can lead the server out of its artifact root. Checking a path and then opening
// it is a race: a client who can create symlinks inside a root swaps a directory for a link to `/`
// between the two and reads /etc/hosts or writes anywhere (issue 14, item 7). Here every step opens
// one component relative to the directory already held open, with O_NOFOLLOW, so a symlink is never
// followed unnoticed; a symlink the tree really contains is followed only when the directory it
// leads to is, by the real path of the handle it opened, inside the root. The file finally read is
// checked the same way, by the real path of its open descriptor: whatever the path did meanwhile,
// the bytes come from that file.
//
// On Linux a held directory is addressed as /proc/self/fd/<fd>/<name> — the kernel resolves that
// through the open descriptor itself (openat(2) semantics), and readlink(/proc/self/fd/<fd>) is the
// real path of what a descriptor has open. Elsewhere the walk falls back to real paths, and the
// final file is checked by comparing the device and inode of the open descriptor with the file at
// its real path.
import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { invalidPath } from './safe-path.js';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const PROC_FD = process.platform === 'linux' && fs.existsSync('/proc/self/fd');

export function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

/** The real path of what `handle` has open (Linux: the kernel's; elsewhere: `hint`'s real path, if it is the same file). */
export async function realPathOf(handle: FileHandle, hint: string): Promise<string> {
  if (PROC_FD) return fsp.readlink(`/proc/self/fd/${handle.fd}`);
  const real = await fsp.realpath(hint);
  const [a, b] = await Promise.all([handle.stat(), fsp.stat(real)]);
  if (a.dev !== b.dev || a.ino !== b.ino) throw invalidPath();
  return real;
}

/** A directory held open, known to lie (by its real path) inside the root being walked. */
export class HeldDir {
  private constructor(
    readonly handle: FileHandle,
    /** Its real path when it was opened. */
    readonly real: string,
  ) {}

  static async open(dir: string, flags: number = O_RDONLY | O_DIRECTORY): Promise<HeldDir> {
    const handle = await fsp.open(dir, flags);
    try {
      return new HeldDir(handle, await realPathOf(handle, dir));
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** The path that names `name` inside this very directory, whatever happens to its path meanwhile. */
  at(name: string): string {
    return PROC_FD ? `/proc/self/fd/${this.handle.fd}/${name}` : path.join(this.real, name);
  }

  /** This directory itself (for readdir). */
  self(): string {
    return PROC_FD ? `/proc/self/fd/${this.handle.fd}` : this.real;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * When `name` in `dir` is a symlink whose target lies outside `rootReal`: 400 Invalid path. A dangling
 * link is refused only when `asDirectory` (it would lead wherever its target is created); as the last
 * component it is harmless — a read misses, a write's rename replaces the link itself.
 */
export async function refuseLinkOut(dir: HeldDir, name: string, rootReal: string, asDirectory = false): Promise<void> {
  const entry = await fsp.lstat(dir.at(name)).catch(() => null);
  if (!entry?.isSymbolicLink()) return;
  let target: string;
  try {
    target = await fsp.realpath(dir.at(name));
  } catch {
    if (asDirectory) throw invalidPath();
    return;
  }
  if (!isInside(target, rootReal)) throw invalidPath();
}

/**
 * Opens `name` inside `dir` as a directory: a real subdirectory with O_NOFOLLOW; a symlink only when
 * the directory it leads to is inside `rootReal`. null when it does not exist (ENOENT).
 */
async function openChild(dir: HeldDir, name: string, rootReal: string): Promise<HeldDir | null> {
  try {
    return await HeldDir.open(dir.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // O_DIRECTORY|O_NOFOLLOW on a symlink answers ENOTDIR (Linux) or ELOOP: tell a link from a file.
    if (code !== 'ELOOP' && code !== 'ENOTDIR') throw e;
    const entry = await fsp.lstat(dir.at(name)).catch(() => null);
    if (!entry?.isSymbolicLink()) throw e;
  }
  // A symlink: refused at once when its target is outside (or missing); else followed once, and where
  // it led is judged again by the handle, not by the path.
  await refuseLinkOut(dir, name, rootReal, true);
  let followed: HeldDir;
  try {
    followed = await HeldDir.open(dir.at(name), O_RDONLY | O_DIRECTORY);
  } catch (e) {
    // A dangling symlink used as a directory leads wherever its target would be created: refuse it.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ELOOP') throw invalidPath();
    throw e;
  }
  if (!isInside(followed.real, rootReal)) {
    await followed.close();
    throw invalidPath();
  }
  return followed;
}

/**
 * Walks `segments` from `root` (already held; symlinks may lead anywhere inside `boundary`), creating missing directories when `create`. Returns the
 * held last directory (the caller closes it), or null when a component is missing and not created.
 * Every handle opened on the way but the last is closed.
 */
export async function walk(root: HeldDir, segments: readonly string[], create: boolean, boundary: string = root.real): Promise<HeldDir | null> {
  let current = root;
  try {
    for (const name of segments) {
      let next = await openChild(current, name, boundary);
      if (next === null) {
        if (!create) {
          if (current !== root) await current.close();
          return null;
        }
        // mkdir never follows a symlink in the last component: an entry of that name (a link or a
        // directory made meanwhile) answers EEXIST and is opened, and judged, as any other.
        const made = await fsp.mkdir(current.at(name)).then(
          () => true,
          (e: unknown) => {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
            return false;
          },
        );
        // A new directory is an entry in its parent: made durable before anything is published in it.
        if (made) await current.handle.sync();
        next = await openChild(current, name, boundary);
        if (next === null) throw Object.assign(new Error(`ENOENT: ${name} vanished`), { code: 'ENOENT' });
      }
      if (current !== root) await current.close();
      current = next;
    }
    return current;
  } catch (e) {
    if (current !== root) await current.close();
    throw e;
  }
}

/**
 * Opens a file to read inside `dir` (O_NONBLOCK: a FIFO planted in the tree cannot hang the open);
 * the descriptor's real path must be inside `rootReal`. Symlinks inside the root are followed.
 */
export async function openFileIn(dir: HeldDir, name: string, rootReal: string): Promise<FileHandle | null> {
  let handle: FileHandle;
  try {
    handle = await fsp.open(dir.at(name), O_RDONLY | O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw invalidPath();
    throw e;
  }
  try {
    if (!isInside(await realPathOf(handle, dir.at(name)), rootReal)) throw invalidPath();
    return handle;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * Removes `name` inside `dir` — a file, a link (itself, never what it points to) or a whole tree —
 * descending only through directories opened with O_NOFOLLOW from their held parent, so a
 * subdirectory swapped for a symlink mid-way makes the walk unlink the link, never empty its target.
 * A missing entry is not an error.
 */
export async function removeTree(dir: HeldDir, name: string): Promise<void> {
  let child: HeldDir;
  try {
    child = await HeldDir.open(dir.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTDIR' && code !== 'ELOOP') throw e;
    // A file or a link: unlink never follows.
    await fsp.unlink(dir.at(name)).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    });
    return;
  }
  try {
    for (const entry of await fsp.readdir(child.self())) await removeTree(child, entry);
  } finally {
    await child.close();
  }
  // rmdir does not follow a link either: one swapped in after the walk answers ENOTDIR and stays.
  await fsp.rmdir(dir.at(name)).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  });
}
