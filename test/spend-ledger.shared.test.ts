import { afterEach, describe, expect, it } from 'vitest';
import { FailOpenLedger } from '../src/gateway/state/fail-open-ledger.js';
import { MemorySpendLedger } from '../src/gateway/state/memory-spend-ledger.js';
import { RedisSpendLedger } from '../src/gateway/state/redis-spend-ledger.js';
import type { SpendLedger } from '../src/gateway/state/spend-ledger.js';
import { keyPrefixes, REDIS_URL, redisUp } from './helpers/redis.js';

// One contract for every SpendLedger: reserve checks both windows, settle and release happen once, windows
// roll at UTC midnight and at the turn of the month, restored spend counts. Each case runs against the
// in-memory ledger and the Redis one (skipped with a reason when no Redis answers on 127.0.0.1:6379).
//
// A Redis ledger answers a snapshot within a second of a reservation from what that reservation reported
// (the planner's view costs no round trip), so reads after a change are taken a moment later (`later`).
const at = (iso: string) => Date.parse(iso);
const NOON = at('2026-11-26T12:00:00Z');
const later = (ms: number) => ms + 2000;
const budget = (dailyPico?: bigint, monthlyPico?: bigint) => ({
  onExceed: 'deny' as const,
  ...(dailyPico === undefined ? {} : { dailyPico }),
  ...(monthlyPico === undefined ? {} : { monthlyPico }),
});

const freshPrefix = keyPrefixes('switchyard-ledger-contract');
const opened: SpendLedger[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
});

interface LedgerUnderTest {
  readonly name: string;
  readonly skip: string | false;
  readonly make: () => Promise<SpendLedger>;
  /**
   * A shared ledger takes reservations in a month only once that month is restored from the decision logs
   * (until then budgets fail closed); the first instance to see the new month restores it.
   */
  readonly enterMonth: (ledger: SpendLedger, nowMs: number) => Promise<void>;
}

/** The Redis ledger inside the last fail-open one made: its month is entered directly. */
let underFailOpen: RedisSpendLedger | undefined;

const LEDGERS: LedgerUnderTest[] = [
  { name: 'memory', skip: false, make: async () => new MemorySpendLedger(), enterMonth: async () => undefined },
  {
    name: 'redis',
    skip: redisUp ? false : 'no Redis answering on 127.0.0.1:6379',
    make: async () => {
      const ledger = await RedisSpendLedger.connect(REDIS_URL, freshPrefix(), 60_000, async () => undefined);
      await ledger.ensureRestored(NOON);
      return ledger;
    },
    enterMonth: (ledger, nowMs) => (ledger as RedisSpendLedger).ensureRestored(nowMs),
  },
  {
    // What the gateway runs with shared state: while Redis answers, exactly the Redis ledger.
    name: 'fail-open over redis',
    skip: redisUp ? false : 'no Redis answering on 127.0.0.1:6379',
    make: async () => {
      underFailOpen = await RedisSpendLedger.connect(REDIS_URL, freshPrefix(), 60_000, async () => undefined);
      await underFailOpen.ensureRestored(NOON);
      return new FailOpenLedger(underFailOpen, new MemorySpendLedger(), () => true);
    },
    enterMonth: (_ledger, nowMs) => underFailOpen!.ensureRestored(nowMs),
  },
];

describe.each(LEDGERS)('spend ledger contract: $name', ({ skip, make, enterMonth }) => {
  const ledger = async () => {
    const l = await make();
    opened.push(l);
    return l;
  };

  it.skipIf(skip)(
    'reserves while the daily budget holds, then refuses; a tenant without a budget always reserves',
    async () => {
      const l = await ledger();
      expect(await l.reserve('t', budget(100n), 60n, NOON)).toBeDefined();
      expect(await l.reserve('t', budget(100n), 40n, NOON)).toBeDefined();
      expect(await l.reserve('t', budget(100n), 1n, NOON)).toBeUndefined();
      expect(await l.snapshot('t', later(NOON))).toEqual({ dailyPico: 100n, monthlyPico: 100n });
      expect(await l.reserve('free', undefined, 10n ** 15n, NOON)).toBeDefined();
    },
  );

  it.skipIf(skip)('refuses on the monthly budget when the day still has room', async () => {
    const l = await ledger();
    await l.restore('t', 0n, 90n, NOON);
    expect(await l.reserve('t', budget(1000n, 100n), 11n, NOON)).toBeUndefined();
    expect(await l.reserve('t', budget(1000n, 100n), 10n, NOON)).toBeDefined();
  });

  it.skipIf(skip)('counts settled money against the budget; what a settle leaves is reserved no more', async () => {
    const l = await ledger();
    const r = (await l.reserve('t', budget(100n), 80n, NOON))!;
    await l.settle(r, 30n, 'direct', NOON);
    expect(await l.snapshot('t', later(NOON))).toEqual({ dailyPico: 30n, monthlyPico: 30n });
    const [spend] = await l.report(NOON);
    expect(spend).toMatchObject({ daySettled: 30n, dayReserved: 0n, monthSettled: 30n, monthReserved: 0n });
    expect(spend!.dayByRoute.get('direct')).toBe(30n);
    expect(await l.reserve('t', budget(100n), 71n, NOON)).toBeUndefined();
    expect(await l.reserve('t', budget(100n), 70n, NOON)).toBeDefined();
  });

  it.skipIf(skip)(
    'a second release, or a settle after a release, changes nothing; a second settle neither',
    async () => {
      const l = await ledger();
      const r = (await l.reserve('t', budget(100n), 50n, NOON))!;
      await l.release(r, NOON);
      await l.release(r, NOON);
      await l.settle(r, 40n, 'direct', NOON);
      expect(await l.snapshot('t', later(NOON))).toEqual({ dailyPico: 0n, monthlyPico: 0n });
      const s = (await l.reserve('t', budget(100n), 50n, later(NOON)))!;
      await l.settle(s, 20n, 'direct', later(NOON));
      await l.settle(s, 20n, 'direct', later(NOON));
      expect(await l.snapshot('t', later(later(NOON)))).toEqual({ dailyPico: 20n, monthlyPico: 20n });
    },
  );

  it.skipIf(skip)('rolls the day at UTC midnight and keeps the month', async () => {
    const l = await ledger();
    const r = (await l.reserve('t', budget(100n, 1000n), 50n, at('2026-11-26T23:59:59Z')))!;
    await l.settle(r, 50n, 'direct', at('2026-11-26T23:59:59Z'));
    expect(await l.snapshot('t', at('2026-11-27T00:00:00Z'))).toEqual({ dailyPico: 0n, monthlyPico: 50n });
  });

  it.skipIf(skip)(
    'rolls the month at its turn; a reservation from yesterday releases without touching today',
    async () => {
      const l = await ledger();
      const old = (await l.reserve('t', budget(100n, 1000n), 70n, at('2026-11-30T23:00:00Z')))!;
      const next = at('2026-12-01T00:30:00Z');
      await enterMonth(l, next);
      expect(await l.snapshot('t', next)).toEqual({ dailyPico: 0n, monthlyPico: 0n });
      const fresh = (await l.reserve('t', budget(100n, 1000n), 90n, next))!;
      await l.release(old, next);
      expect(await l.snapshot('t', later(next))).toEqual({ dailyPico: 90n, monthlyPico: 90n });
      await l.release(fresh, later(next));
      expect(await l.snapshot('t', later(later(next)))).toEqual({ dailyPico: 0n, monthlyPico: 0n });
    },
  );

  it.skipIf(skip)('restored spend counts against the budget and shows in the report', async () => {
    const l = await ledger();
    await l.restore('t', 25n, 40n, NOON);
    expect(await l.snapshot('t', later(NOON))).toEqual({ dailyPico: 25n, monthlyPico: 40n });
    const [spend] = await l.report(NOON);
    expect(spend).toMatchObject({ daySettled: 25n, monthSettled: 40n });
    expect([...spend!.dayByRoute.values()].reduce((a, b) => a + b, 0n)).toBe(spend!.daySettled);
    expect(await l.reserve('t', budget(100n), 76n, NOON)).toBeUndefined();
    expect(await l.reserve('t', budget(100n), 75n, NOON)).toBeDefined();
  });

  it.skipIf(skip)('is ready, with nothing wrong, and keeps tenants apart', async () => {
    const l = await ledger();
    expect(l.ready()).toBe(true);
    expect(l.problems()).toEqual([]);
    await l.reserve('a', budget(100n), 100n, NOON);
    expect(await l.reserve('b', budget(100n), 100n, NOON)).toBeDefined();
  });
});
