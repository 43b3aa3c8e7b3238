// Debian's nginx as the load balancer in front of several Minflow replicas (test/e2e/replicas.test.ts,
// bench --backend postgres): a foreground process (daemon off) with its own prefix directory and config
// on a free loopback port, round robin over the given upstreams. A refused or reset connection, a
// timeout, a 502 or a 503 goes to the next replica, POSTs included (non_idempotent), so a killed replica
// fails over; bodies stream both ways (no request or response buffering, no size limit), as the
// artifact proxy needs. Each answer carries the replica that served it in X-Minflow-Upstream.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './paths.js';
import { freePort } from './server-process.js';

export const NGINX = process.env.MINFLOW_NGINX ?? '/usr/sbin/nginx';

export interface Nginx {
  url: string;
  port: number;
  prefix: string;
  child: ChildProcess;
  /** nginx's stdout/stderr and its error log, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** Worker processes (default auto: one per core). */
  workers?: number | 'auto';
  /** Idle keep-alive connections to the upstreams kept per worker (default 64; 0 = none). */
  keepalive?: number;
  /** Seconds a replica is left out after a failure (nginx's fail_timeout; default 5). */
  failTimeoutSeconds?: number;
  timeoutMs?: number;
}

/** The nginx binary, or a failure that says how to install it (tests never skip). */
export function nginxBinary(): string {
  if (!fs.existsSync(NGINX)) throw new Error(`${NGINX} is missing: install it with \`apt-get install -y nginx\``);
  try {
    execFileSync(NGINX, ['-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`\`${NGINX} -v\` failed (${(e as Error).message.split('\n')[0]}): reinstall it with \`apt-get install -y nginx\``);
  }
  return NGINX;
}

/** host:port of an upstream given as a URL (http://127.0.0.1:5000) or already as host:port. */
function hostPort(upstream: string): string {
  if (!/^[a-z]+:\/\//i.test(upstream)) return upstream;
  const u = new URL(upstream);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
}

export function nginxConfig(prefix: string, port: number, upstreams: string[], options: NginxOptions = {}): string {
  const failTimeout = options.failTimeoutSeconds ?? 5;
  const keepalive = options.keepalive ?? 64;
  const p = (name: string) => path.join(prefix, name);
  return [
    // As root the master would hand the workers to www-data, which cannot enter a 0700 temp directory.
    ...(process.getuid?.() === 0 ? ['user root root;'] : []),
    `worker_processes ${options.workers ?? 'auto'};`,
    `pid ${p('nginx.pid')};`,
    `error_log ${p('error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${p('client_body')};`,
    `  proxy_temp_path ${p('proxy')};`,
    `  fastcgi_temp_path ${p('fastcgi')};`,
    `  uwsgi_temp_path ${p('uwsgi')};`,
    `  scgi_temp_path ${p('scgi')};`,
    '  upstream minflow {',
    ...upstreams.map((u) => `    server ${hostPort(u)} max_fails=1 fail_timeout=${failTimeout}s;`),
    ...(keepalive > 0 ? [`    keepalive ${keepalive};`] : []),
    '  }',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    '    client_max_body_size 0;',
    '    proxy_request_buffering off;',
    '    proxy_buffering off;',
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
    // Minflow checks the Host header (DNS-rebinding guard): pass the client's, not the upstream's name.
    '    proxy_set_header Host $http_host;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_next_upstream error timeout http_502 http_503 non_idempotent;',
    '    proxy_next_upstream_tries 0;',
    '    proxy_connect_timeout 2s;',
    '    proxy_send_timeout 600s;',
    '    proxy_read_timeout 600s;',
    '    add_header X-Minflow-Upstream $upstream_addr always;',
    '    location / { proxy_pass http://minflow; }',
    '  }',
    '}',
    '',
  ].join('\n');
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** nginx on a free loopback port, balancing over `upstreams` (URLs or host:port). */
export async function startNginx(upstreams: string[], options: NginxOptions = {}): Promise<Nginx> {
  if (upstreams.length === 0) throw new Error('startNginx needs at least one upstream');
  const binary = nginxBinary();
  const prefix = tempDir('nginx');
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(conf, nginxConfig(prefix, port, upstreams, options));
  // -e: the error log before the config is read (else nginx tries /var/log/nginx/error.log first).
  const child = spawn(binary, ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = () => {
    let log = '';
    try {
      log = fs.readFileSync(path.join(prefix, 'error.log'), 'utf8');
    } catch {
      // not written yet
    }
    return `${out}${log ? `\n--- nginx error.log\n${log.slice(-4000)}` : ''}`;
  };
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signal('SIGTERM');
      const killer = setTimeout(() => signal('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    signal('SIGKILL'); // workers that outlived the master
    fs.rmSync(prefix, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}) before listening on 127.0.0.1:${port}\n${output()}`);
    }
    if (await connects(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx not listening on 127.0.0.1:${port} after ${options.timeoutMs ?? 10_000} ms\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `http://127.0.0.1:${port}`, port, prefix, child, output, stop };
}
