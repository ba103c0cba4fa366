import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { keyPrefixes, REDIS_URL, redisUp } from './helpers/redis.js';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { RedisSpendLedger, type RestoreFromLogs } from '../src/gateway/state/redis-spend-ledger.js';
import { closeMocks, startGateway, startMocks } from './helpers/gateway-fixture.js';
import { tempDir } from './helpers/hermetic.js';

// Issue 34: the shared ledger trusts no counter it did not write. A negative, empty or non-numeric counter, or
// a window gone that the other window says existed, is corruption: the tenant's budget fails closed (429
// state_unavailable), it is said loudly and shown in /ready and /metrics, and the tenant's windows are
// rebuilt from the decision logs. And a hung Redis holds up only what it guards.
const freshPrefix = keyPrefixes('switchyard-trust');

const NOW = Date.UTC(2026, 11, 5, 12);
const DAY = String(Math.floor(NOW / 86_400_000));
const budget = { dailyPico: 1000n, monthlyPico: 5000n, onExceed: 'deny' as const };
/** What the decision logs hold for tenant `acme`: the rebuild reads it. */
const fromLogs: RestoreFromLogs = async (into, nowMs) => into.restore('acme', 300n, 700n, nowMs);

async function until(check: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never: ${what}`);
}

describe.skipIf(!redisUp)(
  'a corrupt counter is never read as zero (skipped: no Redis answering on 127.0.0.1:6379)',
  () => {
    const setUp = async () => {
      const prefix = freshPrefix();
      const logged: string[] = [];
      const ledger = await RedisSpendLedger.connect(
        REDIS_URL,
        prefix,
        60_000,
        fromLogs,
        () => NOW,
        (level, msg) => logged.push(`${level}: ${msg}`),
      );
      await ledger.ensureRestored(NOW);
      // Spend in both windows, as the ledger writes it: today 300 of the 1,000 budget (the restore), 700 this month.
      const direct = new Redis(REDIS_URL);
      return {
        prefix,
        ledger,
        logged,
        direct,
        dayKey: `${prefix}:t:acme:d:${DAY}`,
        monthKey: `${prefix}:t:acme:m:2026-12`,
      };
    };

    it.each([
      ['a negative settled', (r: Redis, day: string) => r.hset(day, 'settled', '-1000000000000000')],
      ['a negative reserved', (r: Redis, day: string) => r.hset(day, 'reserved', '-1000000000000000')],
      ['an empty settled', (r: Redis, day: string) => r.hset(day, 'settled', '')],
      ['a settled that is not a number', (r: Redis, day: string) => r.hset(day, 'settled', 'abc')],
      ["today's window deleted", (r: Redis, day: string) => r.del(day)],
      ["the month's window deleted", (r: Redis, _day: string, month: string) => r.del(month)],
    ])('%s: fails closed, says so, and is rebuilt from the logs', async (_what, tamper) => {
      const { ledger, logged, direct, dayKey, monthKey } = await setUp();
      try {
        expect(await ledger.snapshot('acme', NOW)).toEqual({ dailyPico: 300n, monthlyPico: 700n });
        await tamper(direct, dayKey, monthKey);
        await expect(ledger.reserve('acme', budget, 10n, NOW + 2000)).rejects.toMatchObject({
          code: 'state_unavailable',
          status: 429,
        });
        expect(logged.join('\n')).toMatch(/error: budget ledger: tenant acme's counters in Redis are corrupt/);
        // Rebuilt from the logs: the spend is what they hold again, and the budget is checked against it.
        await until(() => ledger.problems().length === 0, 'the rebuild ends');
        expect(logged.at(-1)).toMatch(/info: budget ledger: tenant acme's counters rebuilt/);
        expect(await ledger.snapshot('acme', NOW + 3000)).toEqual({ dailyPico: 300n, monthlyPico: 700n });
        expect(await ledger.reserve('acme', budget, 701n, NOW + 3000)).toBeUndefined();
        expect(await ledger.reserve('acme', budget, 700n, NOW + 3000)).toBeDefined();
      } finally {
        await ledger.close();
        direct.disconnect();
      }
    });

    it('a snapshot and /admin/spend see the corruption too: never a BigInt error blamed on the caller', async () => {
      const { ledger, direct, dayKey } = await setUp();
      try {
        await direct.hset(dayKey, 'settled', 'abc');
        await expect(ledger.report(NOW)).rejects.toMatchObject({ code: 'state_unavailable' });
        await expect(ledger.snapshot('acme', NOW + 2000)).rejects.toMatchObject({ code: 'state_unavailable' });
      } finally {
        await ledger.close();
        direct.disconnect();
      }
    });

    it('a new day, with nothing written yet, is not mistaken for a deleted one', async () => {
      const { ledger, direct } = await setUp();
      try {
        expect(await ledger.snapshot('acme', NOW + 86_400_000)).toEqual({ dailyPico: 0n, monthlyPico: 700n });
        expect(ledger.problems()).toEqual([]);
      } finally {
        await ledger.close();
        direct.disconnect();
      }
    });
  },
);

/** A TCP relay in front of Redis that can hang: it stops passing bytes on, without closing anything. */
async function hangingRelay() {
  let hung = false;
  let forwardedWhileHung = 0;
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(6379, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => (hung ? (forwardedWhileHung += chunk.length) : upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => void (hung || client.write(chunk)));
    const drop = () => (client.destroy(), upstream.destroy());
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return {
    url: `redis://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    hang: () => void (hung = true),
    /** Bytes the gateway sent Redis while it was hung. */
    sentWhileHung: () => forwardedWhileHung,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

describe.skipIf(!redisUp)('through the gateway (skipped: no Redis answering on 127.0.0.1:6379)', () => {
  const KEYS = { guarded: 'sk-test-trust-guarded-0123456789', free: 'sk-test-trust-free-0123456789ab' };
  const configWith = (redisUrl: string, prefix: string, upstream: string) => {
    const config = join(tempDir('switchyard-trust'), 'switchyard.yaml');
    writeFileSync(
      config,
      `
state: { redis_url: "${redisUrl}", key_prefix: "${prefix}" }
log: { dir: log, roll_seconds: 3600 }
routes:
  - { id: direct, kind: direct, base_url: "${upstream}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5-mini] }
tenants:
  - { id: guarded, api_keys: ["sha256:${hashApiKey(KEYS.guarded)}"], budget: { daily_usd: 5, on_exceed: deny } }
  - { id: free, api_keys: ["sha256:${hashApiKey(KEYS.free)}"] }
`,
    );
    return config;
  };
  const sender = (url: string) => async (tenant: keyof typeof KEYS) => {
    const res = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS[tenant]}` },
      body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 }),
    });
    const body = (await res.body.json()) as { error?: { code: string } };
    return res.statusCode === 200 ? 200 : `${res.statusCode} ${body.error?.code}`;
  };

  it('corrupt counters: 429 state_unavailable for that tenant alone, /ready degraded with the reason, a gauge, then rebuilt', async () => {
    const mocks = await startMocks();
    const prefix = freshPrefix();
    const gw = await startGateway(configWith(REDIS_URL, prefix, mocks.direct.url));
    const send = sender(gw.url);
    const direct = new Redis(REDIS_URL);
    try {
      expect(await send('guarded')).toBe(200);
      const day = `${prefix}:t:guarded:d:${Math.floor(Date.now() / 86_400_000)}`;
      await direct.hset(day, 'settled', '-1000000000000000');
      expect(await send('guarded')).toBe('429 state_unavailable');
      expect(await send('free')).toBe(200);
      const ready = (await (await request(`${gw.url}/ready`)).body.json()) as { status: string; problems?: string[] };
      const metrics = await (await request(`${gw.url}/metrics`)).body.text();
      // Either still rebuilding (degraded, the gauge at 1) or already rebuilt: a bounded wait for the second.
      if (ready.status === 'degraded') {
        expect(ready.problems?.[0]).toMatch(/tenant guarded's budget counters are corrupt/);
        expect(metrics).toMatch(/switchyard_ledger_corrupt_tenants 1/);
      }
      await until(
        async () => ((await (await request(`${gw.url}/ready`)).body.json()) as { status: string }).status === 'ready',
        'rebuilt',
      );
      expect(await send('guarded')).toBe(200);
      expect(BigInt((await direct.hget(day, 'settled')) as string)).toBeGreaterThan(0n);
    } finally {
      await gw.close();
      await closeMocks(mocks);
      direct.disconnect();
    }
  });

  it('a hung Redis holds up no tenant without a budget, and a budgeted one waits out one timeout, not every request', async () => {
    const mocks = await startMocks();
    const relay = await hangingRelay();
    const gw = await startGateway(configWith(relay.url, freshPrefix(), mocks.direct.url));
    const send = sender(gw.url);
    try {
      expect([await send('guarded'), await send('free')]).toEqual([200, 200]);
      relay.hang();
      // Nothing shared guards `free`: it is served without asking Redis first (its spend is settled after).
      expect(await send('free')).toBe(200);
      // The first budgeted request waits out the command timeout; then Redis is known to be slow.
      expect(await send('guarded')).toBe('429 state_unavailable');
      // The next is refused at once: not a byte of it is sent to the hung Redis.
      const sent = relay.sentWhileHung();
      expect(await send('guarded')).toBe('429 state_unavailable');
      expect(relay.sentWhileHung()).toBe(sent);
      expect(((await (await request(`${gw.url}/ready`)).body.json()) as { status: string }).status).toBe('degraded');
      expect(await send('free')).toBe(200);
    } finally {
      await gw.close();
      await relay.close();
      await closeMocks(mocks);
    }
  });
});
