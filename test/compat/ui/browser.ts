// One headless Chromium (the system's, never downloaded) driving the official MLflow UI, and a watch
// on every page it opens: each request to the server that failed (status ≥ 400 or a network error),
// each console error or uncaught exception, and each error banner on screen is a problem the test
// reports — so a missing or malformed endpoint fails the suite even when the page still looks fine.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../helpers/paths.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'ui');

/**
 * What `mlflow server` itself answers with an error, on purpose: `users/current` is the basic-auth
 * app's endpoint, and its 404 is how the UI learns that auth is off (it would otherwise show an account
 * menu). Minflow answers it the same way, so it is not a problem.
 */
const EXPECTED_ERRORS = [/\/ajax-api\/2\.0\/mlflow\/users\/current$/];

/** Console noise that is the browser's or the UI's own, not an answer of the server. */
const BENIGN_CONSOLE = [/ResizeObserver loop/];

/** Local storage the UI keeps per browser: classic ("Model training") navigation, no first-visit popups. */
const UI_PREFERENCES: Record<string, string> = {
  'mlflow.workflowType_v1': '"machine_learning"',
  'mlflow.assistant.fab.autoOpenedOnFirstLoad_v1': 'true',
  'mlflow.assistant.panelOpen_v1': 'false',
  '_mlflow_model_registry_promo_modal_dismissed_v1': 'true',
};

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the UI tests drive the system Chromium. Install it with \`apt-get install -y chromium\`.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

function expected(url: string): boolean {
  const pathOnly = url.split('?')[0]!;
  return EXPECTED_ERRORS.some((re) => re.test(pathOnly));
}

interface Traffic {
  inFlight: Set<unknown>;
  lastActivity: number;
}

export class UiSession {
  readonly problems: string[] = [];
  private readonly traffic = new WeakMap<Page, Traffic>();
  private constructor(
    readonly context: BrowserContext,
    readonly baseUrl: string,
  ) {}

  /** A fresh browser profile; `preferences: false` keeps the UI's first-visit defaults (GenAI mode). */
  static async open(browser: Browser, baseUrl: string, options: { preferences?: boolean } = {}): Promise<UiSession> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    if (options.preferences !== false) {
      await context.addInitScript((prefs: Record<string, string>) => {
        for (const [key, value] of Object.entries(prefs)) if (localStorage.getItem(key) === null) localStorage.setItem(key, value);
      }, UI_PREFERENCES);
    }
    return new UiSession(context, baseUrl);
  }

  private ours(url: string): boolean {
    return url.startsWith(this.baseUrl);
  }

  /** A new tab on `hash` (e.g. `#/experiments/1`), watched until the session closes. */
  async page(hash: string): Promise<Page> {
    const page = await this.context.newPage();
    const where = () => page.url().replace(this.baseUrl, '');
    const traffic: Traffic = { inFlight: new Set(), lastActivity: Date.now() };
    this.traffic.set(page, traffic);
    page.on('request', (req) => {
      // API calls only: a worker's script request is never reported finished.
      if (!this.ours(req.url()) || !['fetch', 'xhr'].includes(req.resourceType())) return;
      traffic.inFlight.add(req);
      traffic.lastActivity = Date.now();
    });
    const done = (req: { url(): string }) => {
      if (!traffic.inFlight.delete(req)) return;
      traffic.lastActivity = Date.now();
    };
    page.on('requestfinished', done);
    page.on('response', (res) => {
      const url = res.url();
      if (this.ours(url) && res.status() >= 400 && !expected(url)) {
        this.problems.push(`${where()}: ${res.request().method()} ${url.replace(this.baseUrl, '')} → ${res.status()}`);
      }
    });
    page.on('requestfailed', (req) => {
      done(req);
      const error = req.failure()?.errorText ?? '';
      // ERR_ABORTED is the page cancelling its own request (navigation, unmount), not a failure.
      if (this.ours(req.url()) && !error.includes('ERR_ABORTED')) {
        this.problems.push(`${where()}: ${req.method()} ${req.url().replace(this.baseUrl, '')} failed: ${error}`);
      }
    });
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const source = msg.location().url ?? '';
      // Resources the UI loads from elsewhere (docs videos on mlflow.org) fail offline; not ours.
      if (source && !this.ours(source)) return;
      if (expected(source) || BENIGN_CONSOLE.some((re) => re.test(msg.text()))) return;
      this.problems.push(`${where()}: console error: ${msg.text().slice(0, 400)}`);
    });
    page.on('pageerror', (err) => {
      if (BENIGN_CONSOLE.some((re) => re.test(err.message))) return;
      this.problems.push(`${where()}: uncaught exception: ${err.message.slice(0, 400)}`);
    });
    await page.goto(`${this.baseUrl}/${hash}`);
    return page;
  }

  /**
   * Waits until the page has had no request to the server in flight for `idleMs` (bounded by
   * `timeoutMs`). Unlike Playwright's networkidle this ignores the UI's long-lived background
   * connections elsewhere, which keep some GenAI pages from ever going idle.
   */
  async quiet(page: Page, idleMs = 600, timeoutMs = 10_000): Promise<void> {
    const traffic = this.traffic.get(page);
    if (!traffic) return;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (traffic.inFlight.size === 0 && Date.now() - traffic.lastActivity >= idleMs) return;
      await page.waitForTimeout(100);
    }
  }

  /** Error banners on screen: error boundaries, error alerts, request-error messages. */
  async checkNoErrorBanner(page: Page): Promise<void> {
    const banners = await page.evaluate(() => {
      const visible = (el: Element) => {
        const r = (el as HTMLElement).getBoundingClientRect();
        return r.width > 0 && r.height > 0;
      };
      const found: string[] = [];
      const errorText = /error|failed|not found|invalid|unable/i;
      document.querySelectorAll('[role="alert"], [data-testid="artifact-view-error"], [data-testid="error-view-link"]').forEach((el) => {
        const text = (el.textContent ?? '').trim();
        if (visible(el) && (errorText.test(text) || /error/i.test(String((el as HTMLElement).className)))) found.push(text.slice(0, 200));
      });
      const body = document.body.innerText;
      for (const phrase of ['An error occurred while rendering', 'A request error occurred', 'Something went wrong', 'Page Not Found']) {
        if (body.includes(phrase)) found.push(phrase);
      }
      return found;
    });
    for (const b of banners) this.problems.push(`${page.url().replace(this.baseUrl, '')}: error banner: ${b}`);
  }

  async screenshot(page: Page, name: string): Promise<string> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path: file });
    return file;
  }

  /** The problems seen since the last call (and forgets them), for one test's assertion. */
  takeProblems(): string[] {
    return this.problems.splice(0, this.problems.length);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
