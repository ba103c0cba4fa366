import type { SpendSnapshot } from '../../engine/request-facts.js';
import type { TenantBudget } from '../../engine/routing-config.js';

/** Money held for one request until it is settled or released. */
export interface Reservation {
  readonly id: string;
  readonly tenant: string;
  readonly amount: bigint;
}

/** One tenant's spend in the current UTC day and month, pico-dollars. */
export interface TenantSpend {
  readonly tenant: string;
  readonly daySettled: bigint;
  readonly dayReserved: bigint;
  readonly monthSettled: bigint;
  readonly monthReserved: bigint;
  /** Settled spend today by serving route (restored spend under `restored`). */
  readonly dayByRoute: ReadonlyMap<string, bigint>;
}

/**
 * Spend per tenant in the current UTC day and month: settled (what answered requests cost) plus reserved
 * (the most that requests in flight can still cost). A request reserves its worst case before it is
 * forwarded and settles its actual cost after, so concurrent requests cannot overspend by more than what
 * was reserved. `reserve` checks and holds in one atomic step; `settle` and `release` are idempotent.
 * In memory (`memory-spend-ledger.ts`) or shared by several instances through Redis (`redis-spend-ledger.ts`).
 */
export interface SpendLedger {
  /** Settled + reserved in the current windows: what the planner compares with the budget. */
  snapshot(tenant: string, nowMs: number): Promise<SpendSnapshot>;
  /** Settled spend only, in the current windows, read now (no view a moment old): what budget alerts compare. */
  settled(tenant: string, nowMs: number): Promise<SpendSnapshot>;
  /** Holds `amount`, or undefined when it does not fit the tenant's remaining daily or monthly budget. */
  reserve(
    tenant: string,
    budget: TenantBudget | undefined,
    amount: bigint,
    nowMs: number,
  ): Promise<Reservation | undefined>;
  /** Replaces the reservation with what the request actually cost on `route`. */
  settle(reservation: Reservation, actual: bigint, route: string, nowMs: number): Promise<void>;
  /** Gives the reservation back (refused, failed, nothing relayed). */
  release(reservation: Reservation, nowMs: number): Promise<void>;
  /** Spend already recorded before a restart (from the decision log). */
  restore(tenant: string, daily: bigint, monthly: bigint, nowMs: number): Promise<void>;
  /** Every tenant's windows, for `/admin/spend` and the metrics. */
  report(nowMs: number): Promise<TenantSpend[]>;
  /** Whether budgets can be checked right now (a shared store answers); `/ready` reports it. */
  ready(): boolean;
  /**
   * What is wrong with the stored counts now (a tenant's corrupt counters being rebuilt); `/ready` and `/metrics`
   * report it.
   */
  problems(): readonly string[];
  /** Lets go of connections (a shared store); the in-memory ledger has none. */
  close(): Promise<void>;
}
