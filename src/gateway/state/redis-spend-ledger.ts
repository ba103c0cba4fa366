import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SpendSnapshot } from '../../engine/request-facts.js';
import type { TenantBudget } from '../../engine/routing-config.js';
import { monthOf } from './memory-spend-ledger.js';
import { GatewayError } from '../errors.js';
import { connectRedis, orUnavailable } from './redis-client.js';
import type { Reservation, SpendLedger, TenantSpend } from './spend-ledger.js';

const DAY_MS = 86_400_000;
/** Window keys outlive their window by a margin, then Redis drops them. */
const DAY_KEY_TTL_MS = 3 * DAY_MS;
const MONTH_KEY_TTL_MS = 62 * DAY_MS;

/**
 * Reservations that outlived their TTL (their instance died) are given back first, in every script: a
 * hold is `tenant|amount|day|month` in `{p}:holds`, its deadline in the `{p}:expiry` sorted set; `unhold`
 * gives one back, for the purge and for settle/release alike.
 * Amounts are added with HINCRBY (exact 64-bit integers); Lua compares them as doubles, exact up to 2^53
 * pico-dollars ($9,007) and within a nano-dollar above — the sums themselves stay exact.
 */
const PURGE = `
-- Takes a hold out of the reserved sums of its own day and month; the hold's tenant for the caller.
local function unhold(p, id)
  local h = redis.call('HGET', p .. ':holds', id)
  redis.call('ZREM', p .. ':expiry', id)
  if not h then return nil end
  local tenant, amount, day, month = string.match(h, '^(.+)|(%d+)|(%d+)|([%d%-]+)$')
  redis.call('HINCRBY', p .. ':t:' .. tenant .. ':d:' .. day, 'reserved', '-' .. amount)
  redis.call('HINCRBY', p .. ':t:' .. tenant .. ':m:' .. month, 'reserved', '-' .. amount)
  redis.call('HDEL', p .. ':holds', id)
  return tenant
end
local function purge(p, now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. ':expiry', '-inf', now)) do unhold(p, id) end
end
local function sum(key)
  local v = redis.call('HMGET', key, 'settled', 'reserved')
  return (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
end
`;

// ARGV: prefix, tenant, day, month, amount, daily limit or '', monthly limit or '', now, ttl, id. Returns
// { verdict, day's spend, month's spend } (settled + reserved, after a hold): verdict 1 (held), 0 (over
// budget) or -1: the month's spend is not in Redis yet (it came back empty, or a new month began), so nothing
// can be checked until it is restored from the logs.
const RESERVE = `${PURGE}
local p, tenant, day, month, amount, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[8])
if redis.call('EXISTS', p .. ':restored:' .. month) == 0 then return { -1 } end
purge(p, now)
local dk, mk = p .. ':t:' .. tenant .. ':d:' .. day, p .. ':t:' .. tenant .. ':m:' .. month
local function sums()
  local d = redis.call('HMGET', dk, 'settled', 'reserved')
  local m = redis.call('HMGET', mk, 'settled', 'reserved')
  return d[1] or '0', d[2] or '0', m[1] or '0', m[2] or '0'
end
if (ARGV[6] ~= '' and sum(dk) + tonumber(amount) > tonumber(ARGV[6])) or (ARGV[7] ~= '' and sum(mk) + tonumber(amount) > tonumber(ARGV[7])) then
  return { 0, sums() }
end
redis.call('HINCRBY', dk, 'reserved', amount)
redis.call('HINCRBY', mk, 'reserved', amount)
redis.call('PEXPIRE', dk, ${DAY_KEY_TTL_MS})
redis.call('PEXPIRE', mk, ${MONTH_KEY_TTL_MS})
redis.call('HSET', p .. ':holds', ARGV[10], tenant .. '|' .. amount .. '|' .. day .. '|' .. month)
redis.call('ZADD', p .. ':expiry', now + tonumber(ARGV[9]), ARGV[10])
redis.call('SADD', p .. ':tenants', tenant)
return { 1, sums() }`;

// ARGV: prefix, id, now, actual or '' (release), route, current day, current month, tenant, ttl. Returns 0
// when already settled, -1 when the month is not restored (Redis came back empty: the settlement is in the
// log, which the restore reads). A settlement counts once: a hold given back at its TTL (the settle came
// late, after Redis was away) is still settled, and a `done` mark stops a retry counting it twice.
const FINISH = `${PURGE}
local p, id = ARGV[1], ARGV[2]
purge(p, tonumber(ARGV[3]))
local held = unhold(p, id)
if ARGV[4] == '' then return held and 1 or 0 end
local done = p .. ':done:' .. id
if redis.call('EXISTS', done) == 1 then return 0 end
if redis.call('EXISTS', p .. ':restored:' .. ARGV[7]) == 0 then return -1 end
local dk, mk = p .. ':t:' .. ARGV[8] .. ':d:' .. ARGV[6], p .. ':t:' .. ARGV[8] .. ':m:' .. ARGV[7]
redis.call('HINCRBY', dk, 'settled', ARGV[4])
redis.call('HINCRBY', mk, 'settled', ARGV[4])
redis.call('HINCRBY', dk, 'route:' .. ARGV[5], ARGV[4])
redis.call('PEXPIRE', dk, ${DAY_KEY_TTL_MS})
redis.call('PEXPIRE', mk, ${MONTH_KEY_TTL_MS})
redis.call('SET', done, '1', 'PX', 2 * tonumber(ARGV[9]))
return 1`;

// ARGV: prefix, now, tenant, day, month. Gives back what expired, then reads both windows in the same round
// trip; the values go back as Redis's own decimal strings, so the client reads them exactly.
const SNAPSHOT = `${PURGE}
local p, tenant = ARGV[1], ARGV[3]
purge(p, tonumber(ARGV[2]))
local d = redis.call('HMGET', p .. ':t:' .. tenant .. ':d:' .. ARGV[4], 'settled', 'reserved')
local m = redis.call('HMGET', p .. ':t:' .. tenant .. ':m:' .. ARGV[5], 'settled', 'reserved')
return { d[1] or '0', d[2] or '0', m[1] or '0', m[2] or '0' }`;

// ARGV: prefix, now. Gives back what expired; used before reads.
const PURGE_ONLY = `${PURGE}
purge(ARGV[1], tonumber(ARGV[2]))
return 1`;

interface LedgerCommands {
  switchyardReserve(...args: string[]): Promise<[number, string?, string?, string?, string?]>;
  switchyardFinish(...args: string[]): Promise<number>;
  switchyardPurge(...args: string[]): Promise<number>;
  switchyardSnapshot(...args: string[]): Promise<string[]>;
}

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
