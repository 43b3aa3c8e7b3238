// The context tags the Python client attaches to every run it creates (mlflow.tracking.context: user,
// source name and type, git commit), resolved for a Node process.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KeyValue } from '../../client/index.js';

const run = promisify(execFile);

/** getpass.getuser(): the first of LOGNAME, USER, LNAME, USERNAME, else the account name. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  for (const key of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const v = env[key];
    if (v) return v;
  }
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** HEAD of the git checkout holding `dir`, or undefined outside one (or without git), as MLflow omits the tag then. */
export async function gitCommit(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 5000 });
    const sha = stdout.trim();
    return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

export interface SourceContext {
  user: string;
  /** The program that ran (MLflow: the script path, sys.argv[0]). */
  sourceName: string;
  gitCommit?: string;
}

/**
 * Resolves the context once per training; every run and logged model of it shares the tags. The commit
 * is that of the code that trained (this checkout of Minflow), as MLflow takes the running script's
 * repository, not the working directory's.
 */
export async function resolveSourceContext(options: { sourceName?: string; codeDir?: string } = {}): Promise<SourceContext> {
  const sourceName = options.sourceName ?? (process.argv[1] ? path.resolve(process.argv[1]) : 'minflow');
  const commit = await gitCommit(options.codeDir ?? path.dirname(fileURLToPath(import.meta.url)));
  return { user: currentUser(), sourceName, ...(commit ? { gitCommit: commit } : {}) };
}

export function sourceTags(ctx: SourceContext): KeyValue[] {
  const tags: KeyValue[] = [
    { key: 'mlflow.user', value: ctx.user },
    { key: 'mlflow.source.name', value: ctx.sourceName },
    { key: 'mlflow.source.type', value: 'LOCAL' },
  ];
  if (ctx.gitCommit) tags.push({ key: 'mlflow.source.git.commit', value: ctx.gitCommit });
  return tags;
}
