// Files and process readings shared by the artifact benchmarks: a random file whose hash is known
// without reading it back, a streamed SHA-256, and a process's resident set from /proc.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';

const MiB = 1024 * 1024;

/** Writes sizeMb MiB of distinct pseudo-random blocks; returns the SHA-256 computed while writing. */
export function writeRandomFile(file: string, sizeMb: number): string {
  const hash = createHash('sha256');
  const block = randomBytes(MiB);
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < sizeMb; i++) {
      block.writeBigUInt64BE(BigInt(i), 0); // every block differs, so a reordered chunk changes the hash
      hash.update(block);
      fs.writeSync(fd, block);
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** VmRSS of a process in KiB, or null once it has gone. */
export function vmRssKiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
