// Issue 17: the official MLflow UI on `--app-name basic-auth`, in the system Chromium. The admin's
// browser loads the experiments list and an experiment's runs without a single failed request (the
// UI's users/current answers now); a user with NO_PERMISSIONS on one experiment sees the list without
// it, and still no failed request.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { launchChromium } from './ui/browser.js';
import { venvUiBuild } from './ui/build-dir.js';

const ADMIN = { username: 'admin', password: 'admin-ui-pass-1' };
const ANN = { username: 'ann', password: 'ann-ui-pass-1' };
const header = (u: { username: string; password: string }) => ({
  authorization: `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`,
  'content-type': 'application/json',
});

let server: ServerProcess;
let browser: Browser;
let visible: string;

async function call(rpc: string, body: unknown, version = '2.0'): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${server.url}/api/${version}/mlflow/${rpc}`, { method: 'POST', headers: header(ADMIN), body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${rpc}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

beforeAll(async () => {
  browser = await launchChromium();
  const dir = tempDir('basic-auth-ui');
  const ini = path.join(dir, 'auth.ini');
  fs.writeFileSync(ini, `[mlflow]\ndatabase_uri = sqlite:///${path.join(dir, 'auth.db')}\nadmin_password = ${ADMIN.password}\n`);
  server = await startServer({ args: ['--ui-dir', venvUiBuild(), '--app-name', 'basic-auth'], env: { MLFLOW_AUTH_CONFIG_PATH: ini } });
  visible = (await call('experiments/create', { name: 'team-visible' })).experiment_id;
  const hidden = (await call('experiments/create', { name: 'team-hidden' })).experiment_id;
  const run = (await call('runs/create', { experiment_id: visible, run_name: 'team-run', start_time: Date.now() })).run.info.run_id;
  await call('runs/log-batch', { run_id: run, metrics: [{ key: 'accuracy', value: 0.9, timestamp: Date.now(), step: 0 }] });
  await call('users/create', { username: ANN.username, password: ANN.password });
  await call('users/permissions/grant', { username: 'ann', resource_type: 'experiment', resource_id: hidden, permission: 'NO_PERMISSIONS' }, '3.0');
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function watchedPage(context: BrowserContext, hash: string, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('response', (res) => {
    if (res.url().startsWith(server.url) && res.status() >= 400) problems.push(`${res.request().method()} ${res.url().replace(server.url, '')} → ${res.status()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message.slice(0, 200)}`));
  await page.goto(`${server.url}/${hash}`);
  return page;
}

async function contextFor(user: { username: string; password: string }): Promise<BrowserContext> {
  const context = await browser.newContext({ httpCredentials: user, viewport: { width: 1400, height: 900 } });
  await context.addInitScript(() => {
    localStorage.setItem('mlflow.workflowType_v1', '"machine_learning"');
    localStorage.setItem('_mlflow_model_registry_promo_modal_dismissed_v1', 'true');
    localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');
  });
  context.setDefaultTimeout(20_000);
  return context;
}

describe('the MLflow UI on --app-name basic-auth', () => {
  it('serves the admin the experiments and runs without failed requests', async () => {
    const context = await contextFor(ADMIN);
    const problems: string[] = [];
    try {
      const list = await watchedPage(context, '#/experiments', problems);
      await list.getByRole('link', { name: 'team-hidden' }).first().waitFor({ state: 'visible' });
      await list.waitForTimeout(1000);
      const runs = await watchedPage(context, `#/experiments/${visible}/runs`, problems);
      await runs.getByRole('link', { name: 'team-run' }).first().waitFor({ state: 'visible' });
      await runs.waitForTimeout(1000);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('does not show a user the experiment it has NO_PERMISSIONS on', async () => {
    const context = await contextFor(ANN);
    const problems: string[] = [];
    try {
      const list = await watchedPage(context, '#/experiments', problems);
      await list.getByRole('link', { name: 'team-visible' }).first().waitFor({ state: 'visible' });
      await list.waitForTimeout(1000);
      expect(await list.getByRole('link', { name: 'team-hidden' }).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
