// Keeps the model being served in step with the registry. For models:/<name>@<alias> it asks the
// registry where the alias points — every poll interval, or when POST /reload asks — and when that is a
// new version, loads it in the background and then swaps one reference.
//
// Why a reference swap is enough: a request reads `current` once when it starts and scores
// synchronously with that object, so a request in flight finishes on the model it started with and the
// old model is collected once the last such request lets go. Nothing waits on a lock; nothing fails.
//
// A failed check (registry unreachable, alias removed, a version whose files do not load) keeps the
// current model serving, logs a warning and is reported by /health; the next check tries again.
import type { ResolvedVersion } from './loader.js';
import type { ModelRef } from './model-uri.js';
import type { ServedModel } from './scorer.js';

export interface FollowerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface FollowerOptions {
  ref: ModelRef;
  /** Where the reference points now (for a fixed version or a local directory, always the same). */
  resolve(): Promise<ResolvedVersion>;
  load(target: ResolvedVersion): Promise<ServedModel>;
  /** 0 turns polling off (POST /reload still works). Only alias references poll. */
  pollIntervalMs: number;
  log: FollowerLog;
}

export type CheckResult =
  | { outcome: 'unchanged'; version: string | null }
  | { outcome: 'swapped'; from: string | null; to: string }
  | { outcome: 'failed'; version: string | null; error: string };

export interface FollowerState {
  lastCheck: Date | null;
  lastSuccessfulCheck: Date | null;
  lastError: { message: string; at: Date } | null;
  /** The last check failed: the model served may be behind the registry. */
  degraded: boolean;
  /** A version being loaded in the background right now. */
  loading: string | null;
}

export class ModelFollower {
  private served: ServedModel;
  private inFlight: Promise<CheckResult> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  readonly state: FollowerState;

  private constructor(
    private readonly options: FollowerOptions,
    first: ServedModel,
  ) {
    this.served = first;
    const now = new Date();
    this.state = { lastCheck: now, lastSuccessfulCheck: now, lastError: null, degraded: false, loading: null };
  }

  /** Resolves and loads the first model; a failure here is fatal (there is nothing to serve yet). */
  static async start(options: FollowerOptions): Promise<ModelFollower> {
    const first = await options.load(await options.resolve());
    return new ModelFollower(options, first);
  }

  /** The model new requests score with. */
  get current(): ServedModel {
    return this.served;
  }

  get ref(): ModelRef {
    return this.options.ref;
  }

  get pollIntervalMs(): number {
    return this.options.ref.kind === 'alias' ? this.options.pollIntervalMs : 0;
  }

  /** One check; concurrent callers (a poll and a /reload) share it rather than loading twice. */
  check(): Promise<CheckResult> {
    this.inFlight ??= this.runCheck().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async runCheck(): Promise<CheckResult> {
    const from = this.served.identity.version;
    this.state.lastCheck = new Date();
    try {
      const target = await this.options.resolve();
      if (target.version === from) {
        this.succeeded();
        return { outcome: 'unchanged', version: from };
      }
      this.state.loading = target.version;
      this.options.log.info({ from, to: target.version, model: target.name }, 'registry points at a new version; loading it');
      const next = await this.options.load(target);
      this.served = next;
      this.succeeded();
      this.options.log.info({ from, to: next.identity.version, model: target.name }, 'now serving the new version');
      return { outcome: 'swapped', from, to: target.version };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.state.lastError = { message, at: new Date() };
      this.state.degraded = true;
      this.options.log.warn({ err: message, serving: from }, 'model check failed; still serving the current version');
      return { outcome: 'failed', version: from, error: message };
    } finally {
      this.state.loading = null;
    }
  }

  private succeeded(): void {
    this.state.lastSuccessfulCheck = new Date();
    this.state.degraded = false;
  }

  /** Polls until stop(); each poll is scheduled after the previous one ends, so they never overlap. */
  startPolling(): void {
    const interval = this.pollIntervalMs;
    if (interval <= 0 || this.timer !== null || this.stopped) return;
    const schedule = (): void => {
      this.timer = setTimeout(() => {
        void this.check().finally(() => {
          if (!this.stopped) schedule();
        });
      }, interval);
      // Polling alone never keeps the process alive; the HTTP server does.
      this.timer.unref();
    };
    schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
