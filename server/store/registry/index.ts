// The model registry on the tracking database: registered models, model versions and aliases, built
// on the engine-neutral SqlEngine (SQLite or PostgreSQL; the same code and SQL for both). It keeps no
// state of its own in memory, so any number of replicas may share one database. It needs two things
// from outside: runs (to check a run-artifact source) and MLflow 3 logged models (to register
// `models:/m-…` and to link the version back to the model).
import type { SqlEngine } from '../engine/types.js';
import { AliasStore } from './aliases.js';
import type { LoggedModelLookup, RunLookup } from './model-version-source.js';
import { ModelVersionStore } from './model-versions.js';
import { RegistryReader } from './reader.js';
import { RegisteredModelStore } from './registered-models.js';

export type { LoggedModelLookup, RunLookup } from './model-version-source.js';
export type { ModelVersion, Page, RegisteredModel, RegisteredModelAlias } from './entities.js';
export type { CreateModelVersion, ModelVersionSearch } from './model-versions.js';
export type { RegisteredModelSearch } from './registered-models.js';
export { AliasStore, ModelVersionStore, RegisteredModelStore };

export interface RegistryDeps {
  runs: RunLookup;
  loggedModels: LoggedModelLookup;
  /**
   * The server's --default-artifact-root and --artifacts-destination. A version's source may name a
   * host (http://, mlflow-artifacts://host/...) only if it is one of these roots' hosts.
   */
  trustedArtifactRoots?: readonly string[];
  /** Where MLFLOW_* settings are read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RegistryStore {
  readonly registeredModels: RegisteredModelStore;
  readonly modelVersions: ModelVersionStore;
  readonly aliases: AliasStore;
}

export function openRegistryStore(db: SqlEngine, deps: RegistryDeps): RegistryStore {
  const reader = new RegistryReader(db);
  const registeredModels = new RegisteredModelStore(db, reader);
  const aliases = new AliasStore(db, reader, registeredModels);
  const modelVersions = new ModelVersionStore(db, reader, registeredModels, aliases, {
    runs: deps.runs,
    loggedModels: deps.loggedModels,
    trustedArtifactRoots: deps.trustedArtifactRoots ?? [],
    env: deps.env ?? process.env,
  });
  return { registeredModels, modelVersions, aliases };
}
