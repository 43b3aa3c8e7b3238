// Artifact transfer benchmark: one large file through a real Minflow server with the official client.
//
//   npx tsx bench/artifact-transfer.ts [--size-mb 1024]
//
// Starts Minflow (dist/, so `npm run build` first), generates a file of pseudo-random bytes, uploads it
// with MlflowClient().log_artifact and downloads it with download_artifacts (bench/py/artifact_transfer.py,
// the compat venv's python), compares SHA-256, and samples the server's VmRSS from /proc/<pid>/status every
// 50 ms. Prints MiB/s each way and the RSS growth (peak during the transfers − resting baseline). Exits 1 if
// the bytes differ or the RSS grows by 64 MiB or more (the server must stream, never buffer a whole body).
// Not part of CI: it moves a gigabyte three times.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, VENV_PYTHON, tempDir, venvPython } from '../test/helpers/paths.js';
import { startServer } from '../test/helpers/server-process.js';
import { sha256File, vmRssKiB, writeRandomFile } from './lib/files.js';

const RSS_LIMIT_MIB = 64;
const SAMPLE_MS = 50;

function parseArgs(argv: string[]): { sizeMb: number } {
  let sizeMb = 1024;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--size-mb') sizeMb = Number(argv[++i]);
    else if (a.startsWith('--size-mb=')) sizeMb = Number(a.slice('--size-mb='.length));
    else if (a === '--help' || a === '-h') {
      console.log('usage: npx tsx bench/artifact-transfer.ts [--size-mb N]   (default 1024)');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(sizeMb) || sizeMb <= 0) throw new Error('--size-mb must be a positive integer');
  return { sizeMb };
}

interface Done {
  event: 'done';
  mlflow_version: string;
  run_id: string;
  experiment_id: string;
  downloaded: string;
  upload: [number, number];
  download: [number, number];
}

/** Runs the python side; calls onWarm when the warm-up round trip is done; resolves its final JSON. */
function runClient(file: string, downloadDir: string, url: string, onWarm: () => void): Promise<Done> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython(), [path.join(ROOT, 'bench', 'py', 'artifact_transfer.py'), file, downloadDir], {
      env: { ...process.env, MLFLOW_TRACKING_URI: url, PYTHONUNBUFFERED: '1', PYTHONWARNINGS: 'ignore', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let seen = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const lines = stdout.split('\n');
      for (; seen < lines.length - 1; seen++) if (lines[seen]!.includes('"event": "warm"')) onWarm();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.includes('"event": "done"')) {
        reject(new Error(`bench/py/artifact_transfer.py exited ${code}\n${stdout}\n${stderr.slice(-4000)}`));
        return;
      }
      resolve(JSON.parse(last) as Done);
    });
  });
}

const mib = (kib: number) => kib / 1024;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function main(): Promise<number> {
  const { sizeMb } = parseArgs(process.argv.slice(2));
  venvPython();
  const work = tempDir('bench-artifacts');
  const file = path.join(work, 'payload.bin');
  const downloadDir = path.join(work, 'download');
  fs.mkdirSync(downloadDir);

  console.log(`generating ${sizeMb} MiB in ${file} ...`);
  const sourceHash = writeRandomFile(file, sizeMb);

  const server = await startServer();
  const pid = server.child.pid!;
  const samples: { t: number; kib: number }[] = [];
  const timer = setInterval(() => {
    const kib = vmRssKiB(pid);
    if (kib !== null) samples.push({ t: Date.now() / 1000, kib });
  }, SAMPLE_MS);
  let warmAt = Number.NaN;
  try {
    console.log(`server ${server.url} (pid ${pid}); uploading and downloading with the official client (${VENV_PYTHON}) ...`);
    const done = await runClient(file, downloadDir, server.url, () => (warmAt = Date.now() / 1000));
    await new Promise((r) => setTimeout(r, 200)); // a last sample or two after the download
    clearInterval(timer);

    const downloadedHash = await sha256File(done.downloaded);
    const serverFile = path.join(server.dataDir, 'artifacts', done.experiment_id, done.run_id, 'artifacts', 'bench', 'payload.bin');
    const storedHash = await sha256File(serverFile);

    const within = (a: number, b: number) => samples.filter((s) => s.t >= a && s.t <= b).map((s) => s.kib);
    const resting = within(warmAt, done.upload[0]);
    const baseline = resting.length ? resting.reduce((x, y) => x + y, 0) / resting.length : samples[0]!.kib;
    const up = within(done.upload[0], done.upload[1] + 0.1);
    const down = within(done.download[0], done.download[1] + 0.2);
    const peakUp = Math.max(...up, baseline);
    const peakDown = Math.max(...down, baseline);
    const growthMiB = mib(Math.max(peakUp, peakDown) - baseline);
    const upS = done.upload[1] - done.upload[0];
    const downS = done.download[1] - done.download[0];

    console.log(`\nartifact transfer: ${sizeMb} MiB through Minflow, mlflow ${done.mlflow_version} client, ${samples.length} RSS samples`);
    console.log(`  upload    ${fmt(upS, 2)} s  ${fmt(sizeMb / upS)} MiB/s   (log_artifact, ${up.length} samples)`);
    console.log(`  download  ${fmt(downS, 2)} s  ${fmt(sizeMb / downS)} MiB/s   (download_artifacts, ${down.length} samples)`);
    console.log(`  sha256    source ${sourceHash}`);
    console.log(`            stored ${storedHash} ${storedHash === sourceHash ? 'ok' : 'DIFFERS'}`);
    console.log(`            client ${downloadedHash} ${downloadedHash === sourceHash ? 'ok' : 'DIFFERS'}`);
    console.log(
      `  RSS       baseline ${fmt(mib(baseline))} MiB, peak upload ${fmt(mib(peakUp))} MiB, peak download ${fmt(mib(peakDown))} MiB` +
        ` → growth ${fmt(growthMiB)} MiB (limit < ${RSS_LIMIT_MIB} MiB)`,
    );

    const failures: string[] = [];
    if (storedHash !== sourceHash || downloadedHash !== sourceHash) failures.push('the bytes differ');
    if (growthMiB >= RSS_LIMIT_MIB) failures.push(`server RSS grew by ${fmt(growthMiB)} MiB (≥ ${RSS_LIMIT_MIB} MiB)`);
    if (up.length === 0 || down.length === 0) failures.push('no RSS sample fell inside a transfer');
    console.log(failures.length ? `FAIL: ${failures.join('; ')}` : 'OK');
    return failures.length ? 1 : 0;
  } finally {
    clearInterval(timer);
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(2);
  },
);
