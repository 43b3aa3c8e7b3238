// parseJsonInSlices (server/protocol/sliced-json.ts) against JSON.parse itself: the same value (member
// order, duplicates, "__proto__"), a refusal exactly where JSON.parse refuses, on texts big enough that
// containers are walked by hand and their elements parsed in groups.
import { describe, expect, it } from 'vitest';
import { parseJsonInSlices } from '../../server/protocol/sliced-json.js';
import { rng } from '../helpers/rng.js';

const STRINGS = ['', 'v', 'a "quoted" \\ value', 'tab\there', 'ünïcødé ✓', '\u2028', '😀', '}]{[,:', 'k0'];

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth > 3 || pick < 0.5) {
    const leaf = Math.floor(r() * 7);
    if (leaf === 0) return STRINGS[Math.floor(r() * STRINGS.length)]! + String(Math.floor(r() * 1000));
    if (leaf === 1) return Math.floor(r() * 1e6) - 5e5;
    if (leaf === 2) return (r() - 0.5) * 1e-3;
    if (leaf === 3) return r() < 0.5;
    if (leaf === 4) return null;
    if (leaf === 5) return 1e300 * r();
    return STRINGS[Math.floor(r() * STRINGS.length)];
  }
  if (pick < 0.75) return Array.from({ length: Math.floor(r() * 6) }, () => randomValue(r, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 5); i > 0; i--) out[`k${Math.floor(r() * 8)}`] = randomValue(r, depth + 1);
  return out;
}

/** JSON text with whitespace sprinkled between tokens (outside strings). */
function spaced(text: string, r: () => number): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    out += c;
    if (c === '"' && !isEscaped(text, i)) inString = !inString;
    if (!inString && (c === ',' || c === ':' || c === '[' || c === '{') && r() < 0.2) out += [' ', '\n', '\t', '\r\n  '][Math.floor(r() * 4)];
  }
  return out;
}

function isEscaped(text: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

/** A runs/create-like body: a few scalars and big arrays of small objects and of big nested values. */
function bigBody(seed: number): string {
  const r = rng(seed);
  const body = {
    experiment_id: '0',
    tags: Array.from({ length: 3000 + Math.floor(r() * 3000) }, (_, i) => ({ key: `k${i}`, value: STRINGS[i % STRINGS.length] })),
    nested: Array.from({ length: 300 }, () => randomValue(r, 0)),
    deep: { inner: Array.from({ length: 2000 }, (_, i) => [i, { x: STRINGS[i % STRINGS.length] }]) },
    big_string: 'x'.repeat(70_000),
  };
  return spaced(JSON.stringify(body), r);
}

async function outcome(text: string): Promise<{ ok: true; json: string } | { ok: false }> {
  try {
    return { ok: true, json: JSON.stringify((await parseJsonInSlices(text)).value) };
  } catch (e) {
    expect(e).toBeInstanceOf(SyntaxError);
    return { ok: false };
  }
}

function expected(text: string): { ok: true; json: string } | { ok: false } {
  try {
    return { ok: true, json: JSON.stringify(JSON.parse(text)) };
  } catch {
    return { ok: false };
  }
}

describe('parseJsonInSlices', () => {
  it('gives what JSON.parse gives on big texts', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const text = bigBody(seed);
      expect(text.length).toBeGreaterThan(128 * 1024);
      expect(await outcome(text), `seed ${seed}`).toEqual(expected(text));
    }
  });

  it('refuses exactly what JSON.parse refuses (one character changed)', async () => {
    const text = bigBody(99);
    const r = rng(7);
    const edits = [',', ']', '}', '[', '{', '"', ':', '\\', ' ', '', 'x', '1', '\u0001'];
    for (let n = 0; n < 300; n++) {
      const at = Math.floor(r() * text.length);
      const edit = edits[Math.floor(r() * edits.length)]!;
      const mutated = r() < 0.5 ? text.slice(0, at) + edit + text.slice(at + 1) : text.slice(0, at) + edit + text.slice(at);
      expect(await outcome(mutated), `edit ${JSON.stringify(edit)} at ${at}`).toEqual(expected(mutated));
    }
  });

  it('refuses broken punctuation around elements it parses by themselves', async () => {
    const big = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ k: i })));
    const cases = [
      `[${big}, ${big} ${big}]`,
      `[${big} x ${big}]`,
      `[${big},]`,
      `[1, ${big}`,
      `{"a": ${big} "b": 1}`,
      `{"a": ${big},}`,
      `{"a" ${big}}`,
      `{"a": ${big}}}`,
      `{"a": ${big}} x`,
      `[${big}, 1 2]`,
      `[${big}]`,
      `{"a": [${big}, ${big}], "b": {"c": ${big}}}`,
    ];
    for (const text of cases) expect(await outcome(text), text.replace(big, '<big>').slice(0, 60)).toEqual(expected(text));
  });

  it('keeps "__proto__" as an own member, first positions and last values of duplicates', async () => {
    const filler = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => i));
    const text = `{"b": 1, "__proto__": {"polluted": true}, "a": ${filler}, "b": 2, "tail": [${filler}, {"__proto__": 5}]}`;
    const { value } = await parseJsonInSlices(text);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(value as object)).toEqual(Object.keys(parsed));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((value as Record<string, unknown>).b).toBe(2);
    expect(JSON.stringify(value)).toBe(JSON.stringify(parsed));
  });

  it('collects the integral numbers written as floats', async () => {
    const text = `{"tags": [${Array.from({ length: 20_000 }, (_, i) => `{"key": "k${i}", "value": ${i === 7 ? '9.0' : i}}`).join(',')}]}`;
    const { literals } = await parseJsonInSlices(text);
    expect([...literals.floats]).toEqual([9]);
  });

  it('turns the event loop while it parses a big text', async () => {
    const text = bigBody(3).replace('"experiment_id"', `"filler": ${JSON.stringify(Array.from({ length: 200_000 }, (_, i) => ({ key: `k${i}` })))}, "experiment_id"`);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    await parseJsonInSlices(text);
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(3);
  });
});
