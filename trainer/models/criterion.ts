/**
 * Node impurity for two classes, written exactly as scikit-learn's Gini / Entropy criteria compute it
 * (same operation order), so split choices and thresholds match bit for bit on integer weights.
 */
export type Criterion = 'gini' | 'entropy' | 'log_loss';

const LN2 = Math.log(2);

/** Impurity of a node holding class weights w0, w1 with total weight w. */
export function impurityOf(criterion: Criterion, w0: number, w1: number, w: number): number {
  if (criterion === 'gini') return 1.0 - (w0 * w0 + w1 * w1) / (w * w);
  // sklearn's `log` is ln(x) / ln(2); log_loss is an alias of entropy.
  let e = 0.0;
  if (w0 > 0.0) {
    const p = w0 / w;
    e -= p * (Math.log(p) / LN2);
  }
  if (w1 > 0.0) {
    const p = w1 / w;
    e -= p * (Math.log(p) / LN2);
  }
  return e;
}
