// The official UI for a machine without mlflow installed: `npm run demo` fetches the pinned mlflow wheel
// with pip (no dependencies, nothing installed into any Python environment), keeps only its prebuilt UI
// (mlflow/server/js/build) in the user's cache, and throws the rest away — what the Dockerfile's
// mlflow-ui stage does. The server then finds it there (locate-build.ts) on every later start.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MLFLOW_COMPATIBLE_VERSION } from '../version.js';

const PIP_TIMEOUT_MS = 300_000;

/** `<XDG_CACHE_HOME or ~/.cache>/minflow/mlflow-ui/<version>`: one UI build per mlflow version. */
export function cachedUiDir(env: NodeJS.ProcessEnv = process.env, version = MLFLOW_COMPATIBLE_VERSION): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'minflow', 'mlflow-ui', version);
}

function pip(python: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-m', 'pip', ...args], { timeout: PIP_TIMEOUT_MS, windowsHide: true, maxBuffer: 16 << 20 }, (error, _out, stderr) => {
      if (error) reject(new Error(`${python} -m pip ${args.join(' ')} failed: ${stderr.trim().split('\n').slice(-3).join(' ') || error.message}`));
      else resolve();
    });
  });
}

/**
 * Downloads mlflow==version without dependencies into a temporary directory beside `dest` and moves its
 * UI build to `dest` in one rename, so a cut-off fetch never leaves a half build where the server looks.
 * Returns `dest`.
 */
export async function fetchUiFromWheel(dest = cachedUiDir(), version = MLFLOW_COMPATIBLE_VERSION, python = 'python3'): Promise<string> {
  const parent = path.dirname(dest);
  fs.mkdirSync(parent, { recursive: true });
  const work = fs.mkdtempSync(path.join(parent, '.fetch-'));
  try {
    const target = path.join(work, 'wheel');
    await pip(python, ['install', '--disable-pip-version-check', '--no-input', '-q', '--no-deps', '--target', target, `mlflow==${version}`]);
    const build = path.join(target, 'mlflow', 'server', 'js', 'build');
    if (!fs.existsSync(path.join(build, 'index.html'))) throw new Error(`the mlflow ${version} wheel has no UI build at mlflow/server/js/build`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(build, dest);
    return dest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
