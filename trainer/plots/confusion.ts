/** Confusion matrix image: a 2 × 2 heat map with counts and row percentages. */
import type { ConfusionMatrix } from '../metrics/confusion.js';
import type { Rgb } from './canvas.js';
import { Canvas } from './canvas.js';
import { INK } from './chart.js';

export interface ConfusionPlotOptions {
  title?: string;
  /** Names of the negative and positive class, e.g. ["No churn", "Churn"]. */
  labels?: [string, string];
}

/** White → matplotlib's "Blues" dark end. */
function blues(t: number): Rgb {
  const lo: Rgb = [247, 251, 255];
  const hi: Rgb = [8, 48, 107];
  return [0, 1, 2].map((c) => Math.round(lo[c]! + (hi[c]! - lo[c]!) * t)) as unknown as Rgb;
}

export function confusionMatrixPng(m: ConfusionMatrix, o: ConfusionPlotOptions = {}): Buffer {
  const labels = o.labels ?? ['0', '1'];
  const W = 520;
  const H = 500;
  const c = new Canvas(W, H);
  c.text(o.title ?? 'Confusion matrix', W / 2, 16, { font: 'bold', align: 'center', baseline: 'top', color: INK });
  const cell = 170;
  const left = 120;
  const top = 70;
  const grid = [
    [m.tn, m.fp],
    [m.fn, m.tp],
  ];
  const max = Math.max(1, m.tn, m.fp, m.fn, m.tp);
  for (let r = 0; r < 2; r++) {
    const rowTotal = grid[r]![0]! + grid[r]![1]!;
    for (let k = 0; k < 2; k++) {
      const v = grid[r]![k]!;
      const t = v / max;
      const x = left + k * cell;
      const y = top + r * cell;
      c.fillRect(x, y, cell, cell, blues(0.1 + 0.9 * t));
      const ink: Rgb = t > 0.5 ? [255, 255, 255] : INK;
      c.text(String(v), x + cell / 2, y + cell / 2 - 4, { font: 'bold', align: 'center', baseline: 'bottom', color: ink });
      const share = rowTotal === 0 ? 0 : (100 * v) / rowTotal;
      c.text(`${share.toFixed(1)}% of row`, x + cell / 2, y + cell / 2 + 6, { font: 'small', align: 'center', baseline: 'top', color: ink });
    }
  }
  // Cell borders.
  for (let i = 0; i <= 2; i++) {
    c.fillRect(left + i * cell, top, 1, 2 * cell, [255, 255, 255]);
    c.fillRect(left, top + i * cell, 2 * cell, 1, [255, 255, 255]);
  }
  for (let k = 0; k < 2; k++) {
    c.text(labels[k]!, left + k * cell + cell / 2, top + 2 * cell + 10, { align: 'center', baseline: 'top', color: INK });
    c.text(labels[k]!, left - 10, top + k * cell + cell / 2, { align: 'right', baseline: 'middle', color: INK });
  }
  c.text('Predicted label', left + cell, top + 2 * cell + 40, { align: 'center', baseline: 'top', color: INK });
  c.text('True label', 18, top + cell, { vertical: true, align: 'left', baseline: 'middle', color: INK });
  const n = m.tn + m.fp + m.fn + m.tp;
  const acc = n === 0 ? 0 : (m.tn + m.tp) / n;
  c.text(`n = ${n}, accuracy = ${acc.toFixed(3)}`, W / 2, H - 14, { font: 'small', align: 'center', baseline: 'bottom', color: INK });
  return c.toPng();
}
