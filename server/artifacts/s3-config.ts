// S3 settings from MLflow's environment (mlflow/environment_variables.py and the boto3 client that
// S3ArtifactRepository builds): MLFLOW_S3_ENDPOINT_URL for S3-compatible stores (SeaweedFS, MinIO, …),
// the standard AWS_* credentials and region, MLFLOW_S3_IGNORE_TLS, MLFLOW_S3_UPLOAD_EXTRA_ARGS (JSON of
// extra PutObject parameters, e.g. {"ServerSideEncryption": "AES256"}) and
// MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE. Read once, into one S3Client per process.
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  /** MLFLOW_S3_ENDPOINT_URL; undefined = AWS itself. */
  endpoint?: string;
  region: string;
  /** Explicit keys; undefined = the SDK's default provider chain (profiles, web identity, IMDS). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style requests (`endpoint/bucket/key`): the default with a custom endpoint, as most S3-compatible stores need. */
  forcePathStyle: boolean;
  ignoreTls: boolean;
  /** Extra PutObject / CreateMultipartUpload parameters (MLFLOW_S3_UPLOAD_EXTRA_ARGS). */
  uploadExtraArgs: Record<string, unknown>;
  /**
   * Whether the proxy offers MLflow's presigned transfers (mpu endpoints, presigned downloads, and
   * server-info saying so), as `mlflow server` does for S3: the client then moves large uploads and
   * all downloads straight to and from S3. MINFLOW_S3_PRESIGNED_TRANSFERS=false keeps every byte
   * going through the server, for clients that cannot reach the S3 endpoint.
   */
  presignedTransfers: boolean;
}

export class S3ConfigError extends Error {}

/** MLflow's boolean environment variables: true/1 or false/0 (case-insensitive). */
function envFlag(env: NodeJS.ProcessEnv, name: string, fallback = false): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new S3ConfigError(`${name} must be true, false, 1 or 0, not '${value}'`);
}

export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpoint = env.MLFLOW_S3_ENDPOINT_URL || undefined;
  if (endpoint !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(endpoint);
    } catch {
      throw new S3ConfigError(`MLFLOW_S3_ENDPOINT_URL '${endpoint}' is not a URL, e.g. http://127.0.0.1:8333`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new S3ConfigError(`MLFLOW_S3_ENDPOINT_URL '${endpoint}' must be an http:// or https:// URL`);
    }
  }
  let uploadExtraArgs: Record<string, unknown> = {};
  const extra = env.MLFLOW_S3_UPLOAD_EXTRA_ARGS;
  if (extra) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(extra);
    } catch {
      throw new S3ConfigError(`MLFLOW_S3_UPLOAD_EXTRA_ARGS is not JSON: ${extra}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new S3ConfigError('MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object of PutObject parameters, e.g. {"ServerSideEncryption": "AES256"}');
    }
    uploadExtraArgs = parsed as Record<string, unknown>;
  }
  const style = (env.MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE || 'auto').toLowerCase();
  if (!['auto', 'path', 'virtual'].includes(style)) {
    throw new S3ConfigError(`MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE must be auto, path or virtual, not '${style}'`);
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return {
    endpoint,
    region: env.AWS_DEFAULT_REGION || env.AWS_REGION || 'us-east-1',
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
        : undefined,
    forcePathStyle: style === 'path' || (style === 'auto' && endpoint !== undefined),
    ignoreTls: envFlag(env, 'MLFLOW_S3_IGNORE_TLS'),
    uploadExtraArgs,
    presignedTransfers: envFlag(env, 'MINFLOW_S3_PRESIGNED_TRANSFERS', true),
  };
}

export function makeS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    forcePathStyle: settings.forcePathStyle,
    // Checksums only where S3 requires them: S3-compatible stores do not all accept the SDK's
    // default CRC32 trailers on streamed parts.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      ...(settings.ignoreTls ? { httpsAgent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }) } : {}),
      connectionTimeout: 10_000,
    },
  });
}
