// Shared by the packaging tests (test/e2e/docker-image.test.ts, test/e2e/npm-pack.test.ts): a clean copy of
// the repository, an environment without npm's and vitest's own variables, and child processes whose
// output is kept for failure messages.
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The environment a fresh shell would have. `npm test` hands its children npm_config_local_prefix,
 * npm_package_* and friends, which would point an inner `npm ci` / `npm install` back at this checkout;
 * vitest adds NODE_ENV=test and VITEST_*; MLFLOW_* / MINFLOW_* would leak host settings into the image.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NPM_|VITEST|MLFLOW_|MINFLOW_)/.test(key) || ['NODE_ENV', 'NODE_OPTIONS', 'TEST', 'INIT_CWD'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** A command that must be on PATH, or a failure that says how to install it (tests never skip). */
export function requireCommand(command: string, args: string[], howToInstall: string): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`\`${[command, ...args].join(' ')}\` failed (${(e as Error).message.split('\n')[0]}): ${howToInstall}`);
  }
}

/**
 * The repository's files as a fresh clone plus uncommitted work would have them: `git ls-files` (tracked
 * and untracked-but-not-ignored, as on disk), minus what `exclude` rejects. Returns the relative paths.
 */
export function cleanCopy(repo: string, dest: string, exclude: (rel: string) => boolean = () => false): string[] {
  requireCommand('git', ['--version'], 'install git (apt-get install -y git)');
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 });
  const copied: string[] = [];
  for (const rel of [...new Set(listed.split('\0').filter(Boolean))].sort()) {
    if (exclude(rel)) continue;
    const from = path.join(repo, rel);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(from);
    } catch {
      continue; // tracked but deleted in the working tree
    }
    const to = path.join(dest, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else if (stat.isFile()) fs.copyFileSync(from, to);
    else continue;
    copied.push(rel);
  }
  return copied;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command to the end; rejects with its output when it fails (or runs past timeoutMs). */
export function run(command: string, args: string[], options: SpawnOptions & { timeoutMs?: number; allowFailure?: boolean } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const finished = { code, signal, output };
      if (code === 0 || options.allowFailure) resolve(finished);
      else reject(new Error(`\`${[command, ...args].join(' ')}\` exited ${code ?? signal} in ${String(options.cwd ?? process.cwd())}\n${output.slice(-8000)}`));
    });
  });
}
