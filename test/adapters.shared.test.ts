import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { KEYS, streamedText } from './helpers/gateway-fixture.js';
import { startTwoFormatGateway, type TwoFormats } from './helpers/two-format-gateway.js';

// One suite, every wire-format adapter: the same OpenAI request through the gateway to a route of each
// format must map, stream, meter, fail and cancel alike.
let env: TwoFormats;
beforeAll(async () => {
  env = await startTwoFormatGateway();
});
afterAll(async () => env.close());

const ADAPTERS = [
  {
    format: 'openai',
    model: 'gpt-5',
    route: 'openai',
    mock: () => env.openai,
    price: { input: 1_250_000n, output: 10_000_000n },
  },
  {
    format: 'anthropic',
    model: 'claude-sonnet-4-6',
    route: 'claude',
    mock: () => env.anthropic,
    price: { input: 3_000_000n, output: 15_000_000n },
  },
] as const;

async function chat(body: Record<string, unknown>, signal?: AbortSignal) {
  return request(`${env.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
    body: JSON.stringify({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello' },
      ],
      ...body,
    }),
    ...(signal ? { signal } : {}),
  });
}

describe.each(ADAPTERS)('$format adapter', ({ format, model, route, mock, price }) => {
  let upstream: MockUpstream;
  beforeEach(() => {
    upstream = mock();
    upstream.behave({ usage: { prompt_tokens: 100, completion_tokens: 20 } });
  });

  it('maps the request and the answer', async () => {
    const res = await chat({ model, temperature: 0.3, stop: ['END'] });
    const json = (await res.body.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(res.headers['x-switchyard-route']).toBe(route);
    expect(json.choices[0]).toMatchObject({ message: { content: `Hello from ${format}.` }, finish_reason: 'stop' });
    const sent = upstream.received.at(-1)!;
    if (format === 'anthropic') {
      expect(sent.path).toBe('/v1/messages');
      expect(sent.headers['x-api-key']).toBeDefined();
      expect(sent.headers['anthropic-version']).toBe('2023-06-01');
      expect(sent.body).toMatchObject({
        model,
        system: 'Be brief.',
        max_tokens: 4096,
        temperature: 0.3,
        stop_sequences: ['END'],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
      });
    } else {
      expect(sent.path).toBe('/v1/chat/completions');
      expect(sent.body).toMatchObject({ model, temperature: 0.3, stop: ['END'] });
    }
  });

  it('streams OpenAI chunks with the usage chunk at the end', async () => {
    const res = await chat({ model, stream: true, stream_options: { include_usage: true } });
    const text = await res.body.text();
    expect(streamedText(text)).toBe(`Hello from ${format}.`);
    const events = text.trim().split('\n\n');
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(events.at(-2)!.slice(6)).usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 20 });
  });

  it('meters the translated usage exactly', async () => {
    const res = await chat({ model });
    await res.body.dump();
    const row = (await env.gw.deps.sink.liveRows()).find((r) => r.request_id === res.headers['x-request-id'])!;
    const cost = 100n * price.input + 20n * price.output;
    expect(row).toMatchObject({ input_tokens: 100, output_tokens: 20, estimated: false });
    expect(res.headers['x-switchyard-cost-usd']).toBe((Number(cost) / 1e12).toFixed(9));
  });

  it('passes an upstream 400 back in OpenAI shape, with the upstream message', async () => {
    upstream.behave({ status: 400, errorMessage: 'messages: roles must alternate' });
    const res = await chat({ model });
    const json = (await res.body.json()) as { error: { message: string; code: string } };
    expect(res.statusCode).toBe(400);
    expect(json.error.code).toBe('upstream_rejected');
    expect(json.error.message).toContain('roles must alternate');
  });

  it('cancels the upstream request when the caller hangs up mid-stream', async () => {
    upstream.behave({ chunkDelayMs: 50, reply: 'word '.repeat(100) });
    const closed = upstream.nextEarlyClose();
    const controller = new AbortController();
    const res = await chat({ model, stream: true }, controller.signal);
    for await (const _ of res.body) {
      controller.abort();
      break;
    }
    await closed;
    expect(upstream.stats.closedEarly).toBeGreaterThan(0);
  });
});

describe.each(ADAPTERS)('$format route, streamed tools and errors', ({ format, model, mock }) => {
  it('streams a tool call to an OpenAI caller: id, name and arguments', async () => {
    mock().behave({});
    const res = await chat({
      model,
      stream: true,
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
    });
    const chunks = (await res.body.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map(
        (e) =>
          JSON.parse(e.slice(6)) as {
            choices: {
              delta: { tool_calls?: { id?: string; function: { name?: string; arguments?: string } }[] };
              finish_reason: string | null;
            }[];
          },
      );
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ function: { name: 'weather' } });
    expect(calls[0]!.id).toMatch(format === 'anthropic' ? /^toolu_/ : /^call_/);
    expect(calls.map((c) => c.function.arguments ?? '').join('')).toBe('{"city":"Paris"}');
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['tool_calls']);
  });

  it("passes the upstream's error event in the middle of a stream on as an OpenAI error event", async () => {
    mock().behave({ streamError: 'Overloaded' });
    const text = await (await chat({ model, stream: true })).body.text();
    const error = text.split('\n\n').find((e) => e.includes('"error"'));
    expect(JSON.parse(error!.slice(6))).toMatchObject({ error: { message: 'Overloaded' } });
  });

  it('streams a tool call to an Anthropic caller on /v1/messages, as tool_use blocks', async () => {
    mock().behave({});
    const res = await request(`${env.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEYS.acme },
      body: JSON.stringify({
        model,
        max_tokens: 64,
        stream: true,
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [{ name: 'weather', input_schema: { type: 'object' } }],
      }),
    });
    const events = (await res.body.text())
      .trim()
      .split('\n\n')
      .map((e) => ({
        event: /^event: (.*)$/m.exec(e)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(e)![1]!) as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any -- an SSE event of any shape
      }));
    const start = events.find((e) => e.event === 'content_block_start' && e.data.content_block.type === 'tool_use');
    expect(start?.data.content_block).toMatchObject({ name: 'weather' });
    const json = events
      .filter((e) => e.data.delta?.type === 'input_json_delta')
      .map((e) => e.data.delta.partial_json as string)
      .join('');
    expect(JSON.parse(json)).toEqual({ city: 'Paris' });
    expect(events.find((e) => e.event === 'message_delta')?.data.delta.stop_reason).toBe('tool_use');
    expect(events.at(-1)?.event).toBe('message_stop');
  });

  it("passes the upstream's error event on to an Anthropic caller as Anthropic's error event", async () => {
    mock().behave({ streamError: 'Overloaded' });
    const res = await request(`${env.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEYS.acme },
      body: JSON.stringify({ model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.body.text();
    expect(text).toContain('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Overloaded"}}');
  });
});
