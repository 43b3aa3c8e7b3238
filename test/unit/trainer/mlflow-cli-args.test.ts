// `minflow train` flags → options, and the progress output on and off a terminal.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACKING_URI, parseTrainArgs, TRAIN_USAGE, UsageError } from '../../../trainer/cli/args.js';
import { ProgressBar } from '../../../trainer/cli/progress.js';

function usageError(argv: string[]): string {
  try {
    parseTrainArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseTrainArgs', () => {
  it('has the documented defaults', () => {
    expect(parseTrainArgs(['--data', 'abt.csv'])).toEqual({
      source: { kind: 'csv', path: 'abt.csv' },
      drop: [],
      split: 'random',
      trackingUri: DEFAULT_TRACKING_URI,
      experiment: 'churn',
      modelName: 'churn',
      minImprovement: 0,
      nEstimators: 500,
      models: ['dt', 'rf', 'gb', 'blend'],
      seed: 42,
      cvFolds: 5,
      timeBudget: 20,
    });
    expect(DEFAULT_TRACKING_URI).toBe('http://127.0.0.1:5000');
  });

  it('reads every flag', () => {
    const o = parseTrainArgs([
      '--synthetic', '2000',
      '--target', 'churned',
      '--positive-label', 'yes',
      '--drop', 'id,signup_date',
      '--drop', 'region',
      '--split', 'group:id',
      '--tracking-uri', 'http://mlflow.internal:8080/',
      '--experiment', 'churn-q3',
      '--model-name', 'churn_v2',
      '--min-improvement', '0.005',
      '--n-estimators', '50',
      '--models', 'rf, lr',
      '--seed', '7',
      '--test-size', '0.25',
      '--cv-folds', '3',
      '--time-budget', '12.5',
    ]);
    expect(o).toEqual({
      source: { kind: 'synthetic', rows: 2000 },
      target: 'churned',
      positiveLabel: 'yes',
      drop: ['id', 'signup_date', 'region'],
      split: 'group:id',
      trackingUri: 'http://mlflow.internal:8080/',
      experiment: 'churn-q3',
      modelName: 'churn_v2',
      minImprovement: 0.005,
      nEstimators: 50,
      models: ['rf', 'lr'],
      seed: 7,
      testSize: 0.25,
      cvFolds: 3,
      timeBudget: 12.5,
    });
    expect(parseTrainArgs(['--synthetic', '10', '--cv-folds', '0', '--test-size', '200'])).toMatchObject({ cvFolds: 0, testSize: 200 });
  });

  it('takes the tracking URI from MLFLOW_TRACKING_URI unless the flag is given', () => {
    const env = { MLFLOW_TRACKING_URI: 'http://10.0.0.5:5000' };
    expect(parseTrainArgs(['--synthetic', '10'], env)!.trackingUri).toBe('http://10.0.0.5:5000');
    expect(parseTrainArgs(['--synthetic', '10', '--tracking-uri', 'https://x.example'], env)!.trackingUri).toBe('https://x.example');
    expect(parseTrainArgs(['--synthetic', '10'], { MLFLOW_TRACKING_URI: '' })!.trackingUri).toBe(DEFAULT_TRACKING_URI);
  });

  it('returns null for --help / -h', () => {
    expect(parseTrainArgs(['--help'])).toBeNull();
    expect(parseTrainArgs(['-h'])).toBeNull();
    expect(TRAIN_USAGE).toMatch(/^Usage: minflow train/);
    for (const flag of ['--data', '--synthetic', '--target', '--positive-label', '--drop', '--split', '--tracking-uri', '--experiment', '--model-name', '--min-improvement', '--n-estimators', '--models', '--seed', '--test-size', '--cv-folds', '--time-budget', '--help']) {
      expect(TRAIN_USAGE).toContain(flag);
    }
  });

  it.each([
    [[], 'give the data: --data PATH or --synthetic N'],
    [['--data', 'a.csv', '--synthetic', '5'], '--data and --synthetic exclude each other'],
    [['--synthetic', '0'], '--synthetic must be a positive integer, got "0"'],
    [['--synthetic', '1.5'], '--synthetic must be a positive integer'],
    [['--synthetic', '10', '--n-estimators', 'many'], '--n-estimators must be a positive integer, got "many"'],
    [['--synthetic', '10', '--min-improvement=-0.1'], '--min-improvement must be a number in [0, 1]'],
    [['--synthetic', '10', '--min-improvement', 'abc'], '--min-improvement must be a number in [0, 1]'],
    [['--synthetic', '10', '--min-improvement', '2'], '--min-improvement must be a number in [0, 1]'],
    [['--synthetic', '10', '--split', 'sideways'], 'split "sideways" is not one of random, group:<column>, time:<column>'],
    [['--synthetic', '10', '--models', 'dt,xgb'], 'unknown model(s) xgb: choose from dt, rf, lr, ensemble, gb, blend'],
    [['--synthetic', '10', '--models', 'dt,dt'], '--models names a model twice'],
    [['--synthetic', '10', '--models', ','], '--models names no model'],
    [['--synthetic', '10', '--seed=-1'], '--seed must be an integer in [0, 4294967295], got "-1"'],
    [['--synthetic', '10', '--seed', '1.5'], '--seed must be an integer in [0, 4294967295], got "1.5"'],
    [['--synthetic', '10', '--test-size', '1.5'], '--test-size must be a fraction in (0, 1) or a whole number of rows, got "1.5"'],
    [['--synthetic', '10', '--test-size', '0'], '--test-size must be a fraction in (0, 1)'],
    [['--synthetic', '10', '--time-budget', 'soon'], '--time-budget must be a number of seconds >= 0, got "soon"'],
    [['--synthetic', '10', '--cv-folds', '1'], '--cv-folds must be 0 or an integer from 2 to 100, got "1"'],
    [['--synthetic', '10', '--tracking-uri', 'localhost:5000'], '--tracking-uri must be an http(s) URL'],
    [['--synthetic', '10', '--experiment', ' '], '--experiment must not be empty'],
    [['--synthetic', '10', '--colour'], "Unknown option '--colour'"],
    [['--synthetic', '10', 'extra'], "Unexpected argument 'extra'"],
    [['--synthetic'], "Option '--synthetic <value>' argument missing"],
  ])('rejects %j', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });

  it('accepts --min-improvement 1 (never promote) and 0', () => {
    expect(parseTrainArgs(['--synthetic', '10', '--min-improvement', '1'])!.minImprovement).toBe(1);
    expect(parseTrainArgs(['--synthetic', '10', '--min-improvement', '0'])!.minImprovement).toBe(0);
  });
});

class Sink {
  text = '';
  columns = 60;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('ProgressBar', () => {
  it('prints one plain line per phase off a terminal', () => {
    const out = new Sink();
    const bar = new ProgressBar(out, { tty: false });
    bar.phase('fitting RandomForestClassifier (500 trees)', 1);
    bar.advance(1);
    bar.phase('uploading random_forest (1.3 MiB)', 100);
    bar.advance(50);
    bar.note('done');
    bar.end();
    expect(out.text).toMatch(/^\[\d+\.\ds\] fitting RandomForestClassifier \(500 trees\)\n\[\d+\.\ds\] uploading random_forest \(1\.3 MiB\)\ndone\n$/);
    expect(out.text).not.toContain('\r');
  });

  it('redraws one line in place on a terminal, fits it to the width and clears it at the end', () => {
    const out = new Sink();
    const bar = new ProgressBar(out, { tty: true });
    bar.phase('uploading a model with a rather long name that will not fit', 4);
    bar.advance(1);
    expect(bar.line()).toContain('[######..................]  25%');
    expect(bar.line().length).toBeLessThanOrEqual(59);
    bar.advance(10);
    expect(bar.line()).toContain('100%');
    bar.end();
    expect(out.text.startsWith('\r\x1b[2K')).toBe(true);
    expect(out.text.endsWith('\r\x1b[2K')).toBe(true);
    bar.end(); // idempotent
  });
});
