// Uploads land in `.minflow-upload-*` files that are renamed into place when complete; a crash (kill -9,
// power loss) leaves the ones in flight behind. Listings never show them; this removes them once the
// server is up again — only files older than this process, so uploads already running are untouched.
// The walk is sequential and in the background: a large artifact tree delays nothing. Each directory
// is reached from the root held open (held-dir.ts), so a directory swapped for a symlink meanwhile
// cannot lead the sweep to remove anything outside the root.
import fsp from 'node:fs/promises';
import { HeldDir, walk } from './held-dir.js';
import { TEMP_PREFIX } from './local-store.js';

/** Removes upload temp files under `root` last modified before `before` (ms); returns how many. */
export async function sweepStaleUploads(root: string, before: number): Promise<number> {
  let removed = 0;
  let top: HeldDir;
  try {
    top = await HeldDir.open(root);
  } catch {
    return 0; // no root yet: nothing to clean
  }
  try {
    const pending: string[][] = [[]];
    while (pending.length > 0) {
      const segments = pending.pop()!;
      const dir = await walk(top, segments, false).catch(() => null);
      if (!dir) continue; // gone meanwhile, refused, or unreadable: nothing of ours to clean there
      try {
        let entries;
        try {
          entries = await fsp.readdir(dir.self(), { withFileTypes: true });
        } catch {
          continue;
        }
        for (const e of entries) {
          // Symlinks are neither followed nor removed: the sweep stays inside the root.
          if (e.isDirectory()) pending.push([...segments, e.name]);
          else if (e.isFile() && e.name.startsWith(TEMP_PREFIX)) {
            const stat = await fsp.lstat(dir.at(e.name)).catch(() => null);
            if (stat?.isFile() && stat.mtimeMs < before && (await fsp.rm(dir.at(e.name), { force: true }).then(() => true, () => false))) removed += 1;
          }
        }
      } finally {
        if (dir !== top) await dir.close();
      }
    }
  } finally {
    await top.close();
  }
  return removed;
}
