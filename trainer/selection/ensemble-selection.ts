// Voting weights for an ensemble of already cross-validated models, from their validation-fold
// probabilities alone (no refit): Caruana et al.'s ensemble selection (ICML 2004), as AutoGluon uses it
// — start empty, add (with replacement) the member that most raises the mean fold ROC AUC of the summed
// probabilities, a fixed number of times; a member's weight is how often it was added. Integer weights
// keep the logged `weights` param readable ([0, 9, 3, 8]) and a weak member drops out at 0.
//
// The ensemble's own CV score must not see the fold it scores: fold f is scored with weights chosen on
// the other folds only, as any candidate's fold f is scored by a model that never saw it. The weights of
// the final ensemble are chosen on all folds.
import { rocAuc, UndefinedMetricError } from '../metrics/index.js';
import type { CrossValidator, CvResult } from './cv.js';

/** Additions: weights in steps of 1/20, enough to separate members whose AUCs differ in the 4th digit. */
export const SELECTION_ROUNDS = 20;

function aucOrNaN(y: Uint8Array, score: Float64Array): number {
  try {
    return rocAuc(y, score);
  } catch (e) {
    if (e instanceof UndefinedMetricError) return NaN;
    throw e;
  }
}

/**
 * Integer weights for `proba[member][fold]`, chosen on the folds listed in `folds` (labels
 * `labels[fold]`). Ties go to the earlier member, so the result is deterministic.
 */
export function selectWeights(proba: Float64Array[][], labels: Uint8Array[], folds: readonly number[], rounds = SELECTION_ROUNDS): number[] {
  const weights = new Array<number>(proba.length).fill(0);
  const sums = folds.map((f) => new Float64Array(labels[f]!.length));
  const candidate = folds.map((f) => new Float64Array(labels[f]!.length));
  for (let r = 0; r < rounds; r++) {
    let best = 0;
    let bestScore = -Infinity;
    proba.forEach((member, m) => {
      let total = 0;
      let n = 0;
      folds.forEach((f, j) => {
        const s = candidate[j]!;
        for (let i = 0; i < s.length; i++) s[i] = sums[j]![i]! + member[f]![i]!;
        const auc = aucOrNaN(labels[f]!, s);
        if (!Number.isNaN(auc)) {
          total += auc;
          n++;
        }
      });
      const score = n > 0 ? total / n : -Infinity;
      if (score > bestScore) {
        bestScore = score;
        best = m;
      }
    });
    weights[best] = weights[best]! + 1;
    folds.forEach((f, j) => {
      const s = sums[j]!;
      for (let i = 0; i < s.length; i++) s[i] = s[i]! + proba[best]![f]![i]!;
    });
  }
  return weights;
}

export interface EnsembleSelection {
  /** The weights of the final ensemble (chosen on all folds). */
  weights: number[];
  /** Each fold scored with weights chosen on the other folds. */
  cv: CvResult;
}

/** Ensemble selection over `memberProba` (each member's validation-fold probabilities from `validator`). */
export function ensembleSelection(validator: CrossValidator, memberProba: Float64Array[][]): EnsembleSelection {
  const started = performance.now();
  const folds = Array.from({ length: validator.folds }, (_, f) => f);
  const labels = folds.map((f) => validator.fold(f).valid.y);
  const blended = folds.map((f) => {
    const w = selectWeights(memberProba, labels, folds.filter((g) => g !== f));
    const sum = w.reduce((s, v) => s + v, 0);
    const out = new Float64Array(labels[f]!.length);
    memberProba.forEach((member, m) => {
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + (w[m]! / sum) * member[f]![i]!;
    });
    return out;
  });
  const weights = selectWeights(memberProba, labels, folds);
  return { weights, cv: validator.result(validator.foldAuc(blended), (performance.now() - started) / 1000) };
}
