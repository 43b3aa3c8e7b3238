/** Shared chart furniture: plot area, data → pixel mapping, ticks, grid, axis labels, title, legend. */
import type { Point, Rgb } from './canvas.js';
import { Canvas, hex } from './canvas.js';
import { lineHeight, textWidth } from './text.js';

/** matplotlib's tab10, so the plots look familiar next to MLflow's. */
export const PALETTE: readonly Rgb[] = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'].map(hex);
export const INK: Rgb = [34, 34, 34];
export const MUTED: Rgb = [110, 110, 110];
export const GRID: Rgb = [228, 228, 228];

export interface Frame {
  canvas: Canvas;
  /** Plot area in pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

export function toPx(f: Frame, x: number, y: number): Point {
  return [
    f.left + ((x - f.xMin) / (f.xMax - f.xMin)) * f.width,
    f.top + f.height - ((y - f.yMin) / (f.yMax - f.yMin)) * f.height,
  ];
}

/** Ticks at 1, 2 or 5 × 10^k steps within [min, max]. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

/** Like niceTicks, plus one more step when the last tick falls short of max (for an axis that must fit max). */
export function niceTicksCovering(min: number, max: number, target = 5): number[] {
  const ticks = niceTicks(min, max, target);
  if (ticks.length > 1 && ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + (ticks[1]! - ticks[0]!));
  return ticks;
}

export function formatTick(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

export interface AxesSpec {
  width: number;
  height: number;
  title: string;
  xLabel: string;
  yLabel: string;
  xRange: [number, number];
  yRange: [number, number];
  /** Space for tick labels left of the plot (default fits "0.0"). */
  marginLeft?: number;
  /** Explicit tick positions (default: niceTicks over the range). */
  xTicks?: number[];
  yTicks?: number[];
}

/** A white canvas with title, square-ish plot area, grid, ticks and axis labels. */
export function drawAxes(spec: AxesSpec): Frame {
  const canvas = new Canvas(spec.width, spec.height);
  const left = spec.marginLeft ?? 70;
  const top = 48;
  const right = 24;
  const bottom = 58;
  const f: Frame = {
    canvas,
    left,
    top,
    width: spec.width - left - right,
    height: spec.height - top - bottom,
    xMin: spec.xRange[0],
    xMax: spec.xRange[1],
    yMin: spec.yRange[0],
    yMax: spec.yRange[1],
  };
  canvas.text(spec.title, spec.width / 2, 16, { font: 'bold', align: 'center', baseline: 'top', color: INK });
  const xt = spec.xTicks ?? niceTicks(f.xMin, f.xMax);
  const yt = spec.yTicks ?? niceTicks(f.yMin, f.yMax);
  for (const v of xt) {
    const [px] = toPx(f, v, f.yMin);
    canvas.fillRect(Math.round(px), f.top, 1, f.height, GRID);
    canvas.fillRect(Math.round(px), f.top + f.height, 1, 5, INK);
    canvas.text(formatTick(v, xt), px, f.top + f.height + 8, { font: 'small', align: 'center', baseline: 'top', color: INK });
  }
  for (const v of yt) {
    const [, py] = toPx(f, f.xMin, v);
    canvas.fillRect(f.left, Math.round(py), f.width, 1, GRID);
    canvas.fillRect(f.left - 5, Math.round(py), 5, 1, INK);
    canvas.text(formatTick(v, yt), f.left - 8, py, { font: 'small', align: 'right', baseline: 'middle', color: INK });
  }
  // Frame on top of the grid.
  canvas.fillRect(f.left, f.top, f.width, 1, INK);
  canvas.fillRect(f.left, f.top + f.height, f.width + 1, 1, INK);
  canvas.fillRect(f.left, f.top, 1, f.height, INK);
  canvas.fillRect(f.left + f.width, f.top, 1, f.height, INK);
  canvas.text(spec.xLabel, f.left + f.width / 2, spec.height - 12, { align: 'center', baseline: 'bottom', color: INK });
  canvas.text(spec.yLabel, 14, f.top + f.height / 2, { vertical: true, align: 'left', baseline: 'middle', color: INK });
  return f;
}

export interface LegendItem {
  label: string;
  color: Rgb;
  dash?: readonly [number, number];
}

/** A boxed legend in a corner of the plot area. */
export function drawLegend(f: Frame, items: readonly LegendItem[], corner: 'lower-right' | 'lower-left' | 'upper-right' = 'lower-right'): void {
  if (items.length === 0) return;
  const pad = 8;
  const swatch = 26;
  const rowH = lineHeight('small') + 4;
  const w = pad * 3 + swatch + Math.max(...items.map((i) => textWidth(i.label, 'small')));
  const h = pad * 2 + rowH * items.length - 4;
  const x = corner === 'lower-left' ? f.left + 10 : f.left + f.width - w - 10;
  const y = corner === 'upper-right' ? f.top + 10 : f.top + f.height - h - 10;
  const c = f.canvas;
  c.fillRect(x, y, w, h, [255, 255, 255], 0.92);
  c.fillRect(x, y, w, 1, GRID);
  c.fillRect(x, y + h - 1, w, 1, GRID);
  c.fillRect(x, y, 1, h, GRID);
  c.fillRect(x + w - 1, y, 1, h, GRID);
  items.forEach((item, k) => {
    const cy = y + pad + k * rowH + rowH / 2 - 2;
    c.strokePolyline([[x + pad, cy], [x + pad + swatch, cy]], 2.2, item.color, item.dash);
    c.text(item.label, x + pad * 2 + swatch, cy, { font: 'small', baseline: 'middle', color: INK });
  });
}
