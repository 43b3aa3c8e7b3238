// The typed MLflow REST client used by the trainer, the scoring server and the tests. It talks to any
// MLflow-compatible server over HTTP only; it never imports server/.
import { Http, type HttpOptions } from './http.js';
import { TrackingClient } from './tracking.js';

export { MlflowRestError, Http, type HttpOptions } from './http.js';
export * from './types.js';

export class MlflowClient extends TrackingClient {
  constructor(trackingUri: string = process.env.MLFLOW_TRACKING_URI ?? 'http://127.0.0.1:5000', options: HttpOptions = {}) {
    super(new Http(trackingUri, options));
  }

  get trackingUri(): string {
    return this.http.baseUrl;
  }
}
