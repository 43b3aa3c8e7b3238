// Uploads land in `.minflow-upload-*` files that are renamed into place when complete; a crash (kill -9,
// power loss) leaves the ones in flight behind. Listings never show them; this removes them once the
// server is up again — only files older than this process, so uploads already running are untouched.
// The walk is sequential and in the background: a large artifact tree delays nothing.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { TEMP_PREFIX } from './local-store.js';

/** Removes upload temp files under `root` last modified before `before` (ms); returns how many. */
export async function sweepStaleUploads(root: string, before: number): Promise<number> {
  let removed = 0;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      continue; // gone meanwhile, or unreadable: nothing of ours to clean there
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      // Symlinks are neither followed nor removed: the sweep stays inside the root.
      if (e.isDirectory()) pending.push(full);
      else if (e.isFile() && e.name.startsWith(TEMP_PREFIX)) {
        const stat = await fsp.stat(full).catch(() => null);
        if (stat && stat.mtimeMs < before && (await fsp.rm(full, { force: true }).then(() => true, () => false))) removed += 1;
      }
    }
  }
  return removed;
}
