// The S3 locations this server serves: the artifacts destination and the default artifact root when they
// are `s3://` URIs, plus any `s3://` entries of --allowed-artifact-roots. An experiment's `s3://…`
// location is read (for the UI, with --no-serve-artifacts) only inside one of them — the same rule as
// for local directories, so a client that can create experiments cannot make the server read any
// bucket its credentials reach. Loaded only when an S3 root is configured (the SDK takes ~0.5 s to import).
import { makeS3Client, s3SettingsFromEnv, type S3Settings } from './s3-config.js';
import { parseS3Uri } from './s3-uri.js';
import { S3ArtifactStore, type S3StoreOptions } from './s3-store.js';
import type { S3Client } from '@aws-sdk/client-s3';

export interface S3Location {
  store: S3ArtifactStore;
  base: string;
}

export class S3Roots {
  private readonly stores: S3ArtifactStore[];
  readonly client: S3Client;

  constructor(
    roots: readonly string[],
    readonly settings: S3Settings = s3SettingsFromEnv(),
    options: S3StoreOptions = {},
    client?: S3Client,
  ) {
    this.client = client ?? makeS3Client(settings);
    const seen = new Map<string, S3ArtifactStore>();
    for (const root of roots) {
      const parsed = parseS3Uri(root);
      if (!parsed) continue;
      const id = `${parsed.bucket}/${parsed.prefix}`;
      if (!seen.has(id)) seen.set(id, new S3ArtifactStore(this.client, parsed.bucket, parsed.prefix, settings, options));
    }
    // Longest prefix first, so a URI is served by the most specific root.
    this.stores = [...seen.values()].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The store of a configured root URI (the artifacts destination). */
  storeFor(rootUri: string): S3ArtifactStore {
    const location = this.resolve(rootUri);
    if (!location || location.base !== '') throw new Error(`${rootUri} is not one of the configured S3 roots`);
    return location.store;
  }

  /** The root holding `uri` and the path of `uri` inside it, or null when no configured root holds it. */
  resolve(uri: string): S3Location | null {
    const parsed = parseS3Uri(uri);
    if (!parsed) return null;
    for (const store of this.stores) {
      if (store.bucket !== parsed.bucket) continue;
      if (store.prefix === '') return { store, base: parsed.prefix };
      if (parsed.prefix === store.prefix) return { store, base: '' };
      if (parsed.prefix.startsWith(`${store.prefix}/`)) return { store, base: parsed.prefix.slice(store.prefix.length + 1) };
    }
    return null;
  }

  /** HeadBucket on every root's bucket: a missing bucket or refused credentials stop the server at start. */
  async check(): Promise<void> {
    const buckets = new Map<string, S3ArtifactStore>();
    for (const s of this.stores) if (!buckets.has(s.bucket)) buckets.set(s.bucket, s);
    for (const store of buckets.values()) await store.checkBucket();
  }

  close(): void {
    this.client.destroy();
  }
}
