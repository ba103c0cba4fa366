import type { TenantBudget } from '../engine/routing-config.js';

const DAY_MS = 86_400_000;

/** `2026-11` for a time, UTC. */
export function monthOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

interface Windows {
  day: number;
  month: string;
  daySettled: bigint;
  dayReserved: bigint;
  monthSettled: bigint;
  monthReserved: bigint;
  /** Settled spend today by serving route. */
  dayByRoute: Map<string, bigint>;
}

/** Money held for one request until it is settled or released. */
export interface Reservation {
  readonly tenant: string;
  readonly amount: bigint;
  readonly day: number;
  readonly month: string;
  open: boolean;
}

/**
 * Spend per tenant in the current UTC day and month, in pico-dollars: settled (what answered requests
 * cost) plus reserved (the most that requests still in flight can cost). A request reserves its maximum
 * cost before it is forwarded and settles its actual cost after, so concurrent requests cannot overspend
 * by more than what was reserved. Every reservation is settled or released exactly once.
 */
export class BudgetLedger {
  private readonly windows = new Map<string, Windows>();

  private current(tenant: string, nowMs: number): Windows {
    const day = Math.floor(nowMs / DAY_MS);
    let w = this.windows.get(tenant);
    // Same UTC day, same month: the common case skips formatting the month.
    if (w?.day === day) return w;
    const month = monthOf(nowMs);
    if (!w) {
      w = { day, month, daySettled: 0n, dayReserved: 0n, monthSettled: 0n, monthReserved: 0n, dayByRoute: new Map() };
      this.windows.set(tenant, w);
    }
    if (w.day !== day) Object.assign(w, { day, daySettled: 0n, dayReserved: 0n, dayByRoute: new Map() });
    if (w.month !== month) Object.assign(w, { month, monthSettled: 0n, monthReserved: 0n });
    return w;
  }

  /** Settled + reserved in the current windows: what the planner compares with the budget. */
  spend(tenant: string, nowMs: number): { dailyPico: bigint; monthlyPico: bigint } {
    const w = this.current(tenant, nowMs);
    return { dailyPico: w.daySettled + w.dayReserved, monthlyPico: w.monthSettled + w.monthReserved };
  }

  /** Holds `amount`, or returns undefined when it does not fit the tenant's remaining budget. */
  reserve(tenant: string, budget: TenantBudget | undefined, amount: bigint, nowMs: number): Reservation | undefined {
    const w = this.current(tenant, nowMs);
    if (budget?.dailyPico !== undefined && w.daySettled + w.dayReserved + amount > budget.dailyPico) return undefined;
    if (budget?.monthlyPico !== undefined && w.monthSettled + w.monthReserved + amount > budget.monthlyPico) return undefined;
    w.dayReserved += amount;
    w.monthReserved += amount;
    return { tenant, amount, day: w.day, month: w.month, open: true };
  }

  /** Replaces the reservation with what the request actually cost on `route`. */
  settle(r: Reservation, actual: bigint, route: string, nowMs: number): void {
    this.release(r, nowMs);
    const w = this.current(r.tenant, nowMs);
    w.daySettled += actual;
    w.monthSettled += actual;
    w.dayByRoute.set(route, (w.dayByRoute.get(route) ?? 0n) + actual);
  }

  /** Gives the reservation back (failure, timeout, caller gone). */
  release(r: Reservation, nowMs: number): void {
    if (!r.open) return;
    r.open = false;
    const w = this.current(r.tenant, nowMs);
    if (w.day === r.day) w.dayReserved -= r.amount;
    if (w.month === r.month) w.monthReserved -= r.amount;
  }

  /** Spend already recorded before a restart (from the decision log). */
  restore(tenant: string, daily: bigint, monthly: bigint, nowMs: number): void {
    const w = this.current(tenant, nowMs);
    w.daySettled += daily;
    w.monthSettled += monthly;
  }

  /** Per tenant: settled and reserved, for `/admin/spend` and the metrics. */
  snapshot(nowMs: number): ({ tenant: string } & Omit<Windows, 'day' | 'month'>)[] {
    return [...this.windows.keys()].map((tenant) => {
      const { day: _day, month: _month, ...w } = this.current(tenant, nowMs);
      return { tenant, ...w, dayByRoute: new Map(w.dayByRoute) };
    });
  }

  /** Money held by requests in flight, all tenants: zero when nothing is in flight. */
  reservedTotal(nowMs: number): bigint {
    return this.snapshot(nowMs).reduce((sum, s) => sum + s.dayReserved, 0n);
  }
}
