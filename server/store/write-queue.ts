// Writes in bounded slices of the event loop. SQLite writes are synchronous: 64 clients each posting a
// 500-metric log-batch used to run back to back inside one poll phase (~250 ms measured, bench/
// workload 8), and a read worker's answer or a new request waited behind all of them. Queued here,
// writes still run one at a time in arrival order, but at most SLICE_MS of them per turn of the loop;
// between slices Node polls its sockets and the read workers' replies.
import { performance } from 'node:perf_hooks';

const SLICE_MS = 8;

export class WriteQueue {
  private readonly tasks: (() => void)[] = [];
  private head = 0;
  private scheduled = false;

  /** Runs `write` after the writes queued before it; resolves with its result or rejects with its error. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.tasks.push(() => {
        try {
          resolve(write());
        } catch (e) {
          reject(e);
        }
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.drain);
      }
    });
  }

  private readonly drain = (): void => {
    const end = performance.now() + SLICE_MS;
    do this.tasks[this.head++]!();
    while (this.head < this.tasks.length && performance.now() < end);
    if (this.head < this.tasks.length) {
      setImmediate(this.drain);
      return;
    }
    this.tasks.length = 0;
    this.head = 0;
    this.scheduled = false;
  };
}
