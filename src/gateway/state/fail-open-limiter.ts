import type { TenantLimits } from '../../engine/routing-config.js';
import type { Admission, LimitRefusal, RateLimiter, RouteLimits } from './rate-limiter.js';

/**
 * The shared rate limiter, with this instance's own beside it for while the shared state is away
 * (`sharedReady`, the shared ledger's readiness): then a tenant that chose to fail open (`failsOpen`) is
 * counted here, and every other tenant fails closed in the shared limiter. An admission finishes where it
 * was made. Route limits are the shared limiter's, which falls back to its own counts by itself.
 */
export class FailOpenLimiter implements RateLimiter {
  private readonly admittedHere = new WeakSet<Admission>();

  constructor(
    private readonly shared: RateLimiter,
    private readonly local: RateLimiter,
    private readonly sharedReady: () => boolean,
    private readonly failsOpen: (tenant: string) => boolean,
  ) {}

  async admit(tenant: string, limits: TenantLimits, tokens: number, nowMs: number): Promise<Admission | LimitRefusal> {
    if (this.sharedReady() || !this.failsOpen(tenant)) return this.shared.admit(tenant, limits, tokens, nowMs);
    const admitted = await this.local.admit(tenant, limits, tokens, nowMs);
    if (!('limit' in admitted)) this.admittedHere.add(admitted);
    return admitted;
  }

  finish(admission: Admission): Promise<void> {
    return (this.admittedHere.has(admission) ? this.local : this.shared).finish(admission);
  }

  admitRoute(route: string, limits: RouteLimits, tokens: number, nowMs: number): Promise<LimitRefusal | undefined> {
    return this.shared.admitRoute(route, limits, tokens, nowMs);
  }

  routeLimited(route: string, nowMs: number): 'rpm' | 'tpm' | undefined {
    return this.shared.routeLimited(route, nowMs);
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.local.close()]);
  }
}
