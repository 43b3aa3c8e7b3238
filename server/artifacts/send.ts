// Sending an artifact file the way MLflow does (_response_with_file_attachment_headers): always as an
// attachment (so a browser never renders it on our origin), nosniff, and MLflow's MIME guess —
// text/plain for the text-like extensions it lists (MLmodel included), else by extension. Range
// requests are answered as Flask's conditional send_file answers them (range.ts).
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RangeNotSatisfiable, parseRangeHeader, type RangeRequest } from './range.js';
import type { ArtifactReadable, ArtifactStore } from './store.js';

const TEXT_EXTENSIONS = new Set([
  'txt', 'log', 'err', 'cfg', 'conf', 'cnf', 'cf', 'ini', 'properties', 'prop', 'hocon', 'toml', 'yaml', 'yml',
  'xml', 'json', 'js', 'py', 'py3', 'csv', 'tsv', 'md', 'rst', 'ipynb', 'MLmodel', 'mlproject', // MLflow's MLPROJECT_FILE_NAME is lower-case
]);

// Python's mimetypes table for the extensions artifacts commonly have.
const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  ico: 'image/vnd.microsoft.icon',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  wav: 'audio/x-wav',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  webm: 'video/webm',
};

export function guessMimeType(fileName: string): string {
  const base = fileName.split('/').pop() ?? fileName;
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 ? base.slice(dot + 1) : base;
  if (TEXT_EXTENSIONS.has(extension)) return 'text/plain';
  // Own properties only: a file named `__proto__` or `constructor` must not find Object's.
  const lower = extension.toLowerCase();
  return Object.hasOwn(MIME_BY_EXTENSION, lower) ? MIME_BY_EXTENSION[lower]! : 'application/octet-stream';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 6266 attachment header with an RFC 5987 filename* for non-ASCII names (werkzeug's quoting). */
export function contentDisposition(fileName: string): string {
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(fileName);
  const quote = (v: string) => (TOKEN.test(v) ? v : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  if (ascii) return `attachment; filename=${quote(fileName)}`;
  // eslint-disable-next-line no-control-regex
  const fallback = fileName.normalize('NFKD').replace(/[^\x00-\x7f]/g, '') || 'download';
  const encoded = encodeURIComponent(fileName).replace(/['()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename=${quote(fallback)}; filename*=UTF-8''${encoded}`;
}

export function sendArtifact(reply: FastifyReply, file: ArtifactReadable, artifactPath: string): FastifyReply {
  const name = artifactPath.split('/').pop() || artifactPath;
  reply
    .header('Content-Type', guessMimeType(name))
    .header('Content-Disposition', contentDisposition(name))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Accept-Ranges', 'bytes')
    .header('Content-Length', String(file.size));
  if (file.range) reply.status(206).header('Content-Range', `bytes ${file.range.start}-${file.range.end}/${file.range.total}`);
  return reply.send(file.stream);
}

/**
 * The store's read() for a GET. For a HEAD the same size and range without the bytes: the store's
 * stat() (S3: HeadObject), else a read whose stream is closed before it reads — and an empty body,
 * because Fastify's automatic HEAD route would otherwise read the whole stream and drop it.
 */
export async function openArtifact(req: FastifyRequest, store: ArtifactStore, path: string, range?: RangeRequest): Promise<ArtifactReadable> {
  if (req.method !== 'HEAD') return store.read(path, range);
  if (store.stat) return { ...(await store.stat(path, range)), stream: Readable.from([]) };
  const file = await store.read(path, range);
  file.stream.destroy();
  return { ...file, stream: Readable.from([]) };
}

/**
 * Reads an artifact with the request's Range (a single byte range; anything else reads the whole
 * file) and sends it: 200, 206 with Content-Range, or 416 with `Content-Range: bytes *\/size`.
 */
export async function sendArtifactRange(
  req: FastifyRequest,
  reply: FastifyReply,
  read: (range?: RangeRequest) => Promise<ArtifactReadable>,
  artifactPath: string,
): Promise<FastifyReply> {
  try {
    return sendArtifact(reply, await read(parseRangeHeader(req.headers.range)), artifactPath);
  } catch (e) {
    if (!(e instanceof RangeNotSatisfiable)) throw e;
    return reply
      .status(416)
      .header('Content-Range', `bytes */${e.size}`)
      .header('Accept-Ranges', 'bytes')
      .type('text/plain; charset=utf-8')
      .send('Requested Range Not Satisfiable');
  }
}
