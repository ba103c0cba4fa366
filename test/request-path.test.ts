import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { usdToPico } from '../src/engine/money.js';
import {
  closeMocks,
  KEYS,
  startGateway,
  startMocks,
  streamedText,
  writeGatewayConfig,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';

// The request path end to end: facts shared by explain and the real request, streams relayed as they
// arrive whatever their line ends, and failover on what a broken route answers.

const CAPPED_KEY = 'sk-test-capped-0123456789abcdef';
let mocks: Mocks;
let gw: RunningGateway;
beforeEach(async () => {
  mocks = await startMocks();
});
afterEach(async () => {
  await gw.close();
  await closeMocks(mocks);
});

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, ...extra });
const post = (path: string, key: string, payload: string) =>
  request(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: payload,
  });

describe('facts are built once, the same way, for explain and the real request', () => {
  it('a tenant over budget: explain says budget_exceeded, and so does the request (429)', async () => {
    gw = await startGateway(
      writeGatewayConfig(
        mocks,
        `  - { id: capped, api_keys: ["sha256:${hashApiKey(CAPPED_KEY)}"], budget: { daily_usd: 1, on_exceed: deny } }`,
      ),
    );
    // 1. Before any spend, both would route.
    const before = (await (await post('/v1/route/explain', CAPPED_KEY, body())).body.json()) as { outcome: string };
    expect(before.outcome).toBe('route');
    // 2. Spend already recorded today leaves less than this request's worst case.
    await gw.deps.ledger.restore('capped', usdToPico(0.99999), usdToPico(0.99999), Date.now());
    const explained = (await (await post('/v1/route/explain', CAPPED_KEY, body())).body.json()) as {
      outcome: string;
      denial?: { code: string };
    };
    expect(explained).toMatchObject({ outcome: 'deny', denial: { code: 'budget_exceeded' } });
    const real = await post('/v1/chat/completions', CAPPED_KEY, body());
    expect(real.statusCode).toBe(429);
    expect(((await real.body.json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');
    expect(mocks.direct.stats.requests + mocks.aggregator.stats.requests).toBe(0);
  });

  it('a monthly budget spent earlier in the month refuses today, though the day is fresh', async () => {
    gw = await startGateway(
      writeGatewayConfig(
        mocks,
        `  - { id: capped, api_keys: ["sha256:${hashApiKey(CAPPED_KEY)}"], budget: { monthly_usd: 1, on_exceed: deny } }`,
      ),
    );
    await gw.deps.ledger.restore('capped', 0n, usdToPico(0.99999), Date.now());
    const res = await post('/v1/chat/completions', CAPPED_KEY, body());
    expect(res.statusCode).toBe(429);
    await res.body.dump();
  });
});

describe('streams are relayed as they arrive', () => {
  it('an upstream that ends its lines with CRLF and splits events across writes: first text before the upstream ends, usage metered exactly', async () => {
    gw = await startGateway(writeGatewayConfig(mocks));
    mocks.direct.behave({
      crlf: true,
      fragmentBytes: 7,
      chunkDelayMs: 30,
      reply: 'one two three four five six seven eight nine ten',
      usage: { prompt_tokens: 11, completion_tokens: 10 },
    });
    const res = await post('/v1/chat/completions', KEYS.acme, body({ stream: true }));
    expect(res.headers['x-switchyard-route']).toBe('direct');
    let text = '';
    let completedAtFirstText: number | undefined;
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString('utf8');
      if (completedAtFirstText === undefined && streamedText(text).length > 0)
        completedAtFirstText = mocks.direct.stats.completed;
    }
    // The upstream was still writing when the caller had its first words (held back whole before the fix).
    expect(completedAtFirstText).toBe(0);
    expect(streamedText(text)).toBe('one two three four five six seven eight nine ten');
    expect(text).not.toContain('"usage"');
    const row = (await gw.deps.sink.liveRows()).find((r) => r.request_id === res.headers['x-request-id'])!;
    // gpt-5-mini on direct: 11 × 250,000 + 10 × 2,000,000 p$.
    expect(row).toMatchObject({ input_tokens: 11, output_tokens: 10, estimated: false, cost_usd: '0.000022750000' });
  });
});

describe('failover on what a broken route answers', () => {
  it('a route that does not know its model (404) → the next route serves', async () => {
    gw = await startGateway(writeGatewayConfig(mocks));
    mocks.direct.behave({ status: 404, errorMessage: 'The model `gpt-5-mini` does not exist' });
    const res = await post('/v1/chat/completions', KEYS.acme, body());
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-switchyard-route']).toBe('agg');
    await res.body.dump();
    const row = (await gw.deps.sink.liveRows()).find((r) => r.request_id === res.headers['x-request-id'])!;
    expect(JSON.parse(row.attempts as string)).toMatchObject([
      { route: 'direct', status: 404 },
      { route: 'agg', status: 200 },
    ]);
  });

  it('an empty 200 stream → the next route serves the stream', async () => {
    gw = await startGateway(writeGatewayConfig(mocks));
    mocks.direct.behave({ emptyStream: true });
    const res = await post('/v1/chat/completions', KEYS.acme, body({ stream: true }));
    expect(res.headers['x-switchyard-route']).toBe('agg');
    expect(streamedText(await res.body.text())).toBe('Hello from aggregator.');
  });

  it('an OpenAI-format route that answers 200 with HTML → the next route, not a 200 of garbage', async () => {
    gw = await startGateway(writeGatewayConfig(mocks));
    mocks.direct.behave({ malformed: true });
    const res = await post('/v1/chat/completions', KEYS.acme, body());
    expect(res.headers['x-switchyard-route']).toBe('agg');
    expect(
      ((await res.body.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
    ).toBe('Hello from aggregator.');
  });
});
