// Where an artifact URI's bytes live on this server. Proxied roots (`mlflow-artifacts:/…` and
// `http(s)://…/api/2.0/mlflow-artifacts/artifacts/…`) map onto --artifacts-destination, as MLflow's
// _get_proxied_run_artifact_destination_path; local roots (`/abs/path`, `file:///abs/path`) are read
// where they are, since with such roots the client writes the files itself — but only inside the
// directories the server was given (the artifacts destination, a local default artifact root,
// --allowed-artifact-roots). MLflow serves any local path an experiment names; a client that can
// create experiments could then make the server read and write anywhere it may.
// `s3://bucket/prefix` roots follow the same rule: only inside the S3 roots the server was given
// (s3-roots.ts), never any bucket its credentials happen to reach.
import path from 'node:path';
import { MlflowError } from '../errors.js';
import { ConfinedLocalStore, isInsideDir, outsideRootsError } from './confined-store.js';
import { LocalArtifactStore } from './local-store.js';
import type { S3Roots } from './s3-roots.js';
import type { ArtifactStore } from './store.js';

export interface ArtifactLocation {
  store: ArtifactStore;
  /** Relative path of the URI's root inside `store` ('' = the store root). */
  base: string;
}

const PROXY_PATH = '/api/2.0/mlflow-artifacts/artifacts/';

export function joinArtifactPath(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p !== '')
    .join('/');
}

/** A local root of an artifact URI, or null when the URI is not local (or not an absolute path). */
export function localArtifactPath(uri: string): string | null {
  let local: string | null = null;
  if (/^file:/i.test(uri)) local = decodeOrRefuse(uri.replace(/^file:(\/\/[^/]*)?/i, ''), uri);
  else if (!/^[a-zA-Z][\w+.-]*:/.test(uri)) local = uri;
  return local !== null && path.isAbsolute(local) ? path.resolve(local) : null;
}

function decodeOrRefuse(text: string, uri: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid artifact URI '${uri}'`);
  }
}

export function outsideS3RootsError(uri: string): MlflowError {
  return new MlflowError(
    'INVALID_PARAMETER_VALUE',
    `Minflow does not serve artifacts at '${uri}': S3 artifact locations must lie inside the server's S3 roots ` +
      '(--artifacts-destination, --default-artifact-root, --allowed-artifact-roots)',
  );
}

export class ArtifactResolver {
  private readonly localStores = new Map<string, ConfinedLocalStore>();
  /** Directories local artifact URIs may point into: the destination and the allowed local roots. */
  private readonly allowedDirs: string[];

  constructor(
    /** Where proxied artifacts live: a local directory or an S3 prefix. */
    readonly destination: ArtifactStore,
    readonly serveArtifacts: boolean,
    /** More local directories artifact URIs may point into (URIs and paths; non-local ones are ignored). */
    allowedLocalRoots: readonly string[] = [],
    /** The S3 prefixes `s3://` artifact URIs may point into; null when the server has no S3 root. */
    readonly s3: S3Roots | null = null,
  ) {
    const extra = allowedLocalRoots.map(localArtifactPath).filter((root): root is string => root !== null);
    this.allowedDirs = [...new Set([...(destination instanceof LocalArtifactStore ? [destination.root] : []), ...extra])];
  }

  /** Whether `uri` is served through the artifact proxy (MLflow's _is_servable_proxied_run_artifact_root). */
  isProxied(uri: string): boolean {
    return this.serveArtifacts && /^(mlflow-artifacts|https?):/i.test(uri);
  }

  resolve(uri: string): ArtifactLocation {
    if (/^mlflow-artifacts:/i.test(uri)) {
      this.requireProxy(uri);
      const rest = uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?/i, '');
      return { store: this.destination, base: joinArtifactPath(rest.split('?')[0]) };
    }
    if (/^https?:/i.test(uri)) {
      this.requireProxy(uri);
      let pathname: string;
      try {
        pathname = new URL(uri).pathname;
      } catch {
        throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid artifact URI '${uri}'`);
      }
      const i = pathname.indexOf(PROXY_PATH);
      if (i < 0) throw new MlflowError('INVALID_PARAMETER_VALUE', `The artifact URI '${uri}' is not served by this server`);
      return { store: this.destination, base: joinArtifactPath(decodeOrRefuse(pathname.slice(i + PROXY_PATH.length), uri)) };
    }
    if (/^s3:/i.test(uri)) {
      const location = this.s3?.resolve(uri);
      if (!location) throw outsideS3RootsError(uri);
      return location;
    }
    const local = localArtifactPath(uri);
    if (local !== null) {
      let store = this.localStores.get(local);
      if (!store) {
        const allowed = this.allowedDirs.find((dir) => isInsideDir(local, dir));
        if (!allowed) throw outsideRootsError(uri);
        this.localStores.set(local, (store = new ConfinedLocalStore(local, allowed, uri)));
      }
      return { store, base: '' };
    }
    throw new MlflowError(
      'NOT_IMPLEMENTED',
      `Minflow cannot read artifacts at '${uri}': only proxied (mlflow-artifacts:), s3:// and local file roots are served`,
    );
  }

  private requireProxy(uri: string): void {
    if (!this.serveArtifacts) {
      throw new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `The artifact URI '${uri}' needs the artifact proxy, which is disabled (--no-serve-artifacts)`,
      );
    }
  }
}
