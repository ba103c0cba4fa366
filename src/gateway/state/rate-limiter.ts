import type { TenantLimits } from '../../engine/routing-config.js';

/** A request let in: what it counted, so finishing it gives its place in flight back. */
export interface Admission {
  readonly id: string;
  readonly tenant: string;
}

/** Why a request was not let in, and when trying again can succeed. */
export interface LimitRefusal {
  readonly limit: 'rpm' | 'tpm' | 'concurrent';
  readonly retryAfterMs: number;
}

/** A route's upstream account limits: requests and (worst-case) tokens per UTC minute. */
export interface RouteLimits {
  readonly rpm?: number;
  readonly tpm?: number;
}

/**
 * Rate limits, for tenants (requests and tokens per UTC minute, requests in flight) and for routes (the
 * upstream account's requests and tokens per minute). `admit` and `admitRoute` check and count in one step;
 * `finish` gives a tenant's place in flight back and is idempotent. In memory (`memory-rate-limiter.ts`) or
 * shared by every instance through Redis (`redis-rate-limiter.ts`).
 */
export interface RateLimiter {
  admit(tenant: string, limits: TenantLimits, tokens: number, nowMs: number): Promise<Admission | LimitRefusal>;
  finish(admission: Admission): Promise<void>;
  /** Counts one attempt at a route, or says which of its limits it has reached (then the relay moves on). */
  admitRoute(route: string, limits: RouteLimits, tokens: number, nowMs: number): Promise<LimitRefusal | undefined>;
  /**
   * The limit a route was last found at, until its minute ends: what the planner excludes it for (`rate_limit`)
   * without asking the store on every request.
   */
  routeLimited(route: string, nowMs: number): 'rpm' | 'tpm' | undefined;
  /** Lets go of connections (a shared store). */
  close(): Promise<void>;
}

export const isRefusal = (a: Admission | LimitRefusal): a is LimitRefusal => 'limit' in a;

const MINUTE_MS = 60_000;
export const minuteOf = (nowMs: number) => Math.floor(nowMs / MINUTE_MS);
/** Until the next UTC minute, when per-minute counts start again. */
export const untilNextMinute = (nowMs: number) => (minuteOf(nowMs) + 1) * MINUTE_MS - nowMs;

/** Routes found at a limit, remembered until their minute ends: the local knowledge behind `routeLimited`. */
export class LimitedRoutes {
  private readonly until = new Map<string, { limit: 'rpm' | 'tpm'; untilMs: number }>();

  note(route: string, refusal: LimitRefusal | undefined, nowMs: number): LimitRefusal | undefined {
    if (refusal && refusal.limit !== 'concurrent')
      this.until.set(route, { limit: refusal.limit, untilMs: nowMs + refusal.retryAfterMs });
    return refusal;
  }

  get(route: string, nowMs: number): 'rpm' | 'tpm' | undefined {
    const entry = this.until.get(route);
    if (!entry) return undefined;
    if (nowMs < entry.untilMs) return entry.limit;
    this.until.delete(route);
    return undefined;
  }
}
