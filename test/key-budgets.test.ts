import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/hermetic.js';
import {
  ADMIN_KEY,
  closeMocks,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';
import { freshSchemas, postgresUp } from './helpers/postgres.js';
import { redisUp } from './helpers/redis.js';

// A virtual key's own budget and limits are held as well as its tenant's: the tighter one refuses, in memory
// and in Redis, under 300 concurrent requests. Key spend is in the decision log (`key_id`), `/admin/spend` and
// `/metrics`, and comes back after a restart. Budget alerts go out once per window and threshold.
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const json = async (res: Awaited<ReturnType<typeof request>>) => ({
  status: res.statusCode,
  body: (await res.body.json()) as Json,
});
const post = (gw: RunningGateway, path: string, body: unknown, method: 'POST' | 'PATCH' = 'POST') =>
  request(`${gw.url}${path}`, { method, headers: admin, body: JSON.stringify(body) }).then(json);
const get = (gw: RunningGateway, path: string) => request(`${gw.url}${path}`, { headers: admin }).then(json);
const chat = (gw: RunningGateway, key: string, maxTokens = 20) =>
  request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-5-mini',
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  }).then(json);

const settledToday = (spend: Json, section: 'tenants' | 'keys', field: 'tenant' | 'key', id: string) =>
  Number((spend[section] as Json[]).find((s) => s[field] === id)?.daily.settled_usd ?? 0);

const STATES = [
  { name: 'memory', skip: false as const, state: () => '' },
  {
    name: 'Redis',
    skip: redisUp ? (false as const) : 'no Redis answering on 127.0.0.1:6379',
    state: () => `state: { redis_url: "redis://127.0.0.1:6379", key_prefix: "sy-kb-${randomUUID().slice(0, 8)}" }\n`,
  },
];

describe.each(STATES)('key and tenant budgets, state in $name', ({ skip, state }) => {
  let mocks: Mocks;
  let gw: RunningGateway;
  beforeAll(async () => {
    if (skip) return;
    mocks = await startMocks();
    const store = `store: { path: ${join(tempDir('switchyard-kb'), 'data')} }\n`;
    gw = await startGateway(writeGatewayConfig(mocks, store + state()));
  });
  afterAll(async () => {
    if (skip) return;
    await gw.close();
    await closeMocks(mocks);
  });

  it.skipIf(skip)('300 concurrent requests overshoot neither the key budget nor the tenant budget', async () => {
    const tenant = await post(gw, '/admin/tenants', { id: 'team', budget: { daily_usd: 0.0008 } });
    expect(tenant.status).toBe(201);
    const tight = await post(gw, '/admin/keys', { tenant: 'team', budget: { daily_usd: 0.0003 } });
    const free = await post(gw, '/admin/keys', { tenant: 'team' });
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => chat(gw, (i % 2 ? tight : free).body.key as string)),
    );
    const refusals = answers.filter((a) => a.status === 429).map((a) => a.body.error.message as string);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    // Both budgets were binding: each refused some requests, named in the refusal.
    expect(refusals.some((m) => m.includes(`key ${tight.body.id}`))).toBe(true);
    expect(refusals.some((m) => m.includes('tenant team'))).toBe(true);
    const spend = (await get(gw, '/admin/spend')).body;
    expect(settledToday(spend, 'keys', 'key', tight.body.id)).toBeGreaterThan(0);
    expect(settledToday(spend, 'keys', 'key', tight.body.id)).toBeLessThanOrEqual(0.0003);
    expect(settledToday(spend, 'tenants', 'tenant', 'team')).toBeLessThanOrEqual(0.0008);
    // Each key's spend is part of its tenant's.
    expect(settledToday(spend, 'tenants', 'tenant', 'team')).toBeCloseTo(
      settledToday(spend, 'keys', 'key', tight.body.id) + settledToday(spend, 'keys', 'key', free.body.id),
      9,
    );
  });

  it.skipIf(skip)("a key's rate limit is held as well as its tenant's, and names the key", async () => {
    const limited = await post(gw, '/admin/keys', { tenant: 'acme', limits: { rpm: 2 } });
    const key = limited.body.key as string;
    expect((await chat(gw, key)).status).toBe(200);
    expect((await chat(gw, key)).status).toBe(200);
    const third = await chat(gw, key);
    expect([third.status, third.body.error.code]).toEqual([429, 'rate_limited']);
    expect(third.body.error.message).toContain(`key ${limited.body.id} is at its rpm limit`);
    // Lifting the limit takes effect at once.
    const lifted = await post(gw, `/admin/keys/${limited.body.id}`, { limits: null }, 'PATCH');
    expect([lifted.status, lifted.body.limits]).toEqual([200, null]);
    expect((await chat(gw, key)).status).toBe(200);
  });
});

describe('key spend in the log, /admin/spend and /metrics, and after a restart', () => {
  let mocks: Mocks;
  beforeAll(async () => {
    mocks = await startMocks();
  });
  afterAll(async () => {
    await closeMocks(mocks);
  });

  it('each row names its key; the spend comes back after a restart', async () => {
    const config = writeGatewayConfig(mocks, `store: { path: ${join(tempDir('switchyard-ks'), 'data')} }\n`);
    let gw = await startGateway(config);
    const made = await post(gw, '/admin/keys', { tenant: 'acme', name: 'ci', budget: { monthly_usd: 5 } });
    for (let i = 0; i < 3; i++) expect((await chat(gw, made.body.key as string)).status).toBe(200);
    const spend = (await get(gw, '/admin/spend')).body;
    const before = settledToday(spend, 'keys', 'key', made.body.id);
    expect(before).toBeGreaterThan(0);
    expect(spend.keys.find((k: Json) => k.key === made.body.id)).toMatchObject({
      tenant: 'acme',
      name: 'ci',
      monthly: { limit_usd: '5.000000' },
    });
    expect((await get(gw, `/admin/keys/${made.body.id}`)).body.spend.today_usd).toBe(before.toFixed(6));
    const rows = (await get(gw, '/admin/log/live')).body.rows as Json[];
    expect(rows.filter((r) => r.key_id === made.body.id)).toHaveLength(3);
    const metrics = await request(`${gw.url}/metrics`, { headers: admin });
    expect(await metrics.body.text()).toMatch(
      new RegExp(`switchyard_key_spend_usd\\{key="${made.body.id}",tenant="acme",window="daily"\\} [0-9.e-]+`),
    );
    await gw.close();

    gw = await startGateway(config);
    try {
      const restored = (await get(gw, '/admin/spend')).body;
      expect(settledToday(restored, 'keys', 'key', made.body.id)).toBeCloseTo(before, 9);
    } finally {
      await gw.close();
    }
  });
});

/** A webhook receiver for alerts: answers 500 to the first post, then 200, and keeps every body. */
async function startReceiver(): Promise<{ url: string; posts: Json[]; tries: number; close(): Promise<void> }> {
  const state = { posts: [] as Json[], tries: 0 };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      state.tries++;
      if (state.tries === 1) return res.writeHead(500).end();
      state.posts.push(JSON.parse(text) as Json);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get posts() {
      return state.posts;
    },
    get tries() {
      return state.tries;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const schema = freshSchemas('sy_alerts');

describe.skipIf(!postgresUp)('budget alerts (Postgres; skipped: none on 127.0.0.1:5432)', () => {
  it('go out once per window and threshold from two instances, retried after a failure, and are audited', async () => {
    const mocks = await startMocks();
    const receiver = await startReceiver();
    const config = writeGatewayConfig(mocks, `store: { url: "${await schema()}" }\n`);
    const [one, two] = [await startGateway(config), await startGateway(config)];
    try {
      const made = await post(one, '/admin/keys', {
        tenant: 'acme',
        budget: { daily_usd: 0.0002 },
        alerts: { webhook_url: receiver.url, at_percent: [10, 20] },
      });
      const key = made.body.key as string;
      // The key made through one instance works on the other within a second: wait for it (bounded).
      for (let i = 0; i < 100 && (await chat(two, key, 5)).status === 401; i++)
        await new Promise((r) => setTimeout(r, 20));
      // Requests through both instances until the budget refuses: every threshold is crossed on both.
      for (let i = 0; i < 40; i++) if ((await chat(i % 2 ? one : two, key, 5)).status !== 200) break;
    } finally {
      // Closing waits for the alerts under way (retries included).
      await one.close();
      await two.close();
    }
    const [again] = [await startGateway(config)];
    try {
      expect(receiver.posts.map((p) => p.threshold_percent).sort()).toEqual([10, 20]);
      expect(receiver.tries).toBe(3); // the first post failed once and was sent again
      expect(receiver.posts[0]).toMatchObject({ type: 'budget_alert', tenant: 'acme', window: 'daily' });
      const audit = (await get(again, '/admin/audit')).body.data as Json[];
      expect(audit.filter((r) => r.action === 'alert.sent')).toHaveLength(2);
    } finally {
      await again.close();
      await receiver.close();
      await closeMocks(mocks);
    }
  });
});
