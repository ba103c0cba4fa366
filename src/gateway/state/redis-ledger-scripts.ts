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
local function sum(key)
  local v = redis.call('HMGET', key, 'settled', 'reserved')
  return (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
end
`;

// ARGV: prefix, tenant, day, month, amount, daily limit or '', monthly limit or '', now, ttl, id. Returns
// { verdict, day's spend, month's spend } (settled + reserved, after a hold): verdict 1 (held), 0 (over
// budget) or -1: the month's spend is not in Redis yet (it came back empty, or a new month began), so nothing
// can be checked until it is restored from the logs.
export const RESERVE = `${PURGE}
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
export const FINISH = `${PURGE}
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
export const SNAPSHOT = `${PURGE}
local p, tenant = ARGV[1], ARGV[3]
purge(p, tonumber(ARGV[2]))
local d = redis.call('HMGET', p .. ':t:' .. tenant .. ':d:' .. ARGV[4], 'settled', 'reserved')
local m = redis.call('HMGET', p .. ':t:' .. tenant .. ':m:' .. ARGV[5], 'settled', 'reserved')
return { d[1] or '0', d[2] or '0', m[1] or '0', m[2] or '0' }`;

// ARGV: prefix, now. Gives back what expired; used before reads.
export const PURGE_ONLY = `${PURGE}
purge(ARGV[1], tonumber(ARGV[2]))
return 1`;

export interface LedgerCommands {
  switchyardReserve(...args: string[]): Promise<[number, string?, string?, string?, string?]>;
  switchyardFinish(...args: string[]): Promise<number>;
  switchyardPurge(...args: string[]): Promise<number>;
  switchyardSnapshot(...args: string[]): Promise<string[]>;
}
