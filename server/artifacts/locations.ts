// Where an artifact URI's bytes live on this server. Proxied roots (`mlflow-artifacts:/…` and
// `http(s)://…/api/2.0/mlflow-artifacts/artifacts/…`) map onto --artifacts-destination, as MLflow's
// _get_proxied_run_artifact_destination_path; local roots (`/abs/path`, `file:///abs/path`) are read
// where they are, since with such roots the client writes the files itself.
import path from 'node:path';
import { MlflowError } from '../errors.js';
import { LocalArtifactStore } from './local-store.js';
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

export class ArtifactResolver {
  private readonly localStores = new Map<string, LocalArtifactStore>();

  constructor(
    readonly destination: LocalArtifactStore,
    readonly serveArtifacts: boolean,
  ) {}

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
      const pathname = new URL(uri).pathname;
      const i = pathname.indexOf(PROXY_PATH);
      if (i < 0) throw new MlflowError('INVALID_PARAMETER_VALUE', `The artifact URI '${uri}' is not served by this server`);
      return { store: this.destination, base: joinArtifactPath(decodeURIComponent(pathname.slice(i + PROXY_PATH.length))) };
    }
    let local: string | null = null;
    if (/^file:/i.test(uri)) local = decodeURIComponent(uri.replace(/^file:(\/\/[^/]*)?/i, ''));
    else if (!/^[a-zA-Z][\w+.-]*:/.test(uri)) local = uri;
    if (local !== null && path.isAbsolute(local)) {
      const root = path.resolve(local);
      let store = this.localStores.get(root);
      if (!store) this.localStores.set(root, (store = new LocalArtifactStore(root)));
      return { store, base: '' };
    }
    throw new MlflowError(
      'NOT_IMPLEMENTED',
      `Minflow cannot read artifacts at '${uri}': only proxied (mlflow-artifacts:) and local file roots are served`,
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
