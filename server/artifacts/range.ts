// HTTP Range requests on artifact downloads (RFC 9110 §14), as MLflow's Flask send_file answers them:
// one `bytes=` range → 206 with Content-Range; a range past the end → 416 with `Content-Range: bytes */size`;
// anything else (several ranges, another unit, bad syntax) → the whole file. Both stores read only the
// bytes asked for (a file read from an offset; an S3 GetObject with Range).

/** A requested range before the size is known: `start-end`, `start-` or the last `suffix` bytes. */
export type RangeRequest = { start: number; end?: number } | { suffix: number };

/** Resolved, inclusive byte positions of the file. */
export interface ByteRange {
  start: number;
  end: number;
}

export class RangeNotSatisfiable extends Error {
  constructor(readonly size: number) {
    super(`Requested range not satisfiable (size ${size})`);
  }
}

/** The one range of a Range header, or undefined when it is absent or not a single byte range. */
export function parseRangeHeader(header: string | string[] | undefined): RangeRequest | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') return { suffix: Number(m[2]) };
  const start = Number(m[1]);
  if (m[2] === '') return { start };
  const end = Number(m[2]);
  return end < start ? undefined : { start, end };
}

/** The bytes of a file of `size` a request asks for; throws RangeNotSatisfiable past the end. */
export function resolveRange(range: RangeRequest, size: number): ByteRange {
  if ('suffix' in range) {
    if (range.suffix === 0 || size === 0) throw new RangeNotSatisfiable(size);
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (range.start >= size) throw new RangeNotSatisfiable(size);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}
