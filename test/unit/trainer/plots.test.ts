import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { precisionRecallCurve, rocCurve } from '../../../trainer/metrics/index.js';
import { confusionMatrixPng, featureImportancePng, prCurvePng, rocCurvePng } from '../../../trainer/plots/index.js';
import { encodePng } from '../../../trainer/plots/png.js';

interface Decoded {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number];
}

/** Minimal PNG reader for what encodePng writes (RGB, filter "sub"), checking every CRC on the way. */
function decode(png: Buffer): Decoded {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 2]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3 + 1;
  expect(raw.length).toBe(stride * height);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * stride]).toBe(1);
    for (let x = 0; x < width * 3; x++) {
      const left = x >= 3 ? rgb[y * width * 3 + x - 3]! : 0;
      rgb[y * width * 3 + x] = (raw[y * stride + 1 + x]! + left) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => Array.from(rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)) as [number, number, number] };
}

function darkPixels(img: Decoded, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img.pixel(x, y).every((c) => c < 100)) n++;
  return n;
}

describe('PNG encoder', () => {
  it('writes a valid RGB image that decodes to the same pixels', () => {
    const rgba = new Uint8Array(3 * 2 * 4);
    rgba.set([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255, 200, 100, 50, 255, 0, 0, 0, 255]);
    const img = decode(encodePng(3, 2, rgba));
    expect([img.width, img.height]).toEqual([3, 2]);
    expect(img.pixel(1, 0)).toEqual([0, 255, 0]);
    expect(img.pixel(1, 1)).toEqual([200, 100, 50]);
  });
});

describe('charts', () => {
  const y = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0];
  const s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.4, 0.2, 0.65, 0.7];

  it('ROC curve: sized, titled (dark text at the top), curve colour present', () => {
    const img = decode(rocCurvePng([{ label: 'Model', ...rocCurve(y, s), auc: 0.76 }]));
    expect([img.width, img.height]).toEqual([640, 560]);
    expect(darkPixels(img, 200, 10, 440, 40)).toBeGreaterThan(50); // title
    expect(darkPixels(img, 0, 150, 30, 400)).toBeGreaterThan(20); // vertical y-axis label
    let blue = 0;
    for (let yy = 48; yy < 500; yy++) for (let x = 70; x < 616; x++) {
      const [r, g, b] = img.pixel(x, yy);
      if (b > 150 && r < 80 && g > 90 && g < 150) blue++;
    }
    expect(blue).toBeGreaterThan(300);
  });

  it('precision-recall curve with several series', () => {
    const pr = precisionRecallCurve(y, s);
    const img = decode(prCurvePng([{ label: 'A', ...pr, ap: 0.79 }, { label: 'B', ...pr, ap: 0.79 }], 0.5, { width: 500, height: 400, title: 'PR' }));
    expect([img.width, img.height]).toEqual([500, 400]);
  });

  it('confusion matrix: darkest cell for the largest count', () => {
    const img = decode(confusionMatrixPng({ tn: 50, fp: 5, fn: 10, tp: 35 }, { labels: ['stay', 'churn'] }));
    const tn = img.pixel(130, 80);
    const fp = img.pixel(300, 80);
    expect(tn[0]).toBeLessThan(fp[0]);
  });

  it('feature importances: one bar row per feature shown, sorted', () => {
    const names = Array.from({ length: 30 }, (_, j) => `feature_${j}`);
    const imp = names.map((_, j) => (j + 1) / 465);
    const img = decode(featureImportancePng(names, imp, { topN: 10 }));
    expect(img.height).toBe(56 + 22 * 10 + 64);
    expect(() => featureImportancePng(['a'], [0.1, 0.2])).toThrow(RangeError);
  });
});
