// Sending the UI build's files as Flask's send_from_directory does for `mlflow server`: index.html
// revalidated on every load (`no-cache`), hashed assets under /static-files cached for 28 days
// (max_age=2419200), ETag/Last-Modified with 304s, MIME type by extension. Paths are confined to the
// build directory.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { uiContentType } from './mime.js';

export const STATIC_MAX_AGE_SECONDS = 2419200;

/** `relative` inside `root`, or null if it escapes it or is not a plain relative path. */
export function resolveInside(root: string, relative: string): string | null {
  if (relative.includes('\0') || relative.includes('\\') || path.isAbsolute(relative)) return null;
  const full = path.resolve(root, relative);
  const rel = path.relative(root, full);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return full;
}

function etagOf(stat: fs.Stats): string {
  return `"${Math.floor(stat.mtimeMs).toString(16)}-${stat.size.toString(16)}"`;
}

function notModified(req: FastifyRequest, etag: string, mtime: Date): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) return ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*');
  const since = req.headers['if-modified-since'];
  return since !== undefined && Math.floor(mtime.getTime() / 1000) <= Math.floor(Date.parse(since) / 1000);
}

/**
 * Sends `file` (absolute). Answers 404 when it is missing or a directory; `cache` picks the
 * long-lived cache policy of hashed assets over index.html's revalidation.
 */
export async function sendBuildFile(req: FastifyRequest, reply: FastifyReply, file: string, cache: 'asset' | 'revalidate'): Promise<FastifyReply> {
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat?.isFile()) {
    return reply.status(404).type('text/plain; charset=utf-8').send('Not Found');
  }
  const etag = etagOf(stat);
  reply
    .header('Cache-Control', cache === 'asset' ? `public, max-age=${STATIC_MAX_AGE_SECONDS}` : 'no-cache')
    .header('ETag', etag)
    .header('Last-Modified', stat.mtime.toUTCString())
    .header('X-Content-Type-Options', 'nosniff');
  if (cache === 'asset') reply.header('Expires', new Date(Date.now() + STATIC_MAX_AGE_SECONDS * 1000).toUTCString());
  if (notModified(req, etag, stat.mtime)) return reply.status(304).send();
  return reply
    .type(uiContentType(file))
    .header('Content-Length', String(stat.size))
    // A HEAD gets the headers only: Fastify's automatic HEAD route would read a stream through and drop it.
    .send(req.method === 'HEAD' ? Readable.from([]) : fs.createReadStream(file));
}
