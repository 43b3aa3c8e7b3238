// `minflow train`: parse the command line, run the pipeline with a progress bar, print the summary.
// Mistakes a person can fix (flags, data files, an unreachable server) end with one line and exit
// code 2 (usage) or 1; anything else keeps its stack trace.
import { MlflowRestError } from '../../client/index.js';
import { candidates } from '../candidates.js';
import { DataError } from '../data/index.js';
import { TrainerError } from '../errors.js';
import { trainChurn } from '../pipeline.js';
import { parseTrainArgs, TRAIN_USAGE, UsageError } from './args.js';
import { ProgressBar } from './progress.js';
import { formatSummary } from './summary.js';

function isRequestFailure(e: unknown): boolean {
  return e instanceof Error && /^request to \S+ failed/.test(e.message);
}

export async function runTrain(argv: string[]): Promise<void> {
  let options;
  try {
    options = parseTrainArgs(argv, process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`minflow train: ${e.message}\n\n${TRAIN_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options === null) {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return;
  }
  const progress = new ProgressBar(process.stderr);
  try {
    const result = await trainChurn({
      trackingUri: options.trackingUri,
      source: options.source,
      load: {
        ...(options.target !== undefined ? { target: options.target } : {}),
        ...(options.positiveLabel !== undefined ? { positiveLabel: options.positiveLabel } : {}),
        drop: options.drop,
      },
      split: options.split,
      seed: options.seed,
      ...(options.testSize !== undefined ? { testSize: options.testSize } : {}),
      cvFolds: options.cvFolds,
      timeBudget: options.timeBudget,
      experiment: options.experiment,
      modelName: options.modelName,
      minImprovement: options.minImprovement,
      candidates: candidates(options.models, options.nEstimators, options.seed),
      extraParams: { n_estimators: String(options.nEstimators) },
      progress,
    });
    progress.end();
    process.stdout.write(`${formatSummary(result)}\n`);
  } catch (e) {
    progress.end();
    const known = e instanceof DataError || e instanceof TrainerError || e instanceof MlflowRestError;
    if (!known && !isRequestFailure(e)) throw e;
    process.stderr.write(`minflow train: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
