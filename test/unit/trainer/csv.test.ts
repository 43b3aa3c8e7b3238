import { describe, expect, it } from 'vitest';
import { CsvParser, parseCsv, readCsvRecords } from '../../../trainer/data/csv.js';
import { DataError } from '../../../trainer/data/errors.js';

const fields = (text: string): string[][] => parseCsv(text).map((r) => r.fields);

describe('CSV tokenizer', () => {
  it('splits plain records with LF, CRLF and lone CR line ends', () => {
    expect(fields('a,b\n1,2\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(fields('a,b\r\n1,2\r\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(fields('a,b\r1,2')).toEqual([['a', 'b'], ['1', '2']]);
  });

  it('handles quoted fields: delimiters, newlines and doubled quotes inside', () => {
    expect(fields('"a,b","say ""hi""","line1\nline2"\n')).toEqual([['a,b', 'say "hi"', 'line1\nline2']]);
    expect(fields('x,"",y\n')).toEqual([['x', '', 'y']]);
  });

  it('keeps empty fields, skips blank lines, tolerates a missing final newline and a BOM', () => {
    expect(fields('\ufeffa,,c\n\n1,2,3')).toEqual([['a', '', 'c'], ['1', '2', '3']]);
    expect(fields(',\n')).toEqual([['', '']]);
  });

  it('reports the line a record starts on, counting newlines inside quotes', () => {
    const recs = parseCsv('h1,h2\n"a\nb",c\nd,e\n');
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('gives the same records however the text is chunked (every split point, CRLF included)', () => {
    const text = 'id,"note, with comma",v\r\n1,"multi\r\nline ""q""",2.5\r\n2,,null\r\n';
    const whole = fields(text);
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new CsvParser();
      const out = p.push(text.slice(0, cut));
      p.push(text.slice(cut), out);
      expect(p.end(out).map((r) => r.fields), `cut at ${cut}`).toEqual(whole);
    }
  });

  it('throws a DataError for an unterminated quote, with the line it started on', () => {
    expect(() => parseCsv('a,b\n1,"oops\n2,3\n')).toThrow(DataError);
    try {
      parseCsv('a,b\n1,"oops\n');
    } catch (e) {
      expect((e as DataError).code).toBe('UNTERMINATED_QUOTE');
      expect((e as DataError).line).toBe(2);
    }
  });

  it('streams from byte chunks that split a multi-byte character', async () => {
    const bytes = Buffer.from('name,city\nJoão,São Paulo\n', 'utf8');
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const all: string[][] = [];
    for await (const recs of readCsvRecords(chunks())) all.push(...recs.map((r) => r.fields));
    expect(all).toEqual([['name', 'city'], ['João', 'São Paulo']]);
  });

  it('supports another delimiter', () => {
    expect(parseCsv('a;b\n"1;2";3\n', ';').map((r) => r.fields)).toEqual([['a', 'b'], ['1;2', '3']]);
  });
});
