// Doubled slashes as `mlflow server` treats them. A path that starts with several slashes is served as
// if it had one (`//api/2.0/...`, `//model-versions/get-artifact`: the ASGI front hands Flask the path
// with its leading slashes merged). Doubled slashes further in are merged by werkzeug's router
// (merge_slashes), which answers a 308 redirect to the merged URL when that URL names a route; a
// wildcard path segment (artifact paths) keeps them, so `artifacts//x` still fails path validation.

/** '//api/x?a=b' → '/api/x?a=b'; anything else unchanged. */
export function collapseLeadingSlashes(url: string): string {
  return url.startsWith('//') ? url.replace(/^\/+/, '/') : url;
}

/** The URL with its path's slash runs merged, or null when the path has none. The query is kept. */
export function mergedSlashesUrl(url: string): string | null {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (!path.includes('//')) return null;
  return path.replace(/\/{2,}/g, '/') + (q === -1 ? '' : url.slice(q));
}
