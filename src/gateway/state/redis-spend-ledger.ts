import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SpendSnapshot } from '../../engine/request-facts.js';
import type { TenantBudget } from '../../engine/routing-config.js';
import { monthOf } from './memory-spend-ledger.js';
import { GatewayError } from '../errors.js';
import { connectRedis, orUnavailable } from './redis-client.js';
import type { Reservation, SpendLedger, TenantSpend } from './spend-ledger.js';
import { DAY_KEY_TTL_MS, DAY_MS, FINISH, MONTH_KEY_TTL_MS, PURGE_ONLY, RESERVE, SNAPSHOT, type LedgerCommands } from './redis-ledger-scripts.js';

/** Puts the spend the decision logs hold for the current day and month into the ledger (`record/restore-ledger.ts`). */
export type RestoreFromLogs = (ledger: SpendLedger, nowMs: number) => Promise<void>;

/** How long the spend a reservation answered with stands in for a snapshot. */
const VIEW_FRESH_MS = 1000;
/** How long one instance may take to restore the month from the logs before another may take over. */
const RESTORE_LOCK_MS = 30_000;
/** Settlements kept for Redis to come back; beyond this the oldest are dropped (their rows are in the log). */
const MAX_PENDING = 100_000;

interface PendingSettle {
  readonly reservation: Reservation;
  readonly actual: bigint;
  readonly route: string;
  readonly nowMs: number;
}

/**
 * The spend ledger shared by every gateway instance through Redis: each step (reserve, settle, release) is
 * one Lua script, atomic across instances; a reservation carries a TTL longer than any route's total
 * deadline, so one held by an instance that died is given back by itself. When Redis does not answer,
 * budgets fail closed (429 `state_unavailable`); the client reconnects by itself. A settlement Redis did not
 * take is kept and sent again when it is back, so its counters and the logs agree. When Redis comes back
 * empty (restarted without persistence) or a month begins, the first instance to notice restores the month
 * from the decision logs; until then reservations fail closed.
 */
export class RedisSpendLedger implements SpendLedger {
  private nextId = 0;
  private readonly instance = randomUUID().slice(0, 8);
  private pending: PendingSettle[] = [];
  /** Each tenant's spend as the last reservation's answer told it: the planner's view, so planning costs no round trip. */
  private readonly seen = new Map<string, { readonly spend: SpendSnapshot; readonly atMs: number }>();
  private restoring: Promise<void> | undefined;

  private constructor(
    private readonly redis: Redis & LedgerCommands,
    private readonly prefix: string,
    private readonly reservationTtlMs: number,
    private readonly restoreFromLogs: RestoreFromLogs,
    private readonly clock: () => number,
  ) {
    redis.on('ready', () => void this.resend());
  }

  static async connect(url: string, prefix: string, reservationTtlMs: number, restoreFromLogs: RestoreFromLogs, clock: () => number = Date.now): Promise<RedisSpendLedger> {
    const redis = await connectRedis(url, { switchyardReserve: RESERVE, switchyardFinish: FINISH, switchyardPurge: PURGE_ONLY, switchyardSnapshot: SNAPSHOT });
    return new RedisSpendLedger(redis as Redis & LedgerCommands, prefix, reservationTtlMs, restoreFromLogs, clock);
  }

  /**
   * Makes sure the month's spend is in Redis: when it is not, the one instance that takes the lock restores
   * it from the logs, then marks the month restored. The others wait for the mark (reservations fail closed).
   */
  ensureRestored(nowMs: number): Promise<void> {
    this.restoring ??= this.restoreOnce(nowMs).finally(() => (this.restoring = undefined));
    return this.restoring;
  }

  private remember(tenant: string, nowMs: number, dailyPico: bigint, monthlyPico: bigint): SpendSnapshot {
    const spend = { dailyPico, monthlyPico };
    this.seen.set(tenant, { spend, atMs: nowMs });
    return spend;
  }

  /** Settlements that Redis has not taken yet. */
  get pendingSettlements(): number {
    return this.pending.length;
  }

  /**
   * The spend the planner plans with: what the tenant's last reservation (here, within a second, the same
   * day) found, else one round trip. A view a moment old is safe: the reservation itself checks the budget in
   * Redis, atomically, and answers with the current spend, which a refused request is planned again with.
   */
  async snapshot(tenant: string, nowMs: number): Promise<SpendSnapshot> {
    const seen = this.seen.get(tenant);
    if (seen && nowMs - seen.atMs < VIEW_FRESH_MS && Math.floor(seen.atMs / DAY_MS) === Math.floor(nowMs / DAY_MS)) return seen.spend;
    const { day, month } = windowIds(nowMs);
    const [ds, dr, ms, mr] = (await this.call(() => this.redis.switchyardSnapshot(this.prefix, String(nowMs), tenant, day, month))).map((v) => BigInt(v));
    return this.remember(tenant, nowMs, ds! + dr!, ms! + mr!);
  }

  async reserve(tenant: string, budget: TenantBudget | undefined, amount: bigint, nowMs: number): Promise<Reservation | undefined> {
    const id = `${this.instance}:${this.nextId++}`;
    const { day, month } = windowIds(nowMs);
    const answer = await this.call(() =>
      this.redis.switchyardReserve(this.prefix, tenant, day, month, String(amount), limit(budget?.dailyPico), limit(budget?.monthlyPico), String(nowMs), String(this.reservationTtlMs), id),
    );
    const [verdict, ds, dr, ms, mr] = answer;
    if (verdict === -1) {
      void this.ensureRestored(nowMs).catch(() => undefined);
      throw new GatewayError('state_unavailable', 'The shared budget ledger is being restored from the decision logs; budgets fail closed until it is.');
    }
    // The next plan's view: settled + reserved without this hold, which is settled or released in a moment.
    const own = verdict === 1 ? amount : 0n;
    this.remember(tenant, nowMs, BigInt(ds!) + BigInt(dr!) - own, BigInt(ms!) + BigInt(mr!) - own);
    return verdict === 1 ? { id, tenant, amount } : undefined;
  }

  /** Never fails: a settlement Redis does not take now is sent again when it is back. */
  async settle(reservation: Reservation, actual: bigint, route: string, nowMs: number): Promise<void> {
    const settlement = { reservation, actual, route, nowMs };
    if (!(await this.send(settlement))) {
      if (this.pending.length >= MAX_PENDING) this.pending.shift();
      this.pending.push(settlement);
    }
  }

  async release(r: Reservation, nowMs: number): Promise<void> {
    await this.call(() => this.redis.switchyardFinish(this.prefix, r.id, String(nowMs), '', '', '', '', r.tenant, String(this.reservationTtlMs)));
  }

  async restore(tenant: string, daily: bigint, monthly: bigint, nowMs: number): Promise<void> {
    const { day, month } = windowIds(nowMs);
    const dk = `${this.prefix}:t:${tenant}:d:${day}`;
    const mk = `${this.prefix}:t:${tenant}:m:${month}`;
    await this.call(() =>
      this.redis
        .multi()
        .hincrby(dk, 'settled', String(daily))
        .hincrby(dk, 'route:restored', String(daily))
        .hincrby(mk, 'settled', String(monthly))
        .pexpire(dk, DAY_KEY_TTL_MS)
        .pexpire(mk, MONTH_KEY_TTL_MS)
        .sadd(`${this.prefix}:tenants`, tenant)
        .exec(),
    );
  }

  async report(nowMs: number): Promise<TenantSpend[]> {
    const tenants = await this.call(() => this.redis.smembers(`${this.prefix}:tenants`));
    const out: TenantSpend[] = [];
    for (const tenant of tenants.sort()) {
      const [day, month] = await this.windows(tenant, nowMs);
      out.push({ tenant, daySettled: day.settled, dayReserved: day.reserved, monthSettled: month.settled, monthReserved: month.reserved, dayByRoute: day.byRoute });
    }
    return out;
  }

  ready(): boolean {
    return this.redis.status === 'ready';
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** Sends one settlement; false when Redis did not take it (away). Settled in the window it finished in. */
  private async send({ reservation: r, actual, route, nowMs }: PendingSettle): Promise<boolean> {
    const { day, month } = windowIds(nowMs);
    try {
      // -1: Redis came back empty; the settlement's row is in the log the restore reads.
      await this.redis.switchyardFinish(this.prefix, r.id, String(nowMs), String(actual), route, day, month, r.tenant, String(this.reservationTtlMs));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Redis is back. If it kept its data, send the settlements it missed (a `done` mark stops one it took before
   * the link dropped counting twice). If it came back empty, drop them: their rows are in the log, which the
   * restore that follows reads.
   */
  private async resend(): Promise<void> {
    const nowMs = this.clock();
    const kept = await this.redis.exists(`${this.prefix}:restored:${monthOf(nowMs)}`).then((n) => n === 1, () => undefined);
    if (kept === undefined) return; // away again: the next 'ready' tries again
    const waiting = this.pending;
    this.pending = [];
    if (!kept) {
      await this.ensureRestored(nowMs).catch(() => undefined);
      return;
    }
    for (const settlement of waiting) if (!(await this.send(settlement))) this.pending.push(settlement);
  }

  private async restoreOnce(nowMs: number): Promise<void> {
    const month = monthOf(nowMs);
    const mark = `${this.prefix}:restored:${month}`;
    if ((await this.call(() => this.redis.exists(mark))) === 1) return;
    const lock = `${this.prefix}:restoring:${month}`;
    if ((await this.call(() => this.redis.set(lock, this.instance, 'PX', RESTORE_LOCK_MS, 'NX'))) !== 'OK') return;
    await this.restoreFromLogs(this, nowMs);
    await this.call(() => this.redis.multi().set(mark, '1', 'PX', MONTH_KEY_TTL_MS).del(lock).exec());
  }

  private async windows(tenant: string, nowMs: number) {
    const { day, month } = windowIds(nowMs);
    await this.call(() => this.redis.switchyardPurge(this.prefix, String(nowMs)));
    const [d, m] = await this.call(() => Promise.all([this.redis.hgetall(`${this.prefix}:t:${tenant}:d:${day}`), this.redis.hgetall(`${this.prefix}:t:${tenant}:m:${month}`)]));
    const byRoute = new Map(Object.entries(d).filter(([k]) => k.startsWith('route:')).map(([k, v]) => [k.slice(6), BigInt(v)]));
    const read = (h: Record<string, string>) => ({ settled: BigInt(h.settled ?? 0), reserved: BigInt(h.reserved ?? 0) });
    return [{ ...read(d), byRoute }, read(m)] as const;
  }

  private call<T>(step: () => Promise<T>): Promise<T> {
    return orUnavailable('budgets', step);
  }
}

const limit = (pico: bigint | undefined) => (pico === undefined ? '' : String(pico));
const windowIds = (nowMs: number) => ({ day: String(Math.floor(nowMs / DAY_MS)), month: monthOf(nowMs) });
