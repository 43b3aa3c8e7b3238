// Artifacts as files under one root directory. Every path stays inside the root — symlinks included —
// or is refused with 400 "Invalid path"; uploads stream to a temporary name next to their target, are
// fsynced and renamed into place, and the directory is fsynced after the rename, so a crash never
// leaves a half-written artifact visible and a power loss never undoes an acknowledged one. Paths are
// walked from held directory handles (held-dir.ts), never checked and then opened: a symlink swapped
// in meanwhile leads nowhere outside the root.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MlflowError, invalidParameter, notFound } from '../errors.js';
import { resolveRange, type RangeRequest } from './range.js';
import { HeldDir, isInside, openFileIn, refuseLinkOut, removeTree, walk } from './held-dir.js';
import { invalidPath, validatePathIsSafe } from './safe-path.js';
import type { ArtifactFileInfo, ArtifactReadable, ArtifactStore } from './store.js';

/** Uploads in progress carry this prefix; listings hide them, as MLflow hides its temp files. */
export const TEMP_PREFIX = '.minflow-upload-';

/** Filesystem refusals that come from the path the client chose (a file where a directory must be, a name too long). */
const PATH_ERRORS = new Set(['ENOTDIR', 'EEXIST', 'ENAMETOOLONG', 'EISDIR', 'ELOOP']);

function isPathError(e: unknown): boolean {
  return PATH_ERRORS.has((e as NodeJS.ErrnoException)?.code ?? '');
}

function pathError(e: unknown, rel: string): unknown {
  if (!isPathError(e)) return e;
  return invalidParameter(`Invalid artifact path '${validatePathIsSafe(rel)}': ${(e as NodeJS.ErrnoException).code === 'ENAMETOOLONG' ? 'a name is too long' : 'a file stands where a directory must be'}`);
}

export interface LocalStoreOptions {
  /**
   * A directory the root must stay inside (an allowed artifact root): the root is then reached by
   * walking from this directory, held open, so no symlink on the way can lead out of it.
   */
  within?: string;
}

export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;
  private readonly within: string | null;
  private rootMade = false;

  constructor(root: string, options: LocalStoreOptions = {}) {
    this.root = path.resolve(root);
    this.within = options.within ? path.resolve(options.within) : null;
  }

  /** The absolute path of `rel` (for messages and callers that only name it), after the syntactic checks. */
  async resolve(rel: string): Promise<string> {
    const safe = validatePathIsSafe(rel);
    const abs = safe === '' ? this.root : path.join(this.root, ...safe.split('/'));
    if (!isInside(abs, this.root)) throw invalidPath();
    return abs;
  }

  async list(dir: string): Promise<ArtifactFileInfo[]> {
    const base = validatePathIsSafe(dir);
    const root = await this.openRoot(false);
    if (!root) return [];
    let held: HeldDir | null = null;
    try {
      held = await walk(root, segmentsOf(base), false).catch((e: unknown) => {
        if (isPathError(e)) return null; // a file where a directory would be: nothing listed there
        throw e;
      });
      if (!held) return [];
      let entries: fs.Dirent[];
      try {
        entries = await fsp.readdir(held.self(), { withFileTypes: true });
      } catch {
        return [];
      }
      const out: ArtifactFileInfo[] = [];
      for (const e of entries) {
        if (e.name.startsWith(TEMP_PREFIX)) continue;
        const rel = base ? `${base}/${e.name}` : e.name;
        let stat: fs.Stats;
        try {
          stat = await fsp.stat(held.at(e.name));
          // A symlink that points out of the root is not listed.
          if (e.isSymbolicLink() && !isInside(await fsp.realpath(held.at(e.name)), root.real)) continue;
        } catch {
          continue;
        }
        out.push(stat.isDirectory() ? { path: rel, isDir: true } : { path: rel, isDir: false, fileSize: stat.size });
      }
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    } finally {
      if (held && held !== root) await held.close();
      await root.close();
    }
  }

  async read(rel: string, range?: RangeRequest): Promise<ArtifactReadable> {
    const safe = validatePathIsSafe(rel);
    const missing = () => notFound(`No such artifact: '${safe}'`);
    const isDir = () => invalidParameter(`Artifact path refers to a directory, not a file: '${safe}'`);
    const root = await this.openRoot(false);
    if (!root) throw missing();
    let handle: fsp.FileHandle | null = null;
    try {
      if (safe === '') throw isDir();
      const segments = segmentsOf(safe);
      const name = segments.pop()!;
      const dir = await walk(root, segments, false).catch((e: unknown) => {
        if (isPathError(e)) return null;
        throw e;
      });
      if (!dir) throw missing();
      try {
        handle = await openFileIn(dir, name, root.real).catch((e: unknown) => {
          if (isPathError(e)) return null;
          throw e;
        });
      } finally {
        if (dir !== root) await dir.close();
      }
      if (!handle) throw missing();
      // Judged by the open descriptor: the file read is the file checked.
      const stat = await handle.stat();
      if (stat.isDirectory()) throw isDir();
      if (!stat.isFile()) throw missing();
      const bytes = range ? resolveRange(range, stat.size) : undefined;
      const opened = handle;
      handle = null;
      const stream = opened.createReadStream({ highWaterMark: 1024 * 1024, ...(bytes ? { start: bytes.start, end: bytes.end } : {}) });
      if (!bytes) return { stream, size: stat.size };
      return { stream, size: bytes.end - bytes.start + 1, range: { ...bytes, total: stat.size } };
    } finally {
      await handle?.close();
      await root.close();
    }
  }

  async write(rel: string, body: Readable, maxBytes = Number.POSITIVE_INFINITY, refuseEmpty?: () => Error): Promise<number> {
    const safe = validatePathIsSafe(rel);
    if (safe === '') throw invalidPath();
    const segments = segmentsOf(safe);
    const name = segments.pop()!;
    const root = (await this.openRoot(true))!;
    let dir: HeldDir | null = null;
    let written = 0;
    try {
      dir = await walk(root, segments, true).catch((e: unknown) => {
        throw pathError(e, rel);
      });
      const held = dir!;
      await refuseLinkOut(held, name, root.real);
      const temp = `${TEMP_PREFIX}${randomUUID()}`;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          written += chunk.length;
          if (written > maxBytes) done(new MlflowError('INVALID_PARAMETER_VALUE', `Artifact exceeds the maximum size of ${maxBytes} bytes`, 413));
          else done(null, chunk);
        },
      });
      // O_EXCL|O_NOFOLLOW: the temp file is a new file in the held directory, never through a link.
      const out = await fsp
        .open(held.at(temp), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o666)
        .catch((e: unknown) => {
          throw pathError(e, rel);
        });
      try {
        // flush: fsynced before the stream closes the file, so the rename below publishes durable bytes.
        // (The stream owns the handle and closes it, also when the pipeline fails.)
        await pipeline(body, counter, out.createWriteStream({ flush: true, highWaterMark: 1024 * 1024 }));
        // Checked before the rename, so an empty upload never replaces what is there.
        if (written === 0 && refuseEmpty) throw refuseEmpty();
        // A link in the target's place is replaced by the rename, but one that leads out is refused,
        // as its path is: the client named a place outside the root.
        await refuseLinkOut(held, name, root.real);
        const existing = await fsp.lstat(held.at(name)).catch(() => null);
        if (existing?.isDirectory()) throw invalidParameter(`Artifact path refers to a directory, not a file: '${safe}'`);
        // Both names inside the held directory: a link swapped in above it changes nothing.
        await fsp.rename(held.at(temp), held.at(name));
        // The rename is an entry in the directory: fsync it too, or a power loss can undo it.
        await held.handle.sync();
      } catch (e) {
        await fsp.rm(held.at(temp), { force: true });
        throw pathError(e, rel);
      }
      return written;
    } finally {
      if (dir && dir !== root) await dir.close();
      await root.close();
    }
  }

  async delete(rel: string): Promise<void> {
    const safe = validatePathIsSafe(rel);
    if (safe === '') throw invalidPath();
    const segments = segmentsOf(safe);
    const name = segments.pop()!;
    const root = await this.openRoot(false);
    if (!root) return;
    let dir: HeldDir | null = null;
    try {
      // A path under a file, or with a name too long to exist, is simply not there.
      dir = await walk(root, segments, false).catch((e: unknown) => {
        if (isPathError(e)) return null;
        throw e;
      });
      if (!dir) return;
      await refuseLinkOut(dir, name, root.real);
      // A link is removed itself, not what it points to; a tree is walked from held handles.
      await removeTree(dir, name).catch((e: unknown) => {
        if (!isPathError(e)) throw e;
      });
    } finally {
      if (dir && dir !== root) await dir.close();
      await root.close();
    }
  }

  /**
   * The root, held open. A plain store creates its root when missing; a store `within` an allowed
   * directory reaches its root by walking from that directory (created only when `create`). null
   * when the root does not exist and was not to be created.
   */
  private async openRoot(create: boolean): Promise<HeldDir | null> {
    if (!this.within) {
      if (!this.rootMade) {
        await fsp.mkdir(this.root, { recursive: true });
        this.rootMade = true;
      }
      return HeldDir.open(this.root).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      });
    }
    if (create) await fsp.mkdir(this.within, { recursive: true });
    const allowed = await HeldDir.open(this.within).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    });
    if (!allowed) return null;
    try {
      const rel = path.relative(this.within, this.root);
      if (rel.startsWith('..') || path.isAbsolute(rel)) throw invalidPath();
      const held = await walk(allowed, rel === '' ? [] : rel.split(path.sep), create).catch((e: unknown) => {
        if (isPathError(e)) return null;
        throw e;
      });
      if (held === allowed) return HeldDir.open(allowed.self());
      return held;
    } finally {
      await allowed.close();
    }
  }
}

function segmentsOf(safe: string): string[] {
  return safe === '' ? [] : safe.split('/');
}
