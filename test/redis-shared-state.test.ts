import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPrefixes, REDIS_URL, redisRelay, redisUp } from './helpers/redis.js';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { usdToPico } from '../src/engine/money.js';
import { isRefusal, type Admission } from '../src/gateway/state/rate-limiter.js';
import { restoreLedgerFromLog } from '../src/gateway/record/restore-ledger.js';
import { MemorySpendLedger } from '../src/gateway/state/memory-spend-ledger.js';
import type { SpendLedger } from '../src/gateway/state/spend-ledger.js';
import { MemoryRouteHealth } from '../src/gateway/state/memory-route-health.js';
import { SharedRouteHealth } from '../src/gateway/state/shared-route-health.js';
import type { LatencySnapshot } from '../src/engine/planner.js';
import { RedisRateLimiter } from '../src/gateway/state/redis-rate-limiter.js';
import { RedisSpendLedger, type RestoreFromLogs } from '../src/gateway/state/redis-spend-ledger.js';
import {
  closeMocks,
  ENV,
  startGateway,
  startMocks,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';
import { tempDir } from './helpers/hermetic.js';
import { ROOT } from './helpers/run-cli.js';
import { startProcess, type Started } from './helpers/start-process.js';

// The spend ledger shared by several gateway instances through the real Redis on 127.0.0.1:6379. Each
// suite uses its own key prefix, removed afterwards. Without Redis (a user's machine), the suite is skipped
// and says why.
const freshPrefix = keyPrefixes('switchyard-test');

/** A config for instances sharing one Redis (under `prefix`), routing to the mocks, with these tenants. */
function sharedConfig(mocks: Mocks, prefix: string, tenants: string, extra = ''): string {
  return `
state: { redis_url: "${REDIS_URL}", key_prefix: "${prefix}" }
log: { dir: log, roll_seconds: 3600 }
${extra}
routes:
  - { id: agg, kind: aggregator, base_url: "${mocks.aggregator.url}", api_key: "\${AGG_KEY}", clearance: internal, models: { gpt-5-mini: openai/gpt-5-mini }, pricing: { fee_percent: 5.5 } }
  - { id: direct, kind: direct, base_url: "${mocks.direct.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5-mini] }
tenants:
${tenants}
`;
}

const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));
/** A real `switchyard serve` process on this config file. */
const serve = (config: string) => startProcess([BIN, 'serve', '--config', config, '--port', '0'], ENV, ROOT);

/** `count` real `switchyard serve` processes sharing one Redis and one config file. */
async function startInstances(
  count: number,
  mocks: Mocks,
  prefix: string,
  tenants: string,
  extra = '',
): Promise<Started[]> {
  const config = join(tempDir('switchyard-redis'), 'switchyard.yaml');
  writeFileSync(config, sharedConfig(mocks, prefix, tenants, extra));
  return Promise.all(Array.from({ length: count }, () => serve(config)));
}

/** Mocks for the calling suite, and the `switchyard serve` processes its tests put in `gateways`, stopped after it. */
function instancesWithMocks(): { mocks: Mocks; gateways: Started[] } {
  const env: { mocks?: Mocks; gateways: Started[] } = { gateways: [] };
  beforeAll(async () => {
    env.mocks = await startMocks();
  });
  afterAll(async () => {
    await Promise.all(env.gateways.map((g) => g.stop()));
    if (env.mocks) await closeMocks(env.mocks);
  });
  return env as { mocks: Mocks; gateways: Started[] };
}

const NOW = Date.UTC(2026, 10, 20, 12);
const nothingLogged = async () => undefined;

/** A tenant's spend (settled + reserved) as Redis holds it now, not the planner's view of it. */
async function inRedis(ledger: RedisSpendLedger, tenant: string, nowMs: number) {
  const t = (await ledger.report(nowMs)).find((x) => x.tenant === tenant);
  return {
    dailyPico: (t?.daySettled ?? 0n) + (t?.dayReserved ?? 0n),
    monthlyPico: (t?.monthSettled ?? 0n) + (t?.monthReserved ?? 0n),
  };
}

/** A shared ledger whose month is restored (here from no logs unless `restore` says otherwise). */
async function ledgerAt(
  url: string,
  prefix: string,
  ttlMs: number,
  restore: RestoreFromLogs = nothingLogged,
): Promise<RedisSpendLedger> {
  const ledger = await RedisSpendLedger.connect(url, prefix, ttlMs, restore, () => NOW);
  await ledger.ensureRestored(NOW);
  return ledger;
}
const budget = { dailyPico: 1000n, monthlyPico: 5000n, onExceed: 'deny' as const };

describe.skipIf(!redisUp)('Redis spend ledger (skipped: no Redis answering on 127.0.0.1:6379)', () => {
  it('reserves atomically against the daily and monthly budget; settle and release count once', async () => {
    const ledger = await ledgerAt(REDIS_URL, freshPrefix(), 60_000);
    try {
      const a = await ledger.reserve('acme', budget, 600n, NOW);
      expect(a).toBeDefined();
      expect(await ledger.reserve('acme', budget, 500n, NOW)).toBeUndefined();
      expect(await inRedis(ledger, 'acme', NOW)).toEqual({ dailyPico: 600n, monthlyPico: 600n });
      await ledger.settle(a!, 250n, 'direct', NOW);
      await ledger.settle(a!, 250n, 'direct', NOW);
      await ledger.release(a!, NOW);
      expect(await inRedis(ledger, 'acme', NOW)).toEqual({ dailyPico: 250n, monthlyPico: 250n });
      const b = await ledger.reserve('acme', budget, 750n, NOW);
      expect(b).toBeDefined();
      await ledger.release(b!, NOW);
      await ledger.release(b!, NOW);
      expect(await inRedis(ledger, 'acme', NOW)).toEqual({ dailyPico: 250n, monthlyPico: 250n });
      // The next day starts fresh; the month remembers.
      expect(await inRedis(ledger, 'acme', NOW + 86_400_000)).toEqual({ dailyPico: 0n, monthlyPico: 250n });
      const [report] = await ledger.report(NOW);
      expect(report).toMatchObject({ tenant: 'acme', daySettled: 250n, dayReserved: 0n, monthSettled: 250n });
      expect([...report!.dayByRoute]).toEqual([['direct', 250n]]);
    } finally {
      await ledger.close();
    }
  });

  it('amounts past 2^53 pico-dollars stay exact', async () => {
    const ledger = await ledgerAt(REDIS_URL, freshPrefix(), 60_000);
    try {
      const big = usdToPico(12_345.678901234567);
      const r = await ledger.reserve('acme', undefined, big, NOW);
      await ledger.settle(r!, big + 1n, 'direct', NOW);
      expect((await inRedis(ledger, 'acme', NOW)).dailyPico).toBe(big + 1n);
    } finally {
      await ledger.close();
    }
  });

  it("gives back a dead instance's reservation once its TTL has passed", async () => {
    const prefix = freshPrefix();
    const dead = await ledgerAt(REDIS_URL, prefix, 30_000);
    expect(await dead.reserve('acme', budget, 900n, NOW)).toBeDefined();
    await dead.close();
    const alive = await ledgerAt(REDIS_URL, prefix, 30_000);
    try {
      expect(await alive.reserve('acme', budget, 900n, NOW + 29_999)).toBeUndefined();
      expect(await alive.reserve('acme', budget, 900n, NOW + 30_001)).toBeDefined();
    } finally {
      await alive.close();
    }
  });

  it('fails closed while Redis is away (429 state_unavailable), and works again when it is back', async () => {
    const relay = await redisRelay();
    const ledger = await ledgerAt(relay.url, freshPrefix(), 60_000);
    try {
      expect(await ledger.reserve('acme', budget, 10n, NOW)).toBeDefined();
      relay.cut();
      await expect(ledger.reserve('acme', budget, 10n, NOW)).rejects.toMatchObject({
        code: 'state_unavailable',
        status: 429,
      });
      // The planner's view of the spend, from the last reservation's answer (its own hold left out: it is settled
      // in a moment), makes no round trip for a second.
      expect(await ledger.snapshot('acme', NOW + 999)).toEqual({ dailyPico: 0n, monthlyPico: 0n });
      await expect(ledger.snapshot('acme', NOW + 1000)).rejects.toMatchObject({ code: 'state_unavailable' });
      expect(ledger.ready()).toBe(false);
      relay.restore();
      // The client reconnects by itself: a bounded wait for it.
      let back: unknown;
      for (let i = 0; i < 100 && back === undefined; i++) {
        back = await ledger.snapshot('acme', NOW + 5000).catch(() => undefined);
        if (back === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      // The first reservation, and perhaps the one sent as the link was cut: Redis may have taken it before
      // the client saw the error. A reservation whose outcome is unknown is what the TTL gives back.
      expect([10n, 20n]).toContain((back as { dailyPico: bigint }).dailyPico);
      expect(ledger.ready()).toBe(true);
    } finally {
      await ledger.close();
      await relay.close();
    }
  });

  it('rate limits are counted once for every instance: requests and tokens per minute, places in flight', async () => {
    const prefix = freshPrefix();
    const [a, b] = await Promise.all([
      RedisRateLimiter.connect(REDIS_URL, prefix, 120_000),
      RedisRateLimiter.connect(REDIS_URL, prefix, 120_000),
    ]);
    try {
      const limits = { rpm: 3, tpm: 100, concurrent: 2 };
      const first = await a.admit('acme', limits, 40, NOW);
      expect(isRefusal(first)).toBe(false);
      expect(isRefusal(await b.admit('acme', limits, 40, NOW))).toBe(false);
      expect(await a.admit('acme', limits, 1, NOW)).toEqual({ limit: 'concurrent', retryAfterMs: 1000 });
      await a.finish(first as Admission);
      expect(await b.admit('acme', limits, 30, NOW)).toEqual({ limit: 'tpm', retryAfterMs: 60_000 });
      const third = await b.admit('acme', limits, 10, NOW);
      expect(isRefusal(third)).toBe(false);
      await b.finish(third as Admission);
      expect(await a.admit('acme', limits, 1, NOW)).toEqual({ limit: 'rpm', retryAfterMs: 60_000 });
      // The next minute counts afresh; the second request still holds its place in flight.
      expect(isRefusal(await a.admit('acme', limits, 1, NOW + 60_000))).toBe(false);
      expect(await a.admit('acme', limits, 1, NOW + 60_000)).toEqual({ limit: 'concurrent', retryAfterMs: 1000 });
      // Never finished (its instance died): its place is given back at its TTL.
      expect(isRefusal(await a.admit('acme', limits, 1, NOW + 120_001))).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("a route's upstream limits are counted once for every instance, apart from the tenants' counts", async () => {
    const prefix = freshPrefix();
    const [a, b] = await Promise.all([
      RedisRateLimiter.connect(REDIS_URL, prefix, 120_000),
      RedisRateLimiter.connect(REDIS_URL, prefix, 120_000),
    ]);
    try {
      expect(await a.admitRoute('direct', { rpm: 3, tpm: 100 }, 40, NOW)).toBeUndefined();
      expect(await b.admitRoute('direct', { rpm: 3, tpm: 100 }, 40, NOW)).toBeUndefined();
      // A tenant named like the route has a count of its own.
      expect(isRefusal(await a.admit('direct', { tpm: 100 }, 90, NOW))).toBe(false);
      expect(await a.admitRoute('direct', { rpm: 3, tpm: 100 }, 30, NOW)).toEqual({
        limit: 'tpm',
        retryAfterMs: 60_000,
      });
      expect(a.routeLimited('direct', NOW)).toBe('tpm');
      // B did not meet the limit itself: it asks Redis, which refuses it too, then B knows as well.
      expect(b.routeLimited('direct', NOW)).toBeUndefined();
      expect(await b.admitRoute('direct', { rpm: 3, tpm: 100 }, 10, NOW)).toBeUndefined();
      expect(await b.admitRoute('direct', { rpm: 3, tpm: 100 }, 1, NOW)).toEqual({
        limit: 'rpm',
        retryAfterMs: 60_000,
      });
      expect(b.routeLimited('direct', NOW + 59_999)).toBe('rpm');
      expect(await a.admitRoute('direct', { rpm: 3, tpm: 100 }, 1, NOW + 60_000)).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('one instance restores the month from the logs; the others wait, failing closed until it is done', async () => {
    const prefix = freshPrefix();
    let restores = 0;
    const restore: RestoreFromLogs = async (ledger) => {
      restores++;
      await ledger.restore('acme', 700n, 700n, NOW);
    };
    const [a, b] = await Promise.all([
      RedisSpendLedger.connect(REDIS_URL, prefix, 60_000, restore),
      RedisSpendLedger.connect(REDIS_URL, prefix, 60_000, restore),
    ]);
    try {
      await expect(a.reserve('acme', budget, 10n, NOW)).rejects.toMatchObject({
        code: 'state_unavailable',
        message: expect.stringContaining('being restored'),
      });
      await Promise.all([a.ensureRestored(NOW), b.ensureRestored(NOW)]);
      expect(restores).toBe(1);
      expect(await b.reserve('acme', budget, 301n, NOW)).toBeUndefined();
      expect(await b.reserve('acme', budget, 300n, NOW)).toBeDefined();
      // Redis came back empty (restarted without persistence): the next reservation finds the month missing.
      const redis = new Redis(REDIS_URL);
      await redis.del(...(await redis.keys(`${prefix}:*`)));
      redis.disconnect();
      await expect(a.reserve('acme', budget, 10n, NOW)).rejects.toMatchObject({ code: 'state_unavailable' });
      await a.ensureRestored(NOW);
      expect(restores).toBe(2);
      expect(await inRedis(a, 'acme', NOW)).toEqual({ dailyPico: 700n, monthlyPico: 700n });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a settlement Redis did not take is sent when it is back, and counted once however often it is sent', async () => {
    const relay = await redisRelay();
    const ledger = await ledgerAt(relay.url, freshPrefix(), 60_000);
    try {
      const r = await ledger.reserve('acme', budget, 100n, NOW);
      relay.cut();
      await ledger.settle(r!, 40n, 'direct', NOW);
      expect(ledger.pendingSettlements).toBe(1);
      relay.restore();
      for (let i = 0; i < 100 && ledger.pendingSettlements > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ledger.pendingSettlements).toBe(0);
      await ledger.settle(r!, 40n, 'direct', NOW);
      expect(await inRedis(ledger, 'acme', NOW)).toEqual({ dailyPico: 40n, monthlyPico: 40n });
    } finally {
      await ledger.close();
      await relay.close();
    }
  });
});

describe.skipIf(!redisUp)(
  'three gateway instances sharing one Redis (skipped: no Redis answering on 127.0.0.1:6379)',
  () => {
    const KEY = 'sk-test-shared-0123456789abcdef';
    const LIMITED_KEY = 'sk-test-limited-0123456789abcdef';
    const env = instancesWithMocks();
    let prefix: string;
    beforeAll(() => {
      prefix = freshPrefix();
    });

    it('1,000 concurrent requests split across them spend at most the budget plus one reservation per instance', async () => {
      // gpt-5-mini on direct: 8 prompt tokens at $0.25/M + 50 completion at $2/M = $0.000102 a request.
      const usage = { prompt_tokens: 8, completion_tokens: 50 };
      const actual = 8n * 250_000n + 50n * 2_000_000n;
      // Slow enough that many requests are in flight at once on every instance.
      env.mocks.direct.behave({ usage, delayMs: 200 });
      env.mocks.aggregator.behave({ usage, delayMs: 200 });
      const budgetUsd = Number(100n * actual) / 1e12;
      env.gateways = await startInstances(
        3,
        env.mocks,
        prefix,
        `  - { id: shared, api_keys: ["sha256:${hashApiKey(KEY)}"], budget: { daily_usd: ${budgetUsd}, on_exceed: deny } }
  - { id: limited, api_keys: ["sha256:${hashApiKey(LIMITED_KEY)}"], limits: { rpm: 10 } }`,
      );
      const agent = new Agent({ connections: 300 });
      const statuses = await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => {
          const res = await request(`http://127.0.0.1:${env.gateways[i % 3]!.port}/v1/chat/completions`, {
            dispatcher: agent,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
            body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }),
          });
          await res.body.dump();
          return res.statusCode;
        }),
      );
      await agent.close();
      const ledger = await ledgerAt(REDIS_URL, prefix, 1000);
      try {
        const [spend] = await ledger.report(Date.now());
        // The reservation: the aggregator's price (fee included) with max_tokens 100.
        const reservation = 8n * 263_750n + 100n * 2_110_000n;
        expect(spend!.dayReserved).toBe(0n);
        expect(spend!.daySettled).toBeLessThanOrEqual(usdToPico(budgetUsd) + 3n * reservation);
        expect(spend!.daySettled).toBe(BigInt(statuses.filter((s) => s === 200).length) * actual);
        expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(800);
        // Every instance served some of them: the budget was shared, not split.
        expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(30);
      } finally {
        await ledger.close();
      }
    });
    it('a tenant rpm limit holds across the three instances (not three times the limit)', async () => {
      const minute = () => Math.floor(Date.now() / 60_000);
      const startedIn = minute();
      const statuses = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const res = await request(`http://127.0.0.1:${env.gateways[i % 3]!.port}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${LIMITED_KEY}` },
            body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] }),
          });
          await res.body.dump();
          return res.statusCode;
        }),
      );
      const ok = statuses.filter((s) => s === 200).length;
      // Ten a minute in all; a burst that happened to straddle a minute boundary may see two minutes' worth.
      if (minute() === startedIn) expect(ok).toBe(10);
      else expect(ok).toBeLessThanOrEqual(20);
      expect(statuses.filter((s) => s === 429).length).toBe(30 - ok);
    });
  },
);

describe.skipIf(!redisUp)(
  'route health shared between instances (skipped: no Redis answering on 127.0.0.1:6379)',
  () => {
    const KEY = 'sk-test-health-0123456789abcdef';
    const env = instancesWithMocks();

    it('a circuit opened by one instance is avoided by the other within a second', async () => {
      env.gateways = await startInstances(
        2,
        env.mocks,
        freshPrefix(),
        `  - { id: t, api_keys: ["sha256:${hashApiKey(KEY)}"] }`,
      );
      const [a, b] = env.gateways as [Started, Started];
      const body = JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
      const directOn = async (g: Started) => {
        const d = (await (
          await request(`http://127.0.0.1:${g.port}/v1/route/explain`, { method: 'POST', headers, body })
        ).body.json()) as { excluded: { route: string; reason: string }[] };
        return !d.excluded.some((e) => e.route === 'direct' && e.reason === 'unhealthy');
      };
      expect(await directOn(b)).toBe(true);
      // Direct fails five times in a row on instance A (each request is then served by the aggregator).
      env.mocks.direct.behave({ status: 500 });
      for (let i = 0; i < 5; i++) {
        const res = await request(`http://127.0.0.1:${a.port}/v1/chat/completions`, { method: 'POST', headers, body });
        await res.body.dump();
        expect(res.headers['x-switchyard-route']).toBe('agg');
      }
      expect(await directOn(a)).toBe(false);
      // Instance B never tried direct, yet avoids it within a second.
      const heardBy = Date.now() + 1000;
      let avoided = false;
      while (!avoided && Date.now() < heardBy) avoided = !(await directOn(b));
      expect(avoided).toBe(true);
      const before = env.mocks.direct.stats.requests;
      const res = await request(`http://127.0.0.1:${b.port}/v1/chat/completions`, { method: 'POST', headers, body });
      await res.body.dump();
      expect(res.headers['x-switchyard-route']).toBe('agg');
      expect(env.mocks.direct.stats.requests).toBe(before);
    });
  },
);

describe.skipIf(!redisUp)('a gateway whose Redis goes away (skipped: no Redis answering on 127.0.0.1:6379)', () => {
  const KEYS_BY_TENANT = {
    guarded: 'sk-test-guarded-0123456789abcdef',
    free: 'sk-test-free-0123456789abcdef',
    open: 'sk-test-open-0123456789abcdef',
  };
  const env = instancesWithMocks();

  it('budgeted tenants fail closed, the rest keep being routed (fail_open ones on local counts); Redis back empty is restored from the log', async () => {
    const relay = await redisRelay();
    const prefix = freshPrefix();
    const config = join(tempDir('switchyard-redis-down'), 'switchyard.yaml');
    const key = (id: keyof typeof KEYS_BY_TENANT) => `sha256:${hashApiKey(KEYS_BY_TENANT[id])}`;
    writeFileSync(
      config,
      `
state: { redis_url: "${relay.url}", key_prefix: "${prefix}" }
log: { dir: log, roll_seconds: 3600 }
routes:
  - { id: direct, kind: direct, base_url: "${env.mocks.direct.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5-mini] }
tenants:
  - { id: guarded, api_keys: ["${key('guarded')}"], budget: { daily_usd: 5 } }
  - { id: free, api_keys: ["${key('free')}"] }
  - { id: open, api_keys: ["${key('open')}"], budget: { daily_usd: 5 }, limits: { rpm: 100 }, when_state_unavailable: fail_open }
`,
    );
    const gw = await startGateway(config);
    const send = async (tenant: keyof typeof KEYS_BY_TENANT) => {
      const res = await request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS_BY_TENANT[tenant]}` },
        body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await res.body.json()) as { error?: { code: string } };
      return res.statusCode === 200 ? 200 : `${res.statusCode} ${body.error?.code}`;
    };
    const ready = async () =>
      (await (await request(`${gw.url}/ready`)).body.json()) as { status: string; state_store: string };
    try {
      expect([await send('guarded'), await send('free'), await send('open')]).toEqual([200, 200, 200]);
      expect(await ready()).toMatchObject({ status: 'ready', state_store: 'up' });
      relay.cut();
      // The client notices the cut connection; a bounded wait for it.
      for (let i = 0; i < 100 && (await ready()).state_store === 'up'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await ready()).toMatchObject({ status: 'degraded', state_store: 'down' });
      expect([await send('guarded'), await send('free'), await send('open')]).toEqual([
        '429 state_unavailable',
        200,
        200,
      ]);
      // Redis restarts without persistence: it comes back empty.
      const direct = new Redis(REDIS_URL);
      await direct.del(...(await direct.keys(`${prefix}:*`)));
      direct.disconnect();
      relay.restore();
      let back: unknown;
      for (let i = 0; i < 100 && back !== 200; i++) {
        back = await send('guarded');
        if (back !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(back).toBe(200);
      expect(await ready()).toMatchObject({ status: 'ready', state_store: 'up' });
      // What Redis counts again is what the log holds: before the outage, during it (served on local counts), after.
      await gw.close();
      const logged = new MemorySpendLedger();
      await restoreLedgerFromLog(logged, join(dirname(config), 'log'), Date.now());
      const shared = await ledgerAt(REDIS_URL, prefix, 60_000);
      const settled = async (ledger: SpendLedger) =>
        new Map((await ledger.report(Date.now())).map((t) => [t.tenant, t.daySettled]));
      expect((await settled(logged)).get('free')).toBe(16_000_000n);
      expect(await settled(shared)).toEqual(await settled(logged));
      await shared.close();
    } finally {
      await gw.close();
      await relay.close();
    }
  });
});

describe.skipIf(!redisUp)('one reload, every instance (skipped: no Redis answering on 127.0.0.1:6379)', () => {
  const KEY = 'sk-test-reload-0123456789abcdef';
  const ADMIN = 'admin-key-for-reload-tests-0123';
  const env = instancesWithMocks();

  it('a reload asked of one instance reaches all three; one that refuses the new config keeps its old one and says so', async () => {
    const prefix = freshPrefix();
    const tenants = (models: string) => `  - { id: t, api_keys: ["sha256:${hashApiKey(KEY)}"], models: [${models}] }`;
    const server = `server: { admin_key: ${ADMIN} }`;
    // Three instances, each with its own copy of the config (as on three machines).
    const configs = [0, 1, 2].map(() => join(tempDir('switchyard-reload'), 'switchyard.yaml'));
    for (const c of configs) writeFileSync(c, sharedConfig(env.mocks, prefix, tenants('gpt-5-mini'), server));
    env.gateways = await Promise.all(configs.map(serve));
    const models = async (g: Started) =>
      (
        (await (
          await request(`http://127.0.0.1:${g.port}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })
        ).body.json()) as { data: unknown[] }
      ).data.length;
    const reload = async (g: Started) => {
      const res = await request(`http://127.0.0.1:${g.port}/admin/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      return (await res.body.json()) as {
        status: string;
        instances: { instance: string; status: string; message?: string }[];
      };
    };
    // The tenant may now use every model (the list is dropped): each instance must reload to serve it.
    for (const c of configs)
      writeFileSync(
        c,
        sharedConfig(env.mocks, prefix, `  - { id: t, api_keys: ["sha256:${hashApiKey(KEY)}"] }`, server),
      );
    const all = await reload(env.gateways[0]!);
    expect(all.status).toBe('reloaded');
    expect(all.instances.map((i) => i.status)).toEqual(['reloaded', 'reloaded', 'reloaded']);
    expect(new Set(all.instances.map((i) => i.instance)).size).toBe(3);
    // The third's copy is broken: it refuses, keeps serving with what it had, and the answer names it.
    writeFileSync(
      configs[2]!,
      sharedConfig(env.mocks, prefix, tenants('gpt-5-mini'), server).replace('kind: direct', 'kind: nearby'),
    );
    for (const c of configs.slice(0, 2))
      writeFileSync(c, sharedConfig(env.mocks, prefix, tenants('gpt-5-mini'), server));
    const partial = await reload(env.gateways[1]!);
    expect(partial.status).toBe('partial');
    expect(partial.instances.filter((i) => i.status === 'reloaded')).toHaveLength(2);
    expect(partial.instances.find((i) => i.status === 'refused')?.message).toMatch(/kind/);
    expect(await models(env.gateways[2]!)).toBe(1);
  });
});

describe.skipIf(!redisUp)('latency shared between instances (skipped: no Redis answering on 127.0.0.1:6379)', () => {
  it('what one instance observes of a route, the others plan with within a few seconds', async () => {
    const prefix = freshPrefix();
    const clock = { now: () => Date.now() };
    const [a, b] = await Promise.all([
      SharedRouteHealth.connect(new MemoryRouteHealth(clock), REDIS_URL, prefix),
      SharedRouteHealth.connect(new MemoryRouteHealth(clock), REDIS_URL, prefix),
    ]);
    try {
      // 33 samples: the window recomputes its percentiles at the first and every 16th after.
      for (let i = 0; i < 33; i++) a.succeeded('direct', 'gpt-5-mini', 400 + i, 100);
      let heard: LatencySnapshot | undefined;
      for (let i = 0; i < 100 && !heard; i++) {
        heard = b.get('direct')?.latency?.get('gpt-5-mini');
        if (!heard) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(heard).toMatchObject({ samples: 33, p95Ms: 431 });
      // A sample from elsewhere says nothing of the circuit here.
      expect(b.circuitState('direct')).toBe('closed');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe.skipIf(!redisUp)('an instance killed under load (skipped: no Redis answering on 127.0.0.1:6379)', () => {
  const KEY = 'sk-test-killed-0123456789abcdef';
  const env = instancesWithMocks();

  it('its reservations are given back within their TTL, and the other instances serve on', async () => {
    const prefix = freshPrefix();
    // Reservations live total_ms (1.5 s) plus a 0.5 s margin.
    const config = join(tempDir('switchyard-kill'), 'switchyard.yaml');
    writeFileSync(
      config,
      sharedConfig(
        env.mocks,
        prefix,
        `  - { id: t, api_keys: ["sha256:${hashApiKey(KEY)}"], budget: { daily_usd: 100 } }`,
      )
        .replace('state: {', 'state: { reservation_margin_ms: 500,')
        .replace(/models: \[gpt-5-mini\] \}/, 'models: [gpt-5-mini], timeouts: { total_ms: 1500 } }')
        .replace(/pricing: \{ fee_percent: 5.5 \} \}/, 'pricing: { fee_percent: 5.5 }, timeouts: { total_ms: 1500 } }'),
    );
    env.gateways = await Promise.all([serve(config), serve(config)]);
    const [doomed, survivor] = env.gateways as [Started, Started];
    env.mocks.direct.behave({ delayMs: 800 });
    const agent = new Agent({ connections: 40 });
    const send = (g: Started) =>
      request(`http://127.0.0.1:${g.port}/v1/chat/completions`, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }),
      }).then(
        async (res) => (await res.body.dump(), res.statusCode),
        () => 'cut',
      );
    const inFlight = [
      ...Array.from({ length: 20 }, () => send(doomed)),
      ...Array.from({ length: 20 }, () => send(survivor)),
    ];
    const ledger = await ledgerAt(REDIS_URL, prefix, 60_000);
    try {
      // Wait until the doomed instance holds reservations, then kill it.
      let held = 0n;
      for (let i = 0; i < 100 && held === 0n; i++) {
        held = (await ledger.report(Date.now()))[0]?.dayReserved ?? 0n;
        if (held === 0n) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(held).toBeGreaterThan(0n);
      doomed.child.kill('SIGKILL');
      const killedAt = Date.now();
      const statuses = await Promise.all(inFlight);
      expect(statuses.slice(0, 20).every((s) => s === 'cut')).toBe(true);
      expect(statuses.slice(20).every((s) => s === 200)).toBe(true);
      // The survivor's own requests are settled; the dead one's holds go back once their 2 s TTL has passed.
      let reserved = -1n;
      for (let i = 0; i < 100 && reserved !== 0n; i++) {
        reserved = (await ledger.report(Date.now()))[0]!.dayReserved;
        if (reserved !== 0n) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(reserved).toBe(0n);
      expect(Date.now() - killedAt).toBeLessThan(2000 + 1000);
      // And the survivor serves on.
      env.mocks.direct.behave({});
      expect(await send(survivor)).toBe(200);
    } finally {
      await agent.close();
      await ledger.close();
    }
  });
});

describe.skipIf(!redisUp)(
  "the planner's view of a shared budget (skipped: no Redis answering on 127.0.0.1:6379)",
  () => {
    const KEY = 'sk-test-view-0123456789abcdef';
    const env = instancesWithMocks();

    it('a plan made on a view a moment old that the budget refuses is made again on the spend Redis reported', async () => {
      const prefix = freshPrefix();
      const config = join(tempDir('switchyard-view'), 'switchyard.yaml');
      // gpt-5 with max_tokens 1000 may cost $0.01; gpt-5-mini $0.002. The budget is $0.02 a day.
      writeFileSync(
        config,
        `
state: { redis_url: "${REDIS_URL}", key_prefix: "${prefix}" }
log: { dir: log, roll_seconds: 3600 }
routes:
  - { id: direct, kind: direct, base_url: "${env.mocks.direct.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5, gpt-5-mini] }
tenants:
  - { id: t, api_keys: ["sha256:${hashApiKey(KEY)}"], budget: { daily_usd: 0.02, on_exceed: downgrade, downgrade_to: gpt-5-mini } }
`,
      );
      const clock = { now: () => NOW };
      const [a, b] = [await startGateway(config, undefined, clock), await startGateway(config, undefined, clock)];
      const ask = async (gw: RunningGateway) => {
        const res = await request(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
          body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1000 }),
        });
        await res.body.dump();
        return `${res.statusCode} ${res.headers['x-switchyard-model']}`;
      };
      try {
        env.mocks.direct.behave({ usage: { prompt_tokens: 8, completion_tokens: 10 } });
        // A's view: next to nothing spent.
        expect(await ask(a)).toBe('200 gpt-5');
        // B spends $0.01 of the budget: A's view does not know yet.
        env.mocks.direct.behave({ usage: { prompt_tokens: 8, completion_tokens: 1000 } });
        expect(await ask(b)).toBe('200 gpt-5');
        // A plans gpt-5 on its view, Redis refuses the $0.01 hold, A plans again on the real spend: downgraded.
        expect(await ask(a)).toBe('200 gpt-5-mini');
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  },
);
