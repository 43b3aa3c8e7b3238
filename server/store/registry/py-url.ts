// The few pieces of Python's urllib.parse and pathlib that MLflow's model-version source checks are
// written in (server/handlers.py _validate_source_*): a source is accepted or refused by how
// *Python* splits and decodes it, so the checks here split and decode the same way.
import fs from 'node:fs';
import path from 'node:path';

export interface PyUrl {
  scheme: string;
  netloc: string;
  path: string;
  params: string;
  query: string;
  fragment: string;
}

const SCHEME_CHARS = /^[A-Za-z0-9+\-.]+$/;
const USES_PARAMS = new Set(['', 'ftp', 'hdl', 'prospero', 'http', 'imap', 'https', 'shttp', 'rtsp', 'rtsps', 'rtspu', 'sip', 'sips', 'mms', 'sftp', 'tel']);

/** urllib.parse.urlsplit (Python 3.11), without the IPv6 bracket checks. */
export function urlsplit(url: string, allowFragments = true): Omit<PyUrl, 'params'> {
  // WHATWG leading C0/space stripping and removal of tab/CR/LF, as urlsplit does.
  let rest = url.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[A-Za-z]/.test(rest) && SCHEME_CHARS.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  if (rest.startsWith('//')) {
    let end = rest.length;
    for (const c of '/?#') {
      const i = rest.indexOf(c, 2);
      if (i >= 0) end = Math.min(end, i);
    }
    netloc = rest.slice(2, end);
    rest = rest.slice(end);
  }
  if (allowFragments && rest.includes('#')) {
    const i = rest.indexOf('#');
    fragment = rest.slice(i + 1);
    rest = rest.slice(0, i);
  }
  if (rest.includes('?')) {
    const i = rest.indexOf('?');
    query = rest.slice(i + 1);
    rest = rest.slice(0, i);
  }
  return { scheme, netloc, path: rest, query, fragment };
}

/** urllib.parse.urlparse: urlsplit plus `;params` of the last path segment for the schemes that have them. */
export function urlparse(url: string, allowFragments = true): PyUrl {
  const s = urlsplit(url, allowFragments);
  let p = s.path;
  let params = '';
  if (USES_PARAMS.has(s.scheme) && p.includes(';')) {
    const i = p.includes('/') ? p.indexOf(';', p.lastIndexOf('/')) : p.indexOf(';');
    if (i >= 0) {
      params = p.slice(i + 1);
      p = p.slice(0, i);
    }
  }
  return { ...s, path: p, params };
}

/** SplitResult.hostname: the host of the netloc, lower-cased, or undefined when empty. */
export function urlHostname(netloc: string): string | undefined {
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  let host: string;
  if (hostPort.startsWith('[')) host = hostPort.slice(1, hostPort.indexOf(']') >= 0 ? hostPort.indexOf(']') : undefined);
  else host = hostPort.split(':')[0] ?? '';
  return host === '' ? undefined : host.toLowerCase();
}

/** SplitResult.port: undefined when absent; throws where Python raises ValueError. */
export function urlPort(netloc: string): number | undefined {
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const afterHost = hostPort.startsWith('[') ? hostPort.slice(hostPort.indexOf(']') + 1) : hostPort;
  const colon = afterHost.indexOf(':');
  if (colon < 0) return undefined;
  const port = afterHost.slice(colon + 1);
  if (port === '') return undefined;
  if (!/^[0-9]+$/.test(port)) throw new RangeError(`Port could not be cast to integer value as ${JSON.stringify(port)}`);
  const n = Number(port);
  if (n > 65535) throw new RangeError('Port out of range 0-65535');
  return n;
}

const utf8 = new TextDecoder('utf-8');

/** urllib.parse.unquote: %XX runs decoded as UTF-8 (bad bytes become U+FFFD), stray `%` kept. */
export function unquote(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return utf8.decode(bytes);
  });
}

export function unquotePlus(s: string): string {
  return unquote(s.replace(/\+/g, ' '));
}

/** Decodes until nothing changes, so `%252e%252e` cannot hide a `..`. */
export function unquoteRepeatedly(s: string, decode: (x: string) => string = unquote): string {
  let current = s;
  for (;;) {
    const next = decode(current);
    if (next === current) return current;
    current = next;
  }
}

/**
 * pathlib.Path(p).resolve().as_posix() on POSIX: absolute (against the cwd), `.` and empty segments
 * dropped, symlinks resolved as far as the path exists (non-strict), the rest appended lexically.
 */
export function resolvePath(p: string, cwd: string = process.cwd()): string {
  const absolute = p.startsWith('/') ? p : `${cwd}/${p}`;
  const parts = absolute.split('/').filter((s) => s !== '' && s !== '.');
  for (let i = parts.length; i >= 0; i--) {
    const prefix = `/${parts.slice(0, i).join('/')}`;
    let real: string;
    try {
      real = fs.realpathSync.native(prefix);
    } catch {
      continue;
    }
    return path.posix.join(real, ...parts.slice(i));
  }
  return path.posix.normalize(`/${parts.join('/')}`);
}
