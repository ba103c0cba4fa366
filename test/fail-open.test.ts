import { describe, expect, it } from 'vitest';
import { FailOpenLedger } from '../src/gateway/state/fail-open-ledger.js';
import { FailOpenLimiter } from '../src/gateway/state/fail-open-limiter.js';
import { MemoryRateLimiter } from '../src/gateway/state/memory-rate-limiter.js';
import { MemorySpendLedger } from '../src/gateway/state/memory-spend-ledger.js';
import { isRefusal, type Admission } from '../src/gateway/state/rate-limiter.js';

// Which store counts a request while the shared one is away: the fail-open wrappers alone, over two
// in-memory stores standing for Redis (whose readiness the test sets) and this instance's own counts.
const NOON = Date.parse('2026-11-26T12:00:00Z');
const budget = { dailyPico: 100n, onExceed: 'deny' as const };

class Switchable extends MemorySpendLedger {
  up = true;
  override ready(): boolean {
    return this.up;
  }
}

const stores = () => {
  const shared = new Switchable();
  const local = new MemorySpendLedger();
  const failsOpen = (tenant: string) => tenant === 'open';
  return { shared, local, ledger: new FailOpenLedger(shared, local, failsOpen) };
};

describe('fail-open ledger', () => {
  it('counts in the shared ledger while it is up, whoever the tenant', async () => {
    const { shared, local, ledger } = stores();
    await ledger.reserve('open', budget, 10n, NOON);
    await ledger.reserve('closed', undefined, 10n, NOON);
    expect((await shared.report(NOON)).map((s) => s.tenant).sort()).toEqual(['closed', 'open']);
    expect(await local.report(NOON)).toEqual([]);
  });

  it('while it is away: a fail-open tenant and a tenant without a budget count here, a budgeted one fails closed there', async () => {
    const { shared, local, ledger } = stores();
    shared.up = false;
    await ledger.reserve('open', budget, 10n, NOON);
    await ledger.reserve('free', undefined, 10n, NOON);
    await ledger.reserve('closed', budget, 10n, NOON);
    expect((await local.report(NOON)).map((s) => s.tenant).sort()).toEqual(['free', 'open']);
    expect((await shared.report(NOON)).map((s) => s.tenant)).toEqual(['closed']);
    expect(await ledger.snapshot('open', NOON)).toEqual({ dailyPico: 10n, monthlyPico: 10n });
  });

  it('settles a reservation where it was made, even after the shared ledger came back', async () => {
    const { shared, local, ledger } = stores();
    shared.up = false;
    const r = (await ledger.reserve('open', budget, 50n, NOON))!;
    shared.up = true;
    await ledger.settle(r, 20n, 'direct', NOON);
    expect(await local.snapshot('open', NOON)).toEqual({ dailyPico: 20n, monthlyPico: 20n });
    expect(await shared.snapshot('open', NOON)).toEqual({ dailyPico: 0n, monthlyPico: 0n });
  });
});

describe('fail-open limiter', () => {
  it('admits a fail-open tenant on local counts while the shared state is away, and finishes it there', async () => {
    let up = false;
    const shared = new MemoryRateLimiter();
    const local = new MemoryRateLimiter();
    const limiter = new FailOpenLimiter(
      shared,
      local,
      () => up,
      (t) => t === 'open',
    );
    const one = { concurrent: 1 };
    const a = (await limiter.admit('open', one, 0, NOON)) as Admission;
    expect(isRefusal(await local.admit('open', one, 0, NOON))).toBe(true);
    expect(isRefusal(await shared.admit('open', one, 0, NOON))).toBe(false);
    up = true;
    await limiter.finish(a);
    expect(isRefusal(await local.admit('open', one, 0, NOON))).toBe(false);
    // A tenant that did not choose to fail open is always the shared limiter's.
    up = false;
    await limiter.admit('closed', one, 0, NOON);
    expect(isRefusal(await shared.admit('closed', one, 0, NOON))).toBe(true);
  });
});
