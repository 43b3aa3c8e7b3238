// The official MLflow client (3.17.2, unchanged) against a Minflow server started with --auth basic and
// a tokens file: with MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD, with MLFLOW_TRACKING_TOKEN, and
// without credentials (refused: 401 is not retried, so the client fails at once). Driven by
// py8/auth_client.py.
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, tempDir } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

interface Outcome {
  ok: boolean;
  error_code?: string;
  message?: string;
  params?: Record<string, string>;
  metrics?: Record<string, number>;
  tag?: string;
  listed?: string[];
  downloaded?: string[];
  version?: string;
  status?: string;
}

const PASSWORD = 'compat-password-123';
let server: ServerProcess;
let work: string;
let token: string;

function cli(args: string[], stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli(), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`minflow ${args.join(' ')} exited ${code}`))));
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  work = tempDir('auth-compat');
  const users = path.join(work, 'users');
  const tokens = path.join(work, 'tokens');
  await cli(['users', 'add', 'alice', '--file', users, '--password-stdin'], `${PASSWORD}\n`);
  token = /mft_[A-Za-z0-9_-]+/.exec(await cli(['tokens', 'add', 'ci', '--file', tokens]))![0];
  server = await startServer({ args: ['--auth', 'basic', '--auth-users-file', users, '--auth-tokens-file', tokens] });
});

afterAll(async () => {
  await server?.stop();
});

const script = (env: NodeJS.ProcessEnv) =>
  runPython<Outcome>('test/compat/py8/auth_client.py', [work], {
    MLFLOW_TRACKING_URI: server.url,
    MLFLOW_TRACKING_USERNAME: '',
    MLFLOW_TRACKING_PASSWORD: '',
    MLFLOW_TRACKING_TOKEN: '',
    ...env,
  });

function expectWorkflow(o: Outcome, who: string): void {
  expect(o, o.message).toMatchObject({
    ok: true,
    params: { depth: '3' },
    metrics: { auc: 0.91, loss: 0.2 },
    tag: who,
    listed: [expect.stringMatching(/^notes\/note-\d+\.txt$/)],
    downloaded: [expect.stringMatching(/^note-\d+\.txt$/)],
    version: '1',
    status: 'READY',
  });
}

describe('the official client with credentials', () => {
  it('works with MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (HTTP Basic)', async () => {
    const { json } = await script({ MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: PASSWORD });
    expectWorkflow(json, 'alice');
  });

  it('works with MLFLOW_TRACKING_TOKEN (Bearer)', async () => {
    const { json } = await script({ MLFLOW_TRACKING_TOKEN: token });
    expectWorkflow(json, 'token');
  });

  // (A wrong token is refused in test/e2e/auth.test.ts; each python start costs seconds here.)
  it('is refused without credentials and with a wrong password — at once, not after retries', async () => {
    for (const env of [{}, { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 'wrong' }]) {
      const started = Date.now();
      const { json } = await script({ ...env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '7' });
      expect(json.ok).toBe(false);
      expect(json.message).toMatch(/UNAUTHENTICATED|401/);
      expect(Date.now() - started).toBeLessThan(30_000);
    }
  });
});
