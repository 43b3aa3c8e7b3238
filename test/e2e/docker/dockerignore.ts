// .dockerignore as Docker reads it (moby/patternmatcher): one pattern per line, relative to the context
// root (a leading / is dropped), `#` comments, `*` and `?` within one path segment, `**` across any
// number of segments, `!` re-includes; the last matching pattern decides, and a pattern that matches a
// directory matches everything below it. Unlike .gitignore, `node_modules` means the top-level one only.
// Character classes are refused rather than half-supported.

export interface IgnorePattern {
  pattern: string;
  negate: boolean;
  regex: RegExp;
}

function toRegex(pattern: string): RegExp {
  if (/[[\]\\]/.test(pattern)) throw new Error(`.dockerignore pattern '${pattern}': character classes and escapes are not supported by this reader`);
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else {
        re += '.*';
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function clean(pattern: string): string {
  const parts: string[] = [];
  for (const part of pattern.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    const pattern = clean(line);
    if (pattern === '') continue;
    out.push({ pattern, negate, regex: toRegex(pattern) });
  }
  return out;
}

/** True when `rel` (a path relative to the context root, with /) is left out of the build context. */
export function isIgnored(patterns: IgnorePattern[], rel: string): boolean {
  const segments = rel.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of patterns) {
    if (candidates.some((c) => p.regex.test(c))) ignored = !p.negate;
  }
  return ignored;
}
