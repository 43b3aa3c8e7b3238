// Paths every test helper agrees on.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const VENV = path.join(ROOT, '.venv');
export const VENV_PYTHON = path.join(VENV, 'bin', 'python');
/**
 * The seed's churn table (never copied into the project): $MINFLOW_ABT_CSV, else ../shared/data/abt.csv
 * next to the checkout, else the workplace's /work/shared copy (a clone made elsewhere on this machine).
 */
export const ABT_CSV =
  process.env.MINFLOW_ABT_CSV ??
  [path.resolve(ROOT, '..', 'shared', 'data', 'abt.csv'), '/work/shared/data/abt.csv'].find((p) => fs.existsSync(p)) ??
  path.resolve(ROOT, '..', 'shared', 'data', 'abt.csv');

/** The built CLI, or a failure that says how to build it (tests never skip). */
export function builtCli(): string {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it for you).`);
  return CLI;
}

/** The compat venv's python, or a failure that says how to create it. */
export function venvPython(): string {
  if (!fs.existsSync(VENV_PYTHON)) {
    throw new Error(
      `${VENV_PYTHON} is missing: create it with \`python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt\``,
    );
  }
  return VENV_PYTHON;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), `minflow-${prefix}-`));
}
