// How the training pipeline reports progress without knowing about terminals: phases of work measured
// in units (trees, bytes, files). The CLI renders them as a bar; library callers may ignore them.

export interface ProgressSink {
  /** A new phase starts; `total` is how many units it will advance by (1 for an indivisible step). */
  phase(label: string, total: number): void;
  /** `units` more of the current phase are done. */
  advance(units: number): void;
  /** A line for the person watching (printed above the bar). */
  note(message: string): void;
  /** Work is over: clear the bar. */
  end(): void;
}

export const SILENT: ProgressSink = { phase() {}, advance() {}, note() {}, end() {} };
