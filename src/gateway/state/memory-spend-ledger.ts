import type { SpendSnapshot } from '../../engine/request-facts.js';
import type { TenantBudget } from '../../engine/routing-config.js';
import type { Reservation, SpendLedger, TenantSpend } from './spend-ledger.js';

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
  dayByRoute: Map<string, bigint>;
}

interface Held {
  readonly tenant: string;
  readonly amount: bigint;
  readonly day: number;
  readonly month: string;
}

/** The ledger of one gateway process. Every call completes synchronously; the promises are the interface's. */
export class MemorySpendLedger implements SpendLedger {
  private readonly windows = new Map<string, Windows>();
  /** Open reservations by id: settling or releasing one twice changes nothing the second time. */
  private readonly held = new Map<string, Held>();
  private nextId = 0;

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

  async snapshot(tenant: string, nowMs: number): Promise<SpendSnapshot> {
    const w = this.current(tenant, nowMs);
    return { dailyPico: w.daySettled + w.dayReserved, monthlyPico: w.monthSettled + w.monthReserved };
  }

  async settled(tenant: string, nowMs: number): Promise<SpendSnapshot> {
    const w = this.current(tenant, nowMs);
    return { dailyPico: w.daySettled, monthlyPico: w.monthSettled };
  }

  async reserve(
    tenant: string,
    budget: TenantBudget | undefined,
    amount: bigint,
    nowMs: number,
  ): Promise<Reservation | undefined> {
    const w = this.current(tenant, nowMs);
    if (budget?.dailyPico !== undefined && w.daySettled + w.dayReserved + amount > budget.dailyPico) return undefined;
    if (budget?.monthlyPico !== undefined && w.monthSettled + w.monthReserved + amount > budget.monthlyPico)
      return undefined;
    w.dayReserved += amount;
    w.monthReserved += amount;
    const id = String(this.nextId++);
    this.held.set(id, { tenant, amount, day: w.day, month: w.month });
    return { id, tenant, amount };
  }

  async settle(r: Reservation, actual: bigint, route: string, nowMs: number): Promise<void> {
    if (!this.drop(r, nowMs)) return;
    const w = this.current(r.tenant, nowMs);
    w.daySettled += actual;
    w.monthSettled += actual;
    w.dayByRoute.set(route, (w.dayByRoute.get(route) ?? 0n) + actual);
  }

  async release(r: Reservation, nowMs: number): Promise<void> {
    this.drop(r, nowMs);
  }

  async restore(tenant: string, daily: bigint, monthly: bigint, nowMs: number): Promise<void> {
    const w = this.current(tenant, nowMs);
    w.daySettled += daily;
    w.monthSettled += monthly;
    if (daily !== 0n) w.dayByRoute.set('restored', (w.dayByRoute.get('restored') ?? 0n) + daily);
  }

  async report(nowMs: number): Promise<TenantSpend[]> {
    return [...this.windows.keys()].map((tenant) => {
      const { day: _day, month: _month, ...w } = this.current(tenant, nowMs);
      return { tenant, ...w, dayByRoute: new Map(w.dayByRoute) };
    });
  }

  problems(): readonly string[] {
    return [];
  }

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {}

  /** Takes the reservation out of the reserved sums (of its own day and month); false when already gone. */
  private drop(r: Reservation, nowMs: number): boolean {
    const held = this.held.get(r.id);
    if (!held) return false;
    this.held.delete(r.id);
    const w = this.current(held.tenant, nowMs);
    if (w.day === held.day) w.dayReserved -= held.amount;
    if (w.month === held.month) w.monthReserved -= held.amount;
    return true;
  }
}
