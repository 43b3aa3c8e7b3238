// LoggedModel → MLflow's JSON (entities/logged_model.py to_proto): {info, data}.
import type { LoggedModel } from '../store/logged-models.js';
import { metricJson, tagsJson } from './wire.js';

export function loggedModelJson(m: LoggedModel): Record<string, unknown> {
  const info: Record<string, unknown> = {
    experiment_id: m.experimentId,
    model_id: m.modelId,
    name: m.name,
    artifact_uri: m.artifactLocation,
    creation_timestamp_ms: m.creationTimestampMs,
    last_updated_timestamp_ms: m.lastUpdatedTimestampMs,
  };
  if (m.modelType) info.model_type = m.modelType;
  if (m.sourceRunId) info.source_run_id = m.sourceRunId;
  info.status = m.status;
  if (m.statusMessage) info.status_message = m.statusMessage;
  if (m.tags.length > 0) info.tags = tagsJson(m.tags);
  const data: Record<string, unknown> = {};
  if (m.params.length > 0) data.params = tagsJson(m.params);
  if (m.metrics.length > 0) data.metrics = m.metrics.map(metricJson);
  return { info, data };
}
