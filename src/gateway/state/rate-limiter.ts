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

/**
 * A tenant's rate limits: requests and tokens per UTC minute, requests in flight. `admit` checks and counts
 * in one step; `finish` gives the in-flight place back and is idempotent. In memory
 * (`memory-rate-limiter.ts`) or shared by every instance through Redis (`redis-rate-limiter.ts`).
 */
export interface RateLimiter {
  admit(tenant: string, limits: TenantLimits, tokens: number, nowMs: number): Promise<Admission | LimitRefusal>;
  finish(admission: Admission): Promise<void>;
  /** Lets go of connections (a shared store). */
  close(): Promise<void>;
}

export const isRefusal = (a: Admission | LimitRefusal): a is LimitRefusal => 'limit' in a;
