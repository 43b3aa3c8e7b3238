// Registry → local model: resolve a models:/ reference to a version, download the version's files
// through the tracking server's artifact proxy into a cache directory, and load our flavor from them.
//
// The cache is keyed by tracking URI + download URI. A version's files never change, and a download URI
// names a logged model by its unique id, so a cached directory is reused as is. Downloads land in a
// private temporary directory that is renamed into place only when complete and loadable, so a crash
// or a concurrent process (another scoring server, a batch job) never sees half a model.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MlflowClient } from '../client/index.js';
import { loadModel, MLMODEL_FILE, type LoadedModel } from '../trainer/mlflow-model/format.js';
import type { ModelRef } from './model-uri.js';
import { prepareModel, type ServedModel } from './scorer.js';

/** A registry version as far as loading needs it. */
export interface ResolvedVersion {
  name: string;
  version: string;
  runId?: string;
  modelId?: string;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MINFLOW_MODEL_CACHE) return path.resolve(env.MINFLOW_MODEL_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'minflow', 'models');
}

export class AliasNotSetError extends Error {
  override readonly name = 'AliasNotSetError';
}

export class RegistryModelLoader {
  constructor(
    private readonly client: MlflowClient,
    private readonly cacheDir: string = defaultCacheDir(),
  ) {}

  /** The version a registry reference points at now. */
  async resolve(ref: Extract<ModelRef, { kind: 'alias' | 'version' }>): Promise<ResolvedVersion> {
    const mv =
      ref.kind === 'alias'
        ? await this.client.registry.getModelVersionByAlias(ref.name, ref.alias)
        : await this.client.registry.getModelVersion(ref.name, ref.version);
    if (mv === null) throw new AliasNotSetError(`registered model '${ref.name}' has no alias '${(ref as { alias: string }).alias}'`);
    // MLflow does not send a version's model_id (its to_proto leaves it out); a version registered from
    // a logged model names it in its source, models:/m-<id>.
    const modelId = mv.model_id || /^models:\/(m-[0-9a-f]+)$/.exec(mv.source ?? '')?.[1];
    return { name: mv.name, version: String(mv.version), runId: mv.run_id || undefined, modelId };
  }

  async load(target: ResolvedVersion, alias: string | null): Promise<ServedModel> {
    const downloadUri = await this.client.registry.getModelVersionDownloadUri(target.name, target.version);
    const { dir, model } = await this.fetchToCache(target, downloadUri);
    return prepareModel(
      model,
      {
        name: target.name,
        version: target.version,
        alias,
        runId: model.mlmodel.run_id ?? target.runId ?? null,
        modelId: model.mlmodel.model_id ?? target.modelId ?? null,
        source: downloadUri,
      },
      dir,
    );
  }

  private cacheKey(target: ResolvedVersion, downloadUri: string): string {
    const hash = createHash('sha256').update(`${this.client.trackingUri}\n${downloadUri}`).digest('hex').slice(0, 16);
    const readable = target.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
    return `${readable}-v${target.version}-${hash}`;
  }

  private async fetchToCache(target: ResolvedVersion, downloadUri: string): Promise<{ dir: string; model: LoadedModel }> {
    const final = path.join(this.cacheDir, this.cacheKey(target, downloadUri));
    if (fs.existsSync(path.join(final, MLMODEL_FILE))) return { dir: final, model: await loadModel(final) };
    await fsp.mkdir(this.cacheDir, { recursive: true });
    const partial = `${final}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    let model: LoadedModel;
    try {
      await this.client.artifacts.download(downloadUri, '', partial);
      if (!fs.existsSync(path.join(partial, MLMODEL_FILE))) {
        throw new Error(`model version ${target.name}/${target.version} has no ${MLMODEL_FILE} file at ${downloadUri}`);
      }
      // Loaded before it is published, so a model that cannot load never enters the cache.
      model = await loadModel(partial);
      try {
        await fsp.rename(partial, final);
      } catch (e) {
        // Another process published the same version first; its copy is as good as ours.
        if (!fs.existsSync(path.join(final, MLMODEL_FILE))) throw e;
      }
    } finally {
      await fsp.rm(partial, { recursive: true, force: true });
    }
    return { dir: final, model };
  }
}

export async function loadLocalModel(dir: string): Promise<ServedModel> {
  const abs = path.resolve(dir);
  if (!fs.existsSync(path.join(abs, MLMODEL_FILE))) {
    throw new Error(`${abs} is not a model directory (no ${MLMODEL_FILE} file); pass models:/<name>@<alias>, models:/<name>/<version> or a saved model directory`);
  }
  const model = await loadModel(abs);
  return prepareModel(
    model,
    { name: null, version: null, alias: null, runId: model.mlmodel.run_id ?? null, modelId: model.mlmodel.model_id ?? null, source: abs },
    abs,
  );
}

export interface ModelSource {
  resolve(): Promise<ResolvedVersion>;
  load(target: ResolvedVersion): Promise<ServedModel>;
}

/** resolve/load for any reference: the registry for models:/ URIs, the disk for a local directory. */
export function modelSource(ref: ModelRef, client: MlflowClient, cacheDir: string = defaultCacheDir()): ModelSource {
  if (ref.kind === 'local') {
    // No registry: every resolve names the directory again, so /reload re-reads it.
    return { resolve: async () => ({ name: ref.dir, version: '' }), load: () => loadLocalModel(ref.dir) };
  }
  const loader = new RegistryModelLoader(client, cacheDir);
  const alias = ref.kind === 'alias' ? ref.alias : null;
  return { resolve: () => loader.resolve(ref), load: (target) => loader.load(target, alias) };
}
