/**
 * ROC and precision-recall curves, point for point as scikit-learn 1.9 computes them
 * (`_binary_clf_curve`, `roc_curve`, `precision_recall_curve`), so plots and AUCs agree with sklearn's.
 */

export interface ClfCurve {
  /** Cumulative false / true positives when predicting positive for score >= thresholds[k]. */
  fps: number[];
  tps: number[];
  /** Distinct scores, decreasing. */
  thresholds: number[];
}

/** Sorts by score (decreasing) and counts FP/TP at each distinct score. Ties move together. */
export function binaryClfCurve(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): ClfCurve {
  const n = yTrue.length;
  if (n !== yScore.length) throw new RangeError(`inputs have different lengths (${n} vs ${yScore.length})`);
  if (n === 0) throw new RangeError('inputs are empty');
  for (let i = 0; i < n; i++) if (Number.isNaN(yScore[i])) throw new RangeError('scores contain NaN');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => yScore[b]! - yScore[a]! || a - b);
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (yTrue[i] === 1) tp++;
    const last = k === n - 1 || yScore[order[k + 1]!] !== yScore[i];
    if (!last) continue;
    tps.push(tp);
    fps.push(k + 1 - tp);
    thresholds.push(yScore[i]!);
  }
  return { fps, tps, thresholds };
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** thresholds[0] is Infinity: the (0, 0) point where nothing is predicted positive. */
  thresholds: number[];
}

/**
 * roc_curve(drop_intermediate=True): collinear points are dropped (they do not change the area), and
 * the curve starts at (0, 0). FPR (TPR) is NaN when there are no negatives (positives), as in sklearn.
 */
export function rocCurve(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, dropIntermediate = true): RocCurve {
  let { fps, tps, thresholds } = binaryClfCurve(yTrue, yScore);
  if (dropIntermediate && fps.length > 2) {
    const keep: number[] = [0];
    for (let k = 1; k < fps.length - 1; k++) {
      const bendF = fps[k + 1]! - 2 * fps[k]! + fps[k - 1]!;
      const bendT = tps[k + 1]! - 2 * tps[k]! + tps[k - 1]!;
      if (bendF !== 0 || bendT !== 0) keep.push(k);
    }
    keep.push(fps.length - 1);
    fps = keep.map((k) => fps[k]!);
    tps = keep.map((k) => tps[k]!);
    thresholds = keep.map((k) => thresholds[k]!);
  }
  fps = [0, ...fps];
  tps = [0, ...tps];
  const nNeg = fps[fps.length - 1]!;
  const nPos = tps[tps.length - 1]!;
  return {
    fpr: fps.map((f) => (nNeg > 0 ? f / nNeg : NaN)),
    tpr: tps.map((t) => (nPos > 0 ? t / nPos : NaN)),
    thresholds: [Infinity, ...thresholds],
  };
}

export interface PrCurve {
  /** Decreasing recall order; the last point is (recall 0, precision 1) and has no threshold. */
  precision: number[];
  recall: number[];
  /** Increasing; one fewer than precision/recall. */
  thresholds: number[];
}

/** precision_recall_curve(drop_intermediate=False). Recall is 1 everywhere when there are no positives. */
export function precisionRecallCurve(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): PrCurve {
  const { fps, tps, thresholds } = binaryClfCurve(yTrue, yScore);
  const nPos = tps[tps.length - 1]!;
  const precision = tps.map((t, k) => (t + fps[k]! === 0 ? 0 : t / (t + fps[k]!)));
  const recall = tps.map((t) => (nPos === 0 ? 1 : t / nPos));
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: thresholds.reverse(),
  };
}

/** Area under a curve by the trapezoidal rule (sklearn's `auc`), x monotonic. */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let k = 1; k < x.length; k++) area += ((x[k]! - x[k - 1]!) * (y[k]! + y[k - 1]!)) / 2;
  return area;
}
