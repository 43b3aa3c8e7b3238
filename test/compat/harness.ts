// Runs one compat script (test/compat/py/*.py, the official mlflow client) against a Minflow server
// process and gives the tests its JSON summary section by section. See py/compat_common.py for the
// summary's shape: every section lists the checks that failed on the Python side and the values it
// read back, which the vitest side checks again.
import path from 'node:path';
import { expect } from 'vitest';
import { runPython } from '../helpers/python.js';
import type { ServerProcess } from '../helpers/server-process.js';

export interface CompatSection<D = Record<string, unknown>> {
  failures: string[];
  data: D & { seconds: number; errors?: Record<string, { error_code: string | null; message: string }> };
}

export interface CompatSummary {
  ok: boolean;
  tracking_uri: string;
  mlflow_version: string;
  sections: Record<string, CompatSection>;
}

export interface CompatRun {
  summary: CompatSummary;
  code: number;
  stderr: string;
  seconds: number;
  /** The section's data after asserting the Python side recorded no failure in it. */
  section<D = Record<string, unknown>>(name: string): CompatSection<D>['data'];
}

const PY_DIR = path.join('test', 'compat', 'py');

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export async function runCompatScript(script: string, server: ServerProcess): Promise<CompatRun> {
  const started = Date.now();
  const result = await runPython<CompatSummary>(path.join(PY_DIR, script), [], {
    MLFLOW_TRACKING_URI: server.url,
    // The scripts print the client's "View run at" lines and warnings; keep stderr readable.
    PYTHONWARNINGS: 'ignore',
  });
  const seconds = (Date.now() - started) / 1000;
  const summary = result.json;
  return {
    summary,
    code: result.code,
    stderr: result.stderr,
    seconds,
    section<D>(name: string) {
      const sec = summary.sections[name] as CompatSection<D> | undefined;
      expect(sec, `${script} reported no section "${name}" (sections: ${Object.keys(summary.sections).join(', ')})`).toBeDefined();
      const failures = sec!.failures;
      const message =
        `${script} [${name}] against Minflow (${server.url}): ${failures.length} failed check(s):\n` +
        failures.map((f) => `  - ${f}`).join('\n') +
        (server.output().trim() ? `\n--- server output (tail)\n${tail(server.output(), 20)}` : '\n(no server output)');
      expect(failures, message).toEqual([]);
      return sec!.data;
    },
  };
}
