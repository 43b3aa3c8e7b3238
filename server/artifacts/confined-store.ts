// A local artifact root (an experiment's `/abs/path` or `file://` location) that must stay inside one
// of the directories the server was given. The root's own store keeps `..` and symlinks from leading
// out of the root; this wrapper keeps the root itself from leading out of the allowed directory — by
// its path (a clear refusal up front), and for certain by the inner store, which reaches the root by
// walking from the allowed directory held open (held-dir.ts): a directory on the way swapped for a
// symlink at any moment leads nowhere outside it.
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MlflowError } from '../errors.js';
import { LocalArtifactStore } from './local-store.js';
import type { RangeRequest } from './range.js';
import type { ArtifactFileInfo, ArtifactReadable, ArtifactStore } from './store.js';

export function isInsideDir(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

/** Whether the deepest existing part of `abs` really (symlinks resolved) lies inside `realParent`. */
export async function realPathInside(abs: string, realParent: string): Promise<boolean> {
  let probe = abs;
  for (;;) {
    try {
      return isInsideDir(await fsp.realpath(probe), realParent);
    } catch {
      const parent = path.dirname(probe);
      if (parent === probe) return false;
      probe = parent;
    }
  }
}

export function outsideRootsError(uri: string): MlflowError {
  return new MlflowError(
    'INVALID_PARAMETER_VALUE',
    `Minflow does not serve artifacts at '${uri}': local artifact locations must lie inside the server's artifact ` +
      'directories (--artifacts-destination, --default-artifact-root, --allowed-artifact-roots)',
  );
}

export class ConfinedLocalStore implements ArtifactStore {
  private readonly inner: LocalArtifactStore;

  constructor(
    /** The root, already known to be inside `allowedDir` by its path. */
    readonly root: string,
    private readonly allowedDir: string,
    private readonly uri: string,
  ) {
    this.inner = new LocalArtifactStore(root, { within: allowedDir });
  }

  private async check(): Promise<void> {
    const realAllowed = await fsp.realpath(this.allowedDir).catch(() => null);
    if (realAllowed === null || !(await realPathInside(this.root, realAllowed))) throw outsideRootsError(this.uri);
  }

  async list(dir: string): Promise<ArtifactFileInfo[]> {
    await this.check();
    return this.inner.list(dir);
  }

  async read(rel: string, range?: RangeRequest): Promise<ArtifactReadable> {
    await this.check();
    return this.inner.read(rel, range);
  }

  async write(rel: string, body: Readable, maxBytes?: number, refuseEmpty?: () => Error): Promise<number> {
    await this.check();
    return this.inner.write(rel, body, maxBytes, refuseEmpty);
  }

  async delete(rel: string): Promise<void> {
    await this.check();
    return this.inner.delete(rel);
  }
}
