/** ROC and precision-recall curve images. */
import type { Rgb } from './canvas.js';
import type { LegendItem } from './chart.js';
import { drawAxes, drawLegend, MUTED, PALETTE, toPx } from './chart.js';

export interface RocSeries {
  label: string;
  fpr: readonly number[];
  tpr: readonly number[];
  auc: number;
}

export interface PrSeries {
  label: string;
  recall: readonly number[];
  precision: readonly number[];
  /** Average precision. */
  ap: number;
}

export interface PlotSize {
  width?: number;
  height?: number;
  title?: string;
}

/** ROC curves of one or more models with the chance diagonal; the first curve's area is shaded. */
export function rocCurvePng(series: readonly RocSeries[], o: PlotSize = {}): Buffer {
  const f = drawAxes({
    width: o.width ?? 640,
    height: o.height ?? 560,
    title: o.title ?? 'ROC curve',
    xLabel: 'False positive rate',
    yLabel: 'True positive rate',
    xRange: [0, 1],
    yRange: [0, 1],
  });
  const chance: Rgb = MUTED;
  f.canvas.strokePolyline([toPx(f, 0, 0), toPx(f, 1, 1)], 1.2, chance, [6, 5]);
  const legend: LegendItem[] = [];
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const pts = s.fpr.map((x, i) => toPx(f, x, s.tpr[i]!));
    if (k === 0 && series.length === 1) f.canvas.fillPolygon([...pts, toPx(f, 1, 0), toPx(f, 0, 0)], color, 0.12);
    f.canvas.strokePolyline(pts, 2.2, color);
    legend.push({ label: `${s.label} (AUC = ${s.auc.toFixed(3)})`, color });
  });
  legend.push({ label: 'Chance (AUC = 0.500)', color: chance, dash: [6, 5] });
  drawLegend(f, legend, 'lower-right');
  return f.canvas.toPng();
}

/** Precision-recall curves (step interpolation, as sklearn's PrecisionRecallDisplay) and the base rate. */
export function prCurvePng(series: readonly PrSeries[], positiveRate: number, o: PlotSize = {}): Buffer {
  const f = drawAxes({
    width: o.width ?? 640,
    height: o.height ?? 560,
    title: o.title ?? 'Precision-recall curve',
    xLabel: 'Recall',
    yLabel: 'Precision',
    xRange: [0, 1],
    yRange: [0, 1.03],
    yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1],
  });
  f.canvas.strokePolyline([toPx(f, 0, positiveRate), toPx(f, 1, positiveRate)], 1.2, MUTED, [6, 5]);
  const legend: LegendItem[] = [];
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    // Recall decreases along the arrays; draw a post-step so each precision holds until recall changes.
    const pts: [number, number][] = [];
    for (let i = 0; i < s.recall.length; i++) {
      if (i > 0) pts.push(toPx(f, s.recall[i]!, s.precision[i - 1]!) as [number, number]);
      pts.push(toPx(f, s.recall[i]!, s.precision[i]!) as [number, number]);
    }
    f.canvas.strokePolyline(pts, 2.2, color);
    legend.push({ label: `${s.label} (AP = ${s.ap.toFixed(3)})`, color });
  });
  legend.push({ label: `Base rate (${positiveRate.toFixed(3)})`, color: MUTED, dash: [6, 5] });
  drawLegend(f, legend, 'lower-left');
  return f.canvas.toPng();
}
