// A Dockerfile parser for the instructions Minflow's Dockerfile uses (ARG, FROM … AS, WORKDIR, ENV, COPY
// with --from/--chown, RUN, USER, EXPOSE, VOLUME, HEALTHCHECK, ENTRYPOINT, CMD), following the Dockerfile
// reference: `\` continues a line, `#` starts a comment line (also inside a continued instruction),
// JSON arrays are the exec form, ${VAR} / ${VAR:-default} / ${VAR:+word} are substituted in the
// instructions that support it. Anything else is refused loudly rather than half-understood.

export type Instruction =
  | { kind: 'ARG'; line: number; name: string; default?: string }
  | { kind: 'FROM'; line: number; image: string; as?: string }
  | { kind: 'WORKDIR'; line: number; path: string }
  | { kind: 'ENV'; line: number; pairs: [string, string][] }
  | { kind: 'COPY'; line: number; from?: string; chown?: string; sources: string[]; dest: string }
  | { kind: 'RUN'; line: number; shell: string }
  | { kind: 'USER'; line: number; user: string }
  | { kind: 'EXPOSE'; line: number; ports: string[] }
  | { kind: 'VOLUME'; line: number; paths: string[] }
  | { kind: 'HEALTHCHECK'; line: number; options: Record<string, string>; command: string[] | null }
  | { kind: 'ENTRYPOINT'; line: number; exec: string[] }
  | { kind: 'CMD'; line: number; exec: string[] };

export class DockerfileError extends Error {}

/** Joins continuation lines; drops comments and blank lines. Returns [line number, text] per instruction. */
function logicalLines(text: string): [number, string][] {
  const out: [number, string][] = [];
  const lines = text.split(/\r?\n/);
  let current: string | null = null;
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (i === 0 || (current === null && out.length === 0)) {
      const directive = /^#\s*(\w+)\s*=\s*(.*)$/.exec(trimmed);
      if (directive && directive[1]!.toLowerCase() === 'escape' && directive[2]!.trim() !== '\\') {
        throw new DockerfileError('only the default escape character (\\) is supported');
      }
    }
    if (trimmed.startsWith('#')) continue; // comments, also between continued lines
    if (current === null && trimmed === '') continue;
    if (current === null) {
      current = '';
      start = i + 1;
    }
    if (/\\\s*$/.test(raw)) {
      current += raw.replace(/\\\s*$/, '');
      continue;
    }
    current += raw;
    out.push([start, current.trim()]);
    current = null;
  }
  if (current !== null) throw new DockerfileError(`line ${start}: the file ends inside a continued instruction`);
  return out;
}

/** The exec form: a JSON array of strings, or null when `rest` is the shell form. */
function execForm(rest: string, line: number): string[] | null {
  if (!rest.startsWith('[')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch {
    throw new DockerfileError(`line ${line}: '${rest}' looks like an exec form but is not a JSON array`);
  }
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) {
    throw new DockerfileError(`line ${line}: the exec form must be a JSON array of strings`);
  }
  return parsed as string[];
}

/** Words split on whitespace, with "double" / 'single' quotes and backslash escapes (ENV, COPY). */
export function words(text: string, line: number): string[] {
  const out: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i]!;
      else word += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (word !== null) out.push(word);
      word = null;
      continue;
    }
    word ??= '';
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < text.length) word += text[++i]!;
    else word += c;
  }
  if (quote) throw new DockerfileError(`line ${line}: unterminated ${quote}`);
  if (word !== null) out.push(word);
  return out;
}

/** Leading `--name=value` flags; refuses flags not in `allowed`. */
function flags(rest: string, allowed: string[], line: number, keyword: string): { flags: Record<string, string>; rest: string } {
  const found: Record<string, string> = {};
  let remaining = rest;
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s*/.exec(remaining);
    if (!m) break;
    if (!allowed.includes(m[1]!)) throw new DockerfileError(`line ${line}: ${keyword} --${m[1]} is not supported here`);
    found[m[1]!] = m[2]!;
    remaining = remaining.slice(m[0].length);
  }
  if (/^--/.test(remaining)) throw new DockerfileError(`line ${line}: cannot read the ${keyword} flag in '${remaining}'`);
  return { flags: found, rest: remaining };
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  for (const [line, logical] of logicalLines(text)) {
    const m = /^(\S+)\s*(.*)$/s.exec(logical)!;
    const keyword = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    switch (keyword) {
      case 'ARG': {
        const a = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(rest);
        if (!a) throw new DockerfileError(`line ${line}: ARG takes one NAME[=default]`);
        out.push({ kind: 'ARG', line, name: a[1]!, ...(a[2] !== undefined ? { default: words(a[2], line).join(' ') } : {}) });
        break;
      }
      case 'FROM': {
        const f = /^(\S+)(?:\s+[Aa][Ss]\s+(\S+))?$/.exec(rest);
        if (!f || rest.startsWith('--')) throw new DockerfileError(`line ${line}: FROM <image> [AS <name>] expected`);
        out.push({ kind: 'FROM', line, image: f[1]!, ...(f[2] ? { as: f[2].toLowerCase() } : {}) });
        break;
      }
      case 'WORKDIR':
        out.push({ kind: 'WORKDIR', line, path: rest });
        break;
      case 'ENV': {
        const pairs = words(rest, line).map((w): [string, string] => {
          const eq = w.indexOf('=');
          if (eq <= 0) throw new DockerfileError(`line ${line}: ENV takes KEY=value pairs (the legacy 'ENV KEY value' form is not supported)`);
          return [w.slice(0, eq), w.slice(eq + 1)];
        });
        out.push({ kind: 'ENV', line, pairs });
        break;
      }
      case 'COPY': {
        const { flags: f, rest: r } = flags(rest, ['from', 'chown'], line, 'COPY');
        const list = execForm(r, line) ?? words(r, line);
        if (list.length < 2) throw new DockerfileError(`line ${line}: COPY needs a source and a destination`);
        out.push({ kind: 'COPY', line, ...(f.from ? { from: f.from } : {}), ...(f.chown ? { chown: f.chown } : {}), sources: list.slice(0, -1), dest: list.at(-1)! });
        break;
      }
      case 'RUN': {
        if (rest.startsWith('--')) throw new DockerfileError(`line ${line}: RUN flags (--mount, …) are not supported`);
        const exec = execForm(rest, line);
        if (exec) throw new DockerfileError(`line ${line}: use the shell form of RUN`);
        out.push({ kind: 'RUN', line, shell: rest });
        break;
      }
      case 'USER':
        out.push({ kind: 'USER', line, user: rest });
        break;
      case 'EXPOSE':
        out.push({ kind: 'EXPOSE', line, ports: words(rest, line) });
        break;
      case 'VOLUME':
        out.push({ kind: 'VOLUME', line, paths: execForm(rest, line) ?? words(rest, line) });
        break;
      case 'HEALTHCHECK': {
        if (/^NONE$/i.test(rest)) {
          out.push({ kind: 'HEALTHCHECK', line, options: {}, command: null });
          break;
        }
        const { flags: f, rest: r } = flags(rest, ['interval', 'timeout', 'start-period', 'start-interval', 'retries'], line, 'HEALTHCHECK');
        const c = /^CMD\s+(.*)$/is.exec(r);
        if (!c) throw new DockerfileError(`line ${line}: HEALTHCHECK [options] CMD <command> expected`);
        out.push({ kind: 'HEALTHCHECK', line, options: f, command: execForm(c[1]!.trim(), line) ?? ['/bin/sh', '-c', c[1]!.trim()] });
        break;
      }
      case 'ENTRYPOINT':
      case 'CMD':
        out.push({ kind: keyword as 'ENTRYPOINT' | 'CMD', line, exec: execForm(rest, line) ?? ['/bin/sh', '-c', rest] });
        break;
      default:
        throw new DockerfileError(`line ${line}: ${keyword} is not an instruction this parser knows`);
    }
  }
  return out;
}

/**
 * Dockerfile variable substitution: $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word}; `\$` is a literal
 * dollar. An unset variable is the empty string, as in Docker.
 */
export function substitute(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, op?: string, word?: string, bare?: string) => {
    if (whole === '\\$') return '$';
    const value = vars[braced ?? bare!];
    if (op === '-') return value ? value : word!;
    if (op === '+') return value ? word! : '';
    return value ?? '';
  });
}

export interface StageSummary {
  index: number;
  /** The name after AS, else the index as a string (how COPY --from may refer to it). */
  name: string;
  image: string;
  instructions: Instruction[];
}

/** Global ARGs (before the first FROM) and the stages, with FROM's image substituted from those ARGs. */
export function stagesOf(instructions: Instruction[], buildArgs: Record<string, string> = {}): { globalArgs: Record<string, string | undefined>; stages: StageSummary[] } {
  const globalArgs: Record<string, string | undefined> = {};
  const stages: StageSummary[] = [];
  for (const ins of instructions) {
    if (ins.kind === 'FROM') {
      const image = substitute(ins.image, globalArgs);
      stages.push({ index: stages.length, name: ins.as ?? String(stages.length), image, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.kind !== 'ARG') throw new DockerfileError(`line ${ins.line}: only ARG may come before the first FROM`);
      globalArgs[ins.name] = buildArgs[ins.name] ?? ins.default;
    } else {
      stages.at(-1)!.instructions.push(ins);
    }
  }
  if (stages.length === 0) throw new DockerfileError('no FROM');
  return { globalArgs, stages };
}
