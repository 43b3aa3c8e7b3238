// Shared by the serving tests: small churn models trained in memory and saved in our MLflow Model
// format, registered against a real tracking server the way the trainer does it (run → logged model →
// artifacts → version), and `minflow serve` as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { MlflowClient } from '../../client/index.js';
import type { Dataset } from '../../trainer/data/dataset.js';
import { syntheticAbtDataset } from '../../trainer/data/synthetic.js';
import { saveModel, type LoadedModel } from '../../trainer/mlflow-model/format.js';
import { loadModel } from '../../trainer/mlflow-model/format.js';
import { DecisionTreeClassifier } from '../../trainer/models/decision-tree.js';
import { RandomForestClassifier } from '../../trainer/models/random-forest.js';
import type { Classifier } from '../../trainer/models/classifier.js';
import { builtCli, tempDir } from '../helpers/paths.js';
import { freePort, startServer, type ServerProcess } from '../helpers/server-process.js';

export interface TestModel {
  dir: string;
  loaded: LoadedModel;
}

let dataset: Dataset | undefined;

/** The synthetic churn table (600 rows), built once per test file. */
export function churnData(): Dataset {
  dataset ??= syntheticAbtDataset(600, 7);
  return dataset;
}

/** The table's rows as raw records, the way a client would send them (null for missing). */
export function churnRecords(n: number, offset = 0): Record<string, number | null>[] {
  const ds = churnData();
  const out: Record<string, number | null>[] = [];
  for (let i = offset; i < offset + n; i++) {
    const record: Record<string, number | null> = {};
    ds.featureNames.forEach((name, j) => {
      const v = ds.columns[j]![i % ds.nRows]!;
      record[name] = Number.isNaN(v) ? null : v;
    });
    out.push(record);
  }
  return out;
}

async function saveTrained(classifier: Classifier): Promise<TestModel> {
  const ds = churnData();
  await classifier.fit(ds, ds.y);
  const dir = path.join(tempDir('serving-model'), 'model');
  await saveModel(dir, { classifier, features: ds.schema, target: ds.target });
  return { dir, loaded: await loadModel(dir) };
}

/** Two models that score the same rows differently: version 1 a shallow tree, version 2 a small forest. */
export async function trainTwoModels(): Promise<[TestModel, TestModel]> {
  const v1 = await saveTrained(new DecisionTreeClassifier({ maxDepth: 3, minSamplesLeaf: 20 }));
  const v2 = await saveTrained(new RandomForestClassifier({ nEstimators: 25, minSamplesLeaf: 10, nJobs: 1 }));
  return [v1, v2];
}

/** Logs `model` as a logged model of a new run and registers it as the next version of `name`. */
export async function registerVersion(client: MlflowClient, name: string, model: TestModel): Promise<string> {
  const experiment = await client.setExperiment('serving-tests');
  const run = await client.createRun(experiment.experiment_id);
  const logged = await client.loggedModels.create(experiment.experiment_id, { name: 'model', sourceRunId: run.info.run_id });
  await client.artifacts.logArtifacts(logged.info.artifact_uri, model.dir);
  await client.loggedModels.finalize(logged.info.model_id);
  await client.setTerminated(run.info.run_id);
  await client.registry.ensureRegisteredModel(name);
  const mv = await client.registry.createModelVersion(name, `models:/${logged.info.model_id}`, {
    modelId: logged.info.model_id,
    runId: run.info.run_id,
  });
  return mv.version;
}

export interface ScorerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `node dist/cli.js serve <args>` on a free port and waits for /ping. */
export async function startScorer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ScorerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [builtCli(), 'serve', ...args, '--port', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`minflow serve exited with ${child.exitCode} before /ping answered\n${out}`);
    try {
      if ((await fetch(`${url}/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`minflow serve: no /ping after 30 s\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function invoke(url: string, body: string, contentType = 'application/json'): Promise<{ status: number; version: string | null; json: any }> {
  const res = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, version: res.headers.get('x-model-version'), json };
}

/**
 * A tracking server on a given port and data directory — the restart of one that was stopped, so a
 * scoring server configured with its URL finds it again.
 */
export function restartTrackingServer(dataDir: string, port: number): Promise<ServerProcess> {
  return startServer({ dataDir, port });
}
