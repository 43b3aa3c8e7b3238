// Typed calls for MLflow 3 logged models.
import type { Http } from './http.js';
import type { KeyValue, LoggedModel, LoggedModelStatus, Page } from './types.js';

const API = '/api/2.0/mlflow/logged-models';

export class LoggedModelClient {
  constructor(private readonly http: Http) {}

  async create(
    experimentId: string,
    options: { name?: string; sourceRunId?: string; modelType?: string; params?: KeyValue[]; tags?: KeyValue[] } = {},
  ): Promise<LoggedModel> {
    const params = options.params ?? [];
    const r = await this.http.post<{ model: LoggedModel }>(API, {
      experiment_id: experimentId,
      name: options.name,
      source_run_id: options.sourceRunId,
      model_type: options.modelType,
      // The Python client sends at most 100 params on create and the rest through /params.
      params: params.slice(0, 100),
      tags: options.tags,
    });
    for (let i = 100; i < params.length; i += 100) {
      await this.http.post(`${API}/${r.model.info.model_id}/params`, { model_id: r.model.info.model_id, params: params.slice(i, i + 100) });
    }
    return params.length > 100 ? this.get(r.model.info.model_id) : r.model;
  }

  async get(modelId: string): Promise<LoggedModel> {
    return (await this.http.get<{ model: LoggedModel }>(`${API}/${encodeURIComponent(modelId)}`)).model;
  }

  async finalize(modelId: string, status: LoggedModelStatus = 'LOGGED_MODEL_READY'): Promise<LoggedModel> {
    return (await this.http.send<{ model: LoggedModel }>('PATCH', `${API}/${encodeURIComponent(modelId)}`, { model_id: modelId, status })).model;
  }

  async setTags(modelId: string, tags: KeyValue[]): Promise<void> {
    await this.http.send('PATCH', `${API}/${encodeURIComponent(modelId)}/tags`, { tags });
  }

  async search(experimentIds: string[], options: { filter?: string; maxResults?: number; pageToken?: string } = {}): Promise<Page<LoggedModel>> {
    const r = await this.http.post<{ models?: LoggedModel[]; next_page_token?: string }>(`${API}/search`, {
      experiment_ids: experimentIds,
      filter: options.filter,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return { items: r.models ?? [], nextPageToken: r.next_page_token };
  }
}
