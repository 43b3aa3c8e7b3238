// Carries out a parsed Dockerfile without a Docker engine, with an explicit, small mapping:
//
// - every stage gets a directory standing in for its filesystem root; a container path /p is <root>/p;
// - a base image is stood in by the host (ImageStandIn: it checks that the host has what the image
//   would — node 20 and npm, python3 with pip — and names the image's users and default ENTRYPOINT/CMD);
// - COPY / COPY --from / WORKDIR / ENV / ARG / USER / EXPOSE / VOLUME / HEALTHCHECK / ENTRYPOINT / CMD
//   are carried out with Docker's semantics (a source directory's contents are copied; --chown also owns
//   the destination directory COPY creates; ARGs before FROM are global and re-declared in a stage;
//   setting ENTRYPOINT clears the base image's CMD);
// - RUN runs `sh -c <command>` in <root>/<WORKDIR> with the host's environment (standing in for the base
//   image's: PATH, HOME and so npm's and pip's caches) plus the stage's ARGs and ENVs. A RUN command may
//   therefore use relative paths only — one naming an absolute path is refused, since it would touch the
//   host — except `apt-get install`, which is not run: the emulator checks that the host already has
//   each package's command;
// - image users map to host accounts through `hostUser` (root → whoever runs the build);
// - running the image (startContainer): argv[0] and ENV values that are container paths (/…, or
//   sqlite:////…) become <root>/… or a mount's host directory; the process runs as the image's USER's
//   host account (setpriv, else runuser, when the test runs as root).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanEnv, requireCommand, run } from '../../helpers/packaging.js';
import { stagesOf, substitute, type Instruction } from './dockerfile.js';

const posix = path.posix;

export interface HostAccount {
  uid: number;
  gid: number;
  /** For runuser, when setpriv is missing. */
  name: string;
}

export interface ImageStandIn {
  /** Throws, saying how to install it, when the host lacks what the image provides. */
  check(): void;
  /** Users the image defines besides root, with their home directories (created, owned by them). */
  users: Record<string, { home: string }>;
  /** Commands on the image's PATH that an ENTRYPOINT or HEALTHCHECK may start → host executables. */
  commands: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

export interface HealthcheckConfig {
  options: Record<string, string>;
  command: string[];
}

export interface BuiltStage {
  index: number;
  name: string;
  image: string;
  standIn: ImageStandIn;
  root: string;
  workdir: string;
  env: Record<string, string>;
  args: Record<string, string | undefined>;
  user: string;
  exposed: string[];
  volumes: string[];
  healthcheck: HealthcheckConfig | null;
  entrypoint: string[];
  cmd: string[];
  /** What each RUN did and how long it took. */
  runs: { line: number; what: 'executed' | 'apt-get checked on the host'; ms: number }[];
}

export interface BuildOptions {
  instructions: Instruction[];
  context: string;
  workRoot: string;
  buildArgs?: Record<string, string>;
  /** Stage to build (and the stages it copies from); default the last one. */
  target?: string;
  images: Record<string, ImageStandIn>;
  hostUser(imageUser: string): HostAccount;
  /** apt package → a command the host must have instead. */
  aptPackages: Record<string, string>;
  log?(line: string): void;
}

export class EmulatorError extends Error {}

function chownTree(p: string, account: HostAccount): void {
  fs.lchownSync(p, account.uid, account.gid);
  const stat = fs.lstatSync(p);
  if (stat.isDirectory()) for (const entry of fs.readdirSync(p)) chownTree(path.join(p, entry), account);
}

/** `a && b && c` pieces of an apt-get RUN: only apt-get update/install and clearing its lists are allowed. */
function aptPackagesOf(shell: string, line: number): string[] | null {
  if (!/\bapt-get\b/.test(shell)) return null;
  const packages: string[] = [];
  for (const part of shell.split('&&').map((s) => s.trim())) {
    if (/^apt-get update(\s+-\S+)*$/.test(part) || part === 'rm -rf /var/lib/apt/lists/*') continue;
    const install = /^apt-get install\s+(.*)$/.exec(part);
    if (!install) throw new EmulatorError(`line ${line}: an apt-get RUN may only update, install and clear the lists; cannot emulate '${part}'`);
    packages.push(...install[1]!.split(/\s+/).filter((w) => !w.startsWith('-')));
  }
  return packages;
}

/** An absolute path in a RUN command would name a host path here. */
const ABSOLUTE_PATH = /(?:^|[\s"'=:;&|(<>])(\/[A-Za-z0-9_.-][^\s"';&|)]*)/;

export function absolutePathIn(shell: string): string | null {
  return ABSOLUTE_PATH.exec(shell)?.[1] ?? null;
}

/** The stages `target` needs: itself and, transitively, those it copies from. */
function neededStages(stages: ReturnType<typeof stagesOf>['stages'], target: number): Set<number> {
  const needed = new Set<number>();
  const visit = (i: number) => {
    if (needed.has(i)) return;
    needed.add(i);
    for (const ins of stages[i]!.instructions) {
      if (ins.kind !== 'COPY' || ins.from === undefined) continue;
      const from = stages.findIndex((s) => s.name === ins.from!.toLowerCase());
      if (from < 0 || from >= i) throw new EmulatorError(`line ${ins.line}: COPY --from=${ins.from} names no earlier stage (images are not emulated)`);
      visit(from);
    }
  };
  visit(target);
  return needed;
}

export async function buildImage(options: BuildOptions): Promise<{ stages: Map<string, BuiltStage>; final: BuiltStage }> {
  const buildArgs = options.buildArgs ?? {};
  const { globalArgs, stages } = stagesOf(options.instructions, buildArgs);
  const targetIndex = options.target === undefined ? stages.length - 1 : stages.findIndex((s) => s.name === options.target);
  if (targetIndex < 0) throw new EmulatorError(`no stage named ${options.target}`);
  const needed = neededStages(stages, targetIndex);
  const built = new Map<string, BuiltStage>();
  fs.mkdirSync(options.workRoot, { recursive: true, mode: 0o755 });
  fs.chmodSync(options.workRoot, 0o755); // the image's users must be able to reach their files

  for (const summary of stages.slice(0, targetIndex + 1)) {
    if (!needed.has(summary.index)) continue;
    const standIn = options.images[summary.image];
    if (!standIn) throw new EmulatorError(`FROM ${summary.image}: no stand-in for this base image`);
    standIn.check();
    const root = path.join(options.workRoot, `stage-${summary.index}-${summary.name}`);
    fs.mkdirSync(root, { mode: 0o755 });
    const stage: BuiltStage = {
      index: summary.index,
      name: summary.name,
      image: summary.image,
      standIn,
      root,
      workdir: '/',
      env: {},
      args: {},
      user: 'root',
      exposed: [],
      volumes: [],
      healthcheck: null,
      entrypoint: [...standIn.entrypoint],
      cmd: [...standIn.cmd],
      runs: [],
    };
    for (const [name, { home }] of Object.entries(standIn.users)) {
      const dir = path.join(root, home);
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      chownTree(dir, options.hostUser(name));
    }
    const hostPath = (p: string) => path.join(root, posix.resolve(stage.workdir, p));
    const vars = () => ({ ...stage.args, ...stage.env }); // ENV wins over ARG, as in Docker

    for (const ins of summary.instructions) {
      switch (ins.kind) {
        case 'ARG':
          stage.args[ins.name] = buildArgs[ins.name] ?? (ins.default !== undefined ? substitute(ins.default, vars()) : globalArgs[ins.name]);
          break;
        case 'WORKDIR':
          stage.workdir = posix.resolve(stage.workdir, substitute(ins.path, vars()));
          fs.mkdirSync(hostPath(stage.workdir), { recursive: true, mode: 0o755 });
          break;
        case 'ENV': {
          const before = vars();
          for (const [k, v] of ins.pairs) stage.env[k] = substitute(v, before);
          break;
        }
        case 'COPY':
          copy(ins, stage, built, options);
          break;
        case 'RUN': {
          const started = Date.now();
          const packages = aptPackagesOf(ins.shell, ins.line);
          if (packages) {
            for (const pkg of packages) {
              const command = options.aptPackages[pkg];
              if (!command) throw new EmulatorError(`line ${ins.line}: apt package ${pkg} has no host stand-in`);
              requireCommand('sh', ['-c', `command -v ${command}`], `the image installs ${pkg} with apt-get; the host needs it too: apt-get install -y ${pkg}`);
            }
            stage.runs.push({ line: ins.line, what: 'apt-get checked on the host', ms: Date.now() - started });
            break;
          }
          const absolute = absolutePathIn(ins.shell);
          if (absolute) throw new EmulatorError(`line ${ins.line}: RUN names the absolute path ${absolute}; use a path relative to WORKDIR`);
          if (stage.user !== 'root') throw new EmulatorError(`line ${ins.line}: RUN after USER ${stage.user} is not emulated`);
          const env: NodeJS.ProcessEnv = {};
          for (const [k, v] of Object.entries(vars())) if (v !== undefined) env[k] = v;
          options.log?.(`[docker-emulator] ${summary.name} RUN (line ${ins.line}) …`);
          await run('sh', ['-c', ins.shell], { cwd: hostPath(stage.workdir), env: cleanEnv(env), timeoutMs: 600_000 });
          stage.runs.push({ line: ins.line, what: 'executed', ms: Date.now() - started });
          options.log?.(`[docker-emulator] ${summary.name} RUN (line ${ins.line}) done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          break;
        }
        case 'USER':
          stage.user = substitute(ins.user, vars());
          break;
        case 'EXPOSE':
          stage.exposed.push(...ins.ports.map((p) => substitute(p, vars())));
          break;
        case 'VOLUME':
          for (const p of ins.paths.map((v) => substitute(v, vars()))) {
            stage.volumes.push(p);
            fs.mkdirSync(hostPath(p), { recursive: true });
          }
          break;
        case 'HEALTHCHECK':
          stage.healthcheck = ins.command ? { options: ins.options, command: ins.command } : null;
          break;
        case 'ENTRYPOINT':
          stage.entrypoint = ins.exec;
          stage.cmd = []; // Docker: an ENTRYPOINT clears the CMD inherited from the base image
          break;
        case 'CMD':
          stage.cmd = ins.exec;
          break;
        case 'FROM':
          throw new EmulatorError('unreachable: FROM inside a stage');
      }
    }
    built.set(stage.name, stage);
  }
  return { stages: built, final: built.get(stages[targetIndex]!.name)! };
}

function copy(ins: Extract<Instruction, { kind: 'COPY' }>, stage: BuiltStage, built: Map<string, BuiltStage>, options: BuildOptions): void {
  const vars = { ...stage.args, ...stage.env };
  let sourceRoot = options.context;
  if (ins.from !== undefined) {
    const from = built.get(ins.from.toLowerCase());
    if (!from) throw new EmulatorError(`line ${ins.line}: COPY --from=${ins.from}: that stage was not built`);
    sourceRoot = from.root;
  }
  let account: HostAccount | null = null;
  if (ins.chown !== undefined) {
    const [user, group = user] = substitute(ins.chown, vars).split(':');
    if (group !== user) throw new EmulatorError(`line ${ins.line}: --chown=${ins.chown}: only user:same-named-group is mapped`);
    account = options.hostUser(user!);
  }
  const sources = ins.sources.map((s) => substitute(s, vars));
  const destText = substitute(ins.dest, vars);
  const dest = posix.resolve(stage.workdir, destText);
  const destIsDir = destText.endsWith('/') || sources.length > 1;
  for (const source of sources) {
    if (/[*?[]/.test(source)) throw new EmulatorError(`line ${ins.line}: wildcards in COPY sources are not emulated (${source})`);
    const rel = posix.normalize(source).replace(/^\/+/, '');
    if (rel.startsWith('..')) throw new EmulatorError(`line ${ins.line}: COPY source ${source} leaves the ${ins.from ? 'stage' : 'context'}`);
    const from = path.join(sourceRoot, rel);
    if (!fs.existsSync(from)) throw new EmulatorError(`line ${ins.line}: COPY ${source}: no such file in the ${ins.from ? `stage ${ins.from}` : 'build context'}`);
    const isDir = fs.statSync(from).isDirectory();
    const to = isDir || !destIsDir ? path.join(stage.root, dest) : path.join(stage.root, dest, posix.basename(rel));
    const created = !fs.existsSync(isDir ? to : path.dirname(to)) ? (isDir ? to : path.dirname(to)) : null;
    fs.mkdirSync(isDir ? to : path.dirname(to), { recursive: true, mode: 0o755 });
    // A directory's contents are copied, not the directory itself (Docker's COPY rule).
    fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, force: true });
    if (account) {
      if (isDir) {
        for (const entry of fs.readdirSync(from)) chownTree(path.join(to, entry), account);
        if (created === to) fs.lchownSync(to, account.uid, account.gid);
      } else {
        fs.lchownSync(to, account.uid, account.gid);
      }
    }
  }
}

// --- running the image ----------------------------------------------------------------------------------

export interface RunOptions {
  /** Container path → host directory (docker run -v). */
  mounts?: Record<string, string>;
  /** Appended after ENTRYPOINT (replacing CMD), as `docker run <image> <args>`. */
  args?: string[];
  /** docker run --entrypoint (which also drops CMD). */
  entrypoint?: string[];
  /** docker run -e. */
  env?: Record<string, string>;
  hostUser(imageUser: string): HostAccount;
}

/** A container path's host path: the longest mount that holds it, else the image's root. */
export function hostPathIn(image: BuiltStage, mounts: Record<string, string>, containerPath: string): string {
  const p = posix.normalize(containerPath);
  const mount = Object.keys(mounts)
    .sort((a, b) => b.length - a.length)
    .find((m) => p === m || p.startsWith(`${m}/`));
  return mount ? path.join(mounts[mount]!, p.slice(mount.length)) : path.join(image.root, p);
}

/** An argument or ENV value that is a container path (/…, or sqlite:////…) → its host path; else as is. */
export function mapValue(image: BuiltStage, mounts: Record<string, string>, value: string): string {
  if (value.startsWith('/')) return hostPathIn(image, mounts, value);
  const sqlite = /^sqlite:\/\/\/(\/.*)$/.exec(value);
  if (sqlite) return `sqlite:///${hostPathIn(image, mounts, sqlite[1]!)}`;
  return value;
}

/** The process for `argv` inside the image: mapped paths, the image's USER, the image's ENV (+ -e). */
export function containerProcess(image: BuiltStage, argv: string[], options: RunOptions): { command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; account: HostAccount } {
  const mounts = options.mounts ?? {};
  const [program, ...rest] = argv;
  const executable = image.standIn.commands[program!] ?? (program!.startsWith('/') ? hostPathIn(image, mounts, program!) : undefined);
  if (!executable) throw new EmulatorError(`${program} is not a command the image ${image.image} provides`);
  const account = options.hostUser(image.user);
  const home = image.user === 'root' ? '/root' : image.standIn.users[image.user]?.home;
  if (!home) throw new EmulatorError(`the image has no user ${image.user}`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: hostPathIn(image, mounts, home) };
  for (const [k, v] of Object.entries({ ...image.env, ...options.env })) env[k] = mapValue(image, mounts, v);
  const args = rest.map((a) => mapValue(image, mounts, a));
  const cwd = hostPathIn(image, mounts, image.workdir);
  const self = process.getuid!();
  if (account.uid === self) return { command: executable, args, cwd, env, account };
  if (self !== 0) throw new EmulatorError(`cannot run as uid ${account.uid} without root`);
  if (hasCommand('setpriv')) {
    return { command: 'setpriv', args: [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', executable, ...args], cwd, env, account };
  }
  if (hasCommand('runuser')) return { command: 'runuser', args: ['-u', account.name, '--', executable, ...args], cwd, env, account };
  throw new EmulatorError('neither setpriv nor runuser is installed: apt-get install -y util-linux (setpriv) to run the image as its non-root user');
}

export function hasCommand(name: string): boolean {
  try {
    requireCommand('sh', ['-c', `command -v ${name}`], '');
    return true;
  } catch {
    return false;
  }
}

export interface Container {
  child: ChildProcess;
  output(): string;
  /** docker stop: SIGTERM, SIGKILL after the 10 s grace period; the exit code (null when killed). */
  stop(): Promise<number | null>;
  /** The exit code once the process ends by itself (docker run without -d). */
  exited: Promise<number | null>;
}

/** `docker run [-v …] [-e …] <image> <args>`: ENTRYPOINT + args (CMD only when no args are given). */
export function startContainer(image: BuiltStage, options: RunOptions): Container {
  const entrypoint = options.entrypoint ?? image.entrypoint;
  const cmd = options.entrypoint ? [] : image.cmd;
  const argv = [...entrypoint, ...(options.args && options.args.length > 0 ? options.args : cmd)];
  if (argv.length === 0) throw new EmulatorError('the image has neither ENTRYPOINT nor CMD');
  const p = containerProcess(image, argv, options);
  const child = spawn(p.command, p.args, { cwd: p.cwd, env: p.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const grace = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(grace);
      return code;
    },
  };
}

/** Runs the HEALTHCHECK command inside the running image (docker's exec-based check); its exit code. */
export async function runHealthcheck(image: BuiltStage, options: RunOptions): Promise<{ code: number | null; output: string }> {
  if (!image.healthcheck) throw new EmulatorError('the image has no HEALTHCHECK');
  const timeout = Number(/^(\d+)s$/.exec(image.healthcheck.options.timeout ?? '30s')?.[1] ?? 30) * 1000;
  const p = containerProcess(image, image.healthcheck.command, options);
  const finished = await run(p.command, p.args, { cwd: p.cwd, env: p.env, timeoutMs: timeout, allowFailure: true });
  return { code: finished.code, output: finished.output };
}
