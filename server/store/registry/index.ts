// The model registry on the tracking database: registered models, model versions and aliases, built
// on one SQLite connection. It needs two things from outside: runs (to check a run-artifact source)
// and MLflow 3 logged models (to register `models:/m-…` and to link the version back to the model).
import type { Sqlite } from '../db.js';
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

export function openRegistryStore(sqlite: Sqlite, deps: RegistryDeps): RegistryStore {
  const reader = new RegistryReader(sqlite);
  const registeredModels = new RegisteredModelStore(sqlite, reader);
  const aliases = new AliasStore(sqlite, reader, registeredModels);
  const modelVersions = new ModelVersionStore(sqlite, reader, registeredModels, aliases, {
    runs: deps.runs,
    loggedModels: deps.loggedModels,
    trustedArtifactRoots: deps.trustedArtifactRoots ?? [],
    env: deps.env ?? process.env,
  });
  return { registeredModels, modelVersions, aliases };
}
