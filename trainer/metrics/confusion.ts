/**
 * Threshold metrics for a binary classifier, with scikit-learn's conventions: labels are 0/1 with 1 the
 * positive class, and a ratio whose denominator is zero is 0 (sklearn's zero_division default, minus
 * the warning).
 */

export interface ConfusionMatrix {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`inputs have different lengths (${a.length} vs ${b.length})`);
  if (a.length === 0) throw new RangeError('inputs are empty');
}

/** Counts; sklearn's confusion_matrix(y_true, y_pred).ravel() gives them in the order tn, fp, fn, tp. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): ConfusionMatrix {
  checkLengths(yTrue, yPred);
  const m = { tn: 0, fp: 0, fn: 0, tp: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] === 1;
    const p = yPred[i] === 1;
    if (t && p) m.tp++;
    else if (t) m.fn++;
    else if (p) m.fp++;
    else m.tn++;
  }
  return m;
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

export function accuracyFrom(m: ConfusionMatrix): number {
  return (m.tp + m.tn) / (m.tp + m.tn + m.fp + m.fn);
}
export function precisionFrom(m: ConfusionMatrix): number {
  return ratio(m.tp, m.tp + m.fp);
}
export function recallFrom(m: ConfusionMatrix): number {
  return ratio(m.tp, m.tp + m.fn);
}
/** 2·TP / (2·TP + FP + FN), the form sklearn uses (no 0/0 from precision + recall = 0). */
export function f1From(m: ConfusionMatrix): number {
  return ratio(2 * m.tp, 2 * m.tp + m.fp + m.fn);
}

export const accuracy = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => accuracyFrom(confusionMatrix(yTrue, yPred));
export const precision = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => precisionFrom(confusionMatrix(yTrue, yPred));
export const recall = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => recallFrom(confusionMatrix(yTrue, yPred));
export const f1 = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number => f1From(confusionMatrix(yTrue, yPred));
