// Issue 17: the official MLflow UI on `--app-name basic-auth`, in the system Chromium. The admin's
// browser loads the experiments list and an experiment's runs without a single failed request (the
// UI's users/current answers now); a user with NO_PERMISSIONS on one experiment sees the list without
// it, and still no failed request. The sidebar's account menu (the UI shows it when users/current
// names a user) carries each one's username; its Account page lists the user's roles and permissions
// (direct grants, which MLflow answers as the user's `__user_<id>__` role, and a role's), and the
// admin's Manage item opens the users and roles pages — all without a failed request.
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
let hidden: string;

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
  hidden = (await call('experiments/create', { name: 'team-hidden' })).experiment_id;
  const run = (await call('runs/create', { experiment_id: visible, run_name: 'team-run', start_time: Date.now() })).run.info.run_id;
  await call('runs/log-batch', { run_id: run, metrics: [{ key: 'accuracy', value: 0.9, timestamp: Date.now(), step: 0 }] });
  await call('users/create', { username: ANN.username, password: ANN.password });
  await call('users/permissions/grant', { username: 'ann', resource_type: 'experiment', resource_id: hidden, permission: 'NO_PERMISSIONS' }, '3.0');
  await call('users/permissions/grant', { username: 'ann', resource_type: 'experiment', resource_id: visible, permission: 'EDIT' }, '3.0');
  const role = (await call('roles/create', { name: 'team-readers', workspace: 'default' }, '3.0')).role.id;
  await call('roles/permissions/add', { role_id: role, resource_type: 'registered_model', resource_pattern: '*', permission: 'READ' }, '3.0');
  await call('roles/assign', { username: 'ann', role_id: role }, '3.0');
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
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? '';
    // ERR_ABORTED is the page cancelling its own request (navigation, unmount), not a failure.
    if (req.url().startsWith(server.url) && !error.includes('ERR_ABORTED')) problems.push(`${req.method()} ${req.url().replace(server.url, '')} failed: ${error}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message.slice(0, 200)}`));
  await page.goto(`${server.url}/${hash}`);
  return page;
}

/**
 * The sidebar's account menu (3.17.2's sidebar: a button labelled `Account menu for <username>`,
 * rendered only when users/current answers a user), opened; the names of its items.
 */
async function openAccountMenu(page: Page, username: string): Promise<string[]> {
  const button = page.getByRole('button', { name: `Account menu for ${username}`, exact: true });
  await button.waitFor({ state: 'visible' });
  // The avatar's initial, then the name written out.
  expect((await button.innerText()).trim().split(/\s+/).at(-1)).toBe(username);
  await button.click();
  const items = page.getByRole('menuitem');
  await items.first().waitFor({ state: 'visible' });
  return (await items.allInnerTexts()).map((t) => t.trim());
}

/** The Account page, reached through the menu: who is logged in, and the rows of its Permissions tab. */
async function accountPage(page: Page, username: string): Promise<string[]> {
  await page.getByRole('menuitem', { name: 'Account', exact: true }).click();
  await page.waitForURL(/#\/account$/);
  await page.getByText(`Logged in as ${username}`).waitFor({ state: 'visible' });
  await page.getByRole('tab', { name: 'Permissions' }).click();
  const rows = page.getByRole('row');
  await rows.nth(1).waitFor({ state: 'visible' });
  return (await rows.allInnerTexts()).slice(1).map((r) => r.replace(/\s+/g, ' ').trim());
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

  it("shows the admin the account menu, the account's permissions and the users and roles pages", async () => {
    const context = await contextFor(ADMIN);
    const problems: string[] = [];
    try {
      const page = await watchedPage(context, '#/experiments', problems);
      expect(await openAccountMenu(page, 'admin')).toEqual(['Account', 'Manage', 'Logout']);
      // The admin created both experiments: MANAGE on each, a direct grant (MLflow's creator grant).
      expect(await accountPage(page, 'admin')).toEqual(expect.arrayContaining([`experiment:${visible} MANAGE Direct`, `experiment:${hidden} MANAGE Direct`]));
      await openAccountMenu(page, 'admin');
      await page.getByRole('menuitem', { name: 'Manage', exact: true }).click();
      await page.waitForURL(/#\/admin$/);
      // The users table names each user's roles (users/list), the synthetic direct-grants role left out.
      await page.getByRole('row', { name: /ann\s+team-readers/ }).waitFor({ state: 'visible' });
      await page.getByRole('tab', { name: 'Roles' }).click();
      await page.getByRole('link', { name: 'team-readers' }).click();
      await page.waitForURL(/#\/admin\/roles\/\d+$/);
      const grant = page.getByRole('row').filter({ hasText: 'registered_model' });
      await grant.waitFor({ state: 'visible' });
      expect((await grant.innerText()).replace(/\s+/g, ' ').trim()).toBe('registered_model all READ');
      await page.getByRole('tab', { name: 'Assigned users' }).click();
      await page.getByRole('cell', { name: 'ann' }).first().waitFor({ state: 'visible' });
      await page.waitForTimeout(1000);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a user the account menu without Manage, and its own direct and role permissions', async () => {
    const context = await contextFor(ANN);
    const problems: string[] = [];
    try {
      const page = await watchedPage(context, '#/experiments', problems);
      expect(await openAccountMenu(page, 'ann')).toEqual(['Account', 'Logout']);
      expect(await accountPage(page, 'ann')).toEqual(
        expect.arrayContaining([`experiment:${hidden} NO_PERMISSIONS Direct`, `experiment:${visible} EDIT Direct`, 'registered_model:all READ team-readers']),
      );
      await page.getByRole('tab', { name: 'Roles' }).click();
      await page.getByRole('cell', { name: 'team-readers' }).waitFor({ state: 'visible' });
      await page.waitForTimeout(1000);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
