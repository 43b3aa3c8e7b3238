// The official MLflow UI (the unmodified build from the compat venv's mlflow wheel) served by a real
// Minflow process and driven in the system Chromium: the pages a user of `mlflow server` relies on,
// read and edited through the UI, edits confirmed through the REST API. Every page must load without
// a failed request to the server, an error in the console or an error banner. Screenshots of each
// page land in test-results/ui/.
import type { Browser, Locator, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Http, MlflowClient } from '../../client/index.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { launchChromium, UiSession } from './ui/browser.js';
import { venvUiBuild } from './ui/build-dir.js';
import { EXPERIMENT, MODEL_ALIAS, MODEL_NAME, NOTES_TEXT, OTHER_EXPERIMENT, seed, SIGNATURE_INPUTS, STEP_METRIC, type Seeded } from './ui/seed.js';

let server: ServerProcess;
let browser: Browser;
let ui: UiSession;
let seeded: Seeded;
let client: MlflowClient;
let http: Http;

beforeAll(async () => {
  browser = await launchChromium();
  server = await startServer({ args: ['--ui-dir', venvUiBuild()] });
  seeded = await seed(server.url);
  client = new MlflowClient(server.url);
  http = new Http(server.url);
  ui = await UiSession.open(browser, server.url);
  ui.context.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await server?.stop();
});

afterEach(() => {
  // A page still open from a failed test must not blame the next one.
  ui.takeProblems();
});

/** Waits until the (first) element matched is on screen. */
async function visible(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'visible' });
}

/** Waits for the page to stop asking the server for things (bounded: some views poll). */
async function settle(page: Page): Promise<void> {
  await ui.quiet(page);
}

/** The end of every page check: no error banner, a screenshot, no problems seen. */
async function finish(page: Page, screenshot: string): Promise<void> {
  await settle(page);
  await ui.checkNoErrorBanner(page);
  await ui.screenshot(page, screenshot);
  await page.close();
  expect(ui.takeProblems()).toEqual([]);
}

function apiResponse(page: Page, path: string, predicate: (res: Response) => boolean = () => true): Promise<Response> {
  return page.waitForResponse((res) => res.url().startsWith(`${server.url}/${path}`) && predicate(res));
}

/** Run names in the runs table, top to bottom (AG Grid positions rows, so DOM order is not display order). */
async function runNamesInTable(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll('.ag-pinned-left-cols-container [role="row"], .ag-center-cols-container [role="row"]')];
    const byIndex = new Map<number, string>();
    for (const row of rows) {
      const index = Number(row.getAttribute('row-index'));
      const name = [...row.querySelectorAll('a')].map((a) => a.textContent?.trim() ?? '').find((t) => t === 'forest-deep' || t === 'tree-shallow');
      if (name) byIndex.set(index, name);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, name]) => name);
  });
}

describe('the official MLflow UI on Minflow', () => {
  it('lists the experiments', async () => {
    const page = await ui.page('#/experiments');
    await visible(page.getByRole('link', { name: EXPERIMENT }));
    await visible(page.getByRole('link', { name: OTHER_EXPERIMENT }));
    await finish(page, 'experiments');
  });

  it("shows an experiment's runs with a metric column, sorted by that metric both ways", async () => {
    const page = await ui.page(`#/experiments/${seeded.experimentId}/runs`);
    await page.setViewportSize({ width: 1600, height: 700 });
    await page.getByRole('link', { name: 'forest-deep' }).waitFor();
    // Start from the default order (newest first) so the sort below is visibly the metric's.
    expect(await runNamesInTable(page)).toEqual(['tree-shallow', 'forest-deep']);

    await page.getByRole('button', { name: /^Sort/ }).click();
    const sortedDesc = apiResponse(page, 'ajax-api/2.0/mlflow/runs/search', (r) => (r.request().postData() ?? '').includes('metrics.`accuracy` DESC'));
    await page.getByTestId('sort-select-accuracy').click();
    expect((await sortedDesc).status()).toBe(200);
    await page.keyboard.press('Escape');
    await visible(page.getByRole('columnheader', { name: 'accuracy' }));
    await expect.poll(() => runNamesInTable(page)).toEqual(['forest-deep', 'tree-shallow']);
    await visible(page.locator('.ag-center-cols-container').getByText('0.884'));
    await visible(page.locator('.ag-center-cols-container').getByText('0.801'));

    await page.getByRole('button', { name: /^Sort/ }).click();
    const sortedAsc = apiResponse(page, 'ajax-api/2.0/mlflow/runs/search', (r) => (r.request().postData() ?? '').includes('metrics.`accuracy` ASC'));
    await page.getByTestId('sort-select-asc').click();
    expect((await sortedAsc).status()).toBe(200);
    await page.keyboard.press('Escape');
    await expect.poll(() => runNamesInTable(page)).toEqual(['tree-shallow', 'forest-deep']);
    // Back to the best run first for the screenshot the README shows.
    await page.getByRole('button', { name: /^Sort/ }).click();
    await page.getByTestId('sort-select-desc').click();
    await page.keyboard.press('Escape');
    await expect.poll(() => runNamesInTable(page)).toEqual(['forest-deep', 'tree-shallow']);
    await finish(page, 'runs-table');
  });

  it("shows a run's params, metrics, tags, dataset and registered versions, and charts the 100-step metric", async () => {
    const page = await ui.page(`#/experiments/${seeded.experimentId}/runs/${seeded.runIds.best}`);
    await page.getByRole('heading', { name: 'forest-deep' }).waitFor();
    const main = page.locator('main');
    for (const text of ['Parameters (3)', 'max_depth', 'random_forest', 'Metrics (3)', 'accuracy', '0.884', STEP_METRIC, 'churn-train (3f2a9c1e)']) {
      await visible(main.getByText(text, { exact: true }).first());
    }
    await visible(main.getByText('team', { exact: true }));
    await visible(main.getByText(': candidate'));
    await visible(main.getByRole('link', { name: MODEL_NAME }));
    await settle(page);
    await ui.screenshot(page, 'run-overview');

    const history = apiResponse(page, 'ajax-api/2.0/mlflow/metrics/get-history-bulk-interval', (r) => r.url().includes(`metric_key=${STEP_METRIC}`));
    await page.getByRole('tab', { name: 'Model metrics' }).click();
    const body = (await (await history).json()) as { metrics: { step: number }[] };
    expect(body.metrics.map((m) => m.step)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // The train_loss chart plots the whole history: plotly keeps its traces on the graph element.
    const chart = page.locator('.js-plotly-plot').filter({ has: page.getByText('Step', { exact: true }) }).first();
    await chart.waitFor();
    const traces = await chart.evaluate((el) => ((el as unknown as { data?: { x?: unknown[] }[] }).data ?? []).map((t) => t.x?.length ?? 0));
    expect(traces).toContain(100);
    await finish(page, 'run-metrics-chart');
  });

  it("browses a run's artifacts: the tree, a text file and a PNG", async () => {
    const page = await ui.page(`#/experiments/${seeded.experimentId}/runs/${seeded.runIds.best}/artifacts`);
    for (const name of ['model', 'plots', 'notes.txt']) await visible(page.getByText(name, { exact: true }).first());

    const text = apiResponse(page, 'get-artifact', (r) => r.url().includes('path=notes.txt'));
    await page.getByText('notes.txt', { exact: true }).click();
    expect((await text).status()).toBe(200);
    await visible(page.getByText(NOTES_TEXT.trim()));
    await ui.screenshot(page, 'artifacts-text');

    await page.getByText('plots', { exact: true }).click();
    const png = apiResponse(page, 'get-artifact', (r) => r.url().includes('loss_curve.png'));
    await page.getByText('loss_curve.png', { exact: true }).click();
    expect((await png).headers()['content-type']).toBe('image/png');
    const image = page.locator('img[src^="blob:"]').first();
    await image.waitFor();
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(160);
    await finish(page, 'artifacts-png');
  });

  it('compares two runs side by side', async () => {
    const runs = encodeURIComponent(JSON.stringify([seeded.runIds.best, seeded.runIds.baseline]));
    const experiments = encodeURIComponent(JSON.stringify([seeded.experimentId]));
    const page = await ui.page(`#/compare-runs?runs=${runs}&experiments=${experiments}`);
    await visible(page.getByText('Comparing 2 Runs from 1 Experiment'));
    for (const text of ['forest-deep', 'tree-shallow', 'random_forest', 'decision_tree']) {
      await visible(page.getByText(text, { exact: true }).first());
    }
    const maxDepth = page.locator('tr').filter({ has: page.getByText('max_depth', { exact: true }) }).first();
    await visible(maxDepth.getByText('12', { exact: true }));
    await visible(maxDepth.getByText('4', { exact: true }));
    await finish(page, 'compare-runs');
  });

  it('lists registered models with their alias', async () => {
    const page = await ui.page('#/models');
    await visible(page.getByRole('link', { name: MODEL_NAME }));
    await visible(page.getByText(`@ ${MODEL_ALIAS}`));
    await visible(page.getByRole('link', { name: 'Version 2' }).first());
    await finish(page, 'models');
  });

  it("shows a model version with its source run and the MLmodel's input schema", async () => {
    const mlmodel = (p: Page) => apiResponse(p, 'model-versions/get-artifact', (r) => r.url().includes('path=MLmodel'));
    const page = await ui.page(`#/models/${MODEL_NAME}/versions/2`);
    const read = mlmodel(page);
    await page.getByRole('heading', { name: 'Version 2' }).waitFor();
    expect((await read).status()).toBe(200);
    await visible(page.getByRole('link', { name: 'forest-deep' }));
    await visible(page.getByText(`@ ${MODEL_ALIAS}`));
    await visible(page.getByText(`Inputs (${SIGNATURE_INPUTS.length})`));
    await page.getByText(`Inputs (${SIGNATURE_INPUTS.length})`).click();
    for (const input of SIGNATURE_INPUTS) {
      const row = page.getByRole('row').filter({ has: page.getByText(`${input.name} (required)`, { exact: true }) });
      await visible(row.getByText(input.type, { exact: true }));
    }
    await finish(page, 'model-version');
  });
});

describe('editing through the UI, confirmed through the REST API', () => {
  it('renames a run', async () => {
    const runId = seeded.runIds.baseline;
    const page = await ui.page(`#/experiments/${seeded.experimentId}/runs/${runId}`);
    await page.getByRole('heading', { name: 'tree-shallow' }).waitFor();
    await page.getByTestId('overflow-menu-trigger').click();
    await page.getByTestId('overflow-rename-button').click();
    const input = page.getByTestId('rename-modal-input');
    await input.fill('tree-shallow-renamed');
    const update = apiResponse(page, 'ajax-api/2.0/mlflow/runs/update');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    expect((await update).status()).toBe(200);
    await page.getByRole('heading', { name: 'tree-shallow-renamed' }).waitFor();
    const run = await client.getRun(runId);
    expect(run.info.run_name).toBe('tree-shallow-renamed');
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'tree-shallow-renamed' });
    await finish(page, 'edit-rename-run');
  });

  it('adds a tag to a run', async () => {
    const runId = seeded.runIds.best;
    const page = await ui.page(`#/experiments/${seeded.experimentId}/runs/${runId}`);
    await page.getByRole('heading', { name: 'forest-deep' }).waitFor();
    await page.getByRole('button', { name: 'Edit tags' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add/Edit tags' });
    await dialog.getByRole('combobox').fill('reviewed_by');
    await page.keyboard.press('Enter');
    await dialog.getByRole('textbox', { name: 'Value' }).fill('ui-test');
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    const setTag = apiResponse(page, 'ajax-api/2.0/mlflow/runs/set-tag');
    await dialog.getByRole('button', { name: 'Save tags' }).click();
    expect((await setTag).status()).toBe(200);
    await visible(page.locator('main').getByText(': ui-test'));
    const run = await client.getRun(runId);
    expect(run.data.tags).toContainEqual({ key: 'reviewed_by', value: 'ui-test' });
    expect(run.data.tags).toContainEqual({ key: 'team', value: 'retention' });
    await finish(page, 'edit-add-tag');
  });

  it("sets and removes a model version's alias", async () => {
    type Aliases = { registered_model: { aliases?: { alias: string; version: string }[] } };
    const aliases = async () => (await http.get<Aliases>('/api/2.0/mlflow/registered-models/get', { name: MODEL_NAME })).registered_model.aliases ?? [];
    const page = await ui.page(`#/models/${MODEL_NAME}/versions/2`);
    await page.getByRole('heading', { name: 'Version 2' }).waitFor();
    const openEditor = async () => {
      await page.locator('[data-component-id$="modelversionviewaliaseditor.tsx_37"]').click();
      return page.getByRole('dialog');
    };

    let dialog = await openEditor();
    await dialog.getByRole('combobox').fill('staging');
    await page.keyboard.press('Enter');
    const set = apiResponse(page, 'ajax-api/2.0/mlflow/registered-models/alias', (r) => r.request().method() === 'POST');
    await dialog.getByRole('button', { name: 'Save aliases' }).click();
    expect((await set).status()).toBe(200);
    await visible(page.getByText('@ staging'));
    expect(await aliases()).toEqual(expect.arrayContaining([{ alias: 'staging', version: '2' }, { alias: MODEL_ALIAS, version: '2' }]));
    await ui.screenshot(page, 'edit-set-alias');

    dialog = await openEditor();
    await dialog.locator('[data-component-id$="modelversionaliastag.tsx_23.close"]').first().click();
    const removed = apiResponse(page, 'ajax-api/2.0/mlflow/registered-models/alias', (r) => r.request().method() === 'DELETE');
    await dialog.getByRole('button', { name: 'Save aliases' }).click();
    expect((await removed).status()).toBe(200);
    await expect.poll(() => page.getByText(`@ ${MODEL_ALIAS}`).count()).toBe(0);
    expect(await aliases()).toEqual([{ alias: 'staging', version: '2' }]);
    await finish(page, 'edit-remove-alias');
  });
});

describe('the GenAI side of the shell (the UI default) on a tracking-only server', () => {
  it('loads the GenAI pages of an experiment with empty answers and no errors', async () => {
    const genai = await UiSession.open(browser, server.url, { preferences: false });
    try {
      const e = seeded.experimentId;
      for (const [name, hash] of [
        ['genai-home', '#/'],
        ['genai-overview', `#/experiments/${e}`],
        ['genai-traces', `#/experiments/${e}/traces`],
        ['genai-datasets', `#/experiments/${e}/datasets`],
        ['genai-evaluation-runs', `#/experiments/${e}/evaluation-runs`],
        ['genai-review', `#/experiments/${e}/review-queue`],
        ['genai-prompts', '#/prompts'],
      ] as const) {
        const page = await genai.page(hash);
        await page.waitForFunction(() => (document.getElementById('root')?.innerText.trim().length ?? 0) > 0);
        await genai.quiet(page);
        await genai.checkNoErrorBanner(page);
        await genai.screenshot(page, name);
        await page.close();
      }
      expect(genai.takeProblems()).toEqual([]);
    } finally {
      await genai.close();
    }
  });
});
