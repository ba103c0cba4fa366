import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SpendSnapshot } from '../../engine/request-facts.js';
import type { TenantBudget } from '../../engine/routing-config.js';
import { monthOf } from './memory-spend-ledger.js';
import { GatewayError } from '../errors.js';
import { connectRedis, orUnavailable } from './redis-client.js';
import type { Reservation, SpendLedger, TenantSpend } from './spend-ledger.js';
import {
  DAY_KEY_TTL_MS,
  DAY_MS,
  FINISH,
  MONTH_KEY_TTL_MS,
  PURGE_ONLY,
  REBUILD,
  RESERVE,
  SNAPSHOT,
  type LedgerCommands,
} from './redis-ledger-scripts.js';

/** Puts the spend the decision logs hold for the current day and month into the ledger (`record/restore-ledger.ts`). */
export type RestoreFromLogs = (into: Pick<SpendLedger, 'restore'>, nowMs: number) => Promise<void>;
/** Where the ledger says what went wrong with the shared state, and what it did about it. */
export type LedgerLog = (level: 'error' | 'info', message: string) => void;

/** A JSON line on stderr in pino's shape, where the gateway's own log lines go. */
const stderrLog: LedgerLog = (level, msg) =>
  console.error(JSON.stringify({ level: level === 'error' ? 50 : 30, time: Date.now(), msg }));

/** How long the spend a reservation answered with stands in for a snapshot. */
const VIEW_FRESH_MS = 1000;
/** How long one instance may take to restore the month from the logs before another may take over. */
const RESTORE_LOCK_MS = 30_000;
/** Settlements kept for Redis to come back; beyond this the oldest are dropped (their rows are in the log). */
const MAX_PENDING = 100_000;
/** After a command timed out, how long calls fail at once instead of each waiting out the timeout. */
const SLOW_BACKOFF_MS = 2000;
/** How long one instance may take to rebuild a tenant's corrupt windows before another may take over. */
const REBUILD_LOCK_MS = 30_000;

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
  /**
   * Each tenant's spend as the last reservation's answer told it: the planner's view, so planning costs no round trip.
   */
  private readonly seen = new Map<string, { readonly spend: SpendSnapshot; readonly atMs: number }>();
  private restoring: Promise<void> | undefined;
  /** Tenants whose counters were found corrupt, with what was wrong, until their rebuild from the logs is done. */
  private readonly corrupt = new Map<string, string>();
  /** Reservations of tenants without a budget: nothing was held in Redis, so nothing is given back there. */
  private readonly unheld = new WeakSet<Reservation>();
  /** Until when (monotonic ms) calls fail at once: a command timed out, Redis is known to be slow. */
  private slowUntil = 0;

  private constructor(
    private readonly redis: Redis & LedgerCommands,
    private readonly prefix: string,
    private readonly reservationTtlMs: number,
    private readonly restoreFromLogs: RestoreFromLogs,
    private readonly clock: () => number,
    private readonly log: LedgerLog,
  ) {
    redis.on('ready', () => void this.resend());
  }

  static async connect(
    url: string,
    prefix: string,
    reservationTtlMs: number,
    restoreFromLogs: RestoreFromLogs,
    clock: () => number = Date.now,
    log: LedgerLog = stderrLog,
  ): Promise<RedisSpendLedger> {
    const redis = await connectRedis(url, {
      switchyardReserve: RESERVE,
      switchyardFinish: FINISH,
      switchyardPurge: PURGE_ONLY,
      switchyardSnapshot: SNAPSHOT,
      switchyardRebuild: REBUILD,
    });
    return new RedisSpendLedger(redis as Redis & LedgerCommands, prefix, reservationTtlMs, restoreFromLogs, clock, log);
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
    if (seen && nowMs - seen.atMs < VIEW_FRESH_MS && Math.floor(seen.atMs / DAY_MS) === Math.floor(nowMs / DAY_MS))
      return seen.spend;
    const { day, month } = windowIds(nowMs);
    const answer = await this.call(() => this.redis.switchyardSnapshot(this.prefix, String(nowMs), tenant, day, month));
    if (answer[0] === 'corrupt') throw this.corruptFound(tenant, String(answer[1]), nowMs);
    const [ds, dr, ms, mr] = answer.map((v) => BigInt(v));
    return this.remember(tenant, nowMs, ds! + dr!, ms! + mr!);
  }

  async settled(tenant: string, nowMs: number): Promise<SpendSnapshot> {
    const { day, month } = windowIds(nowMs);
    const answer = await this.call(() => this.redis.switchyardSnapshot(this.prefix, String(nowMs), tenant, day, month));
    if (answer[0] === 'corrupt') throw this.corruptFound(tenant, String(answer[1]), nowMs);
    return { dailyPico: BigInt(answer[0] as string | number), monthlyPico: BigInt(answer[2] as string | number) };
  }

  async reserve(
    tenant: string,
    budget: TenantBudget | undefined,
    amount: bigint,
    nowMs: number,
  ): Promise<Reservation | undefined> {
    const id = `${this.instance}:${this.nextId++}`;
    if (!budget) {
      // Nothing to check against: no round trip before the request (a slow Redis cannot hold it up); its
      // spend is settled when it ends.
      const reservation = { id, tenant, amount };
      this.unheld.add(reservation);
      return reservation;
    }
    const { day, month } = windowIds(nowMs);
    const answer = await this.call(() =>
      this.redis.switchyardReserve(
        this.prefix,
        tenant,
        day,
        month,
        String(amount),
        limit(budget.dailyPico),
        limit(budget.monthlyPico),
        String(nowMs),
        String(this.reservationTtlMs),
        id,
      ),
    );
    const [verdict, ds, dr, ms, mr] = answer;
    if (verdict === -1) {
      void this.ensureRestored(nowMs).catch(() => undefined);
      throw new GatewayError(
        'state_unavailable',
        'The shared budget ledger is being restored from the decision logs; budgets fail closed until it is.',
      );
    }
    if (verdict === -2) throw this.corruptFound(tenant, String(ds), nowMs);
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
    if (this.unheld.has(r)) return;
    await this.call(() =>
      this.redis.switchyardFinish(
        this.prefix,
        r.id,
        String(nowMs),
        '',
        '',
        '',
        '',
        r.tenant,
        String(this.reservationTtlMs),
      ),
    );
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
        .hset(mk, 'day', day)
        .pexpire(dk, DAY_KEY_TTL_MS)
        .pexpire(mk, MONTH_KEY_TTL_MS)
        .sadd(`${this.prefix}:tenants`, tenant)
        .sadd(`${this.prefix}:m:${month}:tenants`, tenant)
        .pexpire(`${this.prefix}:m:${month}:tenants`, MONTH_KEY_TTL_MS)
        .exec(),
    );
  }

  problems(): string[] {
    return [...this.corrupt].map(
      ([tenant, why]) => `tenant ${tenant}'s budget counters are corrupt (${why}); rebuilding from the decision logs`,
    );
  }

  async report(nowMs: number): Promise<TenantSpend[]> {
    const tenants = await this.call(() => this.redis.smembers(`${this.prefix}:tenants`));
    const out: TenantSpend[] = [];
    for (const tenant of tenants.sort()) {
      const [day, month] = await this.windows(tenant, nowMs);
      out.push({
        tenant,
        daySettled: day.settled,
        dayReserved: day.reserved,
        monthSettled: month.settled,
        monthReserved: month.reserved,
        dayByRoute: day.byRoute,
      });
    }
    return out;
  }

  /** Redis answers, and has not just timed out: while it is known to be slow, only what it guards waits on it. */
  ready(): boolean {
    return this.redis.status === 'ready' && performance.now() >= this.slowUntil;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** Sends one settlement; false when Redis did not take it (away). Settled in the window it finished in. */
  private async send({ reservation: r, actual, route, nowMs }: PendingSettle): Promise<boolean> {
    const { day, month } = windowIds(nowMs);
    try {
      // -1: Redis came back empty; the settlement's row is in the log the restore reads. -2: the tenant's
      // counters are corrupt; its row is in the log the rebuild reads.
      const done = await this.redis.switchyardFinish(
        this.prefix,
        r.id,
        String(nowMs),
        String(actual),
        route,
        day,
        month,
        r.tenant,
        String(this.reservationTtlMs),
      );
      if (done === -2) this.corruptFound(r.tenant, 'found while settling', nowMs);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A tenant's counters are not what the ledger writes (a negative or non-numeric value, a window gone that
   * the other says existed): never read as zero. Said loudly once, rebuilt from the decision logs; until then
   * the tenant's budget fails closed. Returns the error its request gets.
   */
  private corruptFound(tenant: string, why: string, nowMs: number): GatewayError {
    if (!this.corrupt.has(tenant)) {
      this.corrupt.set(tenant, why);
      this.log(
        'error',
        `budget ledger: tenant ${tenant}'s counters in Redis are corrupt (${why}); its budget fails closed until they are rebuilt from the decision logs`,
      );
      void this.rebuild(tenant, nowMs)
        .catch((err: unknown) =>
          this.log(
            'error',
            `budget ledger: rebuilding tenant ${tenant} failed: ${(err as Error).message}; the next request tries again`,
          ),
        )
        .finally(() => {
          if (this.corrupt.get(tenant) === why) this.corrupt.delete(tenant);
        });
    }
    return new GatewayError(
      'state_unavailable',
      `The shared budget ledger's counters for tenant ${tenant} are corrupt; its budget fails closed while they are rebuilt from the decision logs.`,
    );
  }

  /** Replaces one tenant's windows with what the logs hold (settled) and the holds in flight (reserved). */
  private async rebuild(tenant: string, nowMs: number): Promise<void> {
    const lock = `${this.prefix}:rebuilding:${tenant}`;
    if ((await this.call(() => this.redis.set(lock, this.instance, 'PX', REBUILD_LOCK_MS, 'NX'))) !== 'OK') return;
    try {
      let daily = 0n;
      let monthly = 0n;
      await this.restoreFromLogs(
        { restore: async (t, d, m) => void (t === tenant && ((daily = d), (monthly = m))) },
        nowMs,
      );
      const { day, month } = windowIds(nowMs);
      await this.call(() =>
        this.redis.switchyardRebuild(this.prefix, tenant, day, month, String(daily), String(monthly)),
      );
      this.seen.delete(tenant);
      this.log(
        'info',
        `budget ledger: tenant ${tenant}'s counters rebuilt from the decision logs (today ${daily}, this month ${monthly} pico-dollars settled)`,
      );
    } finally {
      await this.redis.del(lock).catch(() => undefined);
    }
  }

  /**
   * Redis is back. If it kept its data, send the settlements it missed (a `done` mark stops one it took before
   * the link dropped counting twice). If it came back empty, drop them: their rows are in the log, which the
   * restore that follows reads.
   */
  private async resend(): Promise<void> {
    const nowMs = this.clock();
    const kept = await this.redis.exists(`${this.prefix}:restored:${monthOf(nowMs)}`).then(
      (n) => n === 1,
      () => undefined,
    );
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
    const [d, m] = await this.call(() =>
      Promise.all([
        this.redis.hgetall(`${this.prefix}:t:${tenant}:d:${day}`),
        this.redis.hgetall(`${this.prefix}:t:${tenant}:m:${month}`),
      ]),
    );
    const byRoute = new Map(
      Object.entries(d)
        .filter(([k]) => k.startsWith('route:'))
        .map(([k, v]) => [k.slice(6), counter(v)]),
    );
    const read = (h: Record<string, string>) => ({
      settled: counter(h.settled ?? '0'),
      reserved: counter(h.reserved ?? '0'),
    });
    try {
      return [{ ...read(d), byRoute }, read(m)] as const;
    } catch (err) {
      throw this.corruptFound(tenant, (err as Error).message, nowMs);
    }
  }

  private async call<T>(step: () => Promise<T>): Promise<T> {
    if (performance.now() < this.slowUntil)
      throw new GatewayError(
        'state_unavailable',
        'The shared state (Redis) is answering too slowly; budgets fail closed until it is back.',
      );
    try {
      return await orUnavailable('budgets', step);
    } catch (err) {
      // A command that timed out: Redis is hung or overloaded, and every call would wait as long.
      if (/timed out/i.test(String((err as GatewayError).cause))) this.slowUntil = performance.now() + SLOW_BACKOFF_MS;
      throw err;
    }
  }
}

const limit = (pico: bigint | undefined) => (pico === undefined ? '' : String(pico));
/** A counter as the ledger writes it: a non-negative integer, or the reason it is not. */
function counter(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new Error(`a counter is ${JSON.stringify(value)}`);
  return BigInt(value);
}
const windowIds = (nowMs: number) => ({ day: String(Math.floor(nowMs / DAY_MS)), month: monthOf(nowMs) });
