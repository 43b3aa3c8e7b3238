// Artifact URI helpers with MLflow's semantics (mlflow/utils/uri.py append_to_uri_path).

/** Appends POSIX path segments to a URI's path, keeping its scheme and query string. */
export function appendToUriPath(uri: string, ...parts: string[]): string {
  const suffix = parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p.length > 0)
    .join('/');
  if (!suffix) return uri;
  const q = uri.indexOf('?');
  const base = q >= 0 ? uri.slice(0, q) : uri;
  const query = q >= 0 ? uri.slice(q) : '';
  return `${base.endsWith('/') ? base : `${base}/`}${suffix}${query}`;
}
