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

/** SearchUtils.parse_start_offset_from_page_token: 0 when there is no token. */
export function parseStartOffset(token?: string | null): number {
  if (!token) return 0;
  const decoded = pyBase64Decode(token);
  if (decoded === undefined) throw invalidParameter('Invalid page token, could not base64-decode');
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
  return offset;
}
