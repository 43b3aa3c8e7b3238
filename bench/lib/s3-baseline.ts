// SeaweedFS's own speed, the yardstick of workload 9 on --backend postgres: the same source file PUT
// and GET straight to the S3 endpoint with the same client as the artifact-proxy workload (undici, one
// request each way, the file streamed in 1 MiB chunks), authorised by a SigV4 presigned URL so that the
// request is the plain HTTP transfer the proxy's is. Also the SHA-256 of a stored object, to check
// what the servers wrote.
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import type { SourceFile } from './artifact-proxy.js';

const MiB = 1024 * 1024;

export interface S3Target {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256hex = (data: string) => createHash('sha256').update(data).digest('hex');
/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A path-style presigned URL (SigV4, UNSIGNED-PAYLOAD) for METHOD on bucket/key. */
export function presign(s3: S3Target, method: 'GET' | 'PUT', key: string, expiresSeconds = 3600, now = new Date()): URL {
  const endpoint = new URL(s3.endpoint);
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${s3.region}/s3/aws4_request`;
  const pathname = `${endpoint.pathname.replace(/\/$/, '')}/${encode(s3.bucket)}/${key.split('/').map(encode).join('/')}`;
  const query: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${s3.accessKey}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expiresSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const canonicalQuery = query
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const canonicalRequest = [method, pathname, canonicalQuery, `host:${endpoint.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${s3.secretKey}`, day), s3.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(toSign).digest('hex');
  return new URL(`${endpoint.origin}${pathname}?${canonicalQuery}&X-Amz-Signature=${signature}`);
}

/** SHA-256 of the object at key, or null when there is none. */
export async function objectSha256(s3: S3Target, key: string): Promise<string | null> {
  const url = presign(s3, 'GET', key);
  const client = new Client(url.origin, { headersTimeout: 600_000, bodyTimeout: 600_000 });
  try {
    const res = await client.request({ method: 'GET', path: `${url.pathname}${url.search}` });
    if (res.statusCode === 404) {
      await res.body.dump();
      return null;
    }
    if (res.statusCode !== 200) throw new Error(`GET ${key} from the object store answered ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
    const hash = createHash('sha256');
    for await (const chunk of res.body) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await client.close();
  }
}

export interface S3Baseline {
  bytes: number;
  upMiBps: number;
  downMiBps: number;
  failures: string[];
}

/** The source file PUT then GET straight to the object store, timed as workload 9 times the proxy. */
export async function s3Baseline(s3: S3Target, source: SourceFile, key: string, log: (m: string) => void): Promise<S3Baseline> {
  const failures: string[] = [];
  const put = presign(s3, 'PUT', key);
  const client = new Client(put.origin, { headersTimeout: 600_000, bodyTimeout: 600_000 });
  try {
    const warm = presign(s3, 'PUT', `${key}.warm`);
    const w = await client.request({ method: 'PUT', path: `${warm.pathname}${warm.search}`, body: 'warm-up', headers: { 'content-length': '7' } });
    await w.body.dump();
    if (w.statusCode !== 200) failures.push(`warm-up PUT answered ${w.statusCode}`);

    let t0 = performance.now();
    const up = await client.request({
      method: 'PUT',
      path: `${put.pathname}${put.search}`,
      body: fs.createReadStream(source.file, { highWaterMark: MiB }),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(source.bytes) },
    });
    const upText = await up.body.text();
    const upSeconds = (performance.now() - t0) / 1000;
    if (up.statusCode !== 200) failures.push(`PUT answered ${up.statusCode}: ${upText.slice(0, 200)}`);

    const get = presign(s3, 'GET', key);
    t0 = performance.now();
    const down = await client.request({ method: 'GET', path: `${get.pathname}${get.search}` });
    let received = 0;
    for await (const chunk of down.body) received += (chunk as Buffer).length;
    const downSeconds = (performance.now() - t0) / 1000;
    if (down.statusCode !== 200) failures.push(`GET answered ${down.statusCode}`);
    else if (received !== source.bytes) failures.push(`GET returned ${received} bytes, expected ${source.bytes}`);
    if ((await objectSha256(s3, key)) !== source.sha256) failures.push('the stored object differs from the uploaded one (SHA-256)');

    const mib = source.bytes / MiB;
    const result = { bytes: source.bytes, upMiBps: mib / upSeconds, downMiBps: mib / downSeconds, failures };
    log(`  9   SeaweedFS direct, ${mib} MiB: up ${result.upMiBps.toFixed(0)} MiB/s, down ${result.downMiBps.toFixed(0)} MiB/s${failures.length ? ` FAILED: ${failures.join('; ')}` : ''}`);
    return result;
  } finally {
    await client.close();
  }
}
