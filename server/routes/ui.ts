// The official MLflow UI, served unchanged from the user's mlflow wheel, and the endpoints it calls
// that are not part of the tracking API (graphql, server-info, telemetry, GenAI stubs).
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { TrackingStore } from '../store/index.js';

export interface UiDeps {
  config: Config;
  store: TrackingStore;
  /** Model versions registered from a run (GraphQL MlflowRun.modelVersions), as wire JSON. */
  modelVersionsForRun?: (runId: string) => Record<string, unknown>[];
}

export async function uiRoutes(_app: FastifyInstance, _deps: UiDeps): Promise<void> {
  // Filled in by the UI work (issue 5).
}
