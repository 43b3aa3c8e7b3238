// Failed-login throttling (issue 14 item 2): a leaky bucket of failures per client address and per
// user name. Each failure fills the bucket by one; it drains at `refillPerMinute`; a full bucket means
// "throttled" until it drains below `burst` again. Bounded memory: at most `maxKeys` buckets per kind,
// the emptiest dropped first when full.
export interface ThrottleOptions {
  /** Failures allowed in a burst before throttling starts. */
  burst: number;
  /** Failures per minute forgiven. */
  refillPerMinute: number;
  maxKeys?: number;
}

export class FailureThrottle {
  private readonly buckets = new Map<string, { level: number; at: number }>();
  private readonly maxKeys: number;

  constructor(
    private readonly options: ThrottleOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  private level(key: string, t: number): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const drained = b.level - ((t - b.at) / 60_000) * this.options.refillPerMinute;
    if (drained <= 0) {
      this.buckets.delete(key);
      return 0;
    }
    return drained;
  }

  /** Seconds until one more attempt is allowed, or 0 when it is allowed now. */
  retryAfter(key: string): number {
    const excess = this.level(key, this.now()) - (this.options.burst - 1);
    if (excess <= 0) return 0;
    return Math.max(1, Math.ceil((excess / this.options.refillPerMinute) * 60));
  }

  fail(key: string): void {
    const t = this.now();
    const level = this.level(key, t) + 1;
    if (!this.buckets.has(key) && this.buckets.size >= this.maxKeys) this.evict(t);
    this.buckets.set(key, { level, at: t });
  }

  private evict(t: number): void {
    for (const key of [...this.buckets.keys()]) if (this.level(key, t) < 1) this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) {
      const first = this.buckets.keys().next().value;
      if (first !== undefined) this.buckets.delete(first);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
