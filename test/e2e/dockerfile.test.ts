// The Dockerfile and .dockerignore, checked without a Docker engine (there is none on the build
// machines): test/e2e/docker/dockerfile.ts parses the Dockerfile, and the tests assert what the image must
// be — multi-stage with the build tools only in the build stage, the runtime on node:20-bookworm-slim as
// the non-root `node` user, EXPOSE 5000, VOLUME /mlruns, a HEALTHCHECK on /health with node's fetch, the
// server on 0.0.0.0 as ENTRYPOINT with an empty CMD, WITH_MLFLOW_UI defaulting to true with the pinned
// mlflow — and that .dockerignore keeps node_modules, mlruns, .venv*, dist, test-results and .git out.
// test/e2e/docker-image.test.ts carries the build out and runs the result.
import { describe, expect, it } from 'vitest';
import { parseDockerfile, stagesOf, substitute, words, type Instruction } from './docker/dockerfile.js';
import { isIgnored } from './docker/dockerignore.js';
import { absolutePathIn } from './docker/emulator.js';
import { ignorePatterns, instructions, NODE_IMAGE, pinnedMlflow, PYTHON_IMAGE } from './docker/fixtures.js';

const { globalArgs, stages } = stagesOf(instructions);
const runtime = stages.at(-1)!;

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
