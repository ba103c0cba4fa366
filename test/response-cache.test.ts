import Anthropic from '@anthropic-ai/sdk';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { tempDir } from './helpers/hermetic.js';
import { ADMIN_KEY, startGateway, type RunningGateway } from './helpers/gateway-fixture.js';
import { keyPrefixes, REDIS_URL, redisRelay, redisUp } from './helpers/redis.js';

// The response cache keeps the planner's promises: one upstream call for a repeated request (JSON and streams, OpenAI,
// Anthropic and Responses callers), nothing across tenants, nothing restricted in a shared store, `cache-control`
// obeyed, a TTL on the gateway's clock, a size bound, and a Redis that goes away only bypasses it.
const KEYS = { a: 'sk-cache-tenant-a-0123456789', b: 'sk-cache-tenant-b-0123456789' };
const ASK = {
  model: 'gpt-5-mini',
  temperature: 0,
  messages: [{ role: 'user' as const, content: 'Name three rivers' }],
};

let agg: MockUpstream;
let gpu: MockUpstream;
const closing: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closing.reverse()) await close();
});

async function mocks() {
  agg ??= await startMockUpstream('agg');
  gpu ??= await startMockUpstream('gpu');
  return { agg, gpu };
}

function config(cache: string, extra = ''): string {
  const path = join(tempDir('switchyard-cache'), 'switchyard.yaml');
  writeFileSync(
    path,
    `server: { admin_key: ${ADMIN_KEY} }
log: { dir: log, roll_seconds: 3600 }
${cache}
${extra}
routes:
  - { id: agg, kind: aggregator, base_url: "${agg.url}", clearance: internal, models: [gpt-5-mini], pricing: { fee_percent: 5 } }
  - { id: gpu, kind: onprem, base_url: "${gpu.url}", clearance: restricted, models: [gpt-5-mini], pricing: { fixed_per_hour_usd: 2 } }
tenants:
  - { id: a, api_keys: ["sha256:${hashApiKey(KEYS.a)}"], when_state_unavailable: fail_open }
  - { id: b, api_keys: ["sha256:${hashApiKey(KEYS.b)}"] }
`,
  );
  return path;
}

/** Every call to an upstream, whichever route the planner chose (on-prem is free at the margin, so mostly there). */
const upstreamCalls = () => agg.stats.requests + gpu.stats.requests;
const openai = (gw: RunningGateway, key = KEYS.a) =>
  new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const ask = async (gw: RunningGateway, headers: Record<string, string> = {}, key = KEYS.a) => {
  const { data, response } = await openai(gw, key).chat.completions.create(ASK, { headers }).withResponse();
  return { text: data.choices[0]?.message.content, cache: response.headers.get('x-switchyard-cache'), data };
};

describe('the memory cache', () => {
  let gw: RunningGateway;
  let now = Date.UTC(2026, 11, 6, 12);
  beforeEach(async () => {
    await mocks();
    agg.behave({});
    gpu.behave({});
    if (!gw) {
      gw = await startGateway(config('cache: { store: memory, ttl_seconds: 60, max_entry_bytes: 4000 }'), undefined, {
        now: () => now,
      });
      closing.push(() => gw.close());
    }
  });

  it('answers a repeated request once upstream, the same for JSON and for a stream, costing nothing', async () => {
    const before = upstreamCalls();
    const first = await ask(gw, { 'cache-control': 'no-cache' });
    const second = await ask(gw);
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(second.data).toEqual(first.data);
    const stream = await openai(gw).chat.completions.create({ ...ASK, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(first.text);
    expect(upstreamCalls()).toBe(before + 1);
    const live = await request(`${gw.url}/admin/log/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const rows = ((await live.body.json()) as { rows: Record<string, unknown>[] }).rows.slice(-3);
    // The hits name the route that made the answer, cost nothing and reserve nothing.
    const maker = rows[0]!.route;
    expect(rows.map((r) => [r.cache, r.route])).toEqual([
      ['miss', maker],
      ['hit', maker],
      ['hit', maker],
    ]);
    expect(rows.slice(1).map((r) => Number(r.cost_usd))).toEqual([0, 0]);
    // The hit rate and what the hits saved, in /admin/spend.
    const spend = await request(`${gw.url}/admin/spend`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const cache = ((await spend.body.json()) as { cache: Record<string, unknown>[] }).cache;
    expect(cache).toEqual([
      { tenant: 'a', hits: 2, misses: 1, bypasses: 0, saved_usd: expect.any(Number), hit_rate: 2 / 3 },
    ]);
    expect(rows[1]!.saved_usd).toBe(rows[0]!.cost_usd === undefined ? undefined : Number(rows[0]!.cost_usd));
  });

  it("a hit on a kept stream saves what the stream metered, not the planner's estimate", async () => {
    gpu.behave({ status: 503 }); // on-prem is free: the aggregator, which is not, serves
    const ask3 = { ...ASK, messages: [{ role: 'user' as const, content: 'Name three mountains' }] };
    const streamed = await openai(gw)
      .chat.completions.create({ ...ask3, stream: true })
      .withResponse();
    for await (const chunk of streamed.data) void chunk;
    const again = await openai(gw).chat.completions.create(ask3).withResponse();
    const ids = [streamed.response, again.response].map((r) => r.headers.get('x-request-id'));
    // Each row once it is recorded (a stream's when it ends).
    const rowsOf = async () => {
      const live = await request(`${gw.url}/admin/log/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const rows = ((await live.body.json()) as { rows: Record<string, unknown>[] }).rows;
      return ids.map((id) => rows.find((r) => r.request_id === id));
    };
    await expect.poll(async () => (await rowsOf()).every(Boolean)).toBe(true);
    const [made, hit] = await rowsOf();
    expect([made!.route, made!.cache, hit!.cache]).toEqual(['agg', 'miss', 'hit']);
    expect(Number(made!.cost_usd)).toBeGreaterThan(0);
    expect(Number(made!.cost_usd)).not.toBe(Number(made!.expected_cost_usd));
    expect(hit!.saved_usd).toBe(Number(made!.cost_usd));
  });

  it('a streamed answer is kept once it completes, and replayed to Anthropic and Responses callers', async () => {
    const ask2 = { ...ASK, messages: [{ role: 'user' as const, content: 'Name three lakes' }] };
    const stream = await openai(gw).chat.completions.create({ ...ask2, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    const before = upstreamCalls();
    const again = await openai(gw).chat.completions.create(ask2);
    expect(again.choices[0]?.message.content).toBe(text);
    const anthropic = new Anthropic({ apiKey: KEYS.a, baseURL: gw.url, maxRetries: 0 });
    const message = await anthropic.messages
      .stream({ model: 'gpt-5-mini', max_tokens: 4096, temperature: 0, messages: ask2.messages })
      .finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text' });
    const responses = await openai(gw).responses.create({
      model: 'gpt-5-mini',
      temperature: 0,
      input: 'Name three lakes',
    });
    expect(responses.output_text).toBe(text);
    // The Anthropic request adds max_tokens (another request); the Responses one reads as the same chat request: a hit.
    expect(upstreamCalls()).toBe(before + 1);
  });

  it('never crosses tenants', async () => {
    const before = upstreamCalls();
    await ask(gw, {}, KEYS.a);
    await ask(gw, {}, KEYS.b);
    await ask(gw, {}, KEYS.b);
    expect(upstreamCalls()).toBe(before + 1); // a's was kept earlier; b's first is a miss, its second a hit
  });

  it('obeys cache-control: no-store neither reads nor writes, no-cache refreshes, max-age sets the TTL', async () => {
    const q = (content: string) => ({ ...ASK, messages: [{ role: 'user' as const, content }] });
    const send = async (content: string, headers: Record<string, string> = {}) =>
      (await openai(gw).chat.completions.create(q(content), { headers }).withResponse()).response.headers.get(
        'x-switchyard-cache',
      );
    expect(await send('no-store one', { 'cache-control': 'no-store' })).toBe('bypass');
    expect(await send('no-store one')).toBe('miss');
    expect(await send('no-store one', { 'cache-control': 'no-cache' })).toBe('miss');
    expect(await send('no-store one')).toBe('hit');
    expect(await send('short-lived', { 'cache-control': 'max-age=5' })).toBe('miss');
    now += 6000;
    expect(await send('short-lived')).toBe('miss');
  });

  it('expires at its TTL on the gateway clock, and sampled answers are not kept', async () => {
    const q = { ...ASK, messages: [{ role: 'user' as const, content: 'ttl check' }] };
    await openai(gw).chat.completions.create(q);
    now += 59_000;
    expect(
      (await openai(gw).chat.completions.create(q).withResponse()).response.headers.get('x-switchyard-cache'),
    ).toBe('hit');
    now += 2000;
    expect(
      (await openai(gw).chat.completions.create(q).withResponse()).response.headers.get('x-switchyard-cache'),
    ).toBe('miss');
    const sampled = await openai(gw)
      .chat.completions.create({ ...q, temperature: 0.7 })
      .withResponse();
    expect(sampled.response.headers.get('x-switchyard-cache')).toBe('bypass');
  });

  it('keeps no answer over max_entry_bytes', async () => {
    agg.behave({ reply: 'word '.repeat(2000) });
    gpu.behave({ reply: 'word '.repeat(2000) });
    const q = { ...ASK, messages: [{ role: 'user' as const, content: 'a long answer please' }] };
    await openai(gw).chat.completions.create(q);
    const again = await openai(gw).chat.completions.create(q).withResponse();
    expect(again.response.headers.get('x-switchyard-cache')).toBe('miss');
  });
});

describe.skipIf(!redisUp)('the Redis cache (skipped: no Redis answering on 127.0.0.1:6379)', () => {
  const prefix = keyPrefixes('cache-test');

  it('never holds a restricted request: two on-prem calls, no key and no value with its text', async () => {
    await mocks();
    const p = prefix();
    const gw = await startGateway(
      config('cache: { store: redis }', `state: { redis_url: "${REDIS_URL}", key_prefix: "${p}" }`),
    );
    closing.push(() => gw.close());
    const secret = 'Patient Jane Roe, MRN 00482913, started clozapine';
    const phi = { ...ASK, messages: [{ role: 'user' as const, content: secret }] };
    const before = gpu.stats.requests;
    for (let i = 0; i < 2; i++) {
      const res = await openai(gw)
        .chat.completions.create(phi, { headers: { 'x-switchyard-tags': 'phi' } })
        .withResponse();
      expect(res.response.headers.get('x-switchyard-cache')).toBe('bypass');
    }
    expect(gpu.stats.requests).toBe(before + 2);
    // An ordinary request is kept there, so the scan below would see keys if the restricted one had made any.
    await ask(gw);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${p}cache:*`);
    const values = await Promise.all(keys.map((k) => redis.get(k)));
    redis.disconnect();
    expect(keys.length).toBe(1);
    expect(values.join('')).not.toContain('clozapine');
  });

  it('while Redis is away the cache is bypassed and the request still served', async () => {
    await mocks();
    const relay = await redisRelay();
    closing.push(() => relay.close());
    const gw = await startGateway(
      config('cache: { store: redis }', `state: { redis_url: "${relay.url}", key_prefix: "${prefix()}" }`),
    );
    closing.push(() => gw.close());
    await ask(gw);
    expect((await ask(gw)).cache).toBe('hit');
    relay.cut();
    const served = await ask(gw);
    expect(served.text).toBeTruthy();
    expect(served.cache).toBe('miss');
    relay.restore();
  });
});
