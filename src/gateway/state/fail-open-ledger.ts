import type { SpendSnapshot } from '../../engine/request-facts.js';
import type { TenantBudget } from '../../engine/routing-config.js';
import type { Reservation, SpendLedger, TenantSpend } from './spend-ledger.js';

/**
 * The shared ledger, with this instance's own beside it for while the shared one is away: then spend that
 * nothing shared guards (a tenant without a budget) and every count of a tenant that chose to fail open
 * (`failsOpen`) is kept here; the rest fails closed in the shared ledger. A reservation is settled or
 * released where it was made, whatever the shared store does meanwhile. Reports, readiness and restores are
 * the shared ledger's. Like LiteLLM's DualCache, and this project's `SharedRouteHealth` over a local board.
 */
export class FailOpenLedger implements SpendLedger {
  private readonly heldHere = new WeakSet<Reservation>();

  constructor(
    private readonly shared: SpendLedger,
    private readonly local: SpendLedger,
    private readonly failsOpen: (tenant: string) => boolean,
  ) {}

  snapshot(tenant: string, nowMs: number): Promise<SpendSnapshot> {
    return this.ledgerFor(tenant, true).snapshot(tenant, nowMs);
  }

  settled(tenant: string, nowMs: number): Promise<SpendSnapshot> {
    return this.ledgerFor(tenant, true).settled(tenant, nowMs);
  }

  async reserve(
    tenant: string,
    budget: TenantBudget | undefined,
    amount: bigint,
    nowMs: number,
  ): Promise<Reservation | undefined> {
    const ledger = this.ledgerFor(tenant, budget !== undefined);
    const reservation = await ledger.reserve(tenant, budget, amount, nowMs);
    if (reservation && ledger === this.local) this.heldHere.add(reservation);
    return reservation;
  }

  settle(reservation: Reservation, actual: bigint, route: string, nowMs: number): Promise<void> {
    return this.madeIn(reservation).settle(reservation, actual, route, nowMs);
  }

  release(reservation: Reservation, nowMs: number): Promise<void> {
    return this.madeIn(reservation).release(reservation, nowMs);
  }

  restore(tenant: string, daily: bigint, monthly: bigint, nowMs: number): Promise<void> {
    return this.shared.restore(tenant, daily, monthly, nowMs);
  }

  report(nowMs: number): Promise<TenantSpend[]> {
    return this.shared.report(nowMs);
  }

  ready(): boolean {
    return this.shared.ready();
  }

  problems(): readonly string[] {
    return this.shared.problems();
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.local.close()]);
  }

  private ledgerFor(tenant: string, budgeted: boolean): SpendLedger {
    if (this.shared.ready()) return this.shared;
    return !budgeted || this.failsOpen(tenant) ? this.local : this.shared;
  }

  private madeIn(reservation: Reservation): SpendLedger {
    return this.heldHere.has(reservation) ? this.local : this.shared;
  }
}
