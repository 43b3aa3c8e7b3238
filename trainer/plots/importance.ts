/** Top-N feature importances as a horizontal bar chart, largest on top. */
import { Canvas } from './canvas.js';
import { formatTick, GRID, INK, niceTicksCovering, PALETTE } from './chart.js';
import { textWidth } from './text.js';

export interface ImportancePlotOptions {
  title?: string;
  topN?: number;
  width?: number;
}

export function featureImportancePng(names: readonly string[], importances: ArrayLike<number>, o: ImportancePlotOptions = {}): Buffer {
  if (names.length !== importances.length) throw new RangeError('one importance per feature name is needed');
  const topN = Math.min(o.topN ?? 20, names.length);
  const order = Array.from({ length: names.length }, (_, j) => j)
    .sort((a, b) => importances[b]! - importances[a]! || a - b)
    .slice(0, topN);
  const W = o.width ?? 760;
  const rowH = 22;
  const top = 56;
  const labelW = Math.max(60, ...order.map((j) => textWidth(names[j]!, 'small'))) + 16;
  const left = labelW + 8;
  const right = 70;
  const plotW = W - left - right;
  const H = top + rowH * topN + 64;
  const c = new Canvas(W, H);
  c.text(o.title ?? `Top ${topN} feature importances`, W / 2, 16, { font: 'bold', align: 'center', baseline: 'top', color: INK });
  const max = Math.max(1e-12, ...order.map((j) => importances[j]!));
  const ticks = niceTicksCovering(0, max, 5);
  const xMax = Math.max(max, ticks[ticks.length - 1]!);
  const plotH = rowH * topN;
  for (const t of ticks) {
    const x = left + (t / xMax) * plotW;
    c.fillRect(Math.round(x), top, 1, plotH, GRID);
    c.text(formatTick(t, ticks), x, top + plotH + 8, { font: 'small', align: 'center', baseline: 'top', color: INK });
  }
  order.forEach((j, k) => {
    const v = importances[j]!;
    const y = top + k * rowH;
    c.fillRect(left, y + 4, Math.max(1, (v / xMax) * plotW), rowH - 8, PALETTE[0]!);
    c.text(names[j]!, left - 8, y + rowH / 2, { font: 'small', align: 'right', baseline: 'middle', color: INK });
    c.text(v.toFixed(3), left + (v / xMax) * plotW + 6, y + rowH / 2, { font: 'small', baseline: 'middle', color: INK });
  });
  c.fillRect(left, top, 1, plotH, INK);
  c.fillRect(left, top + plotH, plotW, 1, INK);
  c.text('Importance (mean decrease in impurity, normalised)', left + plotW / 2, H - 12, { align: 'center', baseline: 'bottom', color: INK });
  return c.toPng();
}
