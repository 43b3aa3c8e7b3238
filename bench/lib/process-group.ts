// Servers the benchmarks start run in their own process group (spawn with detached: true), so that
// stopping one also stops what it forked: `mlflow server`'s uvicorn workers and job runners,
// `mlflow models serve`'s workers. One place for what bench/lib/servers.ts and bench/serving.ts need.
import type { ChildProcess } from 'node:child_process';

/** Signals the child's whole process group; a group that is already gone is not an error. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * SIGTERM to the group, SIGKILL if the child has not exited after `graceMs`, then SIGKILL for
 * whatever the group still holds (uvicorn workers may outlive their parent by a moment).
 * `exited` settles when the child exits (passed in when the caller already listens for it).
 */
export async function stopGroup(child: ChildProcess, graceMs: number, exited?: Promise<void>): Promise<void> {
  const running = child.exitCode === null && child.signalCode === null;
  if (running) {
    const exit = exited ?? new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child, 'SIGTERM');
    const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    await exit;
    clearTimeout(killer);
  }
  signalGroup(child, 'SIGKILL');
}
