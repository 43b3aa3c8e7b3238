/**
 * Turns CSV records into typed columns as they stream in. Each column starts numeric (a growable
 * Float64Array, missing → NaN) and falls back to text the first time a cell is not a number, so one pass
 * is enough. Columns the caller asks to keep as text (ids, dates, the target) never go through number
 * parsing, which keeps spellings such as "007" intact for grouping.
 */
import type { CsvRecord } from './csv.js';
import { DataError } from './errors.js';
import { isMissing, parseNumericCell } from './missing.js';

export type RawColumn =
  /** `integerText`: every cell is written as an integer ("12", never "12.0" or blank): pandas reads it as int64. */
  | { name: string; kind: 'numeric'; values: Float64Array; integerText: boolean }
  /** Text cells; `null` marks a missing cell. */
  | { name: string; kind: 'text'; values: (string | null)[] };

export interface RawTable {
  header: string[];
  columns: RawColumn[];
  nRows: number;
}

class GrowableFloat64 {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

type Builder = { kind: 'numeric'; values: GrowableFloat64; integerText: boolean } | { kind: 'text'; values: (string | null)[] };

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

export class TableBuilder {
  private header: string[] | undefined;
  private builders: Builder[] = [];
  private nRows = 0;

  /** @param keepAsText decides, once the header is known, which columns stay raw text. */
  constructor(private readonly keepAsText: (header: string[]) => Set<string>) {}

  add(records: CsvRecord[]): void {
    for (const record of records) {
      if (this.header === undefined) {
        this.setHeader(record);
        continue;
      }
      this.addRow(record);
    }
  }

  finish(): RawTable {
    if (this.header === undefined) throw new DataError('EMPTY_FILE', 'the file is empty: expected a header row');
    if (this.nRows === 0) throw new DataError('NO_ROWS', 'the file has a header but no data rows');
    const header = this.header;
    const columns = this.builders.map((b, j): RawColumn => {
      const name = header[j]!;
      return b.kind === 'numeric'
        ? { name, kind: 'numeric', values: b.values.toArray(), integerText: b.integerText }
        : { name, kind: 'text', values: b.values };
    });
    return { header, columns, nRows: this.nRows };
  }

  private setHeader(record: CsvRecord): void {
    const header = record.fields.map((f) => f.trim());
    const seen = new Set<string>();
    for (const name of header) {
      if (seen.has(name)) throw new DataError('DUPLICATE_COLUMN', `column "${name}" appears twice in the header`, record.line);
      seen.add(name);
    }
    const text = this.keepAsText(header);
    this.header = header;
    this.builders = header.map((name) =>
      text.has(name) ? { kind: 'text', values: [] } : { kind: 'numeric', values: new GrowableFloat64(), integerText: true },
    );
  }

  private addRow(record: CsvRecord): void {
    const fields = record.fields;
    const width = this.builders.length;
    if (fields.length !== width) {
      throw new DataError(
        'RAGGED_ROW',
        `expected ${width} fields like the header, found ${fields.length}`,
        record.line,
      );
    }
    for (let j = 0; j < width; j++) {
      const b = this.builders[j]!;
      const cell = fields[j]!;
      if (b.kind === 'text') {
        b.values.push(isMissing(cell) ? null : cell.trim());
        continue;
      }
      const v = parseNumericCell(cell);
      if (v !== undefined) {
        b.values.push(v);
        if (b.integerText && !INTEGER_TEXT.test(cell)) b.integerText = false;
        continue;
      }
      // First non-numeric cell: the column is categorical. Earlier numbers become their canonical
      // spelling ("1.50" → "1.5"), which is what they meant as numbers anyway.
      const text: (string | null)[] = Array.from(b.values.toArray(), (x) => (Number.isNaN(x) ? null : String(x)));
      text.push(cell.trim());
      this.builders[j] = { kind: 'text', values: text };
    }
    this.nRows++;
  }
}
