import type { TenantLimits } from '../../engine/routing-config.js';
import type { Admission, LimitRefusal, RateLimiter } from './rate-limiter.js';

const MINUTE_MS = 60_000;

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
  private nextId = 0;

  async admit(tenant: string, limits: TenantLimits, tokens: number, nowMs: number): Promise<Admission | LimitRefusal> {
    const minute = Math.floor(nowMs / MINUTE_MS);
    let c = this.counts.get(tenant);
    if (!c) this.counts.set(tenant, (c = { minute, requests: 0, tokens: 0, inFlight: 0 }));
    if (c.minute !== minute) Object.assign(c, { minute, requests: 0, tokens: 0 });
    const nextMinute = (minute + 1) * MINUTE_MS - nowMs;
    if (limits.concurrent !== undefined && c.inFlight >= limits.concurrent) return { limit: 'concurrent', retryAfterMs: 1000 };
    if (limits.rpm !== undefined && c.requests + 1 > limits.rpm) return { limit: 'rpm', retryAfterMs: nextMinute };
    if (limits.tpm !== undefined && c.tokens + tokens > limits.tpm) return { limit: 'tpm', retryAfterMs: nextMinute };
    c.requests++;
    c.tokens += tokens;
    c.inFlight++;
    const id = String(this.nextId++);
    this.open.add(id);
    return { id, tenant };
  }

  async close(): Promise<void> {}

  async finish(admission: Admission): Promise<void> {
    if (!this.open.delete(admission.id)) return;
    const c = this.counts.get(admission.tenant);
    if (c) c.inFlight--;
  }
}
