// The Minflow version, read from the package.json above this file (serving/ under tsx, dist/serving/
// when built), for GET /version.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function minflowVersion(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'minflow' && pkg.version) return (cached = pkg.version);
    }
    dir = path.dirname(dir);
  }
  return (cached = 'unknown');
}
