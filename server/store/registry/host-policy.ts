// Which hosts a tracking server may be made to connect to (mlflow/store/artifact/host_policy.py): the
// artifact repositories for http(s), mlflow-artifacts://host, ftp, sftp, hdfs, ... connect to the host
// in the URI, so a location a client stores could point the server anywhere (GHSA-mr9f-g8qf-4w4j).
// Only the hosts of the server's own --default-artifact-root / --artifacts-destination are trusted.
import { invalidParameter } from '../../errors.js';
import { urlHostname, urlparse, urlPort } from './py-url.js';

const HOST_ADDRESSED_SCHEMES = new Set(['ftp', 'sftp', 'hdfs', 'viewfs', 'http', 'https', 'mlflow-artifacts', 'r2', 'b2', 'abfss']);
const SCHEME_FAMILIES: Readonly<Record<string, string>> = { viewfs: 'hdfs', https: 'http', 'mlflow-artifacts': 'http' };
const DEFAULT_PORTS: Readonly<Record<string, readonly number[]>> = {
  ftp: [21],
  sftp: [22],
  http: [80],
  https: [443],
  'mlflow-artifacts': [80, 443],
  r2: [443],
  b2: [443],
  abfss: [443],
};

/** host_addressed_uri_targets: "family host port" strings, or undefined when the URI names no host. */
function hostTargets(uri: string): string[] | undefined {
  const parsed = urlparse(uri);
  const scheme = parsed.scheme;
  if (!HOST_ADDRESSED_SCHEMES.has(scheme)) return undefined;
  if (scheme === 'mlflow-artifacts' && !parsed.netloc) return undefined;
  const malformed = [`malformed ${parsed.netloc}`];
  if (parsed.netloc.includes('\\') || /\s/.test(parsed.netloc)) return malformed;
  let port: number | undefined;
  try {
    port = urlPort(parsed.netloc);
  } catch {
    return malformed;
  }
  const family = SCHEME_FAMILIES[scheme] ?? scheme;
  const host = urlHostname(parsed.netloc) ?? '';
  const ports = port !== undefined ? [port] : (DEFAULT_PORTS[scheme] ?? [undefined]);
  return ports.map((p) => `${family} ${host} ${p ?? ''}`);
}

/**
 * _validate_artifact_uri_scheme: a URI that names a host is accepted only when the host is one of the
 * server's own artifact roots, or its scheme is allowed by MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES.
 */
export function validateArtifactUriScheme(
  uri: string,
  fieldName: string,
  trustedArtifactRoots: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): void {
  const targets = hostTargets(uri);
  if (targets === undefined) return;
  const scheme = urlparse(uri).scheme;
  const allowed = (env.MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (allowed.includes(scheme)) return;
  const trusted = new Set(trustedArtifactRoots.flatMap((root) => hostTargets(root) ?? []));
  if (targets.some((t) => trusted.has(t))) return;
  throw invalidParameter(
    `'${fieldName}' cannot use the '${scheme}' scheme: the '${scheme}' scheme addresses a host other than the tracking ` +
      "server's configured artifact storage, so the server would connect to the host named in the URI. Set the " +
      'MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it.',
  );
}
