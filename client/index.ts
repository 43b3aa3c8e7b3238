// The typed MLflow REST client used by the trainer, the scoring server and the tests. It talks to any
// MLflow-compatible server over HTTP only; it never imports server/.
import { ArtifactClient } from './artifacts.js';
import { Http, type HttpOptions } from './http.js';
import { LoggedModelClient } from './logged-models.js';
import { RegistryClient } from './registry.js';
import { TrackingClient } from './tracking.js';

export { MlflowRestError, Http, type HttpOptions } from './http.js';
export { proxyPath, type ArtifactEntry } from './artifacts.js';
export * from './types.js';

export class MlflowClient extends TrackingClient {
  readonly registry: RegistryClient;
  readonly artifacts: ArtifactClient;
  readonly loggedModels: LoggedModelClient;

  constructor(trackingUri: string = process.env.MLFLOW_TRACKING_URI ?? 'http://127.0.0.1:5000', options: HttpOptions = {}) {
    const http = new Http(trackingUri, options);
    super(http);
    this.registry = new RegistryClient(http);
    this.artifacts = new ArtifactClient(http);
    this.loggedModels = new LoggedModelClient(http);
  }

  get trackingUri(): string {
    return this.http.baseUrl;
  }
}
