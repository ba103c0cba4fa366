import type { TenantLimits } from '../../engine/routing-config.js';
import {
  LimitedRoutes,
  minuteOf,
  untilNextMinute,
  type Admission,
  type LimitRefusal,
  type RateLimiter,
  type RouteLimits,
} from './rate-limiter.js';

interface Counts {
  minute: number;
  requests: number;
  tokens: number;
  inFlight: number;
}

/** The rate limits of one gateway process, in fixed UTC minutes. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly counts = new Map<string, Counts>();
  private readonly open = new Set<string>();
  private readonly limited = new LimitedRoutes();
  private nextId = 0;

  async admit(tenant: string, limits: TenantLimits, tokens: number, nowMs: number): Promise<Admission | LimitRefusal> {
    const c = this.countsOf(tenant, nowMs);
    if (limits.concurrent !== undefined && c.inFlight >= limits.concurrent)
      return { limit: 'concurrent', retryAfterMs: 1000 };
    const refusal = this.count(c, limits, tokens, nowMs);
    if (refusal) return refusal;
    c.inFlight++;
    const id = String(this.nextId++);
    this.open.add(id);
    return { id, tenant };
  }

  async admitRoute(
    route: string,
    limits: RouteLimits,
    tokens: number,
    nowMs: number,
  ): Promise<LimitRefusal | undefined> {
    // Route ids and tenant ids share one map: `/` cannot appear in either.
    return this.limited.note(route, this.count(this.countsOf(`route/${route}`, nowMs), limits, tokens, nowMs), nowMs);
  }

  routeLimited(route: string, nowMs: number): 'rpm' | 'tpm' | undefined {
    return this.limited.get(route, nowMs);
  }

  async close(): Promise<void> {}

  async finish(admission: Admission): Promise<void> {
    if (!this.open.delete(admission.id)) return;
    const c = this.counts.get(admission.tenant);
    if (c) c.inFlight--;
  }

  private countsOf(key: string, nowMs: number): Counts {
    const minute = minuteOf(nowMs);
    let c = this.counts.get(key);
    if (!c) this.counts.set(key, (c = { minute, requests: 0, tokens: 0, inFlight: 0 }));
    if (c.minute !== minute) Object.assign(c, { minute, requests: 0, tokens: 0 });
    return c;
  }

  /** Counts a request and its tokens in the minute, or says which per-minute limit it would pass. */
  private count(c: Counts, limits: RouteLimits, tokens: number, nowMs: number): LimitRefusal | undefined {
    if (limits.rpm !== undefined && c.requests + 1 > limits.rpm)
      return { limit: 'rpm', retryAfterMs: untilNextMinute(nowMs) };
    if (limits.tpm !== undefined && c.tokens + tokens > limits.tpm)
      return { limit: 'tpm', retryAfterMs: untilNextMinute(nowMs) };
    c.requests++;
    c.tokens += tokens;
    return undefined;
  }
}
