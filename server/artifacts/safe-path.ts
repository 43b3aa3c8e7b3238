// Artifact paths arrive from clients; every one is checked before it touches the filesystem, as MLflow's
// validate_path_is_safe: decoded repeatedly (so %2e%2e and %252e%252e are caught), then refused if it
// holds '#', a backslash, a '..' segment, a NUL or other control character, or is absolute.
import { invalidParameter } from '../errors.js';

export function invalidPath(): Error {
  return invalidParameter('Invalid path');
}

/** Percent-decodes until the text stops changing (at most 10 rounds), as MLflow's _decode. */
export function decodeFully(s: string): string {
  let current = s;
  for (let i = 0; i < 10; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      // A lone '%' is not an escape: keep the text as it is.
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/**
 * The path, decoded and checked, as a relative POSIX path ('' for the root). `file://` URIs are read
 * as their path, then checked like any other.
 */
export function validatePathIsSafe(raw: string): string {
  let path = decodeFully(raw);
  if (path.includes('#')) throw invalidPath();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw invalidPath();
  if (/^file:/i.test(path)) path = path.replace(/^file:(\/\/[^/]*)?/i, '');
  if (path.includes('\\')) throw invalidPath();
  if (path.startsWith('/')) throw invalidPath();
  if (/^[a-zA-Z]:/.test(path)) throw invalidPath();
  const segments = path.split('/');
  if (segments.includes('..')) throw invalidPath();
  return segments.filter((s) => s !== '' && s !== '.').join('/');
}
