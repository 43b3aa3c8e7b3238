// Writes in bounded slices of the event loop. SQLite writes are synchronous: 64 clients each posting a
// 500-metric log-batch used to run back to back inside one poll phase (~250 ms measured, bench/
// workload 8), and a read worker's answer or a new request waited behind all of them. Queued here,
// writes still run one at a time in arrival order, but at most SLICE_MS of them per turn of the loop;
// between slices Node polls its sockets and the read workers' replies.
import { performance } from 'node:perf_hooks';

const SLICE_MS = 8;

export interface WriteScheduler {
  /** Runs `write` and resolves with its result (or rejects with its error). */
  run<T>(write: () => Promise<T>): Promise<T>;
}

/** PostgreSQL: writes run concurrently on the pool; the database orders them. */
export const concurrentWrites: WriteScheduler = { run: (write) => write() };

/**
 * SQLite: one write at a time, in arrival order. A write's statements settle synchronously, so
 * awaiting one task runs it to the end inside this macrotask; after SLICE_MS the drain yields with
 * setImmediate, and Node polls sockets and read-worker replies before the next slice.
 */
export class WriteQueue implements WriteScheduler {
  private readonly tasks: (() => Promise<void>)[] = [];
  private head = 0;
  private scheduled = false;

  run<T>(write: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.tasks.push(() => {
        try {
          return write().then(resolve, reject);
        } catch (e) {
          reject(e);
          return Promise.resolve();
        }
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.drain);
      }
    });
  }

  private readonly drain = async (): Promise<void> => {
    const end = performance.now() + SLICE_MS;
    do await this.tasks[this.head++]!();
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
