// The trainer's progress on stderr. On a terminal: one line redrawn in place (spinner, phase, bar,
// elapsed time); elsewhere (CI logs, pipes): one plain line per phase, so logs stay readable.
// A forest fits synchronously on the main thread, so during a fit the line cannot animate; it names
// the phase before the fit starts and moves on when it ends.
import type { ProgressSink } from '../tracking/progress-sink.js';

const SPINNER = ['|', '/', '-', '\\'];
const BAR_WIDTH = 24;

interface Output {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export class ProgressBar implements ProgressSink {
  private label = '';
  private total = 1;
  private done = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly out: Output = process.stderr,
    options: { tty?: boolean } = {},
  ) {
    this.tty = options.tty ?? out.isTTY === true;
  }

  phase(label: string, total: number): void {
    this.label = label;
    this.total = Math.max(1, total);
    this.done = 0;
    if (!this.tty) {
      this.out.write(`[${this.elapsed()}] ${label}\n`);
      return;
    }
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.draw(), 120);
      this.timer.unref();
    }
    this.draw();
  }

  advance(units: number): void {
    this.done = Math.min(this.total, this.done + units);
    if (this.tty) this.draw();
  }

  note(message: string): void {
    if (this.tty) this.out.write('\r\x1b[2K');
    this.out.write(`${message}\n`);
    if (this.tty && this.timer !== undefined) this.draw();
  }

  end(): void {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.out.write('\r\x1b[2K');
    }
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }

  /** The line as drawn on a terminal (exposed for tests). */
  line(): string {
    const fraction = this.done / this.total;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
    const text = `${SPINNER[this.frame % SPINNER.length]} ${bar} ${this.elapsed().padStart(6)}  ${this.label}`;
    const width = (this.out.columns ?? 100) - 1;
    return text.length > width ? `${text.slice(0, width - 1)}…` : text;
  }

  private draw(): void {
    this.frame++;
    this.out.write(`\r\x1b[2K${this.line()}`);
  }
}
