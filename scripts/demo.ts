// `npm run demo`: starts the server on :5000 with the embedded defaults (./mlruns), trains the churn
// models on a synthetic table in the abt.csv layout through client/ (runs, datasets, plots, logged
// models, a registered version with @challenger / @production), then keeps serving until Ctrl-C. With no
// mlflow installed it first fetches the official UI from the pinned wheel (server/ui/wheel-ui.ts).
import { buildApp } from '../server/app.js';
import { parseServerArgs } from '../server/config.js';
import { ProgressBar } from '../trainer/cli/progress.js';
import { formatSummary } from '../trainer/cli/summary.js';
import { trainChurn, type TrainResult } from '../trainer/pipeline.js';
import { generateSyntheticAbt } from '../trainer/data/index.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { parseModelUri } from '../serving/model-uri.js';
import { startScoringServer, type ScoringServer } from '../serving/serve.js';
import { locateUiBuild } from '../server/ui/locate-build.js';
import { cachedUiDir, fetchUiFromWheel } from '../server/ui/wheel-ui.js';
import { MLFLOW_COMPATIBLE_VERSION } from '../server/version.js';

/** Rows of the synthetic table: about the size of the seed's abt.csv (4055 rows). */
export const DEMO_ROWS = 4000;

const HELP = `Usage: minflow demo [server options]

Starts the Minflow server (default http://127.0.0.1:5000, data in ./mlruns), trains the churn models
(decision tree, 500-tree random forest, tuned gradient boosting and their CV-weighted blend) on a synthetic ${DEMO_ROWS}-row table in the abt.csv
layout, logs them to experiment "churn", registers the best as a version of model "churn" (@challenger,
and @production when it beats the current one), starts the scoring server for models:/churn@production
on the next port (default 5001), prints where to look, and keeps serving until Ctrl-C.
Without an installed mlflow it first fetches the official UI from the mlflow wheel (pip, no
dependencies) into ~/.cache/minflow/mlflow-ui, once.
Server options are those of \`minflow server --help\`.`;

/** Two rows of the abt layout, as a client would send them, for the printed example request. */
function exampleRequest(): { dataframe_split: { columns: string[]; data: unknown[][] } } {
  const table = generateSyntheticAbt(2, 7);
  const columns = table.header.slice(2, -1);
  return { dataframe_split: { columns: [...columns], data: table.rows.map((r) => r.slice(2, -1)) } };
}

/**
 * The demo's training: the same pipeline as \`minflow train --synthetic ${DEMO_ROWS}\`, against any
 * server URL. Reusable by later demo steps (the scoring server) that need a model in the registry.
 */
export async function trainDemoModels(trackingUri: string, progress = new ProgressBar(process.stderr)): Promise<TrainResult> {
  try {
    return await trainChurn({ trackingUri, source: { kind: 'synthetic', rows: DEMO_ROWS }, progress, sourceName: 'minflow demo' });
  } finally {
    progress.end();
  }
}

/**
 * The official UI for the demo: an installed mlflow's, or else the pinned wheel's, fetched once into the
 * user's cache. Without pip or a network the demo goes on without a UI and says how to add one.
 */
async function ensureUi(): Promise<string | null> {
  const found = await locateUiBuild(null);
  if (found.dir) return found.dir;
  process.stdout.write(`The MLflow UI is not installed: fetching it from the mlflow ${MLFLOW_COMPATIBLE_VERSION} wheel into ${cachedUiDir()} (once, a 12 MB download)…\n`);
  try {
    return await fetchUiFromWheel();
  } catch (e) {
    process.stdout.write(
      `Could not fetch it (${(e as Error).message}).\nThe API works without it; for the UI: python3 -m venv .venv && .venv/bin/pip install mlflow==${MLFLOW_COMPATIBLE_VERSION}, then run the demo again.\n\n`,
    );
    return null;
  }
}

export async function runDemo(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const config = parseServerArgs(argv);
  const uiDir = config.uiDir ?? (await ensureUi());
  const app = await buildApp({ ...config, uiDir, logLevel: 'warn' });
  await app.listen({ host: config.host, port: config.port });
  const url = `http://${config.host}:${config.port}${config.staticPrefix}`;
  let scoring: ScoringServer | null = null;
  const stop = () => void Promise.all([scoring?.close(), app.close()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`Minflow server listening on ${url} (data in ${config.dbFile})\n\n`);
  const result = await trainDemoModels(url);
  process.stdout.write(`${formatSummary(result)}\n\n`);

  const modelUri = 'models:/churn@production';
  scoring = await startScoringServer(
    {
      modelUri,
      host: config.host,
      port: config.port + 1,
      trackingUri: url,
      pollIntervalSeconds: 10,
      // Downloaded models stay with the demo's data, under ./mlruns.
      cacheDir: path.join(path.dirname(config.dbFile), 'model-cache'),
      logLevel: 'warn',
    },
    parseModelUri(modelUri),
    pino({ level: 'warn' }),
  );
  const scoringUrl = `http://${config.host}:${config.port + 1}`;
  const body = exampleRequest();
  // Saved next to the data so the printed curl command works as it is.
  const requestFile = path.join(path.dirname(config.dbFile), 'demo-request.json');
  await fs.writeFile(requestFile, JSON.stringify(body));
  const answer = await fetch(`${scoringUrl}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const predictions = (await answer.json()) as unknown;
  const version = answer.headers.get('x-model-version');
  process.stdout.write(
    `Ready.\n\n` +
      `  UI:       ${url}/#/experiments/${result.experimentId}   (models: ${url}/#/models/churn)\n` +
      `  API:      ${url}/api/2.0/mlflow/registered-models/alias?name=churn&alias=production\n` +
      `  Scoring:  ${scoringUrl}/invocations   serving ${modelUri} (version ${version}), following the alias\n\n` +
      `A scoring answer for two customers: ${JSON.stringify(predictions)}\n\n` +
      `Try it yourself:\n` +
      `  curl -s ${scoringUrl}/model\n` +
      `  curl -s ${scoringUrl}/invocations -H 'content-type: application/json' -d @${path.relative(process.cwd(), requestFile)}\n\n` +
      `From Python (pip install mlflow):\n` +
      `  import mlflow\n` +
      `  mlflow.set_tracking_uri("${url}")\n` +
      `  print(mlflow.search_runs(experiment_names=["churn"])[["tags.mlflow.runName", "metrics.test_roc_auc"]])\n` +
      `  from mlflow import MlflowClient\n` +
      `  print(MlflowClient().get_model_version_by_alias("churn", "production"))\n\n` +
      'Press Ctrl-C to stop.\n',
  );
}
