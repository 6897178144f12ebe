// Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with "equal jitter" (half
// fixed, half random) so that a thousand widgets dropped by one gateway restart do not all come
// back in the same millisecond, and none waits less than half its step.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** [0, 1): injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt_ = 0;
  private readonly random_: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random_ = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call counts one more attempt. */
  next(): number {
    const step = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt_, 30));
    this.attempt_ += 1;
    return Math.round(step / 2 + (this.random_() * step) / 2);
  }

  /** After a connection that worked: start small again. */
  reset(): void {
    this.attempt_ = 0;
  }

  get attempts(): number {
    return this.attempt_;
  }
}
