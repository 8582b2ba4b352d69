// Adaptive concurrency for one endpoint, AIMD as in TCP congestion avoidance: halve the
// limit when the server signals overload (429, 503, timeouts), add about one slot per
// limit's worth of successes, never above the configured maximum. vLLM itself never
// rejects (overload only shows as latency), so against a bare vLLM the limit stays at the
// maximum; routers, proxies and hosted APIs are what this protects against.

export interface AdaptiveLimitOptions {
  /** The configured ceiling (--concurrency per endpoint). */
  max: number;
  /** Never go below this (default 1). */
  min?: number;
  /** Multiplicative decrease factor (default 0.5). */
  decrease?: number;
  /** Start here instead of at the maximum. */
  initial?: number;
}

export class AdaptiveLimit {
  readonly max: number;
  readonly min: number;
  private readonly decrease: number;
  private value: number;
  /** Requests started so far; a request's number is its ticket. */
  private started = 0;
  /** Tickets up to this one were in flight at the last decrease: their overloads are the same event. */
  private lastDecreaseTicket = 0;

  constructor(options: AdaptiveLimitOptions) {
    if (!(options.max >= 1)) throw new RangeError(`concurrency maximum must be at least 1 (got ${options.max})`);
    this.max = options.max;
    this.min = Math.min(options.max, Math.max(1, options.min ?? 1));
    this.decrease = options.decrease ?? 0.5;
    this.value = Math.min(this.max, Math.max(this.min, options.initial ?? options.max));
  }

  /** How many requests may be in flight now. */
  get current(): number {
    return Math.floor(this.value);
  }

  /** Call when a request is sent; pass the ticket to onSuccess/onOverload. */
  start(): number {
    return ++this.started;
  }

  onSuccess(_ticket: number): void {
    if (this.value < this.max) this.value = Math.min(this.max, this.value + 1 / this.value);
  }

  /**
   * One decrease per congestion event: overloads of requests that were already in flight
   * when the limit was last cut say nothing new, so a burst of 429s halves the limit once.
   */
  onOverload(ticket: number): void {
    if (ticket <= this.lastDecreaseTicket) return;
    this.value = Math.max(this.min, this.value * this.decrease);
    this.lastDecreaseTicket = this.started;
  }
}
