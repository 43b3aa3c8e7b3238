// The scrypt worker thread (scrypt-pool.ts): computes one key per message with scryptSync, so that
// password verification never occupies libuv's thread pool, which does all of the server's file I/O.
import { scryptSync } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

interface Job {
  id: number;
  password: string;
  salt: Uint8Array;
  keyLength: number;
  N: number;
  r: number;
  p: number;
  maxmem: number;
}

parentPort!.on('message', (job: Job) => {
  try {
    const key = scryptSync(job.password, Buffer.from(job.salt), job.keyLength, { N: job.N, r: job.r, p: job.p, maxmem: job.maxmem });
    parentPort!.postMessage({ id: job.id, key: new Uint8Array(key.buffer, key.byteOffset, key.length) });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message });
  }
});

parentPort!.postMessage({ ready: true });
