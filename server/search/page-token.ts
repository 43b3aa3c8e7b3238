// Offset page tokens, interchangeable with MLflow's (SearchUtils.create_page_token and
// parse_start_offset_from_page_token): base64 of Python's json.dumps({"offset": n}). Parsing
// follows Python step by step — lenient base64 decoding, json.loads, a truthy "offset", int() —
// so a token MLflow accepts is accepted here and a bad one gets MLflow's message.
import { invalidParameter } from '../errors.js';
import { pyBytesRepr, pyFloatRepr, pyIntFromString, pyRepr, pyStr, type PyValue } from './python-compat.js';

export function createPageToken(offset: number): string {
  // json.dumps separates with ": ", hence the space.
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * base64.b64decode(s) without validate=True (binascii.a2b_base64, non-strict): characters outside
 * the alphabet are skipped, and decoding stops at the first complete padding. Undefined where
 * Python raises binascii.Error.
 */
export function pyBase64Decode(token: string): Uint8Array | undefined {
  if (!/^[\x00-\x7f]*$/.test(token)) return undefined;
  const out: number[] = [];
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  for (const ch of token) {
    if (ch === '=') {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return Uint8Array.from(out);
      continue;
    }
    const v = B64.indexOf(ch);
    if (v < 0) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        leftChar = v;
        break;
      case 1:
        out.push(((leftChar << 2) | (v >> 4)) & 0xff);
        leftChar = v & 0x0f;
        break;
      case 2:
        out.push(((leftChar << 4) | (v >> 2)) & 0xff);
        leftChar = v & 0x03;
        break;
      case 3:
        out.push(((leftChar << 6) | v) & 0xff);
        leftChar = 0;
        break;
    }
    quadPos = (quadPos + 1) % 4;
  }
  return quadPos === 0 ? Uint8Array.from(out) : undefined;
}

/** json.loads(bytes): UTF-8, a BOM skipped (json also sniffs UTF-16/32, which no token uses). */
function pyJsonLoads(bytes: Uint8Array): PyValue | undefined {
  try {
    const json = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return JSON.parse(json) as PyValue;
  } catch {
    return undefined;
  }
}

function isTruthy(v: PyValue | undefined): v is PyValue {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Python's int(x) for a JSON value, or undefined where it raises. */
function pyInt(v: PyValue): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined;
  if (typeof v === 'string') return pyIntFromString(v);
  return undefined;
}

/**
 * How deeply a token's JSON may nest. Python's json.loads raises RecursionError (a 500 from MLflow)
 * somewhere below 1,000 levels, and so would repr() here; a real token is one level deep.
 */
const MAX_TOKEN_NESTING = 100;

/** The deepest [ / { nesting of JSON text, strings skipped; stops counting past `limit`. */
function jsonNesting(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return deepest;
}

function shown(v: PyValue): string {
  return typeof v === 'number' ? pyFloatRepr(v) : pyStr(v);
}

/** SearchUtils.parse_start_offset_from_page_token: 0 when there is no token. */
export function parseStartOffset(token?: string | null): number {
  if (!token) return 0;
  const decoded = pyBase64Decode(token);
  if (decoded === undefined) throw invalidParameter('Invalid page token, could not base64-decode');
  if (jsonNesting(decoded, MAX_TOKEN_NESTING) > MAX_TOKEN_NESTING) {
    throw invalidParameter(`Invalid page token, nested more than ${MAX_TOKEN_NESTING} levels deep`);
  }
  const parsed = pyJsonLoads(decoded);
  if (parsed === undefined) throw invalidParameter(`Invalid page token, decoded value=${pyBytesRepr(decoded)}`);
  const isDict = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && !('tuple' in parsed && Array.isArray(parsed.tuple));
  const offsetValue = isDict ? (parsed as { readonly [key: string]: PyValue })['offset'] : undefined;
  if (!isTruthy(offsetValue)) throw invalidParameter(`Invalid page token, parsed value=${pyRepr(parsed)}`);
  const offset = pyInt(offsetValue);
  if (offset === undefined) {
    const shown = typeof offsetValue === 'number' ? pyFloatRepr(offsetValue) : pyStr(offsetValue);
    throw invalidParameter(`Invalid page token, not stringable ${shown}`);
  }
  // MLflow hands the offset to the database: past int64 its driver raises (a 500), and offsets past
  // 2^53 are not exact here. No search has that many rows, so such a token is the client's mistake.
  if (!Number.isSafeInteger(offset)) throw invalidParameter(`Invalid page token, offset ${shown(offsetValue)} is out of range`);
  return offset;
}
