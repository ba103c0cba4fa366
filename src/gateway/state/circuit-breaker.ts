/**
 * One route's circuit. Opens after `consecutiveFailures` failures in a row, or when more than `errorRate`
 * of the last `window` attempts failed (once `minAttempts` were made); after `cooldownMs` it lets exactly
 * one probe through (half-open): success closes it, failure opens it again.
 */
export interface CircuitOptions {
  readonly consecutiveFailures: number;
  readonly errorRate: number;
  readonly window: number;
  readonly minAttempts: number;
  readonly cooldownMs: number;
}

export const DEFAULT_CIRCUIT: CircuitOptions = {
  consecutiveFailures: 5,
  errorRate: 0.5,
  window: 20,
  minAttempts: 10,
  cooldownMs: 10_000,
};

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private openedAt: number | undefined;
  private probing = false;
  private consecutive = 0;
  private readonly outcomes: boolean[] = [];

  constructor(private readonly options: CircuitOptions = DEFAULT_CIRCUIT) {}

  /** What the planner should believe now: `open` also while a half-open probe is already in flight. */
  state(now: number): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    if (now - this.openedAt < this.options.cooldownMs || this.probing) return 'open';
    return 'half-open';
  }

  /** Called before an attempt; false when the circuit does not allow one (open, or a probe in flight). */
  tryAcquire(now: number): boolean {
    const state = this.state(now);
    if (state === 'open') return false;
    if (state === 'half-open') this.probing = true;
    return true;
  }

  recordSuccess(): void {
    this.record(true);
    this.consecutive = 0;
    this.openedAt = undefined;
    this.probing = false;
  }

  /** Records a failed attempt; true when this failure opened the circuit. */
  recordFailure(now: number): boolean {
    this.record(false);
    this.consecutive++;
    const failures = this.outcomes.filter((ok) => !ok).length;
    const rateTripped =
      this.outcomes.length >= this.options.minAttempts && failures / this.outcomes.length > this.options.errorRate;
    const opens = this.probing || this.consecutive >= this.options.consecutiveFailures || rateTripped;
    if (opens) {
      this.openedAt = now;
      this.outcomes.length = 0;
    }
    this.probing = false;
    return opens;
  }

  /** Opens the circuit now because another instance saw the route fail (a cooldown from here, then a probe). */
  openAt(now: number): void {
    this.openedAt = now;
    this.outcomes.length = 0;
    this.consecutive = 0;
    this.probing = false;
  }

  /** An attempt that ended for the caller's reasons (client hung up): neither success nor failure. */
  release(): void {
    this.probing = false;
  }

  private record(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > this.options.window) this.outcomes.shift();
  }
}
