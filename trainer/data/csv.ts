/**
 * A small streaming CSV tokenizer (RFC 4180 plus what real exports do): quoted fields with doubled
 * quotes, delimiters and newlines inside quotes, LF / CRLF / lone CR line ends, a UTF-8 BOM, blank lines
 * skipped. Chunks may split a record, a field or a CRLF anywhere, so the whole file never has to be in
 * memory. It only splits text; deciding what a cell means is the table builder's job.
 */
import { createReadStream } from 'node:fs';
import { DataError } from './errors.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based physical line on which the record starts (for error messages). */
  line: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export class CsvParser {
  private readonly delim: number;
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  private afterQuote = false;
  private fieldQuoted = false;
  private skipLF = false;
  private atFileStart = true;
  private line = 1;
  private recordLine = 1;

  constructor(delimiter = ',') {
    if (delimiter.length !== 1) throw new Error('CSV delimiter must be one character');
    this.delim = delimiter.charCodeAt(0);
  }

  /** Feeds a chunk; returns the records it completed (possibly none). */
  push(chunk: string, out: CsvRecord[] = []): CsvRecord[] {
    const n = chunk.length;
    let i = 0;
    if (this.atFileStart && n > 0) {
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
      this.atFileStart = false;
    }
    let start = i; // first character of the current field not yet copied into `this.field`
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (this.inQuotes) {
        if (c === QUOTE) {
          this.field += chunk.slice(start, i);
          this.inQuotes = false;
          this.afterQuote = true;
          start = i + 1;
        } else if (c === LF) {
          this.line++;
        }
        i++;
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (c === QUOTE) {
          // A doubled quote inside a quoted field is one literal quote.
          this.field += '"';
          this.inQuotes = true;
          start = ++i;
          continue;
        }
      }
      if (this.skipLF) {
        this.skipLF = false;
        if (c === LF) {
          start = ++i;
          continue;
        }
      }
      if (c === this.delim) {
        this.fields.push(this.field + chunk.slice(start, i));
        this.field = '';
        this.fieldQuoted = false;
        start = ++i;
      } else if (c === LF || c === CR) {
        this.endRecord(this.field + chunk.slice(start, i), out);
        if (c === CR) this.skipLF = true;
        this.line++;
        this.recordLine = this.line;
        start = ++i;
      } else if (c === QUOTE && i === start && this.field === '' && !this.fieldQuoted) {
        this.inQuotes = true;
        this.fieldQuoted = true;
        start = ++i;
      } else {
        i++;
      }
    }
    this.field += chunk.slice(start, n);
    return out;
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(out: CsvRecord[] = []): CsvRecord[] {
    if (this.inQuotes) {
      throw new DataError('UNTERMINATED_QUOTE', 'a quoted field is never closed (missing closing ")', this.recordLine);
    }
    this.endRecord(this.field, out);
    return out;
  }

  private endRecord(lastField: string, out: CsvRecord[]): void {
    const blank = this.fields.length === 0 && lastField === '' && !this.fieldQuoted;
    if (!blank) {
      this.fields.push(lastField);
      out.push({ fields: this.fields, line: this.recordLine });
    }
    this.fields = [];
    this.field = '';
    this.fieldQuoted = false;
  }
}

/** Whole-string convenience for tests and small inputs. */
export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const parser = new CsvParser(delimiter);
  const out = parser.push(text);
  return parser.end(out);
}

/** Streams records from a file path or any source of text/Buffer chunks (decoded as UTF-8). */
export async function* readCsvRecords(
  source: string | AsyncIterable<string | Buffer>,
  delimiter = ',',
): AsyncGenerator<CsvRecord[]> {
  const parser = new CsvParser(delimiter);
  const decoder = new TextDecoder('utf-8');
  const input = typeof source === 'string' ? createReadStream(source) : source;
  for await (const chunk of input) {
    // TextDecoder in stream mode keeps a multi-byte character that straddles two chunks intact.
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const records = parser.push(text);
    if (records.length > 0) yield records;
  }
  const tail = parser.push(decoder.decode());
  yield parser.end(tail);
}
