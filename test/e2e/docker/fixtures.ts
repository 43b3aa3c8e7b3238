// What the Dockerfile tests share: the parsed Dockerfile and .dockerignore, and the stand-ins the
// emulated build uses for the base images and the image's users (test/e2e/dockerfile.test.ts checks the
// file, test/e2e/docker-image.test.ts builds and runs it).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, VENV } from '../../helpers/paths.js';
import { requireCommand } from '../../helpers/packaging.js';
import { parseDockerfile } from './dockerfile.js';
import { parseDockerignore } from './dockerignore.js';
import type { HostAccount, ImageStandIn } from './emulator.js';

export const NODE_IMAGE = 'node:20-bookworm-slim';
export const PYTHON_IMAGE = 'python:3.11-slim-bookworm';

export const instructions = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
export const ignorePatterns = parseDockerignore(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
export const pinnedMlflow = /^mlflow==(\S+)\s*$/m.exec(fs.readFileSync(path.join(ROOT, 'test', 'compat', 'requirements.txt'), 'utf8'))![1]!;


export const isRoot = process.getuid!() === 0;
/** The image's `node` user (uid 1000 in the image) runs as the host's nobody; root as whoever runs the test. */
export function hostUser(name: string): HostAccount {
  if (name === 'root') return { uid: process.getuid!(), gid: process.getgid!(), name: 'root' };
  if (name !== 'node') throw new Error(`no host account for the image user ${name}`);
  return isRoot ? { uid: 65534, gid: 65534, name: 'nobody' } : { uid: process.getuid!(), gid: process.getgid!(), name: 'self' };
}

export const images: Record<string, ImageStandIn> = {
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

export const APT_STAND_INS = { python3: 'python3', make: 'make', 'g++': 'g++' };

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Listening IPv4 sockets on `port` as /proc/net/tcp shows them: their local addresses. */
export function listeningAddresses(port: number): string[] {
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
export function wheelUiBuild(): string {
  const python = fs.readdirSync(path.join(VENV, 'lib')).find((d) => d.startsWith('python3'))!;
  return path.join(VENV, 'lib', python, 'site-packages', 'mlflow', 'server', 'js', 'build');
}

export function uidOf(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[1]);
}
