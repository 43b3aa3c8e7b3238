// Registered-model aliases (`models:/churn@production`): set (an upsert onto a live version), delete,
// and resolve. A missing alias is INVALID_PARAMETER_VALUE, not RESOURCE_DOES_NOT_EXIST — MLflow's
// choice, which clients depend on; `latest` is reserved and resolves to the newest live version.
import { invalidParameter, notFound } from '../../errors.js';
import type { Sqlite } from '../db.js';
import type { ModelVersion } from './entities.js';
import type { RegisteredModelStore } from './registered-models.js';
import type { RegistryReader } from './reader.js';
import {
  ALIAS_LATEST,
  parseModelVersion,
  validateAliasName,
  validateAliasNameNotReserved,
  validateModelName,
} from './validation.js';

export class AliasStore {
  constructor(
    private readonly sqlite: Sqlite,
    private readonly reader: RegistryReader,
    private readonly models: RegisteredModelStore,
  ) {}

  set(name: string, alias: string, version: string | number): void {
    validateModelName(name);
    validateAliasName(alias);
    validateAliasNameNotReserved(alias);
    const number = parseModelVersion(version);
    this.sqlite.transaction(() => {
      this.reader.modelVersionRow(name, number);
      this.sqlite
        .prepare(
          'INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version',
        )
        .run(name, alias, number);
    })();
  }

  /** Deleting an alias the model does not have is not an error in MLflow. */
  delete(name: string, alias: string): void {
    validateModelName(name);
    validateAliasName(alias);
    this.sqlite.transaction(() => {
      this.reader.registeredModelRow(name);
      this.sqlite.prepare('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?').run(name, alias);
    })();
  }

  /** The version an alias points at, with all of that version's aliases. */
  getModelVersion(name: string, alias: string): ModelVersion {
    validateModelName(name);
    validateAliasName(alias);
    if (alias.toLowerCase() === ALIAS_LATEST) {
      const latest = this.models.getLatestVersions(name);
      if (latest.length === 0) throw notFound(`Latest version not found for model ${name}.`);
      // One latest version per stage: the newest of them is the model's latest.
      return latest.reduce((a, b) => (b.version > a.version ? b : a));
    }
    this.reader.registeredModelRow(name);
    const row = this.sqlite.prepare('SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?').get(name, alias) as
      | { version: number }
      | undefined;
    if (!row) throw invalidParameter(`Registered model alias ${alias} not found.`);
    return this.reader.modelVersion(name, row.version, true);
  }
}
