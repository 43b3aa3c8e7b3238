// What the UI's app shell asks on every page before anything else: the server's capabilities and
// whether to send telemetry.
import type { FastifyInstance } from 'fastify';
import { endpoint } from '../routes/endpoint.js';

/**
 * handlers.build_server_info_payload for a SQL store without workspaces, trace archival or the AI
 * gateway. The UI hides GenAI features for `store_type: "FileStore"`, so it must say SqlStore.
 * `multipart` is whether the proxied destination takes multipart transfers (an S3 one does): MLflow
 * then advertises both, and its client sends large uploads and all downloads through presigned S3 URLs.
 */
export function serverInfo(multipart = false): Record<string, unknown> {
  return {
    store_type: 'SqlStore',
    workspaces_enabled: false,
    trace_archival_enabled: false,
    multipart_uploads_enabled: multipart,
    multipart_downloads_enabled: multipart,
    // Request-contract flags MLflow always sets; support is checked per artifact location.
    presigned_upload_run_id_supported: true,
    presigned_upload_model_id_supported: true,
    features_enabled: { gateway: false },
  };
}

/** MLflow's FALLBACK_UI_CONFIG: Minflow collects no telemetry, so the UI never posts any. */
const UI_TELEMETRY_OFF = { disable_ui_telemetry: true, disable_ui_events: [], ui_rollout_percentage: 0 };

export function shellEndpoints(app: FastifyInstance, options: { multipart?: boolean } = {}): void {
  // Both prefixes, as MLflow: the Python client probes /api/3.0/... for workspace support.
  endpoint(app, 'GET', '/mlflow/server-info', () => serverInfo(options.multipart ?? false), { versions: ['3.0'] });
  endpoint(app, 'GET', '/mlflow/ui-telemetry', () => UI_TELEMETRY_OFF, { versions: ['3.0'], ajaxOnly: true });
  endpoint(app, 'POST', '/mlflow/ui-telemetry', () => ({ status: 'disabled' }), { versions: ['3.0'], ajaxOnly: true });
}
