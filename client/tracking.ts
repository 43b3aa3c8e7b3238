// Typed calls for MLflow's tracking API (experiments, runs, metrics, params, tags, datasets).
import type { Http } from './http.js';
import type { DatasetInput, DatasetSummary, Experiment, KeyValue, Metric, Page, Run, RunInfo, RunStatus, ViewType } from './types.js';

const API = '/api/2.0/mlflow';

export interface SearchRunsOptions {
  filter?: string;
  orderBy?: string[];
  viewType?: ViewType;
  maxResults?: number;
  pageToken?: string;
}

export class TrackingClient {
  constructor(protected readonly http: Http) {}

  async createExperiment(name: string, options: { artifactLocation?: string; tags?: KeyValue[] } = {}): Promise<string> {
    const r = await this.http.post<{ experiment_id: string }>(`${API}/experiments/create`, {
      name,
      artifact_location: options.artifactLocation,
      tags: options.tags,
    });
    return r.experiment_id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return (await this.http.get<{ experiment: Experiment }>(`${API}/experiments/get`, { experiment_id: experimentId })).experiment;
  }

  /** The experiment, or null when none has that name (MLflow answers RESOURCE_DOES_NOT_EXIST). */
  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      return (await this.http.get<{ experiment: Experiment }>(`${API}/experiments/get-by-name`, { experiment_name: name })).experiment;
    } catch (e) {
      if ((e as { errorCode?: string }).errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw e;
    }
  }

  /** Get-or-create by name, as mlflow.set_experiment does. */
  async setExperiment(name: string): Promise<Experiment> {
    const existing = await this.getExperimentByName(name);
    if (existing) return existing;
    try {
      return this.getExperiment(await this.createExperiment(name));
    } catch (e) {
      if ((e as { errorCode?: string }).errorCode !== 'RESOURCE_ALREADY_EXISTS') throw e;
      return (await this.getExperimentByName(name))!;
    }
  }

  async searchExperiments(options: { filter?: string; orderBy?: string[]; viewType?: ViewType; maxResults?: number; pageToken?: string } = {}): Promise<Page<Experiment>> {
    const r = await this.http.post<{ experiments?: Experiment[]; next_page_token?: string }>(`${API}/experiments/search`, {
      filter: options.filter,
      order_by: options.orderBy,
      view_type: options.viewType,
      max_results: options.maxResults ?? 1000,
      page_token: options.pageToken,
    });
    return { items: r.experiments ?? [], nextPageToken: r.next_page_token };
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.http.post(`${API}/experiments/update`, { experiment_id: experimentId, new_name: newName });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.http.post(`${API}/experiments/delete`, { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.http.post(`${API}/experiments/restore`, { experiment_id: experimentId });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.post(`${API}/experiments/set-experiment-tag`, { experiment_id: experimentId, key, value });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.http.post(`${API}/experiments/delete-experiment-tag`, { experiment_id: experimentId, key });
  }

  async createRun(experimentId: string, options: { runName?: string; startTime?: number; tags?: KeyValue[]; userId?: string } = {}): Promise<Run> {
    const r = await this.http.post<{ run: Run }>(`${API}/runs/create`, {
      experiment_id: experimentId,
      run_name: options.runName,
      start_time: options.startTime ?? Date.now(),
      tags: options.tags,
      user_id: options.userId,
    });
    return r.run;
  }

  async getRun(runId: string): Promise<Run> {
    return (await this.http.get<{ run: Run }>(`${API}/runs/get`, { run_id: runId })).run;
  }

  async updateRun(runId: string, changes: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const r = await this.http.post<{ run_info: RunInfo }>(`${API}/runs/update`, {
      run_id: runId,
      status: changes.status,
      end_time: changes.endTime,
      run_name: changes.runName,
    });
    return r.run_info;
  }

  async setTerminated(runId: string, status: RunStatus = 'FINISHED'): Promise<RunInfo> {
    return this.updateRun(runId, { status, endTime: Date.now() });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.http.post(`${API}/runs/delete`, { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.http.post(`${API}/runs/restore`, { run_id: runId });
  }

  async searchRuns(experimentIds: string[], options: SearchRunsOptions = {}): Promise<Page<Run>> {
    const r = await this.http.post<{ runs?: Run[]; next_page_token?: string }>(`${API}/runs/search`, {
      experiment_ids: experimentIds,
      filter: options.filter,
      order_by: options.orderBy,
      run_view_type: options.viewType,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return { items: r.runs ?? [], nextPageToken: r.next_page_token };
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.http.post(`${API}/runs/set-tag`, { run_id: runId, key, value });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.http.post(`${API}/runs/delete-tag`, { run_id: runId, key });
  }

  async logMetric(runId: string, key: string, value: number, options: { step?: number; timestamp?: number; modelId?: string } = {}): Promise<void> {
    await this.http.post(`${API}/runs/log-metric`, {
      run_id: runId,
      key,
      value: Number.isFinite(value) ? value : String(value),
      timestamp: options.timestamp ?? Date.now(),
      step: options.step ?? 0,
      model_id: options.modelId,
    });
  }

  async logParam(runId: string, key: string, value: string | number | boolean): Promise<void> {
    await this.http.post(`${API}/runs/log-parameter`, { run_id: runId, key, value: String(value) });
  }

  /** One log-batch request; MLflow caps it at 1000 metrics, 100 params, 100 tags. */
  async logBatch(runId: string, batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void> {
    await this.http.post(`${API}/runs/log-batch`, {
      run_id: runId,
      metrics: batch.metrics?.map((m) => ({ ...m, value: typeof m.value === 'number' && !Number.isFinite(m.value) ? String(m.value) : m.value })),
      params: batch.params,
      tags: batch.tags,
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[], modelIds: string[] = []): Promise<void> {
    await this.http.post(`${API}/runs/log-inputs`, {
      run_id: runId,
      datasets,
      models: modelIds.length > 0 ? modelIds.map((model_id) => ({ model_id })) : undefined,
    });
  }

  async logOutputs(runId: string, models: { modelId: string; step?: number }[]): Promise<void> {
    await this.http.post(`${API}/runs/outputs`, { run_id: runId, models: models.map((m) => ({ model_id: m.modelId, step: m.step ?? 0 })) });
  }

  /** The whole history, following next_page_token as the Python client does. */
  async getMetricHistory(runId: string, key: string, pageSize = 25000): Promise<Metric[]> {
    const out: Metric[] = [];
    let token: string | undefined;
    do {
      const r = await this.http.get<{ metrics?: Metric[]; next_page_token?: string }>(`${API}/metrics/get-history`, {
        run_id: runId,
        metric_key: key,
        max_results: pageSize,
        page_token: token,
      });
      out.push(...(r.metrics ?? []));
      token = r.next_page_token;
    } while (token);
    return out;
  }

  async getMetricHistoryBulkInterval(runIds: string[], key: string, options: { maxResults?: number; startStep?: number; endStep?: number } = {}): Promise<Metric[]> {
    const r = await this.http.get<{ metrics?: Metric[] }>(`${API}/metrics/get-history-bulk-interval`, {
      run_ids: runIds,
      metric_key: key,
      max_results: options.maxResults,
      start_step: options.startStep,
      end_step: options.endStep,
    });
    return r.metrics ?? [];
  }

  async searchDatasets(experimentIds: string[]): Promise<DatasetSummary[]> {
    const r = await this.http.post<{ dataset_summaries?: DatasetSummary[] }>(`/ajax-api/2.0/mlflow/experiments/search-datasets`, {
      experiment_ids: experimentIds,
    });
    return r.dataset_summaries ?? [];
  }
}
