// `minflow train` command line → options. Pure (argv and environment in, options or a UsageError out)
// so every rule is unit-tested without spawning a process.
import { parseArgs } from 'node:util';
import { DEFAULT_MODELS, DEFAULT_N_ESTIMATORS, isModelKey, MODEL_KEYS, type ModelKey } from '../candidates.js';
import { parseSplitSpec } from '../data/index.js';
import type { DataSource } from '../pipeline.js';
import { DEFAULT_CV_FOLDS } from '../selection/cv.js';
import { DEFAULT_TIME_BUDGET } from '../pipeline.js';

export const DEFAULT_TRACKING_URI = 'http://127.0.0.1:5000';

export const TRAIN_USAGE = `Usage: minflow train (--data PATH | --synthetic N) [options]
       npm run train -- (--data PATH | --synthetic N) [options]

Trains a decision tree, a random forest, a gradient boosting (tuned) and a blend of them (a soft vote weighted
by cross-validation) on a churn table, logs one parent run
with a nested run per model to an MLflow tracking server (params, metrics, datasets, plots, the model as
an MLflow-3 logged model), registers the best model (mean ROC AUC of a k-fold cross-validation on the
training rows) as a new version with @challenger, and moves @production to it only when it beats the
current @production on the same test rows.

Data:
  --data PATH              CSV file (the abt.csv layout or any table with a binary target column)
  --synthetic N            generate a synthetic table of N rows in the abt.csv layout instead
  --target NAME            target column (default: flag_churn)
  --positive-label LABEL   the target label meaning "churn" (default: 1 / yes / true, else the last label)
  --drop COLS              comma-separated columns that are not features (ids, dates); repeatable
  --split SPEC             random (default; scikit-learn's 80/20 split, seed 42), group:<column> (no
                           customer on both sides) or time:<column> (the latest dates are the test set)
  --test-size X            test share in (0, 1) or a row (group) count (default: 0.2)
  --seed N                 random_state of the split, the folds and the models (default: 42)
  --cv-folds K             folds of the cross-validation that picks the best model (default: ${DEFAULT_CV_FOLDS});
                           0 picks on the test rows instead (a biased, optimistic choice)
  --time-budget S          seconds the hyperparameter search of gb may take, by the same CV, which
                           also chooses its number of rounds (default: 20; 0 = gb with its untuned
                           settings, stopped early on 10% of the training rows)

Models:
  --models KEYS            comma-separated, from ${MODEL_KEYS.join(', ')} (default: ${DEFAULT_MODELS.join(',')})
                           (ensemble: the seed's equal vote of dt, rf and lr; blend: dt, rf, lr and gb
                           weighted by ensemble selection on their CV fold probabilities)
  --n-estimators N         trees in the random forest (alone and in the ensembles; default: ${DEFAULT_N_ESTIMATORS})

Tracking and registry:
  --tracking-uri URL       MLflow server (default: $MLFLOW_TRACKING_URI or ${DEFAULT_TRACKING_URI})
  --experiment NAME        experiment to log to, created if missing (default: churn)
  --model-name NAME        registered model (default: churn)
  --min-improvement X      test ROC AUC the challenger must gain over @production to replace it
                           (default: 0, i.e. any strict improvement)

  -h, --help               show this help

Example:
  npm run train -- --data ../shared/data/abt.csv --n-estimators 200 --min-improvement 0.005`;

export interface TrainCliOptions {
  source: DataSource;
  target?: string;
  positiveLabel?: string;
  drop: string[];
  split: string;
  trackingUri: string;
  experiment: string;
  modelName: string;
  minImprovement: number;
  nEstimators: number;
  models: ModelKey[];
  seed: number;
  testSize?: number;
  cvFolds: number;
  timeBudget: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${raw}"`);
  return n;
}

function list(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function nonEmpty(flag: string, raw: string | undefined, fallback: string): string {
  if (raw === undefined) return fallback;
  if (raw.trim() === '') throw new UsageError(`${flag} must not be empty`);
  return raw;
}

/** Returns null for --help. */
export function parseTrainArgs(argv: string[], env: NodeJS.ProcessEnv = {}): TrainCliOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        synthetic: { type: 'string' },
        target: { type: 'string' },
        'positive-label': { type: 'string' },
        drop: { type: 'string', multiple: true },
        split: { type: 'string' },
        'tracking-uri': { type: 'string' },
        experiment: { type: 'string' },
        'model-name': { type: 'string' },
        'min-improvement': { type: 'string' },
        'n-estimators': { type: 'string' },
        models: { type: 'string' },
        seed: { type: 'string' },
        'test-size': { type: 'string' },
        'cv-folds': { type: 'string' },
        'time-budget': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;

  if ((values.data === undefined) === (values.synthetic === undefined)) {
    throw new UsageError(values.data === undefined ? 'give the data: --data PATH or --synthetic N' : '--data and --synthetic exclude each other');
  }
  const source: DataSource =
    values.data !== undefined ? { kind: 'csv', path: nonEmpty('--data', values.data, '') } : { kind: 'synthetic', rows: positiveInt('--synthetic', values.synthetic!) };

  const split = values.split ?? 'random';
  try {
    parseSplitSpec(split);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  let minImprovement = 0;
  if (values['min-improvement'] !== undefined) {
    const raw = values['min-improvement'];
    minImprovement = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(minImprovement) || minImprovement < 0 || minImprovement > 1) {
      throw new UsageError(`--min-improvement must be a number in [0, 1] (a ROC AUC difference), got "${raw}"`);
    }
  }

  const models = values.models === undefined ? [...DEFAULT_MODELS] : list([values.models]);
  const unknown = models.filter((m) => !isModelKey(m));
  if (unknown.length > 0) throw new UsageError(`unknown model(s) ${unknown.join(', ')}: choose from ${MODEL_KEYS.join(', ')}`);
  if (models.length === 0) throw new UsageError('--models names no model');
  if (new Set(models).size !== models.length) throw new UsageError('--models names a model twice');

  const trackingUri = nonEmpty('--tracking-uri', values['tracking-uri'], env.MLFLOW_TRACKING_URI || DEFAULT_TRACKING_URI);
  if (!/^https?:\/\/[^/]/.test(trackingUri)) throw new UsageError(`--tracking-uri must be an http(s) URL, got "${trackingUri}"`);

  let seed = 42;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!/^\s*\d+\s*$/.test(values.seed) || !Number.isSafeInteger(seed) || seed > 0xffffffff) {
      throw new UsageError(`--seed must be an integer in [0, 4294967295], got "${values.seed}"`);
    }
  }
  let testSize: number | undefined;
  if (values['test-size'] !== undefined) {
    const raw = values['test-size'];
    testSize = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(testSize) || testSize <= 0 || (testSize >= 1 && !Number.isInteger(testSize))) {
      throw new UsageError(`--test-size must be a fraction in (0, 1) or a whole number of rows, got "${raw}"`);
    }
  }
  let cvFolds = DEFAULT_CV_FOLDS;
  if (values['cv-folds'] !== undefined) {
    const raw = values['cv-folds'];
    cvFolds = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || cvFolds === 1 || cvFolds > 100) throw new UsageError(`--cv-folds must be 0 or an integer from 2 to 100, got "${raw}"`);
  }

  let timeBudget = DEFAULT_TIME_BUDGET;
  if (values['time-budget'] !== undefined) {
    const raw = values['time-budget'];
    timeBudget = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(timeBudget) || timeBudget < 0) throw new UsageError(`--time-budget must be a number of seconds >= 0, got "${raw}"`);
  }

  return {
    source,
    ...(values.target !== undefined ? { target: nonEmpty('--target', values.target, '') } : {}),
    ...(values['positive-label'] !== undefined ? { positiveLabel: values['positive-label'] } : {}),
    drop: list(values.drop),
    split,
    trackingUri,
    experiment: nonEmpty('--experiment', values.experiment, 'churn'),
    modelName: nonEmpty('--model-name', values['model-name'], 'churn'),
    minImprovement,
    nEstimators: values['n-estimators'] === undefined ? DEFAULT_N_ESTIMATORS : positiveInt('--n-estimators', values['n-estimators']),
    models: models as ModelKey[],
    seed,
    ...(testSize !== undefined ? { testSize } : {}),
    cvFolds,
    timeBudget,
  };
}
