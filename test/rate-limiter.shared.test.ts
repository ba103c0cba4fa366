import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../src/gateway/state/memory-rate-limiter.js';
import { isRefusal, type RateLimiter } from '../src/gateway/state/rate-limiter.js';
import { RedisRateLimiter } from '../src/gateway/state/redis-rate-limiter.js';
import { keyPrefixes, REDIS_URL, redisUp } from './helpers/redis.js';

// One contract for every RateLimiter: requests and tokens per UTC minute with when to retry, a route's
// attempts apart from tenants, places in flight given back once. Each case runs against the in-memory
// limiter and the Redis one (skipped with a reason when no Redis answers on 127.0.0.1:6379).
const T0 = Date.UTC(2026, 10, 30, 12, 0, 15);

const freshPrefix = keyPrefixes('switchyard-limiter-contract');
const opened: RateLimiter[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
});
const opening = (limiter: RateLimiter) => (opened.push(limiter), limiter);

const LIMITERS: { name: string; skip: string | false; make: () => Promise<RateLimiter> }[] = [
  { name: 'memory', skip: false, make: async () => opening(new MemoryRateLimiter()) },
  {
    name: 'redis',
    skip: redisUp ? false : 'no Redis answering on 127.0.0.1:6379',
    make: async () => opening(await RedisRateLimiter.connect(REDIS_URL, freshPrefix(), 60_000)),
  },
];

describe.each(LIMITERS)('rate limiter contract: $name', ({ skip, make }) => {
  it.skipIf(skip)('counts requests and tokens per UTC minute and says when to retry', async () => {
    const limiter = await make();
    const limits = { rpm: 2, tpm: 100 };
    expect(isRefusal(await limiter.admit('t', limits, 40, T0))).toBe(false);
    expect(await limiter.admit('t', limits, 70, T0)).toEqual({ limit: 'tpm', retryAfterMs: 45_000 });
    expect(isRefusal(await limiter.admit('t', limits, 60, T0))).toBe(false);
    expect(await limiter.admit('t', limits, 1, T0 + 44_999)).toEqual({ limit: 'rpm', retryAfterMs: 1 });
    // A new minute starts from zero; another tenant never shared the count.
    expect(isRefusal(await limiter.admit('t', limits, 100, T0 + 45_000))).toBe(false);
    expect(isRefusal(await limiter.admit('u', limits, 100, T0))).toBe(false);
  });

  it.skipIf(skip)(
    "counts a route's attempts apart from tenants, and remembers a route at its limit until the minute ends",
    async () => {
      const limiter = await make();
      expect(await limiter.admitRoute('r', { tpm: 100 }, 60, T0)).toBeUndefined();
      expect(limiter.routeLimited('r', T0)).toBeUndefined();
      // A tenant with the route's name does not share its count.
      expect(isRefusal(await limiter.admit('r', { tpm: 100 }, 60, T0))).toBe(false);
      expect(await limiter.admitRoute('r', { tpm: 100 }, 60, T0)).toEqual({ limit: 'tpm', retryAfterMs: 45_000 });
      expect(limiter.routeLimited('r', T0 + 44_999)).toBe('tpm');
      expect(limiter.routeLimited('r', T0 + 45_000)).toBeUndefined();
      expect(await limiter.admitRoute('r', { tpm: 100 }, 60, T0 + 45_000)).toBeUndefined();
    },
  );

  it.skipIf(skip)('holds a place per request in flight until it finishes, once', async () => {
    const limiter = await make();
    const a = await limiter.admit('t', { concurrent: 1 }, 0, T0);
    expect(await limiter.admit('t', { concurrent: 1 }, 0, T0)).toEqual({ limit: 'concurrent', retryAfterMs: 1000 });
    if (isRefusal(a)) throw new Error('first request refused');
    await limiter.finish(a);
    await limiter.finish(a);
    const b = await limiter.admit('t', { concurrent: 1 }, 0, T0);
    expect(isRefusal(b)).toBe(false);
    expect(isRefusal(await limiter.admit('t', { concurrent: 1 }, 0, T0))).toBe(true);
  });
});
