// Artifacts as files under one root directory. Every path is resolved inside the root — symlinks
// included — or refused with 400 "Invalid path"; uploads stream to a temporary name next to their
// target, are fsynced and renamed into place, so a crash never leaves a half-written artifact visible.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MlflowError, invalidParameter, notFound } from '../errors.js';
import { resolveRange, type RangeRequest } from './range.js';
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

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;
  private realRoot: string | null = null;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The absolute path of `rel`, after checking that neither `..` nor a symlink leads out of the root. */
  async resolve(rel: string): Promise<string> {
    const safe = validatePathIsSafe(rel);
    const abs = safe === '' ? this.root : path.join(this.root, ...safe.split('/'));
    if (!isInside(abs, this.root)) throw invalidPath();
    const realRoot = await this.realRootPath();
    // The deepest part of the path that exists must really be inside the root.
    let probe = abs;
    for (;;) {
      try {
        const real = await fsp.realpath(probe);
        if (!isInside(real, realRoot)) throw invalidPath();
        break;
      } catch (e) {
        if (e instanceof MlflowError) throw e;
        // A dangling symlink used as a directory leads wherever its target would be created: refuse
        // it. As the last component it is harmless: a read misses, a write's rename replaces the link.
        if (probe !== abs && (await fsp.lstat(probe).catch(() => null))?.isSymbolicLink()) throw invalidPath();
        const parent = path.dirname(probe);
        if (parent === probe || !isInside(parent, this.root)) break;
        probe = parent;
      }
    }
    return abs;
  }

  async list(dir: string): Promise<ArtifactFileInfo[]> {
    const abs = await this.resolve(dir);
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(abs, { withFileTypes: true });
    } catch {
      return [];
    }
    const base = validatePathIsSafe(dir);
    const out: ArtifactFileInfo[] = [];
    for (const e of entries) {
      if (e.name.startsWith(TEMP_PREFIX)) continue;
      const rel = base ? `${base}/${e.name}` : e.name;
      const full = path.join(abs, e.name);
      let stat: fs.Stats;
      try {
        stat = await fsp.stat(full);
        // A symlink that points out of the root is not listed.
        if (e.isSymbolicLink() && !isInside(await fsp.realpath(full), await this.realRootPath())) continue;
      } catch {
        continue;
      }
      out.push(stat.isDirectory() ? { path: rel, isDir: true } : { path: rel, isDir: false, fileSize: stat.size });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async read(rel: string, range?: RangeRequest): Promise<ArtifactReadable> {
    const abs = await this.resolve(rel);
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(abs);
    } catch {
      throw notFound(`No such artifact: '${validatePathIsSafe(rel)}'`);
    }
    if (stat.isDirectory()) throw invalidParameter(`Artifact path refers to a directory, not a file: '${validatePathIsSafe(rel)}'`);
    const bytes = range ? resolveRange(range, stat.size) : undefined;
    const handle = await fsp.open(abs, 'r');
    const stream = handle.createReadStream({ highWaterMark: 1024 * 1024, ...(bytes ? { start: bytes.start, end: bytes.end } : {}) });
    if (!bytes) return { stream, size: stat.size };
    return { stream, size: bytes.end - bytes.start + 1, range: { ...bytes, total: stat.size } };
  }

  async write(rel: string, body: Readable, maxBytes = Number.POSITIVE_INFINITY, refuseEmpty?: () => Error): Promise<number> {
    const abs = await this.resolve(rel);
    if (abs === this.root) throw invalidPath();
    const dir = path.dirname(abs);
    await fsp.mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw pathError(e, rel);
    });
    // mkdir may have walked through an existing directory: check again now that the tree exists.
    await this.resolve(rel);
    const temp = path.join(dir, `${TEMP_PREFIX}${randomUUID()}`);
    let written = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
        if (written > maxBytes) done(new MlflowError('INVALID_PARAMETER_VALUE', `Artifact exceeds the maximum size of ${maxBytes} bytes`, 413));
        else done(null, chunk);
      },
    });
    try {
      // flush: the file is fsynced before it is closed, so the rename below publishes durable bytes.
      await pipeline(body, counter, fs.createWriteStream(temp, { flush: true, highWaterMark: 1024 * 1024 }));
      // Checked before the rename, so an empty upload never replaces what is there.
      if (written === 0 && refuseEmpty) throw refuseEmpty();
      const stat = await fsp.stat(abs).catch(() => null);
      if (stat?.isDirectory()) throw invalidParameter(`Artifact path refers to a directory, not a file: '${validatePathIsSafe(rel)}'`);
      await fsp.rename(temp, abs);
    } catch (e) {
      await fsp.rm(temp, { force: true });
      throw pathError(e, rel);
    }
    return written;
  }

  async delete(rel: string): Promise<void> {
    const abs = await this.resolve(rel);
    if (abs === this.root) throw invalidPath();
    // A path under a file, or with a name too long to exist, is simply not there.
    await fsp.rm(abs, { recursive: true, force: true }).catch((e: unknown) => {
      if (!isPathError(e)) throw e;
    });
  }

  private async realRootPath(): Promise<string> {
    if (this.realRoot) return this.realRoot;
    await fsp.mkdir(this.root, { recursive: true });
    this.realRoot = await fsp.realpath(this.root);
    return this.realRoot;
  }
}
