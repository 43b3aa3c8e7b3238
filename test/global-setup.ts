// Runs once before every test file: the compat venv must exist (created here if missing, so a fresh
// clone needs only `npm test`), and the CLI must be built (npm test builds it first).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, VENV, VENV_PYTHON, builtCli } from './helpers/paths.js';

function ensureVenv(): void {
  const requirements = path.join(ROOT, 'test', 'compat', 'requirements.txt');
  const stamp = path.join(VENV, '.minflow-requirements');
  const wanted = fs.readFileSync(requirements, 'utf8');
  if (fs.existsSync(VENV_PYTHON) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return;
  process.stdout.write(`[setup] creating ${VENV} with test/compat/requirements.txt (first run only, ~1 min)\n`);
  try {
    if (!fs.existsSync(VENV_PYTHON)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '-r', requirements], { stdio: 'inherit' });
  } catch (e) {
    throw new Error(
      `could not create the compat venv (${(e as Error).message}). Install Python 3.11 with venv and pip, then run ` +
        '`python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt`.',
    );
  }
  fs.writeFileSync(stamp, wanted);
}

export default function setup(): void {
  builtCli();
  ensureVenv();
}
