// Model selection on the training rows only: k-fold cross-validation, so the test rows are used once,
// for the final report of the model already chosen (choosing on them would make its test AUC biased).
//
// Folds are stratified (each fold keeps the churn rate) or, when the train/test split is grouped by a
// column, grouped by that column too (a customer's rows share a fold, so validation does not leak what
// the test split was built to keep apart). Scores are each fold's ROC AUC; a model's CV score is their mean.
//
// Fitted members are reused: an ensemble's fold probabilities are the weighted mean of its members'
// (VotingEnsemble fits each member on its own), and members with the same kind and params as another
// candidate are fitted once per fold. So cross-validating the default dt, rf, ensemble costs the folds of
// dt, rf and one logistic regression.
import type { Dataset } from '../data/index.js';
import { takeRows } from '../data/index.js';
import { RandomState } from '../data/random.js';
import { rocAuc, UndefinedMetricError } from '../metrics/index.js';
import type { Classifier } from '../models/index.js';
import { VotingEnsemble } from '../models/index.js';

export const DEFAULT_CV_FOLDS = 5;

/** Fold number of every row: stratified round-robin over each class's shuffled rows. */
export function stratifiedFolds(y: Uint8Array, k: number, seed: number): Int32Array {
  const fold = new Int32Array(y.length);
  const rs = new RandomState(seed);
  let offset = 0;
  for (const label of [0, 1]) {
    const rows = Int32Array.from(Array.from(y.keys()).filter((i) => y[i] === label));
    rs.shuffle(rows);
    rows.forEach((row, j) => (fold[row] = (offset + j) % k));
    // The next class continues the rotation, so fold sizes differ by at most one row overall.
    offset = (offset + rows.length) % k;
  }
  return fold;
}

/** Fold number of every row with each group in one fold: largest groups first into the smallest fold. */
export function groupFolds(groups: readonly (string | null)[], k: number): Int32Array {
  const sizes = new Map<string, number>();
  for (const g of groups) sizes.set(g ?? '', (sizes.get(g ?? '') ?? 0) + 1);
  if (sizes.size < k) throw new RangeError(`cannot make ${k} grouped folds from ${sizes.size} groups`);
  // scikit-learn's GroupKFold: groups by decreasing size (ties by name), each to the lightest fold.
  const order = [...sizes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const load = new Array<number>(k).fill(0);
  const foldOf = new Map<string, number>();
  for (const [g, n] of order) {
    let best = 0;
    for (let f = 1; f < k; f++) if (load[f]! < load[best]!) best = f;
    foldOf.set(g, best);
    load[best] = load[best]! + n;
  }
  return Int32Array.from(groups, (g) => foldOf.get(g ?? '')!);
}

export interface CvResult {
  folds: number;
  /** ROC AUC of each validation fold (NaN where a fold has one class). */
  foldAuc: number[];
  mean: number;
  std: number;
  /** Wall time spent on this candidate's fold fits (0 when everything was reused). */
  seconds: number;
}

export interface FoldEvents {
  /** A fold fit of `what` is done (for progress bars). */
  onFold?(what: string, fold: number, folds: number): void;
}

/** Fits with the same kind and params give the same fold probabilities (fits are seeded). */
function cacheKey(model: Classifier): string {
  return `${model.kind}:${JSON.stringify(model.params())}`;
}

function meanStd(values: number[]): { mean: number; std: number } {
  const ok = values.filter((v) => !Number.isNaN(v));
  if (ok.length === 0) return { mean: NaN, std: NaN };
  const mean = ok.reduce((s, v) => s + v, 0) / ok.length;
  const std = Math.sqrt(ok.reduce((s, v) => s + (v - mean) ** 2, 0) / ok.length);
  return { mean, std };
}

/** Cross-validates classifiers on one dataset with one fold assignment, sharing fits between them. */
export class CrossValidator {
  readonly folds: number;
  private readonly parts: { train: Dataset; valid: Dataset }[] = [];
  private readonly cache = new Map<string, Float64Array[]>();

  constructor(
    readonly data: Dataset,
    readonly assignment: Int32Array,
    private readonly events: FoldEvents = {},
  ) {
    this.folds = Math.max(...assignment) + 1;
    for (let f = 0; f < this.folds; f++) {
      const train: number[] = [];
      const valid: number[] = [];
      assignment.forEach((a, i) => (a === f ? valid : train).push(i));
      this.parts.push({ train: takeRows(data, train), valid: takeRows(data, valid) });
    }
  }

  /** Fold `f`'s training and validation rows. */
  fold(f: number): { train: Dataset; valid: Dataset } {
    return this.parts[f]!;
  }

  /**
   * Records validation-fold probabilities computed elsewhere (e.g. by a fit that scored every boosting
   * round) as those of `model`, so an ensemble with that member reuses them instead of refitting.
   */
  remember(model: Classifier, proba: Float64Array[]): void {
    if (proba.length !== this.folds) throw new RangeError(`${proba.length} fold probabilities for ${this.folds} folds`);
    this.cache.set(cacheKey(model), proba);
  }

  /** ROC AUC of each fold's probabilities (NaN where the fold has one class). */
  foldAuc(proba: Float64Array[]): number[] {
    return proba.map((p, f) => {
      try {
        return rocAuc(this.parts[f]!.valid.y, p);
      } catch (e) {
        if (e instanceof UndefinedMetricError) return NaN;
        throw e;
      }
    });
  }

  /** Tells the listeners a fold fit of `what` made elsewhere (boosting-rounds.ts) is done. */
  foldDone(what: string, fold: number): void {
    this.events.onFold?.(what, fold, this.folds);
  }

  /** A CvResult from fold scores. */
  result(foldAuc: number[], seconds: number): CvResult {
    return { folds: this.folds, foldAuc, ...meanStd(foldAuc), seconds };
  }

  /** Validation-fold probabilities of `model` (fitted here, fold by fold; the instance ends up fitted on the last fold). */
  async foldProba(model: Classifier, label: string = model.kind): Promise<Float64Array[]> {
    if (model instanceof VotingEnsemble) {
      const sum = model.weights === null ? model.members.length : model.weights.reduce((s, w) => s + w, 0);
      const w = (model.weights ?? model.members.map(() => 1)).map((v) => v / sum);
      const members: Float64Array[][] = [];
      for (const m of model.members) members.push(await this.foldProba(m.model, `${label}/${m.name}`));
      // The same sum in the same order as VotingEnsemble.predictProba.
      return this.parts.map((p, f) => {
        const out = new Float64Array(p.valid.nRows);
        members.forEach((mp, k) => {
          for (let i = 0; i < out.length; i++) out[i] = out[i]! + w[k]! * mp[f]![i]!;
        });
        return out;
      });
    }
    const key = cacheKey(model);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const out: Float64Array[] = [];
    for (let f = 0; f < this.folds; f++) {
      const { train, valid } = this.parts[f]!;
      await model.fit(train, train.y);
      out.push(model.predictProba(valid));
      this.events.onFold?.(label, f, this.folds);
    }
    this.cache.set(key, out);
    return out;
  }

  async evaluate(model: Classifier, label?: string): Promise<CvResult> {
    const started = performance.now();
    const proba = await this.foldProba(model, label);
    return this.result(this.foldAuc(proba), (performance.now() - started) / 1000);
  }
}
