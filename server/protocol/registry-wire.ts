// Registry entities → MLflow's JSON (entities/model_registry/*.py to_proto + message_to_json): fields
// in proto order, versions as strings, timestamps as numbers. The two messages leave out different
// things: a RegisteredModel drops an empty description, a ModelVersion keeps "" and drops only NULL.
// A version's model_id is stored but never sent (MLflow's to_proto has a TODO for it).
import type { ModelVersion, RegisteredModel } from '../store/registry/entities.js';
import { tagsJson } from './wire.js';

type Json = Record<string, unknown>;

export function modelVersionJson(mv: ModelVersion): Json {
  const out: Json = { name: mv.name, version: String(mv.version) };
  if (mv.creationTimestamp !== null) out.creation_timestamp = mv.creationTimestamp;
  if (mv.lastUpdatedTimestamp !== null) out.last_updated_timestamp = mv.lastUpdatedTimestamp;
  if (mv.userId !== null) out.user_id = mv.userId;
  out.current_stage = mv.currentStage;
  if (mv.description !== null) out.description = mv.description;
  if (mv.source !== null) out.source = mv.source;
  if (mv.runId !== null) out.run_id = mv.runId;
  out.status = mv.status;
  if (mv.statusMessage) out.status_message = mv.statusMessage;
  if (mv.tags.length > 0) out.tags = tagsJson(mv.tags);
  if (mv.runLink !== null) out.run_link = mv.runLink;
  if (mv.aliases.length > 0) out.aliases = [...mv.aliases];
  return out;
}

export function registeredModelJson(rm: RegisteredModel): Json {
  const out: Json = { name: rm.name };
  if (rm.creationTimestamp !== null) out.creation_timestamp = rm.creationTimestamp;
  if (rm.lastUpdatedTimestamp) out.last_updated_timestamp = rm.lastUpdatedTimestamp;
  if (rm.description) out.description = rm.description;
  if (rm.latestVersions.length > 0) out.latest_versions = rm.latestVersions.map(modelVersionJson);
  if (rm.tags.length > 0) out.tags = tagsJson(rm.tags);
  if (rm.aliases.length > 0) out.aliases = rm.aliases.map((a) => ({ alias: a.alias, version: String(a.version) }));
  return out;
}
