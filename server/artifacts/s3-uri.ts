// `s3://bucket/prefix` URIs, without the S3 SDK: the resolver and the start-up code test schemes
// before deciding whether to load it.
import { MlflowError } from '../errors.js';

/** `s3://bucket/prefix` → bucket and key prefix (no leading or trailing slash), or null if not s3. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(uri);
  if (!m) return null;
  const bucket = m[1]!;
  if (bucket === '') throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid S3 URI '${uri}': it names no bucket`);
  const segments = (m[2] ?? '').split('/').filter((s) => s !== '');
  // S3 keys have no `..`; refused so that an experiment's location cannot name a prefix outside the
  // one it appears to be under.
  if (segments.some((s) => s === '.' || s === '..')) throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid S3 URI '${uri}'`);
  return { bucket, prefix: segments.join('/') };
}

export function isS3Uri(uri: string): boolean {
  return /^s3:\/\//i.test(uri);
}
