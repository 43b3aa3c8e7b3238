// A big JSON body parsed a slice at a time. JSON.parse of a 15 MB runs/create body (500,000 tags) held
// the event loop for about 400 ms in one go, and /health with it. Here the containers of a big text are
// walked by hand and their elements handed to JSON.parse in groups of about GROUP_CHARS characters,
// with a turn of the event loop after every SLICE_CHARS; the result is the value JSON.parse gives
// (members in first-seen order, the last duplicate's value, `__proto__` an own property), and a text
// JSON.parse refuses is refused (SyntaxError). Every leaf passes through JSON.parse, so strings,
// numbers and literals mean exactly what they mean there; this code only checks the punctuation.
import { parseJsonExact } from './int64.js';
import { collectNumberLiterals, type NumberLiterals } from './number-literals.js';

/** Texts shorter than this are parsed in one go. */
export const SLICED_JSON_MIN_CHARS = 1 << 20;
/** Elements are parsed together until their text reaches this length. */
const GROUP_CHARS = 64 * 1024;
/** A turn of the event loop after this much text. */
const SLICE_CHARS = 512 * 1024;

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class SlicedParser {
  private sinceYield = 0;
  constructor(
    private readonly text: string,
    private readonly literals: NumberLiterals,
  ) {}

  skipSpace(i: number): number {
    while (i < this.text.length && isSpace(this.text.charCodeAt(i))) i++;
    return i;
  }

  private fail(i: number): never {
    throw new SyntaxError(`Unexpected token in JSON at position ${i}`);
  }

  /**
   * The index just past the value starting at i (punctuation only; JSON.parse checks the rest), or -1
   * when a container runs past `limit` characters: a big one is walked in slices, not scanned whole.
   */
  skipValue(i: number, limit = Number.POSITIVE_INFINITY): number {
    const text = this.text;
    const stop = Math.min(text.length, i + limit);
    let depth = 0;
    for (; i < text.length; i++) {
      if (depth > 0 && i >= stop) return -1;
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        // a string: to its closing quote
        for (i++; i < text.length; i++) {
          const s = text.charCodeAt(i);
          if (s === 0x5c) i++;
          else if (s === 0x22) break;
        }
        if (i >= text.length) this.fail(i);
        if (depth === 0) return i + 1;
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
      } else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) return i;
        if (--depth === 0) return i + 1;
      } else if (depth === 0 && (c === 0x2c || c === 0x3a || isSpace(c))) {
        return i;
      }
    }
    if (depth > 0) this.fail(i);
    return i;
  }

  /** JSON.parse of text[start, end), its number literals noted. */
  private leaf(start: number, end: number): Promise<unknown> {
    return this.parsePiece(this.text.slice(start, end), end - start);
  }

  /** Elements text[start, end) ("a, b, c") parsed together as one array. */
  private elements(start: number, end: number): Promise<unknown> {
    return this.parsePiece(`[${this.text.slice(start, end)}]`, end - start);
  }

  /** JSON.parse of a piece, with a turn of the event loop after every SLICE_CHARS parsed. */
  private async parsePiece(piece: string, length: number): Promise<unknown> {
    const value: unknown = parseJsonExact(piece);
    collectNumberLiterals(piece, this.literals);
    this.sinceYield += length;
    if (this.sinceYield >= SLICE_CHARS) {
      this.sinceYield = 0;
      await yieldTurn();
    }
    return value;
  }

  /** The value at i, and the index past it. */
  async value(i: number): Promise<[unknown, number]> {
    const end = this.skipValue(i, GROUP_CHARS);
    if (end >= 0) return [await this.leaf(i, end), end];
    return this.text.charCodeAt(i) === 0x5b ? this.array(i) : this.object(i);
  }

  private async array(open: number): Promise<[unknown[], number]> {
    const out: unknown[] = [];
    let i = this.skipSpace(open + 1);
    if (this.text.charCodeAt(i) === 0x5d) return [out, i + 1];
    // Elements are gathered into groups [groupStart, i) and parsed together as one array text.
    let groupStart = i;
    const flush = async (end: number) => {
      if (end > groupStart) for (const v of (await this.elements(groupStart, end)) as unknown[]) out.push(v);
    };
    for (;;) {
      const end = this.skipValue(i, GROUP_CHARS);
      if (end === i) this.fail(i);
      if (end < 0) {
        // A big element: the group before it, then the element parsed in slices of its own.
        await flush(this.trimEnd(i));
        const [big, after] = await this.value(i);
        out.push(big);
        i = after;
        groupStart = -1;
      } else {
        i = end;
      }
      i = this.skipSpace(i);
      const c = this.text.charCodeAt(i);
      if (c === 0x5d) {
        if (groupStart >= 0) await flush(i);
        return [out, i + 1];
      }
      if (c !== 0x2c) this.fail(i);
      const next = this.skipSpace(i + 1);
      if (groupStart < 0) groupStart = next;
      else if (i - groupStart >= GROUP_CHARS) {
        await flush(i);
        groupStart = next;
      }
      i = next;
    }
  }

  /** The text before i without its trailing comma and spaces (the end of the group before a big element). */
  private trimEnd(i: number): number {
    let j = i;
    while (j > 0 && isSpace(this.text.charCodeAt(j - 1))) j--;
    if (this.text.charCodeAt(j - 1) === 0x2c) j--;
    return j;
  }

  private async object(open: number): Promise<[Record<string, unknown>, number]> {
    const out: Record<string, unknown> = {};
    let i = this.skipSpace(open + 1);
    if (this.text.charCodeAt(i) === 0x7d) return [out, i + 1];
    for (;;) {
      if (this.text.charCodeAt(i) !== 0x22) this.fail(i);
      const keyEnd = this.skipValue(i);
      const key = JSON.parse(this.text.slice(i, keyEnd)) as string;
      i = this.skipSpace(keyEnd);
      if (this.text.charCodeAt(i) !== 0x3a) this.fail(i);
      const [value, after] = await this.value(this.skipSpace(i + 1));
      // As JSON.parse: an own property even for "__proto__", first position, last value.
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      i = this.skipSpace(after);
      const c = this.text.charCodeAt(i);
      if (c === 0x7d) return [out, i + 1];
      if (c !== 0x2c) this.fail(i);
      i = this.skipSpace(i + 1);
    }
  }
}

/**
 * JSON.parse(text), for a text of any size, without holding the event loop for more than a slice;
 * also the integral number literals written as floats (number-literals.ts), collected on the way.
 */
export async function parseJsonInSlices(text: string): Promise<{ value: unknown; literals: NumberLiterals }> {
  const literals: NumberLiterals = { floats: new Set(), ints: new Set() };
  const parser = new SlicedParser(text, literals);
  const start = parser.skipSpace(0);
  if (start >= text.length) JSON.parse(text); // throws as JSON.parse does on an empty text
  const [value, end] = await parser.value(start);
  if (parser.skipSpace(end) !== text.length) throw new SyntaxError(`Unexpected non-whitespace character after JSON at position ${end}`);
  return { value, literals };
}
