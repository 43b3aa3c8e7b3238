// The npm package: `npm pack` from a clean copy of the repository (its `prepare` builds dist/), the
// tarball installed into an empty project (`npm init -y && npm install <tgz>`, better-sqlite3 compiled
// there), then every command through `npx minflow`: the help of each, a server on a free port, a
// training run against it, the scoring server on the model it registered — nothing read from this
// checkout. `npx --no -- minflow` never falls back to a registry package of the same name. Last, the
// demo as a newcomer without mlflow runs it: it fetches the official UI from the pinned wheel.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/paths.js';
import { cleanCopy, cleanEnv, run } from '../helpers/packaging.js';
import { freePort, waitForHealth } from '../helpers/server-process.js';
import { generateSyntheticAbt } from '../../trainer/data/index.js';

let work: string;
let app: string;
let packed: string[];
const timings: Record<string, number> = {};
const started: ChildProcess[] = [];

function pinnedMlflow(): string {
  return /^mlflow==(\S+)\s*$/m.exec(fs.readFileSync(path.join(ROOT, 'test', 'compat', 'requirements.txt'), 'utf8'))![1]!;
}

function npx(args: string[], timeoutMs = 60_000) {
  return run('npx', ['--no', '--', 'minflow', ...args], { cwd: app, env: cleanEnv(), timeoutMs });
}

/** `npx minflow …` as a long-running process in its own process group (npx → node). */
function npxServer(args: string[]): { child: ChildProcess; output(): string } {
  const child = spawn('npx', ['--no', '--', 'minflow', ...args], { cwd: app, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGTERM');
  const grace = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
  return exited.finally(() => clearTimeout(grace));
}

beforeAll(async () => {
  work = tempDir('npm-pack');
  const src = path.join(work, 'src');
  let t = Date.now();
  cleanCopy(ROOT, src);
  // `prepare` (tsc) needs the dev dependencies; the checkout's serve, read-only.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const pack = path.join(work, 'pack');
  fs.mkdirSync(pack);
  await run('npm', ['pack', '--pack-destination', pack, '--no-audit', '--no-fund'], { cwd: src, env: cleanEnv(), timeoutMs: 300_000 });
  timings.pack = Date.now() - t;
  const tarballs = fs.readdirSync(pack).filter((f) => f.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  const tarball = path.join(pack, tarballs[0]!);
  packed = (await run('tar', ['-tzf', tarball])).output.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));

  t = Date.now();
  app = path.join(work, 'app');
  fs.mkdirSync(app);
  await run('npm', ['init', '-y'], { cwd: app, env: cleanEnv() });
  await run('npm', ['install', tarball, '--no-audit', '--no-fund'], { cwd: app, env: cleanEnv(), timeoutMs: 600_000 });
  timings.install = Date.now() - t;
}, 900_000);

afterAll(async () => {
  await Promise.all(started.map(stopGroup));
  if (work) fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(`[npm-pack] pack ${timings.pack} ms, install ${timings.install} ms\n`);
});

describe('the npm package', () => {
  it('holds the built code, the migrations, package.json and the README — no sources, tests or source maps', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/cli.js', 'dist/server/reads/worker.js', 'dist/trainer/models/forest-worker.js', 'migrations/meta/_journal.json']));
    // Every migration, nested folders included (migrations/mlflow/ holds MLflow's schema, which the server applies).
    const sqlFiles = (fs.readdirSync(path.join(ROOT, 'migrations'), { recursive: true }) as string[]).filter((f) => f.endsWith('.sql'));
    expect([...packed.filter((f) => f.endsWith('.sql'))].sort()).toEqual(sqlFiles.map((f) => `migrations/${f.split(path.sep).join('/')}`).sort());
    expect(packed).toEqual(expect.arrayContaining(['migrations/mlflow/sqlite-dc11669786a5.sql', 'migrations/mlflow/postgres-dc11669786a5.sql']));
    for (const f of packed) expect(f).toMatch(/^(dist\/.*\.js|migrations\/.*|package\.json|README\.md)$/);
    const installed = path.join(app, 'node_modules', 'minflow');
    expect(fs.realpathSync(installed).startsWith(app)).toBe(true); // a copy, not a link to this checkout
    expect(fs.existsSync(path.join(app, 'node_modules', 'better-sqlite3'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false); // dev dependencies stay out
  });

  it('answers `npx minflow --help` and the help of every command', async () => {
    const top = await npx(['--help']);
    expect(top.output).toMatch(/^Usage: minflow <command> \[options\]/);
    for (const command of ['server', 'train', 'serve', 'predict', 'demo', 'users', 'tokens']) expect(top.output).toContain(`  ${command}`);
    for (const command of ['server', 'train', 'serve', 'predict', 'demo']) {
      const help = await npx([command, '--help']);
      expect(help.output, command).toMatch(new RegExp(`^Usage: minflow ${command}\\b`));
    }
  });

  it('runs the server, the trainer and the scoring server from the installed package', async () => {
    const data = path.join(work, 'data');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = npxServer(['server', '--port', String(port), '--backend-store-uri', `sqlite:///${data}/mlflow.db`, '--artifacts-destination', `${data}/artifacts`, '--log-level', 'warn']);
    await waitForHealth(url, 30_000, server.output);
    expect(await (await fetch(`${url}/health`)).text()).toBe('OK');
    const created = await fetch(`${url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'packaged' }) });
    expect(created.status).toBe(200);
    // runs/search is answered by the read workers, loaded from the package's dist/server/reads/worker.js.
    const search = await fetch(`${url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_ids: [((await created.json()) as { experiment_id: string }).experiment_id] }) });
    expect(search.status, await search.clone().text()).toBe(200);
    expect(fs.existsSync(path.join(data, 'mlflow.db'))).toBe(true);

    const train = await npx(['train', '--synthetic', '400', '--n-estimators', '10', '--tracking-uri', url], 120_000);
    expect(train.output).not.toMatch(/did not start/);
    const alias = await fetch(`${url}/api/2.0/mlflow/registered-models/alias?name=churn&alias=production`);
    expect(alias.status, await alias.clone().text()).toBe(200);
    expect(((await alias.json()) as { model_version: { version: string } }).model_version.version).toBe('1');

    const servePort = await freePort();
    const serving = npxServer(['serve', 'models:/churn@production', '--port', String(servePort), '--tracking-uri', url, '--cache-dir', path.join(work, 'model-cache'), '--log-level', 'warn']);
    await waitForHealth(`http://127.0.0.1:${servePort}`, 30_000, serving.output);
    const model = (await (await fetch(`http://127.0.0.1:${servePort}/model`)).json()) as { version: string };
    expect(model.version).toBe('1');
    const table = generateSyntheticAbt(2, 7);
    const body = { dataframe_split: { columns: table.header.slice(2, -1), data: table.rows.map((r) => r.slice(2, -1)) } };
    const scored = await fetch(`http://127.0.0.1:${servePort}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(scored.status, await scored.clone().text()).toBe(200);
    const { predictions } = (await scored.json()) as { predictions: { probability: number; prediction: number }[] };
    expect(predictions).toHaveLength(2);
    for (const p of predictions) expect(p.prediction).toBe(p.probability > 0.5 ? 1 : 0);
    await stopGroup(serving.child);
    await stopGroup(server.child);
  });

  it('`npx minflow demo` on a machine without mlflow fetches the official UI from the pinned wheel and serves it with the trained models', async () => {
    // A newcomer's machine: no virtualenv beside the package or in the working directory, no mlflow for
    // python3, an empty user cache. The demo fetches the UI once (pip, no dependencies) into the cache.
    const cache = path.join(work, 'xdg-cache');
    const cwd = path.join(work, 'demo');
    fs.mkdirSync(cwd);
    const port = await freePort();
    const child = spawn(path.join(app, 'node_modules', '.bin', 'minflow'), ['demo', '--port', String(port)], {
      cwd,
      env: cleanEnv({ XDG_CACHE_HOME: cache, VIRTUAL_ENV: '' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    started.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 300_000;
    while (!out.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null) throw new Error(`demo exited ${child.exitCode}\n${out}`);
      if (Date.now() > deadline) throw new Error(`demo not ready after 300 s\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).toContain('The MLflow UI is not installed: fetching it from the mlflow');
    expect(out).not.toContain('Could not fetch it');
    const build = path.join(cache, 'minflow', 'mlflow-ui', pinnedMlflow());
    const index = fs.readFileSync(path.join(build, 'index.html'), 'utf8');
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(index); // the wheel's UI, not the "UI not installed" page
    expect(fs.readdirSync(path.dirname(build))).toEqual([pinnedMlflow()]); // no temporary leftovers
    const models = await fetch(`http://127.0.0.1:${port}/ajax-api/2.0/mlflow/registered-models/search`);
    expect(((await models.json()) as { registered_models: { name: string }[] }).registered_models.map((m) => m.name)).toEqual(['churn']);
    await stopGroup(child);
  });

  it('starts the forest’s worker threads from the package’s dist', async () => {
    // The CLI run above is too small for the trainer to start workers; asked for two threads, it must.
    const script = path.join(app, 'forest-workers.mjs');
    fs.writeFileSync(
      script,
      `import { RandomForestClassifier } from 'minflow/dist/trainer/models/random-forest.js';
const n = 300;
const columns = [Float64Array.from({ length: n }, (_, i) => i % 7), Float64Array.from({ length: n }, (_, i) => (i * 13) % 11)];
const y = Uint8Array.from({ length: n }, (_, i) => (i % 7 > 3 ? 1 : 0));
const forest = new RandomForestClassifier({ nEstimators: 16, nJobs: 2, minSamplesLeaf: 5 });
await forest.fit({ featureNames: ['a', 'b'], columns, nRows: n }, y);
console.log(JSON.stringify({ threads: forest.lastFitThreads, errors: forest.lastFitWorkerErrors }));
`,
    );
    const { output } = await run(process.execPath, [script], { cwd: app, env: cleanEnv() });
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({ threads: 2, errors: [] });
  });
});
