// The official MLflow UI behind `--auth basic`, in the system Chromium: a browser that knows the user's
// credentials (Playwright's httpCredentials answer the Basic challenge, as a person typing them into the
// browser's prompt would) loads the experiments list and an experiment's runs without a single failed
// request; a browser that does not gets the 401 challenge.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { builtCli, tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { launchChromium } from './ui/browser.js';
import { venvUiBuild } from './ui/build-dir.js';

const USER = 'ui-user';
const PASSWORD = 'ui-password-456';
const AUTH = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };
/** The basic-auth app's own endpoint: its 404 tells the UI there is no account menu to show (as with `mlflow server`). */
const EXPECTED = [/\/ajax-api\/2\.0\/mlflow\/users\/current$/];

let server: ServerProcess;
let browser: Browser;
let experimentId: string;

async function call(rpc: string, body: unknown): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${server.url}/api/2.0/mlflow/${rpc}`, { method: 'POST', headers: AUTH, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${rpc}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

beforeAll(async () => {
  browser = await launchChromium();
  const dir = tempDir('auth-ui');
  const users = path.join(dir, 'users');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli(), 'users', 'add', USER, '--file', users, '--password-stdin'], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`minflow users add exited ${code}`))));
    child.stdin.end(`${PASSWORD}\n`);
  });
  server = await startServer({ args: ['--ui-dir', venvUiBuild(), '--auth', 'basic', '--auth-users-file', users] });
  experimentId = (await call('experiments/create', { name: 'behind-basic-auth' })).experiment_id;
  const run = (await call('runs/create', { experiment_id: experimentId, run_name: 'authed-run', start_time: Date.now() })).run.info.run_id;
  await call('runs/log-batch', { run_id: run, metrics: [{ key: 'accuracy', value: 0.9, timestamp: Date.now(), step: 0 }], params: [{ key: 'depth', value: '4' }] });
  await call('runs/update', { run_id: run, status: 'FINISHED', end_time: Date.now() });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page on `hash` whose failed requests to the server (status ≥ 400, network errors) are collected. */
let apiAnswers = 0;

async function watchedPage(context: BrowserContext, hash: string, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('response', (res) => {
    const url = res.url();
    if (/\/(ajax-api|graphql)/.test(url) && res.status() === 200) apiAnswers += 1;
    if (url.startsWith(server.url) && res.status() >= 400 && !EXPECTED.some((re) => re.test(url.split('?')[0]!))) {
      problems.push(`${res.request().method()} ${url.replace(server.url, '')} → ${res.status()}`);
    }
  });
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? '';
    if (req.url().startsWith(server.url) && !error.includes('ERR_ABORTED')) problems.push(`${req.method()} ${req.url().replace(server.url, '')} failed: ${error}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message.slice(0, 200)}`));
  await page.goto(`${server.url}/${hash}`);
  return page;
}

describe('the MLflow UI behind --auth basic', () => {
  it('loads the experiments list and an experiment page with the user’s credentials, without failed requests', async () => {
    const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => {
      // Classic ("model training") navigation and no first-visit popups, as the other UI tests use.
      localStorage.setItem('mlflow.workflowType_v1', '"machine_learning"');
      localStorage.setItem('_mlflow_model_registry_promo_modal_dismissed_v1', 'true');
      localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');
    });
    context.setDefaultTimeout(20_000);
    const problems: string[] = [];
    try {
      const list = await watchedPage(context, '#/experiments', problems);
      await list.getByRole('link', { name: 'behind-basic-auth' }).first().waitFor({ state: 'visible' });
      await list.waitForTimeout(1000);
      const runs = await watchedPage(context, `#/experiments/${experimentId}/runs`, problems);
      await runs.getByRole('link', { name: 'authed-run' }).first().waitFor({ state: 'visible' });
      await runs.waitForTimeout(1000);
      expect(problems).toEqual([]);
      // The page's own API calls (fetch, graphql) went through with the credentials too.
      expect(apiAnswers).toBeGreaterThan(5);
    } finally {
      await context.close();
    }
  });

  it('challenges a browser without credentials', async () => {
    const context = await browser.newContext();
    try {
      // Headless Chromium turns the challenge into ERR_INVALID_AUTH_CREDENTIALS (a person would see the prompt).
      await expect(context.newPage().then((p) => p.goto(`${server.url}/`))).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      const res = await context.request.get(`${server.url}/`);
      expect(res.status()).toBe(401);
      expect(res.headers()['www-authenticate']).toMatch(/^Basic realm="mlflow"/);
    } finally {
      await context.close();
    }
  });
});
