// parseJsonExact / stringifyJsonExact (server/protocol/int64.ts): JSON.parse and JSON.stringify, except
// that integers a double cannot hold are bigints on the way in and their digits on the way out.
import { describe, expect, it } from 'vitest';
import { parseJsonExact, stringifyJsonExact } from '../../server/protocol/int64.js';

describe('parseJsonExact', () => {
  it('gives what JSON.parse gives wherever every integer fits a double', () => {
    for (const text of ['{"a":1,"b":[2.5,-3e20,"x"],"c":null}', '[9007199254740991,-9007199254740991]', '"12345678901234567890"', '{"id":"a1234567890123456789b"}', '1e400']) {
      expect(parseJsonExact(text)).toEqual(JSON.parse(text));
    }
  });

  it('reads longer integer literals exactly, and leaves floats and strings as they are', () => {
    expect(parseJsonExact('{"step":9007199254740993,"t":[-9223372036854775808, 1.5],"s":" 9007199254740993"}')).toEqual({
      step: 9007199254740993n,
      t: [-9223372036854775808n, 1.5],
      s: ' 9007199254740993',
    });
    expect(parseJsonExact('[12345678901234567890.5, 9007199254740993e0]')).toEqual([12345678901234567890.5, 9007199254740993]);
    // Past int64 it is still exact here; fields.ts refuses what an int64 field cannot hold.
    expect(parseJsonExact('99999999999999999999')).toBe(99999999999999999999n);
  });

  it('refuses what JSON.parse refuses, long integers or not', () => {
    for (const text of ['[01234567890123456789]', '{"a":9007199254740993', '[9007199254740993,]', '{"a": --9007199254740993}']) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => parseJsonExact(text)).toThrow(SyntaxError);
    }
  });

  it('a client string shaped like the internal mark stays a string', () => {
    const text = '{"a":"\\u2063int64-000000000000:5","b":9007199254740993}';
    expect(parseJsonExact(text)).toEqual({ a: '\u2063int64-000000000000:5', b: 9007199254740993n });
  });
});

describe('stringifyJsonExact', () => {
  it('writes bigints as their digits, and everything else as JSON.stringify does', () => {
    const value = { a: 9223372036854775807n, b: [1, -9007199254740993n], s: '9007199254740993', n: null };
    expect(stringifyJsonExact(value)).toBe('{"a":9223372036854775807,"b":[1,-9007199254740993],"s":"9007199254740993","n":null}');
    expect(stringifyJsonExact({ x: 1.5, y: 'é' })).toBe(JSON.stringify({ x: 1.5, y: 'é' }));
    const text = '{"run":{"start_time":9223372036854775807,"tags":[{"key":"k","value":"v"}]}}';
    expect(stringifyJsonExact(parseJsonExact(text))).toBe(text);
  });
});
