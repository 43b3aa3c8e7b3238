// int64 values carried exactly, as MLflow carries them (Python ints, BigInteger columns, json.dumps).
// A JS number holds an integer exactly only up to 2^53, so an int64 past that is a bigint here — from
// the JSON body, a decimal string, a search literal or the database — and is written back as its
// digits. Values within 2^53 stay numbers: nearly every int64 is one (timestamps in ms, steps), and
// number arithmetic and JSON stay as fast as before.
import { randomBytes } from 'node:crypto';

export type Int64 = number | bigint;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** An integer as an Int64: a number while it is exact as one, else a bigint. */
export function int64Of(value: bigint): Int64 {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** A decimal integer text (sign allowed) as an Int64, or undefined when it is past int64's range. */
export function int64FromText(text: string): Int64 | undefined {
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : int64Of(n);
}

/** An Int64 for code that only takes numbers (page sizes, limits): past 2^53 it is too big anyway. */
export function int64Number(value: Int64): number {
  return typeof value === 'bigint' ? Number(value) : value;
}

// Integer literals past 2^53 are turned into marked strings before JSON.parse and back into bigints by
// its reviver. The mark holds a per-process random part, so no string a client sends can pass for one.
const MARK = `\u2063int64-${randomBytes(6).toString('hex')}:`;
/**
 * A text can only hold an inexact integer literal where 16 digits follow what may precede a number in
 * JSON (so not the hex of a run id, which follows a quote or a letter): else it is parsed at full speed.
 */
const MAYBE_INEXACT = /(?:^|[\s:,[-])\d{16}/;
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
/** JSON's own integer grammar (no leading zeros): anything else is left for JSON.parse to refuse. */
const JSON_INTEGER = /^-?(?:0|[1-9]\d*)$/;

const revive = (_key: string, value: unknown): unknown =>
  typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value;

/** JSON.parse(text), except that an integer literal a number cannot hold exactly becomes a bigint. */
export function parseJsonExact(text: string): unknown {
  if (!MAYBE_INEXACT.test(text)) return JSON.parse(text);
  let marked = false;
  const rewritten = text.replace(TOKENS, (token) => {
    if (token.charCodeAt(0) === 0x22 || !JSON_INTEGER.test(token) || Number.isSafeInteger(Number(token))) return token;
    marked = true;
    return `"${MARK}${token}"`;
  });
  return marked ? JSON.parse(rewritten, revive) : JSON.parse(text);
}

const markBigInt = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? `${MARK}${value}` : value);
const MARKED = new RegExp(`"${MARK}(-?\\d+)"`, 'g');

/** JSON.stringify(value), with bigints written as their digits (JSON.stringify refuses them). */
export function stringifyJsonExact(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // Only a bigint makes JSON.stringify of a response throw; the rare value with one is written twice.
    if (!(error instanceof TypeError) || !/BigInt/.test(error.message)) throw error;
    return JSON.stringify(value, markBigInt).replace(MARKED, '$1');
  }
}
