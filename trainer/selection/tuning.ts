// Hyperparameter search for a tunable candidate (the gradient boosting): random search over a small
// LightGBM-style space, each setting scored by the same k-fold cross-validation of the training rows
// that chooses between models, within a wall-clock budget. The first trial is the untuned default, so
// tuning never picks a setting that cross-validates worse than it; a short portfolio of settings comes
// next, then random ones.
import { RandomState } from '../data/random.js';
import type { Classifier, HistGradientBoostingClassifier } from '../models/index.js';
import { cvRounds } from './boosting-rounds.js';
import type { CrossValidator, CvResult } from './cv.js';

export type TrialParams = Record<string, number | null>;

export interface Tunable {
  /** The untuned setting (trial 0). */
  defaults: TrialParams;
  /** Settings tried next, before random ones: a small portfolio of ones that do well on many tables. */
  portfolio?: TrialParams[];
  /** A random setting. */
  sample(rs: RandomState): TrialParams;
  make(params: TrialParams): Classifier;
  /**
   * Scores a setting by cross-validation, when that is more than fitting `make(params)` fold by fold;
   * returns the params as completed by the CV (e.g. the number of boosting rounds it chose).
   */
  evaluate?(validator: CrossValidator, params: TrialParams): Promise<{ cv: CvResult; params: TrialParams }>;
}

export interface Trial {
  params: TrialParams;
  cv: CvResult;
  /** Seconds into the search when the trial started. */
  started: number;
}

export interface SearchResult {
  best: Trial;
  trials: Trial[];
  seconds: number;
  /** Why the search ended. */
  stopped: 'budget' | 'trials';
}

export interface SearchOptions {
  budgetSeconds: number;
  maxTrials?: number;
  seed?: number;
  onTrial?(trial: number, elapsedSeconds: number): void;
}

function pick<T>(rs: RandomState, values: readonly T[]): T {
  return values[rs.randint(0, values.length)]!;
}

/** Log-uniform in [lo, hi], rounded to 3 significant digits so settings read well in the UI. */
function logUniform(rs: RandomState, lo: number, hi: number): number {
  const u = rs.randint(0, 1 << 30) / (1 << 30);
  return Number(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))).toPrecision(3));
}

/** Rounds a gradient boosting trial may run in a fold (its learning rates need a few hundred). */
export const MAX_BOOSTING_ROUNDS = 1000;

/**
 * The gradient boosting's search space. `make` must build a model without early stopping: each trial's
 * maxIter is the round count its cross-validation chose (selection/boosting-rounds.ts), and the final
 * model is refitted on all training rows with exactly that many rounds.
 */
export function gradientBoostingSpace(defaults: TrialParams, make: (p: TrialParams) => HistGradientBoostingClassifier): Tunable {
  return {
    defaults,
    make,
    evaluate: async (validator, params) => {
      const r = await cvRounds(validator, (maxIter) => make({ ...params, maxIter }), { maxRounds: MAX_BOOSTING_ROUNDS });
      return { cv: r.cv, params: { ...params, maxIter: r.rounds } };
    },
    // Shallow and regularised, medium, deep and conservative: the corners tuned boosting usually lands
    // near on tabular data (cf. AutoGluon's portfolios), so a short budget still covers them.
    portfolio: [
      { learningRate: 0.05, maxLeafNodes: 7, minSamplesLeaf: 40, l2Regularization: 10, maxFeatures: 0.5 },
      { learningRate: 0.1, maxLeafNodes: 15, minSamplesLeaf: 80, l2Regularization: 1, maxFeatures: 0.8 },
      { learningRate: 0.03, maxLeafNodes: 63, minSamplesLeaf: 160, l2Regularization: 1, maxFeatures: 0.5 },
    ],
    sample: (rs) => ({
      learningRate: logUniform(rs, 0.02, 0.2),
      maxLeafNodes: pick(rs, [7, 15, 31, 63]),
      minSamplesLeaf: pick(rs, [10, 20, 40, 80, 160]),
      l2Regularization: pick(rs, [0, 0.1, 1, 10]),
      maxFeatures: pick(rs, [0.5, 0.8, 1]),
    }),
  };
}

export async function randomSearch(validator: CrossValidator, tunable: Tunable, o: SearchOptions): Promise<SearchResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const rs = new RandomState(o.seed ?? 42);
  const maxTrials = o.maxTrials ?? 60;
  const trials: Trial[] = [];
  let stopped: SearchResult['stopped'] = 'trials';
  let longest = 0;
  for (let t = 0; t < maxTrials; t++) {
    // Trial 0 always runs; later ones only while the budget has room for another as long as the longest.
    if (t > 0) {
      if (elapsed() + longest > o.budgetSeconds) {
        stopped = 'budget';
        break;
      }
    }
    o.onTrial?.(t, elapsed());
    const portfolio = tunable.portfolio ?? [];
    const params = t === 0 ? tunable.defaults : t <= portfolio.length ? portfolio[t - 1]! : tunable.sample(rs);
    const trialStart = elapsed();
    const scored = tunable.evaluate ? await tunable.evaluate(validator, params) : { params, cv: await validator.evaluate(tunable.make(params), `trial ${t}`) };
    trials.push({ ...scored, started: trialStart });
    longest = Math.max(longest, elapsed() - trialStart);
  }
  const score = (x: Trial) => (Number.isNaN(x.cv.mean) ? -Infinity : x.cv.mean);
  const best = trials.reduce((a, b) => (score(b) > score(a) ? b : a));
  return { best, trials, seconds: elapsed(), stopped };
}
