// Registered-model aliases (`models:/churn@production`): set (an upsert onto a live version), delete,
// and resolve. A missing alias is INVALID_PARAMETER_VALUE, not RESOURCE_DOES_NOT_EXIST — MLflow's
// choice, which clients depend on; `latest` is reserved and resolves to the newest live version.
import { invalidParameter, notFound } from '../../errors.js';
import type { SqlEngine } from '../engine/types.js';
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
    private readonly db: SqlEngine,
    private readonly reader: RegistryReader,
    private readonly models: RegisteredModelStore,
  ) {}

  async set(name: string, alias: string, version: string | number): Promise<void> {
    validateModelName(name);
    validateAliasName(alias);
    validateAliasNameNotReserved(alias);
    const number = parseModelVersion(version);
    await this.db.transaction(async () => {
      await this.reader.lockRegisteredModel(name);
      await this.reader.modelVersionRow(name, number);
      await this.db.run(
        'INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (workspace, name, alias) DO UPDATE SET version = excluded.version',
        [name, alias, number],
      );
    });
  }

  /** Deleting an alias the model does not have is not an error in MLflow. */
  async delete(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAliasName(alias);
    await this.db.transaction(async () => {
      await this.reader.registeredModelRow(name, { lock: true });
      await this.db.run('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?', [name, alias]);
    });
  }

  /** The version an alias points at, with all of that version's aliases. */
  async getModelVersion(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    validateAliasName(alias);
    if (alias.toLowerCase() === ALIAS_LATEST) {
      const latest = await this.models.getLatestVersions(name);
      if (latest.length === 0) throw notFound(`Latest version not found for model ${name}.`);
      // One latest version per stage: the newest of them is the model's latest.
      return latest.reduce((a, b) => (b.version > a.version ? b : a));
    }
    await this.reader.registeredModelRow(name);
    const row = await this.db.get<{ version: number | string }>('SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?', [
      name,
      alias,
    ]);
    if (!row) throw invalidParameter(`Registered model alias ${alias} not found.`);
    return this.reader.modelVersion(name, Number(row.version), true);
  }
}
