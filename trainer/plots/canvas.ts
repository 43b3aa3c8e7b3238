/**
 * A small anti-aliased RGBA rasterizer: rectangles, thick polylines (coverage from the distance to the
 * segment), filled polygons (scanline with sub-rows) and text. Enough for charts, no native code.
 */
import { encodePng } from './png.js';
import type { FontName, Mask } from './text.js';
import { ascent, lineHeight, rotateLeft, textMask, textWidth } from './text.js';

export type Rgb = readonly [number, number, number];
export type Point = readonly [number, number];

export function hex(color: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (m === null) throw new Error(`bad colour ${color}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

export interface TextOptions {
  font?: FontName;
  color?: Rgb;
  align?: 'left' | 'center' | 'right';
  /** Vertical anchor of (x, y). */
  baseline?: 'top' | 'middle' | 'alphabetic' | 'bottom';
  /** Rotate a quarter turn counter-clockwise (read bottom to top); align/baseline apply after rotation. */
  vertical?: boolean;
}

export class Canvas {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.data.set([background[0], background[1], background[2], 255], i * 4);
  }

  /** Paints `color` over pixel (x, y) with coverage `a` in [0, 1]. */
  blend(x: number, y: number, color: Rgb, a: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || a <= 0) return;
    const k = (y * this.width + x) * 4;
    const t = Math.min(1, a);
    for (let c = 0; c < 3; c++) this.data[k + c] = Math.round(this.data[k + c]! * (1 - t) + color[c]! * t);
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.blend(px, py, color, alpha);
  }

  /** A thick anti-aliased polyline; `dash` = [on, off] lengths in pixels. */
  strokePolyline(points: readonly Point[], width: number, color: Rgb, dash?: readonly [number, number]): void {
    const segments = dash === undefined ? toSegments(points) : dashSegments(points, dash);
    if (segments.length === 0) return;
    const r = width / 2;
    // One coverage buffer for the whole line, so joints where segments overlap are not painted twice.
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const [a, b] of segments) {
      minX = Math.min(minX, a[0], b[0]);
      maxX = Math.max(maxX, a[0], b[0]);
      minY = Math.min(minY, a[1], b[1]);
      maxY = Math.max(maxY, a[1], b[1]);
    }
    const ox = Math.max(0, Math.floor(minX - r - 1));
    const oy = Math.max(0, Math.floor(minY - r - 1));
    const w = Math.min(this.width, Math.ceil(maxX + r + 2)) - ox;
    const h = Math.min(this.height, Math.ceil(maxY + r + 2)) - oy;
    if (w <= 0 || h <= 0) return;
    const cov = new Float32Array(w * h);
    for (const [a, b] of segments) {
      const x0 = Math.max(ox, Math.floor(Math.min(a[0], b[0]) - r - 1));
      const x1 = Math.min(ox + w - 1, Math.ceil(Math.max(a[0], b[0]) + r + 1));
      const y0 = Math.max(oy, Math.floor(Math.min(a[1], b[1]) - r - 1));
      const y1 = Math.min(oy + h - 1, Math.ceil(Math.max(a[1], b[1]) + r + 1));
      for (let py = y0; py <= y1; py++) {
        for (let px = x0; px <= x1; px++) {
          const d = distanceToSegment(px + 0.5, py + 0.5, a, b);
          const c = Math.min(1, r + 0.5 - d);
          const k = (py - oy) * w + (px - ox);
          if (c > cov[k]!) cov[k] = c;
        }
      }
    }
    for (let py = 0; py < h; py++) for (let px = 0; px < w; px++) this.blend(px + ox, py + oy, color, cov[py * w + px]!);
  }

  /** Fills a simple polygon (even-odd), anti-aliased vertically by 4 sub-rows and horizontally by span ends. */
  fillPolygon(points: readonly Point[], color: Rgb, alpha = 1): void {
    if (points.length < 3) return;
    const SUB = 4;
    const ys = points.map((p) => p[1]);
    const y0 = Math.max(0, Math.floor(Math.min(...ys)));
    const y1 = Math.min(this.height - 1, Math.ceil(Math.max(...ys)));
    const row = new Float32Array(this.width + 1);
    for (let py = y0; py <= y1; py++) {
      row.fill(0);
      for (let s = 0; s < SUB; s++) {
        const sy = py + (s + 0.5) / SUB;
        const xs: number[] = [];
        for (let k = 0; k < points.length; k++) {
          const [ax, ay] = points[k]!;
          const [bx, by] = points[(k + 1) % points.length]!;
          if ((ay <= sy && by > sy) || (by <= sy && ay > sy)) xs.push(ax + ((sy - ay) / (by - ay)) * (bx - ax));
        }
        xs.sort((a, b) => a - b);
        for (let k = 0; k + 1 < xs.length; k += 2) addSpan(row, Math.max(0, xs[k]!), Math.min(this.width, xs[k + 1]!), 1 / SUB);
      }
      for (let px = 0; px < this.width; px++) if (row[px]! > 0) this.blend(px, py, color, row[px]! * alpha);
    }
  }

  drawMask(m: Mask, x: number, y: number, color: Rgb): void {
    for (let my = 0; my < m.height; my++) {
      for (let mx = 0; mx < m.width; mx++) {
        const a = m.alpha[my * m.width + mx]!;
        if (a > 0) this.blend(x + mx, y + my, color, a / 255);
      }
    }
  }

  text(s: string, x: number, y: number, o: TextOptions = {}): void {
    const fontName = o.font ?? 'regular';
    let mask = textMask(s, fontName);
    if (o.vertical) mask = rotateLeft(mask);
    const w = o.vertical ? lineHeight(fontName) : textWidth(s, fontName);
    const h = o.vertical ? textWidth(s, fontName) : lineHeight(fontName);
    const align = o.align ?? 'left';
    const left = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
    const base = o.baseline ?? 'alphabetic';
    const top =
      base === 'top' ? y : base === 'middle' ? y - h / 2 : base === 'bottom' ? y - h : y - (o.vertical ? h : ascent(fontName));
    this.drawMask(mask, Math.round(left), Math.round(top), o.color ?? [0, 0, 0]);
  }

  toPng(): Buffer {
    return encodePng(this.width, this.height, this.data);
  }
}

function addSpan(row: Float32Array, a: number, b: number, weight: number): void {
  if (b <= a) return;
  const ia = Math.floor(a);
  const ib = Math.floor(b);
  if (ia === ib) {
    row[ia] = row[ia]! + (b - a) * weight;
    return;
  }
  row[ia] = row[ia]! + (ia + 1 - a) * weight;
  for (let i = ia + 1; i < ib; i++) row[i] = row[i]! + weight;
  if (ib < row.length) row[ib] = row[ib]! + (b - ib) * weight;
}

function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / len2));
  return Math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy));
}

function toSegments(points: readonly Point[]): [Point, Point][] {
  const out: [Point, Point][] = [];
  for (let k = 1; k < points.length; k++) out.push([points[k - 1]!, points[k]!]);
  return out;
}

/** Splits a polyline into the "on" pieces of a dash pattern that runs continuously across vertices. */
function dashSegments(points: readonly Point[], [on, off]: readonly [number, number]): [Point, Point][] {
  const out: [Point, Point][] = [];
  let phase = 0; // distance into the current on+off period
  for (const [a, b] of toSegments(points)) {
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    let t = 0;
    while (t < len) {
      const inOn = phase < on;
      const step = Math.min(len - t, inOn ? on - phase : on + off - phase);
      if (inOn) {
        const p = (u: number): Point => [a[0] + ((b[0] - a[0]) * u) / len, a[1] + ((b[1] - a[1]) * u) / len];
        out.push([p(t), p(t + step)]);
      }
      t += step;
      phase = (phase + step) % (on + off);
    }
  }
  return out;
}
