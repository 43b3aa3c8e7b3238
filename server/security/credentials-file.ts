// A users or tokens file: one `name:hash` per line, `#` comments, written atomically with mode 0600.
// The server rereads it when its mtime changes (checked at most once a second), so `minflow users add`
// takes effect without a restart.
import fs from 'node:fs';
import path from 'node:path';

export interface CredentialEntry {
  name: string;
  hash: string;
}

const NAME = /^[^:\s#][^:\r\n]*$/;

export function validName(name: string): boolean {
  return NAME.test(name) && name.trim() === name && name.length <= 256;
}

export function parseCredentials(text: string, isHash: (h: string) => boolean): { entries: CredentialEntry[]; problems: string[] } {
  const entries: CredentialEntry[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.lastIndexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    const hash = colon > 0 ? line.slice(colon + 1) : '';
    if (!validName(name) || !isHash(hash)) problems.push(`line ${i + 1} is not name:hash`);
    else entries.push({ name, hash });
  });
  return { entries, problems };
}

export function formatCredentials(entries: readonly CredentialEntry[], header: string): string {
  return `${header}\n${entries.map((e) => `${e.name}:${e.hash}`).join('\n')}${entries.length ? '\n' : ''}`;
}

export class CredentialsFile {
  private cache: { mtimeMs: number; size: number; entries: CredentialEntry[] } | null = null;
  private checkedAt = 0;
  /** Called with the problems of a freshly read file (malformed lines are skipped, not fatal). */
  onProblems: (problems: string[]) => void = () => {};

  constructor(
    readonly file: string,
    private readonly isHash: (h: string) => boolean,
  ) {}

  exists(): boolean {
    return fs.existsSync(this.file);
  }

  /** The entries as of the last change to the file ([] when it is missing). */
  entries(now = Date.now()): CredentialEntry[] {
    if (this.cache && now - this.checkedAt < 1000) return this.cache.entries;
    this.checkedAt = now;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      this.cache = { mtimeMs: 0, size: 0, entries: [] };
      return [];
    }
    if (this.cache && this.cache.mtimeMs === stat.mtimeMs && this.cache.size === stat.size) return this.cache.entries;
    const { entries, problems } = parseCredentials(fs.readFileSync(this.file, 'utf8'), this.isHash);
    if (problems.length > 0) this.onProblems(problems);
    this.cache = { mtimeMs: stat.mtimeMs, size: stat.size, entries };
    return entries;
  }

  /** Rewrites the file with `entries` (temp file + rename, owner-only permissions). */
  write(entries: readonly CredentialEntry[], header: string): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, formatCredentials(entries, header), { mode: 0o600 });
    fs.renameSync(temp, this.file);
    this.cache = null;
  }
}
