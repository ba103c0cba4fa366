import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRouteHealth } from '../src/gateway/state/memory-route-health.js';
import type { RouteHealthStore } from '../src/gateway/state/route-health-store.js';
import { SharedRouteHealth } from '../src/gateway/state/shared-route-health.js';
import { keyPrefixes, REDIS_URL, redisUp } from './helpers/redis.js';

// One contract for every RouteHealthStore: latency percentiles from the first sample, the circuit opened by
// consecutive failures, one half-open probe at a time after the cool-down, an attempt the caller ended
// counting for neither side. Each case runs against the in-memory board and the one shared through Redis
// (skipped with a reason when no Redis answers on 127.0.0.1:6379).
const OPTIONS = { consecutiveFailures: 3, errorRate: 0.5, window: 10, minAttempts: 6, cooldownMs: 1000 };

const freshPrefix = keyPrefixes('switchyard-health-contract');
const opened: RouteHealthStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

type Clock = { now: () => number };
const BOARDS: { name: string; skip: string | false; make: (clock: Clock) => Promise<RouteHealthStore> }[] = [
  { name: 'memory', skip: false, make: async (clock) => new MemoryRouteHealth(clock, OPTIONS) },
  {
    name: 'shared through Redis',
    skip: redisUp ? false : 'no Redis answering on 127.0.0.1:6379',
    make: (clock) => SharedRouteHealth.connect(new MemoryRouteHealth(clock, OPTIONS), REDIS_URL, freshPrefix()),
  },
];

describe.each(BOARDS)('route health contract: $name', ({ skip, make }) => {
  let now = 0;
  const board = async () => {
    now = 0;
    const b = await make({ now: () => now });
    opened.push(b);
    return b;
  };

  it.skipIf(skip)('gives the planner percentiles from the first sample and keeps them current', async () => {
    const b = await board();
    expect(b.get('a')).toBeUndefined();
    b.succeeded('a', 'gpt-5', 100, 40);
    expect(b.get('a')?.latency?.get('gpt-5')).toMatchObject({ samples: 1, p50Ms: 100, ttftP95Ms: 40 });
    for (let i = 0; i < 40; i++) b.succeeded('a', 'gpt-5', 1000, 500);
    expect(b.get('a')?.latency?.get('gpt-5')?.p95Ms).toBe(1000);
  });

  it.skipIf(skip)(
    'opens the circuit on consecutive failures, then lets one probe through after the cool-down',
    async () => {
      const b = await board();
      expect(b.circuitState('a')).toBe('closed');
      expect([b.failed('a'), b.failed('a'), b.failed('a')]).toEqual([false, false, true]);
      now = 10;
      expect(b.get('a')?.circuit).toBe('open');
      expect(b.tryAcquire('a')).toBe(false);
      now = 1010;
      expect(b.tryAcquire('a')).toBe(true);
      expect(b.tryAcquire('a')).toBe(false);
      b.succeeded('a', 'gpt-5', 100, 40);
      expect(b.circuitState('a')).toBe('closed');
      expect(b.tryAcquire('a')).toBe(true);
    },
  );

  it.skipIf(skip)('an attempt the caller ended gives the probe back without judging the route', async () => {
    const b = await board();
    for (let i = 0; i < 3; i++) b.failed('a');
    now = 1010;
    expect(b.tryAcquire('a')).toBe(true);
    b.released('a');
    expect(b.circuitState('a')).not.toBe('closed');
    expect(b.tryAcquire('a')).toBe(true);
  });
});
