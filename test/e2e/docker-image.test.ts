// The Dockerfile carried out without a Docker engine: test/e2e/docker/emulator.ts builds every stage in a
// temporary directory standing in for its root, from a build context made of `git ls-files` minus
// .dockerignore (COPY, RUN with sh -c in the stage's WORKDIR and environment, …), then runs the image's
// ENTRYPOINT as its `node` user (mapped to the host's nobody, 65534, through setpriv) with /mlruns mapped
// to a temporary directory and `--port <free>` appended, and checks /health, the official UI at /, a run
// and an artifact landing in /mlruns, and the HEALTHCHECK command. test/e2e/dockerfile.test.ts checks the
// file itself.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/paths.js';
import { cleanCopy, requireCommand } from '../helpers/packaging.js';
import { freePort, waitForHealth } from '../helpers/server-process.js';
import { isIgnored } from './docker/dockerignore.js';
import { buildImage, hasCommand, runHealthcheck, startContainer, type BuiltStage } from './docker/emulator.js';
import { APT_STAND_INS, hostUser, ignorePatterns, images, instructions, isRoot, listeningAddresses, log, uidOf, wheelUiBuild } from './docker/fixtures.js';

describe('the image, built and run without a Docker engine', () => {
  let work: string;
  let context: string;
  let contextFiles: string[];
  let image: BuiltStage;
  let built: Map<string, BuiltStage>;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    requireCommand('git', ['--version'], 'install git (apt-get install -y git)');
    requireCommand('python3', ['-m', 'pip', '--version'], 'install pip for python3 (apt-get install -y python3-pip)');
    if (isRoot && !hasCommand('setpriv') && !hasCommand('runuser')) {
      throw new Error('running the image as its non-root user needs setpriv or runuser: apt-get install -y util-linux');
    }
    work = tempDir('docker');
    fs.chmodSync(work, 0o755); // the image's user (nobody) reaches its files through here
    context = path.join(work, 'context');
    let t = Date.now();
    contextFiles = cleanCopy(ROOT, context, (rel) => isIgnored(ignorePatterns, rel));
    timings.context = Date.now() - t;
    t = Date.now();
    ({ stages: built, final: image } = await buildImage({
      instructions,
      context,
      workRoot: path.join(work, 'stages'),
      images,
      hostUser,
      aptPackages: APT_STAND_INS,
      log,
    }));
    timings.build = Date.now() - t;
  }, 900_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    log(`[docker-emulator] context ${timings.context} ms, build ${timings.build} ms`);
  });

  it('builds from a context of git ls-files minus .dockerignore', () => {
    expect(contextFiles).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'Dockerfile', 'server/app.ts', 'migrations/meta/_journal.json']));
    for (const rel of contextFiles) {
      expect(rel).not.toMatch(/^(node_modules|dist|mlruns|\.venv|test-results|\.git)(\/|$)/);
    }
    expect(fs.existsSync(path.join(context, 'mlruns'))).toBe(false);
    const runs = Object.fromEntries([...built.values()].map((s) => [s.name, s.runs.map((r) => r.what)]));
    expect(runs).toEqual({ build: ['apt-get checked on the host', 'executed', 'executed'], 'mlflow-ui': ['executed'], runtime: [] });
  });

  it('leaves a runtime with the built server, production dependencies only, the UI build, and /mlruns owned by node', () => {
    const at = (p: string) => path.join(image.root, p);
    for (const p of ['/app/package.json', '/app/dist/cli.js', '/app/dist/server/reads/worker.js', '/app/migrations/meta/_journal.json', '/opt/mlflow-ui/index.html']) {
      expect(fs.existsSync(at(p)), p).toBe(true);
    }
    const modules = fs.readdirSync(at('/app/node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['better-sqlite3', 'fastify', 'drizzle-orm']));
    for (const dev of ['typescript', 'vitest', 'tsx', 'drizzle-kit', 'playwright-core', 'fast-check', 'ml-cart']) expect(modules, dev).not.toContain(dev);
    expect(fs.existsSync(at('/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
    // Nothing of the build stage's sources or of the wheel beyond the UI build.
    expect(fs.readdirSync(at('/app')).sort()).toEqual(['dist', 'migrations', 'node_modules', 'package.json']);
    expect(fs.readdirSync(image.root).sort()).toEqual(['app', 'home', 'mlruns', 'opt']);
    // The UI build exactly as the wheel ships it, and nothing else of the wheel.
    expect(fs.readdirSync(at('/opt/mlflow-ui')).sort()).toEqual(fs.readdirSync(wheelUiBuild()).sort());
    const node = hostUser('node');
    expect(fs.statSync(at('/mlruns')).uid).toBe(node.uid);
    expect(fs.statSync(at('/app/dist/cli.js')).uid).toBe(process.getuid!());
    expect(image.user).toBe('node');
    expect(image.cmd).toEqual([]);
  });

  it('runs as node on 0.0.0.0 with flags appended: /health, the official UI at /, a run and an artifact in /mlruns, the HEALTHCHECK', async () => {
    // A new volume starts with the image's /mlruns owner, as `docker run -v <volume>:/mlruns` does.
    const volume = path.join(work, 'volume');
    fs.mkdirSync(volume, { mode: 0o755 });
    const owner = fs.statSync(path.join(image.root, 'mlruns'));
    fs.chownSync(volume, owner.uid, owner.gid);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const mounts = { '/mlruns': volume };
    const container = startContainer(image, { mounts, args: ['--port', String(port)], hostUser });
    try {
      await waitForHealth(url, 20_000, container.output);
      expect(await (await fetch(`${url}/health`)).text()).toBe('OK');

      // The image's USER, on every interface, on the port given as a flag (the image's env says 5000).
      expect(uidOf(container.child.pid!)).toBe(hostUser('node').uid);
      expect(listeningAddresses(port)).toEqual(['0.0.0.0']);
      expect(container.output()).toContain(`"url":"http://0.0.0.0:${port}"`);

      // The official UI, byte for byte the one in the pinned wheel, and an asset it loads.
      const index = await fetch(`${url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await index.text();
      expect(html).toBe(fs.readFileSync(path.join(wheelUiBuild(), 'index.html'), 'utf8'));
      const script = /src="(static-files\/static\/js\/main\.[0-9a-f]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${url}/${script}`);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBe(fs.statSync(path.join(wheelUiBuild(), script!.replace(/^static-files\//, ''))).size);

      // A run through the API, with a metric and an artifact through the proxy.
      const post = async (p: string, body: unknown) => {
        const res = await fetch(`${url}/api/2.0/mlflow/${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(res.status, await res.clone().text()).toBe(200);
        return (await res.json()) as Record<string, any>;
      };
      const { experiment_id } = await post('experiments/create', { name: 'docker' });
      const { run } = await post('runs/create', { experiment_id, start_time: Date.now(), run_name: 'in-the-image' });
      const runId = run.info.run_id as string;
      await post('runs/log-metric', { run_id: runId, key: 'acc', value: 0.75, timestamp: Date.now(), step: 0 });
      expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${experiment_id}/${runId}/artifacts`);
      const put = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/${experiment_id}/${runId}/artifacts/hello.txt`, { method: 'PUT', body: 'hello from the image' });
      expect(put.status).toBe(200);
      const search = await post('runs/search', { experiment_ids: [experiment_id] }); // served by the read workers
      expect(search.runs.map((r: any) => r.info.run_id)).toEqual([runId]);

      // The HEALTHCHECK, run inside the image as docker does; its port is MLFLOW_PORT, as `-e MLFLOW_PORT` would set.
      const healthy = await runHealthcheck(image, { mounts, env: { MLFLOW_PORT: String(port) }, hostUser });
      expect(healthy, healthy.output).toMatchObject({ code: 0 });
    } finally {
      expect(await container.stop()).toBe(0); // SIGTERM (docker stop) closes cleanly
    }

    // Everything landed in the mapped /mlruns, written by the image's user.
    const artifact = path.join(volume, 'artifacts');
    const files = fs.readdirSync(volume).sort();
    expect(files).toEqual(expect.arrayContaining(['artifacts', 'mlflow.db']));
    expect(fs.statSync(path.join(volume, 'mlflow.db')).uid).toBe(hostUser('node').uid);
    const db = new Database(path.join(volume, 'mlflow.db'), { readonly: true });
    try {
      const row = db.prepare("SELECT r.name, m.value FROM runs r JOIN metrics m ON m.run_uuid = r.run_uuid WHERE m.key = 'acc'").get() as { name: string; value: number };
      expect(row).toEqual({ name: 'in-the-image', value: 0.75 });
    } finally {
      db.close();
    }
    const stored = fs.readdirSync(artifact, { recursive: true }).map(String).filter((p) => p.endsWith('hello.txt'));
    expect(stored).toHaveLength(1);
    expect(fs.readFileSync(path.join(artifact, stored[0]!), 'utf8')).toBe('hello from the image');

    // With the server gone the same check fails: it is not vacuous.
    const down = await runHealthcheck(image, { mounts, env: { MLFLOW_PORT: String(port) }, hostUser });
    expect(down.code).toBe(1);

    // The README's authentication recipe on the same volume: `docker run --entrypoint node <image>
    // dist/cli.js users add alice`, then `docker run <image> --auth basic` (the users file is found
    // through the image's MINFLOW_AUTH_USERS_FILE, in /mlruns).
    const add = startContainer(image, { mounts, entrypoint: ['node'], args: ['dist/cli.js', 'users', 'add', 'alice'], env: { MINFLOW_PASSWORD: 'a long enough password' }, hostUser });
    expect(await add.exited, add.output()).toBe(0);
    expect(fs.existsSync(path.join(volume, 'minflow-users'))).toBe(true);
    const secured = startContainer(image, { mounts, args: ['--auth', 'basic', '--port', String(port)], hostUser });
    try {
      await waitForHealth(url, 20_000, secured.output);
      const search = `${url}/api/2.0/mlflow/experiments/search?max_results=5`;
      expect((await fetch(search)).status).toBe(401);
      const authorized = await fetch(search, { headers: { authorization: `Basic ${Buffer.from('alice:a long enough password').toString('base64')}` } });
      expect(authorized.status).toBe(200);
      expect(((await authorized.json()) as { experiments: { name: string }[] }).experiments.map((e) => e.name)).toContain('docker');
    } finally {
      expect(await secured.stop()).toBe(0);
    }
  });
});

describe('WITH_MLFLOW_UI', () => {
  it('=false leaves the UI stage empty (the runtime still builds: COPY finds its directory); anything else stops the build', async () => {
    const work = tempDir('docker-noui');
    try {
      const context = path.join(work, 'context');
      fs.mkdirSync(context);
      const off = await buildImage({ instructions, context, workRoot: path.join(work, 'off'), buildArgs: { WITH_MLFLOW_UI: 'false' }, target: 'mlflow-ui', images, hostUser, aptPackages: APT_STAND_INS });
      expect([...off.stages.keys()]).toEqual(['mlflow-ui']); // the build stage is not needed for this target
      expect(fs.readdirSync(path.join(off.final.root, 'out', 'ui'))).toEqual([]);
      await expect(
        buildImage({ instructions, context, workRoot: path.join(work, 'typo'), buildArgs: { WITH_MLFLOW_UI: 'yes' }, target: 'mlflow-ui', images, hostUser, aptPackages: APT_STAND_INS }),
      ).rejects.toThrow(/WITH_MLFLOW_UI must be true or false, not 'yes'/);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
