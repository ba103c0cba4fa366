import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
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
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { connectRedis, orUnavailable } from './redis-client.js';

const MINUTE_MS = 60_000;
const opt = (n: number | undefined) => (n === undefined ? '' : String(n));

// ARGV: prefix, key (a tenant, or route/<id>), minute, tokens, rpm or '', tpm or '', concurrent or '', now,
// ttl, id or '' (a route: nothing in flight to track). Checks and counts in one step for every instance; an
// admission held by an instance that died leaves the in-flight set at its TTL.
const ADMIT = `
local p, tenant, minute, tokens, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[8])
local inflight = p .. ':rl:' .. tenant .. ':inflight'
local counts = p .. ':rl:' .. tenant .. ':m:' .. minute
if ARGV[10] ~= '' then redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now) end
if ARGV[7] ~= '' and redis.call('ZCARD', inflight) >= tonumber(ARGV[7]) then return 'concurrent' end
local v = redis.call('HMGET', counts, 'requests', 'tokens')
if ARGV[5] ~= '' and (tonumber(v[1]) or 0) + 1 > tonumber(ARGV[5]) then return 'rpm' end
if ARGV[6] ~= '' and (tonumber(v[2]) or 0) + tokens > tonumber(ARGV[6]) then return 'tpm' end
redis.call('HINCRBY', counts, 'requests', 1)
redis.call('HINCRBY', counts, 'tokens', ARGV[4])
redis.call('PEXPIRE', counts, ${2 * MINUTE_MS})
if ARGV[10] ~= '' then
  redis.call('ZADD', inflight, now + tonumber(ARGV[9]), ARGV[10])
  redis.call('PEXPIRE', inflight, tonumber(ARGV[9]))
end
return 'ok'`;

interface LimiterCommands {
  switchyardAdmit(...args: string[]): Promise<string>;
}

/**
 * Tenant and route rate limits counted once for every instance sharing the Redis: one Lua script checks and
 * counts requests and tokens of the UTC minute and a tenant's requests in flight. Like the budgets, they fail closed
 * (429 `state_unavailable`) while Redis is away.
 */
export class RedisRateLimiter implements RateLimiter {
  private nextId = 0;
  private readonly limited = new LimitedRoutes();
  private readonly local = new MemoryRateLimiter();
  private readonly instance = randomUUID().slice(0, 8);

  private constructor(
    private readonly redis: Redis & LimiterCommands,
    private readonly prefix: string,
    private readonly admissionTtlMs: number,
  ) {}

  static async connect(url: string, prefix: string, admissionTtlMs: number): Promise<RedisRateLimiter> {
    const redis = await connectRedis(url, { switchyardAdmit: ADMIT });
    return new RedisRateLimiter(redis as Redis & LimiterCommands, prefix, admissionTtlMs);
  }

  async admit(tenant: string, limits: TenantLimits, tokens: number, nowMs: number): Promise<Admission | LimitRefusal> {
    const id = `${this.instance}:${this.nextId++}`;
    const refusal = await this.count(tenant, limits, limits.concurrent, tokens, nowMs, id);
    return refusal ?? { id, tenant };
  }

  async admitRoute(
    route: string,
    limits: RouteLimits,
    tokens: number,
    nowMs: number,
  ): Promise<LimitRefusal | undefined> {
    // An upstream account's limit guards no tenant's money: with Redis away, each instance counts its own attempts.
    const refusal = await this.count(`route/${route}`, limits, undefined, tokens, nowMs, '').catch(() =>
      this.local.admitRoute(route, limits, tokens, nowMs),
    );
    return this.limited.note(route, refusal, nowMs);
  }

  routeLimited(route: string, nowMs: number): 'rpm' | 'tpm' | undefined {
    return this.limited.get(route, nowMs);
  }

  private async count(
    key: string,
    limits: RouteLimits,
    concurrent: number | undefined,
    tokens: number,
    nowMs: number,
    id: string,
  ): Promise<LimitRefusal | undefined> {
    const verdict = await this.call(() =>
      this.redis.switchyardAdmit(
        this.prefix,
        key,
        String(minuteOf(nowMs)),
        String(tokens),
        opt(limits.rpm),
        opt(limits.tpm),
        opt(concurrent),
        String(nowMs),
        String(this.admissionTtlMs),
        id,
      ),
    );
    if (verdict === 'ok') return undefined;
    const limit = verdict as LimitRefusal['limit'];
    return { limit, retryAfterMs: limit === 'concurrent' ? 1000 : untilNextMinute(nowMs) };
  }

  async finish(admission: Admission): Promise<void> {
    await this.call(() => this.redis.zrem(`${this.prefix}:rl:${admission.tenant}:inflight`, admission.id));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private call<T>(step: () => Promise<T>): Promise<T> {
    return orUnavailable('rate limits', step);
  }
}
