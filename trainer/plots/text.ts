/** Text as alpha masks from the embedded DejaVu Sans glyphs (font-data.ts). */
import { inflateSync } from 'node:zlib';
import type { FontData } from './font-data.js';
import { FONTS } from './font-data.js';

export type FontName = keyof typeof FONTS;

interface LoadedFont {
  data: FontData;
  /** Offset of each glyph's bitmap in the atlas. */
  offsets: number[];
  atlas: Uint8Array;
}

const loaded = new Map<FontName, LoadedFont>();

function font(name: FontName): LoadedFont {
  let f = loaded.get(name);
  if (f === undefined) {
    const data = FONTS[name];
    const atlas = new Uint8Array(inflateSync(Buffer.from(data.atlas, 'base64')));
    const offsets: number[] = [];
    let at = 0;
    for (const [, width] of data.glyphs) {
      offsets.push(at);
      at += width * data.height;
    }
    f = { data, offsets, atlas };
    loaded.set(name, f);
  }
  return f;
}

function glyphIndex(ch: string): number {
  const code = ch.charCodeAt(0);
  return code >= 32 && code <= 126 ? code - 32 : '?'.charCodeAt(0) - 32;
}

export function textWidth(text: string, fontName: FontName): number {
  const { data } = font(fontName);
  let w = 0;
  for (const ch of text) w += data.glyphs[glyphIndex(ch)]![0];
  return w;
}

export function lineHeight(fontName: FontName): number {
  return font(fontName).data.height;
}

export function ascent(fontName: FontName): number {
  return font(fontName).data.ascent;
}

export interface Mask {
  width: number;
  height: number;
  alpha: Uint8Array;
}

/** Renders a line of text into a mask `textWidth × lineHeight` (top of the line at y = 0). */
export function textMask(text: string, fontName: FontName): Mask {
  const f = font(fontName);
  const { height, glyphs } = f.data;
  const width = Math.max(1, textWidth(text, fontName) + 2);
  const alpha = new Uint8Array(width * height);
  let pen = 0;
  for (const ch of text) {
    const g = glyphIndex(ch);
    const [advance, gw, x0] = glyphs[g]!;
    const off = f.offsets[g]!;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < gw; x++) {
        const px = pen + x0 + x;
        if (px < 0 || px >= width) continue;
        const a = f.atlas[off + y * gw + x]!;
        const k = y * width + px;
        if (a > alpha[k]!) alpha[k] = a;
      }
    }
    pen += advance;
  }
  return { width, height, alpha };
}

/** The mask turned a quarter counter-clockwise (for a vertical axis label read bottom to top). */
export function rotateLeft(m: Mask): Mask {
  const out = new Uint8Array(m.width * m.height);
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) out[(m.width - 1 - x) * m.height + y] = m.alpha[y * m.width + x]!;
  }
  return { width: m.height, height: m.width, alpha: out };
}
