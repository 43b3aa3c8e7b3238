import { describe, expect, it } from 'vitest';
import {
  accuracy,
  averagePrecision,
  binaryClfCurve,
  confusionMatrix,
  evaluateBinary,
  f1,
  logLoss,
  precision,
  precisionRecallCurve,
  recall,
  reportMetrics,
  rocAuc,
  rocCurve,
  UndefinedMetricError,
} from '../../../trainer/metrics/index.js';

describe('threshold metrics (hand-computed)', () => {
  // y    = 1 1 1 0 0 0 1 0
  // pred = 1 0 1 1 0 0 1 0  → TP=3 (0,2,6), FN=1 (1), FP=1 (3), TN=3 (4,5,7)
  const y = [1, 1, 1, 0, 0, 0, 1, 0];
  const pred = [1, 0, 1, 1, 0, 0, 1, 0];

  it('confusion matrix', () => {
    expect(confusionMatrix(y, pred)).toEqual({ tn: 3, fp: 1, fn: 1, tp: 3 });
  });

  it('accuracy 6/8, precision 3/4, recall 3/4, f1 = 2·3/(2·3+1+1) = 0.75', () => {
    expect(accuracy(y, pred)).toBe(0.75);
    expect(precision(y, pred)).toBe(0.75);
    expect(recall(y, pred)).toBe(0.75);
    expect(f1(y, pred)).toBe(0.75);
  });

  it('asymmetric case: TP=1 FP=2 FN=1 → precision 1/3, recall 1/2, f1 2/5', () => {
    const yy = [1, 1, 0, 0, 0];
    const pp = [1, 0, 1, 1, 0];
    expect(precision(yy, pp)).toBeCloseTo(1 / 3, 15);
    expect(recall(yy, pp)).toBe(0.5);
    expect(f1(yy, pp)).toBe(0.4);
  });

  it('zero denominators give 0, as sklearn’s zero_division default', () => {
    expect(precision([1, 0], [0, 0])).toBe(0);
    expect(recall([0, 0], [1, 0])).toBe(0);
    expect(f1([0, 0], [0, 0])).toBe(0);
  });

  it('rejects mismatched or empty inputs', () => {
    expect(() => accuracy([1], [1, 0])).toThrow(RangeError);
    expect(() => accuracy([], [])).toThrow(RangeError);
  });
});

describe('ROC', () => {
  it('AUC of a perfect, a reversed and a constant scorer', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])).toBe(0);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('counts a tied positive/negative pair as half (Mann-Whitney)', () => {
    // Pairs (pos, neg): (0.8, 0.1) win, (0.8, 0.4) win, (0.4, 0.1) win, (0.4, 0.4) tie → 3.5 / 4.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.4, 0.8])).toBe(0.875);
  });

  it('needs both classes', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(UndefinedMetricError);
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow('Only one class present in y_true. ROC AUC score is not defined in that case.');
  });

  it('curve points: ties move together, collinear points dropped, starts at (0, 0) with threshold inf', () => {
    // scores desc: 0.9(1) 0.7(0) 0.7(1) 0.2(0): thresholds 0.9, 0.7, 0.2 → (fp, tp) = (0,1), (1,2), (2,2)
    expect(binaryClfCurve([1, 0, 1, 0], [0.9, 0.7, 0.7, 0.2])).toEqual({ fps: [0, 1, 2], tps: [1, 2, 2], thresholds: [0.9, 0.7, 0.2] });
    expect(rocCurve([1, 0, 1, 0], [0.9, 0.7, 0.7, 0.2])).toEqual({
      fpr: [0, 0, 0.5, 1],
      tpr: [0, 0.5, 1, 1],
      thresholds: [Infinity, 0.9, 0.7, 0.2],
    });
    // (fp, tp) = (0,1) (1,1) (2,1) (3,1) lie on one line: the two inner points are dropped.
    expect(rocCurve([1, 0, 0, 0], [0.9, 0.5, 0.4, 0.3]).thresholds).toEqual([Infinity, 0.9, 0.3]);
    expect(rocCurve([1, 0, 0, 0], [0.9, 0.5, 0.4, 0.3], false).thresholds).toEqual([Infinity, 0.9, 0.5, 0.4, 0.3]);
  });
});

describe('precision-recall', () => {
  it('average precision by hand: Σ ΔR·P', () => {
    // desc scores: 0.9(1) 0.8(0) 0.7(1) 0.1(0): at 0.9 P=1 R=.5; at 0.8 P=.5 R=.5; at 0.7 P=2/3 R=1
    // AP = 0.5·1 + 0·0.5 + 0.5·(2/3) = 5/6
    expect(averagePrecision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])).toBeCloseTo(5 / 6, 15);
  });

  it('curve ends at (recall 0, precision 1) and thresholds increase', () => {
    const c = precisionRecallCurve([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]);
    expect(c.precision).toEqual([0.5, 2 / 3, 0.5, 1, 1]);
    expect(c.recall).toEqual([1, 1, 0.5, 0.5, 0]);
    expect(c.thresholds).toEqual([0.1, 0.7, 0.8, 0.9]);
  });
});

describe('log loss', () => {
  it('by hand: −(ln 0.8 + ln 0.6) / 2', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 15);
  });

  it('clips to [eps, 1 − eps] like sklearn (a confident miss costs −ln(eps) ≈ 36.04)', () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(Number.EPSILON), 12);
    // sklearn: log_loss([0, 1, 1], [0.0, 1.0, 0.0]) = 12.014551129705717
    expect(logLoss([0, 1, 1], [0, 1, 0])).toBeCloseTo(12.014551129705717, 10);
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => logLoss([1], [1.2])).toThrow(RangeError);
  });
});

describe('cross-check with scikit-learn 1.9 on a small array with ties', () => {
  const y = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0];
  const s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.4, 0.2, 0.65, 0.7];

  it('roc_auc_score, average_precision_score, log_loss', () => {
    expect(rocAuc(y, s)).toBeCloseTo(0.76, 14);
    expect(averagePrecision(y, s)).toBeCloseTo(0.7892857142857144, 14);
    expect(logLoss(y, s)).toBeCloseTo(0.5279527958267277, 14);
  });

  it('roc_curve and precision_recall_curve points', () => {
    const r = rocCurve(y, s);
    expect(r.fpr).toEqual([0.0, 0.0, 0.0, 0.2, 0.2, 0.6, 0.6, 1.0]);
    expect(r.tpr).toEqual([0.0, 0.2, 0.4, 0.4, 0.6, 0.8, 1.0, 1.0]);
    expect(r.thresholds).toEqual([Infinity, 0.9, 0.8, 0.7, 0.65, 0.4, 0.35, 0.1]);
    const pr = precisionRecallCurve(y, s);
    [0.5, 0.5555555555555556, 0.625, 0.5714285714285714, 0.75, 0.6666666666666666, 1.0, 1.0, 1.0].forEach((v, k) =>
      expect(pr.precision[k]).toBeCloseTo(v, 15),
    );
    expect(pr.recall).toEqual([1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.4, 0.2, 0.0]);
    expect(pr.thresholds).toEqual([0.1, 0.2, 0.35, 0.4, 0.65, 0.7, 0.8, 0.9]);
  });
});

describe('evaluateBinary', () => {
  it('collects every metric and names them for MLflow', () => {
    const r = evaluateBinary([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]);
    expect(r.confusion).toEqual({ tn: 1, fp: 1, fn: 0, tp: 2 });
    expect(r.accuracy).toBe(0.75);
    expect(r.rocAuc).toBe(0.75);
    const m = reportMetrics(r, 'test');
    expect(Object.keys(m).sort()).toEqual(['acc_test', 'auc_test', 'f1_test', 'log_loss_test', 'pr_auc_test', 'precision_test', 'recall_test']);
  });

  it('reports an undefined AUC as NaN instead of failing', () => {
    expect(evaluateBinary([1, 1], [0.6, 0.7]).rocAuc).toBeNaN();
  });
});
