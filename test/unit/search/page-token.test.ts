// Offset page tokens, interchangeable with MLflow's.
import { describe, expect, it } from 'vitest';
import { MlflowError } from '../../../server/errors.js';
import { createPageToken, parseStartOffset } from '../../../server/search/index.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function rejects(token: string, message: string): void {
  let error: unknown;
  try {
    parseStartOffset(token);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MlflowError);
  expect((error as MlflowError).errorCode).toBe('INVALID_PARAMETER_VALUE');
  expect((error as MlflowError).message).toBe(message);
}

describe('page tokens', () => {
  it("encodes Python's json.dumps({'offset': n}), space included", () => {
    expect(createPageToken(100)).toBe('eyJvZmZzZXQiOiAxMDB9');
    expect(Buffer.from(createPageToken(7), 'base64').toString()).toBe('{"offset": 7}');
  });

  it('round-trips', () => {
    for (const n of [1, 2, 99, 1000, 123456]) expect(parseStartOffset(createPageToken(n))).toBe(n);
  });

  it('reads no token as offset 0', () => {
    expect(parseStartOffset(undefined)).toBe(0);
    expect(parseStartOffset(null)).toBe(0);
    expect(parseStartOffset('')).toBe(0);
  });

  it('accepts what Python accepts', () => {
    expect(parseStartOffset(b64('{"offset":5}'))).toBe(5);
    expect(parseStartOffset(b64('{"offset": "7"}'))).toBe(7);
    expect(parseStartOffset(b64('{"offset": 2.9}'))).toBe(2);
    expect(parseStartOffset('eyJvZmZzZXQiOiA1fQ==')).toBe(5);
    // Non-alphabet characters are skipped and decoding stops at the padding, as binascii does.
    expect(parseStartOffset('eyJvZ mZzZXQiOiAxMDB9')).toBe(100);
    expect(parseStartOffset('eyJvZmZzZXQiOiAxMDB9===')).toBe(100);
  });

  it.each([
    ['abc', 'Invalid page token, could not base64-decode'],
    ['a', 'Invalid page token, could not base64-decode'],
    ['eyJvZmZzZXQiOiA1fQ', 'Invalid page token, could not base64-decode'],
    [b64('not json'), "Invalid page token, decoded value=b'not json'"],
    [b64("{'offset': 1}"), 'Invalid page token, decoded value=b"{\'offset\': 1}"'],
    [Buffer.from([0x8a, 0xbc, 0xff]).toString('base64'), "Invalid page token, decoded value=b'\\x8a\\xbc\\xff'"],
    [b64('{"offset": 0}'), "Invalid page token, parsed value={'offset': 0}"],
    [b64('{"other": 1}'), "Invalid page token, parsed value={'other': 1}"],
    [b64('{"offset": null}'), "Invalid page token, parsed value={'offset': None}"],
    [b64('{"offset": "1.5"}'), 'Invalid page token, not stringable 1.5'],
    [b64('{"offset": "abc"}'), 'Invalid page token, not stringable abc'],
  ])('rejects %j', (token, message) => rejects(token, message));
});
