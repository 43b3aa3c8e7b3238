// `npm run demo`: starts the server on :5000 with the embedded defaults (./mlruns) and logs a small
// demonstration experiment to it through client/, then keeps serving until Ctrl-C.
import { buildApp } from '../server/app.js';
import { parseServerArgs } from '../server/config.js';
import { MlflowClient } from '../client/index.js';

const HELP = `Usage: minflow demo [server options]

Starts the Minflow server (default http://127.0.0.1:5000, data in ./mlruns) and logs a demonstration
experiment "minflow-demo" to it, then keeps serving until Ctrl-C. Server options are those of
\`minflow server --help\`.`;

async function logDemoExperiment(client: MlflowClient): Promise<string> {
  const experiment = await client.setExperiment('minflow-demo');
  const parent = await client.createRun(experiment.experiment_id, {
    runName: `demo-${new Date().toISOString().slice(0, 19)}`,
    tags: [
      { key: 'mlflow.source.name', value: 'minflow demo' },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.user', value: process.env.USER ?? 'minflow' },
    ],
  });
  const parentId = parent.info.run_id;
  await client.logInputs(parentId, [
    {
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: { name: 'demo-table', digest: 'd3m0d1g3', source_type: 'code', source: '{"generator": "minflow demo"}' },
    },
  ]);
  for (const [i, lr] of [0.3, 0.1, 0.03].entries()) {
    const child = await client.createRun(experiment.experiment_id, {
      runName: `lr-${lr}`,
      tags: [{ key: 'mlflow.parentRunId', value: parentId }],
    });
    const id = child.info.run_id;
    await client.logBatch(id, {
      params: [
        { key: 'learning_rate', value: String(lr) },
        { key: 'epochs', value: '50' },
      ],
      tags: [{ key: 'trial', value: String(i) }],
    });
    const now = Date.now();
    const metrics = [];
    for (let step = 0; step < 50; step++) {
      const loss = Math.exp(-lr * step * 0.5) + 0.05 * Math.sin(step + i);
      metrics.push({ key: 'loss', value: loss, step, timestamp: now + step });
      metrics.push({ key: 'accuracy', value: 1 - loss / 2, step, timestamp: now + step });
    }
    await client.logBatch(id, { metrics });
    await client.setTerminated(id);
  }
  await client.setTerminated(parentId);
  return experiment.experiment_id;
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
  process.stdout.write(`Minflow server listening on ${url} (data in ${config.dbFile})\n`);
  const experimentId = await logDemoExperiment(new MlflowClient(url));
  process.stdout.write(
    `Logged experiment "minflow-demo" (id ${experimentId}) with one parent run and three nested runs.\n\n` +
      `  API:   ${url}/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}\n` +
      `  UI:    ${url}/#/experiments/${experimentId}\n\n` +
      `From Python:\n  import mlflow\n  mlflow.set_tracking_uri("${url}")\n  print(mlflow.search_runs(experiment_names=["minflow-demo"]))\n\n` +
      'Press Ctrl-C to stop.\n',
  );
}
