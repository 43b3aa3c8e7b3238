// `npm run demo`: starts the server on :5000 with the embedded defaults (./mlruns), trains the churn
// models on a synthetic table in the abt.csv layout through client/ (runs, datasets, plots, logged
// models, a registered version with @challenger / @production), then keeps serving until Ctrl-C.
import { buildApp } from '../server/app.js';
import { parseServerArgs } from '../server/config.js';
import { ProgressBar } from '../trainer/cli/progress.js';
import { formatSummary } from '../trainer/cli/summary.js';
import { trainChurn, type TrainResult } from '../trainer/pipeline.js';

/** Rows of the synthetic table: about the size of the seed's abt.csv (4055 rows). */
export const DEMO_ROWS = 4000;

const HELP = `Usage: minflow demo [server options]

Starts the Minflow server (default http://127.0.0.1:5000, data in ./mlruns), trains the churn models
(decision tree, 500-tree random forest, ensemble) on a synthetic ${DEMO_ROWS}-row table in the abt.csv
layout, logs them to experiment "churn", registers the best as a version of model "churn" (@challenger,
and @production when it beats the current one), prints where to look, and keeps serving until Ctrl-C.
Server options are those of \`minflow server --help\`.`;

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

export async function runDemo(argv: string[]): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const config = parseServerArgs(argv);
  const app = await buildApp({ ...config, logLevel: 'warn' });
  await app.listen({ host: config.host, port: config.port });
  const url = `http://${config.host}:${config.port}${config.staticPrefix}`;
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`Minflow server listening on ${url} (data in ${config.dbFile})\n\n`);
  const result = await trainDemoModels(url);
  process.stdout.write(
    `${formatSummary(result)}\n\n` +
      `  Experiment: ${url}/#/experiments/${result.experimentId}\n` +
      `  Models:     ${url}/#/models/churn\n` +
      `  API:        ${url}/api/2.0/mlflow/registered-models/alias?name=churn&alias=production\n\n` +
      `From Python:\n  import mlflow\n  mlflow.set_tracking_uri("${url}")\n` +
      `  print(mlflow.search_runs(experiment_names=["churn"]))\n\n` +
      'Press Ctrl-C to stop.\n',
  );
}
