// Typed calls for MLflow's model registry: registered models, versions, stages, aliases.
import type { Http } from './http.js';
import type { KeyValue, ModelVersion, Page, RegisteredModel } from './types.js';

const API = '/api/2.0/mlflow';

export class RegistryClient {
  constructor(private readonly http: Http) {}

  async createRegisteredModel(name: string, options: { description?: string; tags?: KeyValue[] } = {}): Promise<RegisteredModel> {
    const r = await this.http.post<{ registered_model: RegisteredModel }>(`${API}/registered-models/create`, {
      name,
      description: options.description,
      tags: options.tags,
    });
    return r.registered_model;
  }

  /** Creates the registered model unless it exists, as mlflow.register_model does. */
  async ensureRegisteredModel(name: string): Promise<void> {
    try {
      await this.createRegisteredModel(name);
    } catch (e) {
      if ((e as { errorCode?: string }).errorCode !== 'RESOURCE_ALREADY_EXISTS') throw e;
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return (await this.http.get<{ registered_model: RegisteredModel }>(`${API}/registered-models/get`, { name })).registered_model;
  }

  async searchRegisteredModels(options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<Page<RegisteredModel>> {
    const r = await this.http.get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(`${API}/registered-models/search`, {
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return { items: r.registered_models ?? [], nextPageToken: r.next_page_token };
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.http.send('DELETE', `${API}/registered-models/delete`, { name });
  }

  async createModelVersion(
    name: string,
    source: string,
    options: { runId?: string; modelId?: string; description?: string; tags?: KeyValue[] } = {},
  ): Promise<ModelVersion> {
    const r = await this.http.post<{ model_version: ModelVersion }>(`${API}/model-versions/create`, {
      name,
      source,
      run_id: options.runId,
      model_id: options.modelId,
      description: options.description,
      tags: options.tags,
    });
    return r.model_version;
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return (await this.http.get<{ model_version: ModelVersion }>(`${API}/model-versions/get`, { name, version })).model_version;
  }

  async searchModelVersions(options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<Page<ModelVersion>> {
    const r = await this.http.get<{ model_versions?: ModelVersion[]; next_page_token?: string }>(`${API}/model-versions/search`, {
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return { items: r.model_versions ?? [], nextPageToken: r.next_page_token };
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return (await this.http.get<{ artifact_uri: string }>(`${API}/model-versions/get-download-uri`, { name, version })).artifact_uri;
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.http.post(`${API}/model-versions/set-tag`, { name, version, key, value });
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.post(`${API}/registered-models/alias`, { name, alias, version });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.http.send('DELETE', `${API}/registered-models/alias`, { name, alias });
  }

  /** The version an alias points to, or null when the alias is not set (MLflow answers 400 then). */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    try {
      return (await this.http.get<{ model_version: ModelVersion }>(`${API}/registered-models/alias`, { name, alias })).model_version;
    } catch (e) {
      const code = (e as { errorCode?: string }).errorCode;
      if (code === 'INVALID_PARAMETER_VALUE' || code === 'RESOURCE_DOES_NOT_EXIST') {
        if (/alias .* not found|not found/i.test((e as Error).message)) return null;
      }
      throw e;
    }
  }
}
