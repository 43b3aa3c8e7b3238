// The artifact resolver for a Config: the destination is a local directory or an `s3://bucket/prefix`
// (picked by the URI's scheme), and every `s3://` root the server was given becomes readable. The S3
// SDK is imported only when some root is on S3, so a local-only server starts as fast as before.
import { ConfigError } from '../config.js';
import { MlflowError } from '../errors.js';
import { ArtifactResolver } from './locations.js';
import { LocalArtifactStore } from './local-store.js';
import { isS3Uri } from './s3-uri.js';
import type { S3Roots } from './s3-roots.js';

export interface ArtifactConfig {
  artifactsDestination: string;
  defaultArtifactRoot: string;
  allowedArtifactRoots: readonly string[];
  serveArtifacts: boolean;
}

export async function openArtifactResolver(config: ArtifactConfig, env: NodeJS.ProcessEnv = process.env): Promise<ArtifactResolver> {
  const roots = [config.artifactsDestination, config.defaultArtifactRoot, ...config.allowedArtifactRoots];
  let s3: S3Roots | null = null;
  if (roots.some(isS3Uri)) {
    const [{ S3Roots }, { s3SettingsFromEnv, S3ConfigError }] = await Promise.all([import('./s3-roots.js'), import('./s3-config.js')]);
    try {
      s3 = new S3Roots(roots.filter(isS3Uri), s3SettingsFromEnv(env));
    } catch (e) {
      if (e instanceof S3ConfigError || e instanceof MlflowError) throw new ConfigError(e.message);
      throw e;
    }
  }
  const destination = isS3Uri(config.artifactsDestination) ? s3!.storeFor(config.artifactsDestination) : new LocalArtifactStore(config.artifactsDestination);
  return new ArtifactResolver(destination, config.serveArtifacts, [config.defaultArtifactRoot, ...config.allowedArtifactRoots], s3);
}

/**
 * HeadBucket on every S3 root of the resolver: a missing bucket, refused credentials or an unreachable
 * endpoint refuse the start (ConfigError) instead of failing every artifact request later.
 */
export async function checkS3Destination(resolver: ArtifactResolver): Promise<void> {
  if (!resolver.s3) return;
  try {
    await resolver.s3.check();
  } catch (e) {
    if (e instanceof MlflowError) throw new ConfigError(`Cannot use the S3 artifact store: ${e.message}`);
    throw e;
  }
}
