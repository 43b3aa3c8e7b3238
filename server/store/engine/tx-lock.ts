// A FIFO lock for an engine with one connection (SQLite): a transaction holds it from BEGIN to
// COMMIT, across the awaits inside it, so another request's statements never land inside it.
// Granting is synchronous when the lock is free: the uncontended path adds no turn of the loop.
export class TxLock {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  /** True when the lock was free and is now held; false means: await acquire(). */
  tryAcquire(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next(); // ownership passes straight to the next waiter
    else this.held = false;
  }
}
