/**
 * The shared spend ledger's Lua scripts (`redis-spend-ledger.ts` runs them): each step is one script, so it is
 * atomic across every instance sharing the Redis.
 */
export const DAY_MS = 86_400_000;
/** Window keys outlive their window by a margin, then Redis drops them. */
export const DAY_KEY_TTL_MS = 3 * DAY_MS;
export const MONTH_KEY_TTL_MS = 62 * DAY_MS;

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
-- A window's counters are absent or non-negative integers: anything else is corruption, never read as zero.
local function counters(key)
  local v = redis.call('HMGET', key, 'settled', 'reserved')
  if v[1] and not string.match(v[1], '^%d+$') then return nil, key .. ' settled is ' .. string.format('%q', v[1]) end
  if v[2] and not string.match(v[2], '^%d+$') then return nil, key .. ' reserved is ' .. string.format('%q', v[2]) end
  return { v[1] or '0', v[2] or '0' }
end
-- A tenant's day and month windows, checked against each other: a month gone while its day (or the month's
-- tenant list) says it existed, a day gone that its month says was written today, a day settled past its
-- month. Returns { day settled, day reserved, month settled, month reserved }, or nil and what is wrong.
local function windows(p, tenant, day, month)
  local dk, mk = p .. ':t:' .. tenant .. ':d:' .. day, p .. ':t:' .. tenant .. ':m:' .. month
  local d, dwhy = counters(dk)
  if not d then return nil, dwhy end
  local m, mwhy = counters(mk)
  if not m then return nil, mwhy end
  local hasDay, hasMonth = redis.call('EXISTS', dk) == 1, redis.call('EXISTS', mk) == 1
  if not hasMonth and (hasDay or redis.call('SISMEMBER', p .. ':m:' .. month .. ':tenants', tenant) == 1) then return nil, mk .. ' is missing' end
  if hasMonth and not hasDay and redis.call('HGET', mk, 'day') == day then return nil, dk .. ' is missing' end
  if tonumber(d[1]) > tonumber(m[1]) then return nil, dk .. ' settled is more than its month' end
  return { d[1], d[2], m[1], m[2] }
end
-- After writing a tenant's windows: the day its month last saw written, the tenant in the month's list and
-- in the list of every tenant (what /admin/spend reports).
local function mark(p, tenant, day, month)
  redis.call('SADD', p .. ':tenants', tenant)
  redis.call('HSET', p .. ':t:' .. tenant .. ':m:' .. month, 'day', day)
  redis.call('SADD', p .. ':m:' .. month .. ':tenants', tenant)
  redis.call('PEXPIRE', p .. ':m:' .. month .. ':tenants', ${MONTH_KEY_TTL_MS})
end
`;

// ARGV: prefix, tenant, day, month, amount, daily limit or '', monthly limit or '', now, ttl, id. Returns
// { verdict, day's settled, reserved, month's settled, reserved } (after a hold): verdict 1 (held), 0 (over
// budget), -1: the month's spend is not in Redis yet (it came back empty, or a new month began), so nothing
// can be checked until it is restored from the logs; or -2 and what is wrong: the tenant's counters are corrupt.
export const RESERVE = `${PURGE}
local p, tenant, day, month, amount, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[8])
if redis.call('EXISTS', p .. ':restored:' .. month) == 0 then return { -1 } end
purge(p, now)
local w, why = windows(p, tenant, day, month)
if not w then return { -2, why } end
local a = tonumber(amount)
if (ARGV[6] ~= '' and tonumber(w[1]) + tonumber(w[2]) + a > tonumber(ARGV[6])) or (ARGV[7] ~= '' and tonumber(w[3]) + tonumber(w[4]) + a > tonumber(ARGV[7])) then
  return { 0, w[1], w[2], w[3], w[4] }
end
local dk, mk = p .. ':t:' .. tenant .. ':d:' .. day, p .. ':t:' .. tenant .. ':m:' .. month
redis.call('HINCRBY', dk, 'reserved', amount)
redis.call('HINCRBY', mk, 'reserved', amount)
redis.call('PEXPIRE', dk, ${DAY_KEY_TTL_MS})
redis.call('PEXPIRE', mk, ${MONTH_KEY_TTL_MS})
mark(p, tenant, day, month)
redis.call('HSET', p .. ':holds', ARGV[10], tenant .. '|' .. amount .. '|' .. day .. '|' .. month)
redis.call('ZADD', p .. ':expiry', now + tonumber(ARGV[9]), ARGV[10])
-- Read back as Redis's decimal strings: exact past 2^53, where a Lua number is not.
return { 1, w[1], redis.call('HGET', dk, 'reserved'), w[3], redis.call('HGET', mk, 'reserved') }`;

// ARGV: prefix, id, now, actual or '' (release), route, current day, current month, tenant, ttl. Returns 0
// when already settled, -1 when the month is not restored (Redis came back empty: the settlement is in the
// log, which the restore reads), -2 when the tenant's counters are corrupt (the rebuild reads the log too).
// A settlement counts once: a hold given back at its TTL (the settle came
// late, after Redis was away) is still settled, and a `done` mark stops a retry counting it twice.
export const FINISH = `${PURGE}
local p, id = ARGV[1], ARGV[2]
purge(p, tonumber(ARGV[3]))
local held = unhold(p, id)
local done = p .. ':done:' .. id
-- A release is final: a settle after it changes nothing (a hold that expired unreleased still settles).
if ARGV[4] == '' then
  redis.call('SET', done, '1', 'PX', 2 * tonumber(ARGV[9]))
  return held and 1 or 0
end
if redis.call('EXISTS', done) == 1 then return 0 end
if redis.call('EXISTS', p .. ':restored:' .. ARGV[7]) == 0 then return -1 end
if not windows(p, ARGV[8], ARGV[6], ARGV[7]) then return -2 end
local dk, mk = p .. ':t:' .. ARGV[8] .. ':d:' .. ARGV[6], p .. ':t:' .. ARGV[8] .. ':m:' .. ARGV[7]
redis.call('HINCRBY', dk, 'settled', ARGV[4])
redis.call('HINCRBY', mk, 'settled', ARGV[4])
redis.call('HINCRBY', dk, 'route:' .. ARGV[5], ARGV[4])
redis.call('PEXPIRE', dk, ${DAY_KEY_TTL_MS})
redis.call('PEXPIRE', mk, ${MONTH_KEY_TTL_MS})
mark(p, ARGV[8], ARGV[6], ARGV[7])
redis.call('SET', done, '1', 'PX', 2 * tonumber(ARGV[9]))
return 1`;

// ARGV: prefix, now, tenant, day, month. Gives back what expired, then reads both windows in the same round
// trip; the values go back as Redis's own decimal strings, so the client reads them exactly. Corrupt
// counters answer { 'corrupt', what is wrong }.
export const SNAPSHOT = `${PURGE}
local p, tenant = ARGV[1], ARGV[3]
purge(p, tonumber(ARGV[2]))
local w, why = windows(p, tenant, ARGV[4], ARGV[5])
if not w then return { 'corrupt', why } end
return w`;

// ARGV: prefix, tenant, day, month, day's settled, month's settled (from the logs). Replaces a tenant's
// corrupt windows: settled from the decision logs, reserved from the holds still in flight.
export const REBUILD = `${PURGE}
local p, tenant, day, month = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local dr, mr = 0, 0
local holds = redis.call('HGETALL', p .. ':holds')
for i = 2, #holds, 2 do
  local t, amount, hday, hmonth = string.match(holds[i], '^(.+)|(%d+)|(%d+)|([%d%-]+)$')
  if t == tenant and hmonth == month then
    mr = mr + tonumber(amount)
    if hday == day then dr = dr + tonumber(amount) end
  end
end
local dk, mk = p .. ':t:' .. tenant .. ':d:' .. day, p .. ':t:' .. tenant .. ':m:' .. month
redis.call('DEL', dk, mk)
redis.call('HSET', dk, 'settled', ARGV[5], 'reserved', string.format('%.0f', dr), 'route:restored', ARGV[5])
redis.call('HSET', mk, 'settled', ARGV[6], 'reserved', string.format('%.0f', mr))
redis.call('PEXPIRE', dk, ${DAY_KEY_TTL_MS})
redis.call('PEXPIRE', mk, ${MONTH_KEY_TTL_MS})
mark(p, tenant, day, month)
return 1`;

// ARGV: prefix, now. Gives back what expired; used before reads.
export const PURGE_ONLY = `${PURGE}
purge(ARGV[1], tonumber(ARGV[2]))
return 1`;

export interface LedgerCommands {
  switchyardReserve(...args: string[]): Promise<[number, string?, string?, string?, string?]>;
  switchyardFinish(...args: string[]): Promise<number>;
  switchyardPurge(...args: string[]): Promise<number>;
  switchyardSnapshot(...args: string[]): Promise<string[]>;
  switchyardRebuild(...args: string[]): Promise<number>;
}
