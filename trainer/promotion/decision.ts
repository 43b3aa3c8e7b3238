// Champion/challenger: whether a newly registered version takes over `@production`. Pure, so the rule
// is testable apart from the registry calls around it.

export type Outcome = 'first' | 'promoted' | 'kept' | 'unscored';

export interface ProductionScore {
  version: string;
  /** The production model's score on the same test rows, or why it could not be scored. */
  score?: number;
  error?: string;
}

export interface PromotionInput {
  challengerScore: number;
  /** null when no version holds `@production` yet. */
  production: ProductionScore | null;
  /** The challenger must beat production by at least this much (and by more than nothing). */
  minImprovement: number;
}

export interface Decision {
  promote: boolean;
  outcome: Outcome;
  /** Signed challenger − production score, when both exist. */
  delta?: number;
  reason: string;
}

const f = (x: number): string => x.toFixed(4);

export function decidePromotion(input: PromotionInput): Decision {
  const { challengerScore: c, production, minImprovement: min } = input;
  if (production === null) {
    return { promote: true, outcome: 'first', reason: 'no version holds @production yet: the first registered model becomes production' };
  }
  // Never move production on a comparison that did not happen: a model we cannot score (another
  // flavor, features this table lacks, a broken download) stays until someone moves the alias by hand.
  if (production.error !== undefined || production.score === undefined) {
    return { promote: false, outcome: 'unscored', reason: `could not score @production (version ${production.version}): ${production.error ?? 'no score'}` };
  }
  const p = production.score;
  if (Number.isNaN(c) || Number.isNaN(p)) {
    return { promote: false, outcome: 'unscored', reason: 'test ROC AUC is undefined (the test split has a single class)' };
  }
  const delta = c - p;
  const vs = `test ROC AUC ${f(c)} vs ${f(p)} for version ${production.version} (${delta >= 0 ? '+' : ''}${f(delta)})`;
  // "Better by min" means delta ≥ min; with min = 0 a tie is not better, so a retrain that changes
  // nothing does not churn the alias.
  if (delta > 0 && delta >= min) return { promote: true, outcome: 'promoted', delta, reason: `${vs}, at least the required ${f(min)}` };
  const why = delta <= 0 ? 'not better' : `less than the required ${f(min)}`;
  return { promote: false, outcome: 'kept', delta, reason: `${vs}: ${why}` };
}
