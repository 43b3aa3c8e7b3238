// Starts a worker thread from a sibling module of the caller: its .js file when running compiled
// (dist/), or — under tsx or vitest, where the caller is TypeScript — the .ts file through tsx's loader.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `callerUrl` is the caller's import.meta.url; `name` the sibling module without extension. */
export function spawnWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  if (callerUrl.endsWith('.js')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  // tsx's ESM entry (its CJS one cannot register hooks), found through its package.json's exports.
  const pkgFile = createRequire(callerUrl).resolve('tsx/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const tsx = pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
  const target = new URL(`./${name}.ts`, callerUrl).href;
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(code, { eval: true, workerData });
}
