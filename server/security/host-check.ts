// DNS-rebinding and cross-site request defences, as MLflow 3.x's security middleware
// (mlflow/server/security.py, security_utils.py):
// - the Host header must match --allowed-hosts (fnmatch patterns; '*' = any). The default accepts
//   localhost names and loopback/private IP literals. MLflow's default spells the private ranges as
//   patterns like `10.*`, which a name such as `10.attacker.example` also matches; here the host
//   must really be an IP address in those ranges.
// - a state-changing API request (POST/PUT/DELETE/PATCH) carrying an Origin header must come from a
//   localhost origin or one of --cors-allowed-origins, so a page elsewhere cannot drive the API.
import net from 'node:net';

const LOCALHOST_NAMES = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const LOCALHOST_ORIGIN_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Python's fnmatch.fnmatch (POSIX: case-sensitive; we lower-case hosts first). */
export function fnmatch(text: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        body = body.startsWith('!') ? `^${body.slice(1)}` : body;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(text);
}

/** `host[:port]` or `[v6]:port` → the host name or address, lower case, brackets removed. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** Loopback and RFC 1918 / RFC 4193 addresses (MLflow's get_private_ip_patterns, as real ranges). */
export function isLocalOrPrivateIp(address: string): boolean {
  const kind = net.isIP(address);
  if (kind === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || address === '0.0.0.0';
  }
  if (kind === 6) {
    const lower = address.toLowerCase();
    if (lower === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isLocalOrPrivateIp(mapped[1]!);
    return /^f[cd][0-9a-f]{0,2}:/.test(lower);
  }
  return false;
}

export function isAllowedHost(hostHeader: string | undefined, allowed: readonly string[] | null): boolean {
  if (!hostHeader) return false;
  if (allowed === null) {
    const name = hostName(hostHeader);
    return LOCALHOST_NAMES.has(name) || isLocalOrPrivateIp(name);
  }
  const host = hostHeader.trim().toLowerCase();
  const name = hostName(host);
  const bracketed = host.startsWith('[') ? `[${name}]` : name;
  // As MLflow, a pattern is matched against the whole header; one without a port also matches any port.
  const matches = (text: string, p: string) => (p.includes('*') ? fnmatch(text, p) : text === p);
  return allowed.some((raw) => {
    const p = raw.toLowerCase();
    return p === '*' || matches(host, p) || (!/:\d*$|:\*$/.test(p) && matches(bracketed, p));
  });
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * should_block_cors_request: a state-changing request from a foreign page. Unlike MLflow, a page of
 * this very server (Origin host = Host header, which the host check has vetted) is not foreign: the UI
 * served from http://mlflow.internal:5000 can post to it without --cors-allowed-origins.
 */
export function isBlockedCrossOrigin(origin: string | undefined, method: string, allowedOrigins: readonly string[], hostHeader?: string): boolean {
  if (!origin || !STATE_CHANGING.has(method)) return false;
  const host = originHost(origin);
  if (host !== null && (LOCALHOST_ORIGIN_HOSTS.has(new URL(origin).hostname) || host === hostHeader?.trim().toLowerCase())) return false;
  if (allowedOrigins.includes('*')) return false;
  return !allowedOrigins.some((a) => (a.includes('*') ? fnmatch(origin, a) : origin === a));
}
