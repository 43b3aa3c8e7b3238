// The Dockerfile, checked and carried out without a Docker engine (there is none on the build machines).
//
// 1. Static: test/e2e/docker/dockerfile.ts parses it; the test asserts what the image must be — multi-stage
//    with the build tools only in the build stage, the runtime on node:20-bookworm-slim as the non-root
//    `node` user, EXPOSE 5000, VOLUME /mlruns, a HEALTHCHECK on /health with node's fetch, the server on
//    0.0.0.0 as ENTRYPOINT with an empty CMD, WITH_MLFLOW_UI defaulting to true with the pinned mlflow —
//    and that .dockerignore keeps node_modules, mlruns, .venv*, dist, test-results and .git out.
// 2. Emulated: test/e2e/docker/emulator.ts builds every stage in a temporary directory standing in for
//    its root, from a build context made of `git ls-files` minus .dockerignore (COPY, RUN with sh -c in
//    the stage's WORKDIR and environment, …), then runs the image's ENTRYPOINT as its `node` user
//    (mapped to the host's nobody, 65534, through setpriv) with /mlruns mapped to a temporary directory
//    and `--port <free>` appended, and checks /health, the official UI at /, a run and an artifact
//    landing in /mlruns, and the HEALTHCHECK command.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, VENV, tempDir } from '../helpers/paths.js';
import { cleanCopy, requireCommand } from '../helpers/packaging.js';
import { freePort, waitForHealth } from '../helpers/server-process.js';
import { parseDockerfile, stagesOf, substitute, words, type Instruction } from './docker/dockerfile.js';
import { isIgnored, parseDockerignore } from './docker/dockerignore.js';
import {
  absolutePathIn,
  buildImage,
  hasCommand,
  runHealthcheck,
  startContainer,
  type BuiltStage,
  type HostAccount,
  type ImageStandIn,
} from './docker/emulator.js';

const NODE_IMAGE = 'node:20-bookworm-slim';
const PYTHON_IMAGE = 'python:3.11-slim-bookworm';

const dockerfileText = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfileText);
const { globalArgs, stages } = stagesOf(instructions);
const runtime = stages.at(-1)!;
const ignorePatterns = parseDockerignore(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
const pinnedMlflow = /^mlflow==(\S+)\s*$/m.exec(fs.readFileSync(path.join(ROOT, 'test', 'compat', 'requirements.txt'), 'utf8'))![1]!;

function all<K extends Instruction['kind']>(list: Instruction[], kind: K): Extract<Instruction, { kind: K }>[] {
  return list.filter((i): i is Extract<Instruction, { kind: K }> => i.kind === kind);
}

function last<K extends Instruction['kind']>(list: Instruction[], kind: K): Extract<Instruction, { kind: K }> | undefined {
  return all(list, kind).at(-1);
}

function finalEnv(): Record<string, string> {
  return Object.fromEntries(all(runtime.instructions, 'ENV').flatMap((e) => e.pairs));
}

describe('the Dockerfile parser', () => {
  it('joins continued lines, skips comments inside them, reads exec forms, flags and quoted ENV values', () => {
    const parsed = parseDockerfile(
      ['# syntax=docker/dockerfile:1', 'ARG A=1', 'FROM img:${A} AS one', 'RUN a \\', '  # inside', '  && b', 'ENV X="two words" Y=$A', 'COPY --from=one --chown=u:u /src/ dst/', 'HEALTHCHECK --timeout=5s \\', '  CMD ["x", "y"]', 'CMD []'].join('\n'),
    );
    expect(parsed.map((i) => i.kind)).toEqual(['ARG', 'FROM', 'RUN', 'ENV', 'COPY', 'HEALTHCHECK', 'CMD']);
    expect(parsed[2]).toMatchObject({ shell: 'a   && b', line: 4 });
    expect(parsed[3]).toMatchObject({ pairs: [['X', 'two words'], ['Y', '$A']] });
    expect(parsed[4]).toMatchObject({ from: 'one', chown: 'u:u', sources: ['/src/'], dest: 'dst/' });
    expect(parsed[5]).toMatchObject({ options: { timeout: '5s' }, command: ['x', 'y'] });
    expect(parsed[6]).toMatchObject({ exec: [] });
    expect(stagesOf(parsed, { A: '2' }).stages[0]).toMatchObject({ name: 'one', image: 'img:2' });
    expect(substitute('${A:-d}|${B:-d}|${A:+w}|${B:+w}|\\$A|$A', { A: 'x' })).toBe('x|d|w||$A|x');
    expect(words(`a "b c" 'd e' f\\ g`, 1)).toEqual(['a', 'b c', 'd e', 'f g']);
    expect(() => parseDockerfile('FROM x\nADD a b')).toThrow(/ADD is not an instruction/);
    expect(() => parseDockerfile('FROM x\nRUN --mount=type=cache,target=/c true')).toThrow(/not supported/);
    expect(absolutePathIn('npm ci && mkdir mlruns')).toBeNull();
    expect(absolutePathIn('mkdir -p /mlruns && chown node /mlruns')).toBe('/mlruns');
  });
});

describe('the Dockerfile', () => {
  it('is multi-stage: a build stage with the toolchain, a throwaway mlflow-ui stage, a runtime on node:20-bookworm-slim', () => {
    expect(stages.map((s) => [s.name, s.image])).toEqual([
      ['build', NODE_IMAGE],
      ['mlflow-ui', PYTHON_IMAGE],
      ['runtime', NODE_IMAGE],
    ]);
    const [build, ui] = stages;
    // The toolchain (python3, make, g++) is installed in the build stage and nowhere else.
    const aptRuns = stages.flatMap((s) => all(s.instructions, 'RUN').filter((r) => /apt-get install/.test(r.shell)).map((r) => [s.name, r.shell]));
    expect(aptRuns).toHaveLength(1);
    expect(aptRuns[0]![0]).toBe('build');
    expect(aptRuns[0]![1].replace(/\s+/g, ' ')).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+ && rm -rf \/var\/lib\/apt\/lists\/\*/);
    // npm ci (which runs `prepare` = tsc), then the dev dependencies pruned.
    const buildRuns = all(build!.instructions, 'RUN').map((r) => r.shell);
    expect(buildRuns.findIndex((r) => /^npm ci\b/.test(r))).toBeLessThan(buildRuns.findIndex((r) => /npm prune --omit=dev/.test(r)));
    // The runtime image runs nothing at build time and takes only build outputs and the UI build.
    expect(all(runtime.instructions, 'RUN')).toEqual([]);
    const copies = all(runtime.instructions, 'COPY').map((c) => [c.from, c.sources.join(' '), c.dest]);
    expect(copies).toEqual([
      ['build', '/app/package.json', './'],
      ['build', '/app/node_modules/', 'node_modules/'],
      ['build', '/app/migrations/', 'migrations/'],
      ['build', '/app/dist/', 'dist/'],
      ['mlflow-ui', '/out/ui/', '/opt/mlflow-ui/'],
      ['build', '/app/mlruns/', '/mlruns/'],
    ]);
    // The UI stage is only ever copied from: its python never reaches the runtime.
    expect(ui!.instructions.some((i) => i.kind === 'ENTRYPOINT' || i.kind === 'CMD')).toBe(false);
    expect(last(runtime.instructions, 'WORKDIR')?.path).toBe('/app');
  });

  it('runs as the non-root node user, owns /mlruns to it, declares VOLUME /mlruns and EXPOSE 5000', () => {
    const user = last(runtime.instructions, 'USER');
    expect(user?.user).toBe('node');
    // USER comes after every COPY (the files stay root's) and before the process is defined.
    const index = (i: Instruction | undefined) => runtime.instructions.indexOf(i!);
    expect(index(user)).toBeGreaterThan(index(last(runtime.instructions, 'COPY')));
    const dataCopy = all(runtime.instructions, 'COPY').find((c) => c.dest === '/mlruns/');
    expect(dataCopy?.chown).toBe('node:node');
    expect(all(runtime.instructions, 'COPY').filter((c) => c.chown !== undefined)).toEqual([dataCopy]);
    expect(all(runtime.instructions, 'VOLUME').flatMap((v) => v.paths)).toEqual(['/mlruns']);
    expect(all(runtime.instructions, 'EXPOSE').flatMap((e) => e.ports)).toEqual(['5000']);
    expect(finalEnv()).toMatchObject({
      MLFLOW_PORT: '5000',
      MLFLOW_BACKEND_STORE_URI: 'sqlite:////mlruns/mlflow.db',
      MLFLOW_ARTIFACTS_DESTINATION: '/mlruns/artifacts',
      MINFLOW_AUTH_USERS_FILE: '/mlruns/minflow-users',
    });
  });

  it('checks /health with node’s fetch (slim images have no curl)', () => {
    const hc = last(runtime.instructions, 'HEALTHCHECK');
    expect(hc?.command?.slice(0, 2)).toEqual(['node', '-e']);
    expect(hc?.command?.[2]).toMatch(/fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.MLFLOW_PORT \|\| 5000\)/);
    expect(hc?.command?.[2]).toContain("'/health'");
    expect(hc?.options).toMatchObject({ timeout: '5s' });
  });

  it('starts the server on 0.0.0.0 as ENTRYPOINT with an empty CMD, so `docker run <image> --flag …` appends flags', () => {
    expect(last(runtime.instructions, 'ENTRYPOINT')?.exec).toEqual(['node', '/app/dist/cli.js', 'server']);
    expect(last(runtime.instructions, 'CMD')?.exec).toEqual([]);
    expect(finalEnv().MLFLOW_HOST).toBe('0.0.0.0');
  });

  it('copies the official UI out of the pinned mlflow wheel by default (WITH_MLFLOW_UI=true), served through MINFLOW_UI_DIR', () => {
    expect(globalArgs).toEqual({ WITH_MLFLOW_UI: 'true', MLFLOW_VERSION: pinnedMlflow });
    expect(pinnedMlflow).toBe('3.17.2');
    const ui = stages[1]!;
    expect(all(ui.instructions, 'ARG').map((a) => [a.name, a.default])).toEqual([
      ['WITH_MLFLOW_UI', undefined],
      ['MLFLOW_VERSION', undefined],
    ]);
    const install = all(ui.instructions, 'RUN')[0]!.shell;
    expect(install).toMatch(/pip install .*--no-deps\b.*--target wheel "mlflow==\$MLFLOW_VERSION"/);
    expect(install).toContain('mv wheel/mlflow/server/js/build ui');
    expect(finalEnv().MINFLOW_UI_DIR).toBe('/opt/mlflow-ui');
  });

  it('uses relative paths in its RUN commands (the apt-get line aside), so the emulated build never writes outside a stage', () => {
    for (const stage of stages) {
      for (const r of all(stage.instructions, 'RUN')) {
        if (/apt-get/.test(r.shell)) continue;
        expect(absolutePathIn(r.shell), `line ${r.line}`).toBeNull();
      }
    }
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules, mlruns, .venv*, dist, test-results and .git out of the build context', () => {
    expect(ignorePatterns.map((p) => p.pattern)).toEqual(expect.arrayContaining(['node_modules', 'mlruns', '.venv*', 'dist', 'test-results', '.git']));
    for (const p of ['node_modules/fastify/package.json', 'mlruns/.gitkeep', 'mlruns/mlflow.db', '.venv/bin/python', '.venv-compat/x', 'dist/cli.js', 'test-results/ui/a.png', '.git/HEAD', 'server/node_modules/x']) {
      expect(isIgnored(ignorePatterns, p), p).toBe(true);
    }
    for (const p of ['package.json', 'package-lock.json', 'cli.ts', 'server/app.ts', 'migrations/meta/_journal.json', 'test/compat/requirements.txt', 'distant/x']) {
      expect(isIgnored(ignorePatterns, p), p).toBe(false);
    }
  });
});

// --- the build, carried out ------------------------------------------------------------------------------

const isRoot = process.getuid!() === 0;
/** The image's `node` user (uid 1000 in the image) runs as the host's nobody; root as whoever runs the test. */
function hostUser(name: string): HostAccount {
  if (name === 'root') return { uid: process.getuid!(), gid: process.getgid!(), name: 'root' };
  if (name !== 'node') throw new Error(`no host account for the image user ${name}`);
  return isRoot ? { uid: 65534, gid: 65534, name: 'nobody' } : { uid: process.getuid!(), gid: process.getgid!(), name: 'self' };
}

const images: Record<string, ImageStandIn> = {
  [NODE_IMAGE]: {
    check() {
      const major = process.versions.node.split('.')[0];
      if (major !== '20') throw new Error(`the image is ${NODE_IMAGE}; the emulated build stands in this host's node for it, which is ${process.version}: use Node 20`);
      requireCommand('npm', ['--version'], 'install npm (it ships with Node 20)');
    },
    users: { node: { home: '/home/node' } },
    commands: { node: process.execPath },
    entrypoint: ['docker-entrypoint.sh'],
    cmd: ['node'],
  },
  [PYTHON_IMAGE]: {
    check() {
      requireCommand('python3', ['-m', 'pip', '--version'], `the image is ${PYTHON_IMAGE}; the emulated build uses this host's python3 with pip: apt-get install -y python3-pip (or python3 -m ensurepip)`);
    },
    users: {},
    commands: { python3: 'python3' },
    entrypoint: [],
    cmd: ['python3'],
  },
};

const APT_STAND_INS = { python3: 'python3', make: 'make', 'g++': 'g++' };

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Listening IPv4 sockets on `port` as /proc/net/tcp shows them: their local addresses. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
    .map((f) => {
      const hex = f[1]!.split(':')[0]!;
      return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
    });
}

/** The UI build inside the compat venv's mlflow (the same pinned wheel; test/global-setup.ts makes the venv). */
function wheelUiBuild(): string {
  const python = fs.readdirSync(path.join(VENV, 'lib')).find((d) => d.startsWith('python3'))!;
  return path.join(VENV, 'lib', python, 'site-packages', 'mlflow', 'server', 'js', 'build');
}

function uidOf(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[1]);
}

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
