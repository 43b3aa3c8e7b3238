// Shared by the trainer e2e tests: `minflow train` as a child process, and a bare REST reader so the
// checks go through the server's API rather than the client the trainer itself uses.
import { spawn } from 'node:child_process';
import { builtCli } from '../helpers/paths.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runTrainCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli(), 'train', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export class Rest {
  constructor(readonly url: string) {}

  async get<T = Record<string, unknown>>(path: string, query: Record<string, string> = {}): Promise<T> {
    const u = new URL(`${this.url}/api/2.0/mlflow${path}`);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    const res = await fetch(u);
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${u} → ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.url}/api/2.0/mlflow${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** A proxied artifact's bytes (`mlflow-artifacts:/<path>` → GET /api/2.0/mlflow-artifacts/artifacts/<path>). */
  async artifact(artifactUri: string, rel: string): Promise<Buffer> {
    const root = artifactUri.replace(/^mlflow-artifacts:\/?/, '');
    const res = await fetch(`${this.url}/api/2.0/mlflow-artifacts/artifacts/${root}/${rel}`);
    if (!res.ok) throw new Error(`artifact ${rel} → ${res.status} ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  }

  async aliasVersion(name: string, alias: string): Promise<string> {
    const r = await this.get<{ model_version: { version: string } }>('/registered-models/alias', { name, alias });
    return r.model_version.version;
  }
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface WireRun {
  info: { run_id: string; run_name: string; status: string; artifact_uri: string; experiment_id: string; user_id?: string };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[]; metrics?: { key: string; value: number }[] };
  inputs?: { dataset_inputs?: { tags?: { key: string; value: string }[]; dataset: Record<string, string> }[] };
  outputs?: { model_outputs?: { model_id: string; step: number }[] };
}

export const tagsOf = (r: WireRun): Record<string, string> => Object.fromEntries((r.data.tags ?? []).map((t) => [t.key, t.value]));
export const paramsOf = (r: WireRun): Record<string, string> => Object.fromEntries((r.data.params ?? []).map((t) => [t.key, t.value]));
export const metricsOf = (r: WireRun): Record<string, number> => Object.fromEntries((r.data.metrics ?? []).map((t) => [t.key, t.value]));
