import { describe, expect, it } from 'vitest';
import { MemorySpendLedger } from '../src/gateway/state/memory-spend-ledger.js';

// The ledger alone: reserve checks both windows, settle and release happen once, windows roll at UTC
// midnight and at the turn of the month.
const at = (iso: string) => Date.parse(iso);
const NOON = at('2026-11-26T12:00:00Z');
const budget = (dailyPico?: bigint, monthlyPico?: bigint) => ({
  onExceed: 'deny' as const,
  ...(dailyPico === undefined ? {} : { dailyPico }),
  ...(monthlyPico === undefined ? {} : { monthlyPico }),
});

describe('memory spend ledger', () => {
  it('reserves while the daily budget holds, then refuses; a tenant without a budget always reserves', async () => {
    const ledger = new MemorySpendLedger();
    expect(await ledger.reserve('t', budget(100n), 60n, NOON)).toBeDefined();
    expect(await ledger.reserve('t', budget(100n), 40n, NOON)).toBeDefined();
    expect(await ledger.reserve('t', budget(100n), 1n, NOON)).toBeUndefined();
    expect(await ledger.snapshot('t', NOON)).toEqual({ dailyPico: 100n, monthlyPico: 100n });
    expect(await ledger.reserve('free', undefined, 10n ** 15n, NOON)).toBeDefined();
  });

  it('refuses on the monthly budget when the day still has room', async () => {
    const ledger = new MemorySpendLedger();
    await ledger.restore('t', 0n, 90n, NOON);
    expect(await ledger.reserve('t', budget(1000n, 100n), 11n, NOON)).toBeUndefined();
    expect(await ledger.reserve('t', budget(1000n, 100n), 10n, NOON)).toBeDefined();
  });

  it('counts settled money against the budget, and what a settle leaves is reserved no more', async () => {
    const ledger = new MemorySpendLedger();
    const r = (await ledger.reserve('t', budget(100n), 80n, NOON))!;
    await ledger.settle(r, 30n, 'direct', NOON);
    expect(await ledger.snapshot('t', NOON)).toEqual({ dailyPico: 30n, monthlyPico: 30n });
    const [spend] = await ledger.report(NOON);
    expect(spend).toMatchObject({ daySettled: 30n, dayReserved: 0n, monthSettled: 30n, monthReserved: 0n });
    expect(spend!.dayByRoute.get('direct')).toBe(30n);
    expect(await ledger.reserve('t', budget(100n), 71n, NOON)).toBeUndefined();
    expect(await ledger.reserve('t', budget(100n), 70n, NOON)).toBeDefined();
  });

  it('a second release, or a settle after a release, changes nothing', async () => {
    const ledger = new MemorySpendLedger();
    const r = (await ledger.reserve('t', budget(100n), 50n, NOON))!;
    await ledger.release(r, NOON);
    await ledger.release(r, NOON);
    await ledger.settle(r, 40n, 'direct', NOON);
    expect(await ledger.snapshot('t', NOON)).toEqual({ dailyPico: 0n, monthlyPico: 0n });
    const s = (await ledger.reserve('t', budget(100n), 50n, NOON))!;
    await ledger.settle(s, 20n, 'direct', NOON);
    await ledger.settle(s, 20n, 'direct', NOON);
    expect(await ledger.snapshot('t', NOON)).toEqual({ dailyPico: 20n, monthlyPico: 20n });
  });

  it('rolls the day at UTC midnight and keeps the month', async () => {
    const ledger = new MemorySpendLedger();
    const r = (await ledger.reserve('t', budget(100n, 1000n), 50n, at('2026-11-26T23:59:59Z')))!;
    await ledger.settle(r, 50n, 'direct', at('2026-11-26T23:59:59Z'));
    expect(await ledger.snapshot('t', at('2026-11-27T00:00:00Z'))).toEqual({ dailyPico: 0n, monthlyPico: 50n });
  });

  it('rolls the month at its turn, and a reservation from yesterday releases without touching today', async () => {
    const ledger = new MemorySpendLedger();
    const old = (await ledger.reserve('t', budget(100n, 1000n), 70n, at('2026-11-30T23:00:00Z')))!;
    const next = at('2026-12-01T00:30:00Z');
    expect(await ledger.snapshot('t', next)).toEqual({ dailyPico: 0n, monthlyPico: 0n });
    const fresh = (await ledger.reserve('t', budget(100n, 1000n), 90n, next))!;
    await ledger.release(old, next);
    expect(await ledger.snapshot('t', next)).toEqual({ dailyPico: 90n, monthlyPico: 90n });
    await ledger.release(fresh, next);
    expect(await ledger.snapshot('t', next)).toEqual({ dailyPico: 0n, monthlyPico: 0n });
  });

  it('restored spend shows in the report by route, so the routes add up to what is settled', async () => {
    const ledger = new MemorySpendLedger();
    await ledger.restore('t', 25n, 40n, NOON);
    const [spend] = await ledger.report(NOON);
    expect(spend).toMatchObject({ daySettled: 25n, monthSettled: 40n });
    expect([...spend!.dayByRoute.values()].reduce((a, b) => a + b, 0n)).toBe(spend!.daySettled);
  });
});
