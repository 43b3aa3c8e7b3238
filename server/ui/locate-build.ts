// Where the official MLflow UI build is: `--ui-dir`, else the one inside an installed `mlflow` wheel
// (site-packages/mlflow/server/js/build). Nothing from it is ever copied into Minflow.
//
// The lookup must not delay startup: the filesystem is checked first (a project or active virtualenv,
// a few readdir calls), and only if that finds nothing is python asked — in the background, with a
// short timeout, so /health answers at once and the first `GET /` waits for the answer at most.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../store/db.js';
import { cachedUiDir } from './wheel-ui.js';

export type UiBuildSource = 'flag' | 'virtualenv' | 'cache' | 'python' | 'none';

export interface UiBuild {
  /** The build directory (it holds index.html), or null when none was found. */
  dir: string | null;
  source: UiBuildSource;
  /** Why there is none, for the log and the placeholder page. */
  problem?: string;
}

const BUILD_IN_WHEEL = ['mlflow', 'server', 'js', 'build'];
const PYTHON_TIMEOUT_MS = 3000;

function hasIndex(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, 'index.html')).isFile();
  } catch {
    return false;
  }
}

/** `<venv>/lib/python3*\/site-packages/mlflow/server/js/build`, newest python first. */
function buildInVirtualenv(venv: string): string | null {
  let entries: string[];
  try {
    entries = fs.readdirSync(path.join(venv, 'lib'));
  } catch {
    return null;
  }
  const minor = (name: string) => Number(name.split('.')[1] ?? 0);
  const pythons = entries.filter((e) => /^python3(\.\d+)?$/.test(e)).sort((a, b) => minor(b) - minor(a));
  for (const python of pythons) {
    const dir = path.join(venv, 'lib', python, 'site-packages', ...BUILD_IN_WHEEL);
    if (hasIndex(dir)) return dir;
  }
  return null;
}

function candidateVirtualenvs(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const venvs = [env.VIRTUAL_ENV, path.join(cwd, '.venv'), path.join(cwd, 'venv')];
  try {
    venvs.push(path.join(packageRoot(), '.venv'));
  } catch {
    // Not running from a checkout or an installed package: the other places still count.
  }
  return [...new Set(venvs.filter((v): v is string => !!v).map((v) => path.resolve(v)))];
}

/** The fast, synchronous part: the flag, then virtualenvs on disk, then the user's cache. null = ask python. */
export function findUiBuildOnDisk(uiDir: string | null, cwd = process.cwd(), env = process.env): UiBuild | null {
  if (uiDir) {
    if (hasIndex(uiDir)) return { dir: uiDir, source: 'flag' };
    return { dir: null, source: 'flag', problem: `--ui-dir ${uiDir} has no index.html` };
  }
  for (const venv of candidateVirtualenvs(cwd, env)) {
    const dir = buildInVirtualenv(venv);
    if (dir) return { dir, source: 'virtualenv' };
  }
  // What `npm run demo` fetched from the pinned wheel on a machine without mlflow (wheel-ui.ts).
  const cached = cachedUiDir(env);
  if (hasIndex(cached)) return { dir: cached, source: 'cache' };
  return null;
}

// find_spec locates the package without importing it (importing mlflow takes seconds).
const PYTHON_FIND =
  "import importlib.util, os; s = importlib.util.find_spec('mlflow'); " +
  "print(os.path.join(os.path.dirname(s.origin), 'server', 'js', 'build') if s and s.origin else '')";

/** The build dir python reports; `missing` when there is no such interpreter at all. */
function askPython(python: string): Promise<{ dir: string | null; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(python, ['-c', PYTHON_FIND], { timeout: PYTHON_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      const dir = error ? '' : stdout.trim();
      resolve({ dir: dir && hasIndex(dir) ? dir : null, missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' });
    });
  });
}

export async function findUiBuildWithPython(): Promise<UiBuild> {
  // `python` only stands in for a missing `python3`; a python3 that answered (or hung) has spoken.
  for (const python of ['python3', 'python']) {
    const { dir, missing } = await askPython(python);
    if (dir) return { dir, source: 'python' };
    if (!missing) break;
  }
  return { dir: null, source: 'none', problem: 'no installed mlflow package was found' };
}

/** Starts the lookup; the promise settles once (the disk part synchronously). */
export function locateUiBuild(uiDir: string | null): Promise<UiBuild> {
  const onDisk = findUiBuildOnDisk(uiDir);
  return onDisk ? Promise.resolve(onDisk) : findUiBuildWithPython();
}
