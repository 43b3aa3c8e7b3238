// MLflow's resolve_uri_if_local (mlflow/utils/uri.py), which create_experiment applies to the
// artifact_location it is given: a relative local path (no scheme, or file: with a relative path)
// becomes absolute against the server's working directory — `my_location` → `/abs/cwd/my_location`,
// `file:rel` → `file:///abs/cwd/rel` — so the location means the same files whichever process reads it.
import path from 'node:path';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

export function resolveUriIfLocal(uri: string, cwd: string = process.cwd()): string {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase() ?? '';
  if (scheme === '') {
    return path.isAbsolute(uri) ? uri : path.posix.join(cwd.split(path.sep).join('/'), uri);
  }
  if (scheme !== 'file') return uri;
  // file://host/path with a remote host is not local (MLflow refuses it elsewhere); keep it as given.
  const m = /^file:(\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(uri);
  if (!m) return uri;
  const host = m[2] ?? '';
  if (host !== '' && host !== 'localhost' && host !== '127.0.0.1' && host !== '.') return uri;
  const rawPath = (host === '.' ? './' : '') + decodeURIComponent(m[3] ?? '');
  if (rawPath.startsWith('/')) return uri;
  return `file://${path.posix.join(cwd.split(path.sep).join('/'), rawPath)}${m[4] ?? ''}${m[5] ?? ''}`;
}
