// Runs a python script from the compat venv and returns its parsed JSON output (its last stdout line).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ABT_CSV, ROOT, venvPython } from './paths.js';

export interface PythonResult<T> {
  code: number;
  stdout: string;
  stderr: string;
  json: T;
}

export async function runPython<T = unknown>(
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 600_000,
): Promise<PythonResult<T>> {
  const python = venvPython();
  const scriptPath = path.isAbsolute(script) ? script : path.join(ROOT, script);
  return new Promise((resolve, reject) => {
    const child = spawn(python, [scriptPath, ...args], {
      env: { ...process.env, PYTHONUNBUFFERED: '1', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', ABT_CSV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      let json: T;
      try {
        json = JSON.parse(last) as T;
      } catch {
        reject(new Error(`${script} exited ${code} without JSON output\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
        return;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}
