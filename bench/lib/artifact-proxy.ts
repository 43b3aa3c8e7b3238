// Workload 9: one large file PUT then GET through the artifact proxy (/api/2.0/mlflow-artifacts), the
// path the official client takes with --artifacts-destination. Times each direction, samples the
// server's RSS growth over its resting value, and checks the bytes: the stored file's SHA-256 against
// the source's, and the length of what came back.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import type { RunningServer } from './servers.js';
import { sha256File } from './files.js';

const MiB = 1024 * 1024;
const ARTIFACT_PATH = 'bench/w9/big.bin';

export interface SourceFile {
  file: string;
  bytes: number;
  sha256: string;
}

/** `mib` MiB of pseudo-random blocks (each block differs), with their SHA-256. */
export function makeSourceFile(dir: string, mib: number): SourceFile {
  const file = path.join(dir, `artifact-${mib}MiB.bin`);
  const hash = createHash('sha256');
  const block = randomBytes(MiB);
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32BE(i, 0);
      hash.update(block);
      fs.writeSync(fd, block);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, bytes: mib * MiB, sha256: hash.digest('hex') };
}

export interface ArtifactWorkload {
  kind: 'artifact';
  id: '9';
  title: string;
  bytes: number;
  upMiBps: number;
  downMiBps: number;
  restingRssMiB: number;
  /** Peak over resting during each direction, MiB. */
  upRssGrowthMiB: number;
  downRssGrowthMiB: number;
  failures: string[];
}

/**
 * `storedSha256`: the SHA-256 of what the store holds at an artifact path (an object store); default
 * the file under the server's data directory.
 */
export async function w9Artifact(
  server: RunningServer,
  source: SourceFile,
  log: (m: string) => void,
  storedSha256?: (artifactPath: string) => Promise<string | null>,
): Promise<ArtifactWorkload> {
  const failures: string[] = [];
  const client = new Client(server.url, { headersTimeout: 600_000, bodyTimeout: 600_000 });
  const url = `/api/2.0/mlflow-artifacts/artifacts/${ARTIFACT_PATH}`;
  try {
    // A small round trip first: creates the directory and wakes the code path.
    const warm = await client.request({ method: 'PUT', path: '/api/2.0/mlflow-artifacts/artifacts/bench/w9/warm.txt', body: 'warm-up' });
    await warm.body.dump();
    await new Promise((r) => setTimeout(r, 500));
    const restingRssMiB = server.rss.sample();

    server.rss.resetPeak();
    let t0 = performance.now();
    const put = await client.request({
      method: 'PUT',
      path: url,
      body: fs.createReadStream(source.file, { highWaterMark: MiB }),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(source.bytes) },
    });
    const putText = await put.body.text();
    const upSeconds = (performance.now() - t0) / 1000;
    const upPeak = server.rss.peakMiB();
    if (put.statusCode !== 200) failures.push(`PUT answered ${put.statusCode}: ${putText.slice(0, 200)}`);

    server.rss.resetPeak();
    t0 = performance.now();
    const get = await client.request({ method: 'GET', path: url });
    let received = 0;
    for await (const chunk of get.body) received += (chunk as Buffer).length;
    const downSeconds = (performance.now() - t0) / 1000;
    const downPeak = server.rss.peakMiB();
    if (get.statusCode !== 200) failures.push(`GET answered ${get.statusCode}`);
    else if (received !== source.bytes) failures.push(`GET returned ${received} bytes, expected ${source.bytes}`);

    // Outside the timed windows: the stored copy must be the same bytes.
    if (storedSha256) {
      const sha = await storedSha256(ARTIFACT_PATH);
      if (sha === null) failures.push('the uploaded object is not in the artifact store');
      else if (sha !== source.sha256) failures.push('the stored object differs from the uploaded one (SHA-256)');
    } else {
      const stored = [path.join(server.dataDir, 'artifacts', ARTIFACT_PATH), path.join(server.dataDir, 'art', ARTIFACT_PATH)].find((f) => fs.existsSync(f));
      if (!stored) failures.push('the uploaded file is not in the artifact root');
      else if ((await sha256File(stored)) !== source.sha256) failures.push('the stored file differs from the uploaded one (SHA-256)');
    }

    const mib = source.bytes / MiB;
    const result: ArtifactWorkload = {
      kind: 'artifact',
      id: '9',
      title: `${mib} MiB artifact PUT and GET through the artifact proxy`,
      bytes: source.bytes,
      upMiBps: mib / upSeconds,
      downMiBps: mib / downSeconds,
      restingRssMiB,
      upRssGrowthMiB: upPeak - restingRssMiB,
      downRssGrowthMiB: downPeak - restingRssMiB,
      failures,
    };
    log(
      `  9   ${mib} MiB: up ${result.upMiBps.toFixed(0)} MiB/s (+${result.upRssGrowthMiB.toFixed(0)} MiB RSS), ` +
        `down ${result.downMiBps.toFixed(0)} MiB/s (+${result.downRssGrowthMiB.toFixed(0)} MiB RSS)${failures.length ? ` FAILED: ${failures.join('; ')}` : ''}`,
    );
    return result;
  } finally {
    await client.close();
  }
}
