// Writes in bounded slices of the event loop. SQLite writes are synchronous: 64 clients each posting a
// 500-metric log-batch used to run back to back inside one poll phase (~250 ms measured, bench/
// workload 8), and a read worker's answer or a new request waited behind all of them. Queued here,
// writes still run one at a time in arrival order, but at most SLICE_MS of them per turn of the loop;
// between slices Node polls its sockets and the read workers' replies.
//
// The writes of a slice are committed together (group commit, SqliteEngine.commitGroup): under
// synchronous=FULL each COMMIT waits for an fsync of the WAL, 2-5 ms on a busy disk, and 20 clients'
// 10-metric log-batches were bound by one fsync each (bench/ workload 2, bench/DURABILITY.md).
import { performance } from 'node:perf_hooks';
import type { GroupOutcome } from './engine/sqlite.js';

const SLICE_MS = 8;

export interface WriteOptions {
  /**
   * The write must not share a transaction: it hands its work to another connection (the write
   * worker, big-writes.ts), which would wait for this connection's COMMIT.
   */
  alone?: boolean;
}

export interface WriteScheduler {
  /** Runs `write` and resolves with its result (or rejects with its error) once it is committed. */
  run<T>(write: () => Promise<T>, options?: WriteOptions): Promise<T>;
}

/** PostgreSQL: writes run concurrently on the pool; the database orders them. */
export const concurrentWrites: WriteScheduler = { run: (write) => write() };

/** What the queue needs of its engine (SqliteEngine). */
export interface GroupCommitter {
  commitGroup(next: () => (() => Promise<unknown>) | undefined): Promise<GroupOutcome[]>;
}

interface Task {
  write: () => Promise<unknown>;
  alone: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * SQLite: one write at a time, in arrival order. A write's statements settle synchronously, so
 * awaiting one task runs it to the end inside this macrotask; after SLICE_MS the drain yields with
 * setImmediate, and Node polls sockets and read-worker replies before the next slice.
 */
export class WriteQueue implements WriteScheduler {
  private readonly tasks: Task[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly engine: GroupCommitter) {}

  run<T>(write: () => Promise<T>, options: WriteOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.tasks.push({ write, alone: options.alone ?? false, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.drain);
      }
    });
  }

  private readonly drain = async (): Promise<void> => {
    const end = performance.now() + SLICE_MS;
    do {
      const first = this.tasks[this.head]!;
      if (first.alone) {
        this.head++;
        await (async () => first.write())().then(first.resolve, first.reject);
      } else {
        await this.commitGroup(end);
      }
    } while (this.head < this.tasks.length && performance.now() < end);
    if (this.head < this.tasks.length) {
      setImmediate(this.drain);
      return;
    }
    this.tasks.length = 0;
    this.head = 0;
    this.scheduled = false;
  };

  /** The queued writes up to the slice's end or the next write that must be alone, in one commit. */
  private async commitGroup(end: number): Promise<void> {
    const members: Task[] = [];
    let outcomes: GroupOutcome[];
    try {
      outcomes = await this.engine.commitGroup(() => {
        const task = this.tasks[this.head];
        if (task === undefined || task.alone || (members.length > 0 && performance.now() >= end)) return undefined;
        this.head++;
        members.push(task);
        return task.write;
      });
    } catch (error) {
      outcomes = members.map(() => ({ ok: false, error }));
    }
    members.forEach((task, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) task.resolve(outcome.value);
      else task.reject(outcome.error);
    });
  }
}
