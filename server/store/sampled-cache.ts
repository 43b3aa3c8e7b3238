// Sampled metric histories already written (sampled-history.ts), each kept with the row count it was
// made from and served again only while the count in the reader's snapshot is the same. Least recently
// used entries go first once the texts pass `maxChars` (a bound on memory, not a time to live: an entry
// is never stale, the count proves it current).
export class SampledCache {
  private readonly entries = new Map<string, { rows: number; text: string }>();
  private chars = 0;

  constructor(private readonly maxChars = 16 * 1024 * 1024) {}

  get(key: string, rows: number): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.rows !== rows) return undefined;
    // Most recently used last: a Map iterates in insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.text;
  }

  set(key: string, rows: number, text: string): void {
    const old = this.entries.get(key);
    if (old) {
      this.chars -= old.text.length;
      this.entries.delete(key);
    }
    if (text.length > this.maxChars) return;
    this.entries.set(key, { rows, text });
    this.chars += text.length;
    for (const [k, e] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.entries.delete(k);
      this.chars -= e.text.length;
    }
  }
}
