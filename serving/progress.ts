// A progress line on stderr for batch scoring. On a terminal it redraws one line (at most 10 times a
// second); elsewhere (logs, CI) it prints a line per 10% of the input, so logs stay short.

export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export class Progress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastDecile = -1;
  private drawn = false;

  constructor(
    private readonly out: ProgressStream,
    /** Input size in bytes, when known (not for stdin). */
    private readonly totalBytes: number | null,
    private readonly enabled = true,
  ) {}

  update(bytes: number, rows: number): void {
    if (!this.enabled) return;
    const fraction = this.totalBytes ? Math.min(1, bytes / this.totalBytes) : null;
    if (this.out.isTTY) {
      const now = performance.now();
      if (now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.out.write(`\r${this.line(fraction, bytes, rows)}\x1b[K`);
      this.drawn = true;
    } else if (fraction !== null) {
      const decile = Math.floor(fraction * 10);
      if (decile > this.lastDecile && decile < 10) {
        this.lastDecile = decile;
        this.out.write(`${this.line(fraction, bytes, rows)}\n`);
      }
    }
  }

  done(rows: number, target: string): void {
    if (!this.enabled) return;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(rows / seconds) : rows;
    const summary = `scored ${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} rows/s) → ${target}`;
    this.out.write(`${this.drawn ? '\r\x1b[K' : ''}${summary}\n`);
  }

  private line(fraction: number | null, bytes: number, rows: number): string {
    const count = `${rows.toLocaleString('en-US')} rows, ${formatBytes(bytes)}`;
    if (fraction === null) return `scoring… ${count}`;
    const width = 30;
    const filled = Math.round(fraction * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${count}`;
  }
}
