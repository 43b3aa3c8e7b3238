// Presigned S3 URLs (SigV4 query signing, UNSIGNED-PAYLOAD), as boto3's generate_presigned_url makes
// them for MLflow's multipart upload (upload_part) and presigned download (get_object) endpoints.
// Written against node:crypto so the server needs no presigner package.
import { createHash, createHmac } from 'node:crypto';

export interface PresignCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PresignRequest {
  method: 'GET' | 'PUT';
  /** Endpoint of the bucket: `http://host:port/bucket` (path style) or `https://bucket.s3.region.amazonaws.com`. */
  bucketUrl: string;
  key: string;
  query: Record<string, string>;
  credentials: PresignCredentials;
  region: string;
  expiresInSeconds: number;
  now?: Date;
}

/** RFC 3986 escaping as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function escape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export function presignS3Url(req: PresignRequest): string {
  const base = new URL(req.bucketUrl);
  const now = req.now ?? new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${req.region}/s3/aws4_request`;
  const basePath = base.pathname.replace(/\/+$/, '');
  // S3 signs the path as sent: each key segment escaped once.
  const path = `${basePath}/${req.key.split('/').map(escape).join('/')}`;
  const query: Record<string, string> = {
    ...req.query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
    'X-Amz-Credential': `${req.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(req.expiresInSeconds),
    'X-Amz-SignedHeaders': 'host',
    ...(req.credentials.sessionToken ? { 'X-Amz-Security-Token': req.credentials.sessionToken } : {}),
  };
  const canonicalQuery = Object.entries(query)
    .map(([k, v]) => [escape(k), escape(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [req.method, path, canonicalQuery, `host:${base.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${req.credentials.secretAccessKey}`, day), req.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return `${base.protocol}//${base.host}${path}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}
