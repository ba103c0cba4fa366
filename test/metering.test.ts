import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { formatUsd } from '../src/engine/money.js';
import { freshGatewayPerTest, KEYS } from './helpers/gateway-fixture.js';

// Every request costed exactly, streamed or not, and written to the decision log.
const env = freshGatewayPerTest();

const USAGE = { prompt_tokens: 1000, completion_tokens: 500 };
async function chat(extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await request(`${env.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}`, ...headers },
    body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hello there' }], ...extra }),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}
async function loggedRow(requestId: string) {
  const rows = await env.gw.deps.sink.liveRows();
  return rows.find((r) => r.request_id === requestId) as Record<string, unknown>;
}
// gpt-5 at catalogue price: $1.25 / M input, $0.125 / M cached input, $10 / M output, in pico-dollars per token.
const GPT5 = { input: 1_250_000n, cached: 125_000n, output: 10_000_000n };

describe('exact costs', () => {
  it('non-streamed: header and log row agree to the pico-dollar', async () => {
    env.mocks.direct.behave({ usage: USAGE });
    const r = await chat();
    const expected = 1000n * GPT5.input + 500n * GPT5.output; // $0.00625
    expect(r.headers['x-switchyard-cost-usd']).toBe(formatUsd(expected, 9));
    const row = await loggedRow(String(r.headers['x-request-id']));
    expect(row).toMatchObject({
      route: 'direct',
      route_kind: 'direct',
      input_tokens: 1000,
      output_tokens: 500,
      cost_usd: '0.006250000000',
      estimated: false,
      status: 200,
    });
  });

  it('streamed with the caller asking for usage: usage chunk relayed, same cost', async () => {
    env.mocks.direct.behave({ usage: USAGE });
    const r = await chat({ stream: true, stream_options: { include_usage: true } });
    expect(r.text).toContain('"usage":{');
    expect((await loggedRow(String(r.headers['x-request-id']))).cost_usd).toBe('0.006250000000');
  });

  it('streamed without asking: usage asked of the upstream, stripped from the caller, still costed', async () => {
    env.mocks.direct.behave({ usage: USAGE });
    const r = await chat({ stream: true });
    expect(env.mocks.direct.received.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(r.text).not.toContain('"usage":{');
    expect(r.text.trim().endsWith('data: [DONE]')).toBe(true);
    const row = await loggedRow(String(r.headers['x-request-id']));
    expect(row).toMatchObject({ cost_usd: '0.006250000000', estimated: false, ttft_ms: expect.any(Number) });
  });

  it('cached tokens at the cache price', async () => {
    env.mocks.direct.behave({ usage: USAGE, cachedTokens: 400 });
    const r = await chat();
    const expected = 600n * GPT5.input + 400n * GPT5.cached + 500n * GPT5.output;
    expect(r.headers['x-switchyard-cost-usd']).toBe(formatUsd(expected, 9));
    expect(await loggedRow(String(r.headers['x-request-id']))).toMatchObject({
      cached_tokens: 400,
      cost_usd: '0.005800000000',
    });
  });

  it("the aggregator's 5.5 % fee", async () => {
    env.mocks.direct.behave({ status: 503 });
    env.mocks.aggregator.behave({ usage: USAGE });
    const r = await chat();
    expect(r.headers['x-switchyard-route']).toBe('agg');
    // 1000 × 1,318,750 + 500 × 10,550,000 p$ = $0.00659375
    expect(await loggedRow(String(r.headers['x-request-id']))).toMatchObject({ cost_usd: '0.006593750000' });
  });

  it('on-prem is free at the margin', async () => {
    env.mocks.onprem.behave({ usage: USAGE });
    const r = await chat({}, { 'x-switchyard-tags': 'phi' });
    expect(r.headers['x-switchyard-cost-usd']).toBe('0.000000000');
    expect(await loggedRow(String(r.headers['x-request-id']))).toMatchObject({
      route_kind: 'onprem',
      input_tokens: 1000,
      cost_usd: '0.000000000000',
    });
  });

  it('an upstream that reports no usage is estimated, and marked so', async () => {
    env.mocks.direct.behave({ omitUsage: true, reply: 'twelve chars' });
    const r = await chat({ stream: true });
    const row = await loggedRow(String(r.headers['x-request-id']));
    // Input: the planner's estimate of the prompt (3 + 4 per message + ceil(11 / 4)); output: ceil(12 / 4).
    const input = 3n + 4n + 3n;
    expect(row).toMatchObject({ estimated: true, input_tokens: Number(input), output_tokens: 3 });
    expect(row.cost_usd).toBe(formatUsd(input * GPT5.input + 3n * GPT5.output, 12));
  });

  it('refused requests are logged at zero cost with their code, and no prompt text', async () => {
    const r = await chat({ model: 'gpt-9' });
    const row = await loggedRow(String(r.headers['x-request-id']));
    expect(row).toMatchObject({ status: 404, error_code: 'model_not_found', cost_usd: '0.000000000000' });
    expect(JSON.stringify(await env.gw.deps.sink.liveRows())).not.toContain('hello there');
  });
});

describe("a hostile upstream's usage is believed only up to what the request could produce (issue 34)", () => {
  const HOSTILE = { prompt_tokens: 100_000_000, completion_tokens: 0 };
  it.each([
    ['non-streamed', {}],
    ['streamed', { stream: true, stream_options: { include_usage: true } }],
  ])(
    '%s: billed the bound, the row marked estimated with why, the caller told, a metric counted',
    async (_how, extra) => {
      env.mocks.direct.behave({ usage: HOSTILE });
      const r = await chat({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 50, ...extra });
      expect(r.status).toBe(200);
      const row = await loggedRow(String(r.headers['x-request-id']));
      // The prompt is ~8 tokens by estimate: its bound is the 1,024-token floor.
      expect(row).toMatchObject({ input_tokens: 1024, output_tokens: 0, estimated: true, cost_usd: '0.001280000000' });
      expect(String(row.row_problem)).toMatch(
        /upstream reported 100000000 prompt tokens, over the 1024 this request could send/,
      );
      expect(r.text).toContain('"prompt_tokens":1024');
      expect(r.text).not.toContain('100000000');
      const metrics = await (await request(`${env.gw.url}/metrics`)).body.text();
      expect(metrics).toMatch(/switchyard_usage_clamped_total\{route="direct"\} 1/);
    },
  );
});
