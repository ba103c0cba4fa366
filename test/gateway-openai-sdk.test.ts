import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { hashApiKey } from '../src/config/tenant-keys.js';
import {
  closeMocks,
  KEYS,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';

// The official openai SDK, pointed at Switchyard with nothing changed but the base URL and key.
const AUTO_KEY = 'sk-test-auto-0123456789abcdef';
let mocks: Mocks;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  mocks = await startMocks();
  // A tenant that opted in to auto-tagging, beside the fixture's.
  gw = await startGateway(
    writeGatewayConfig(mocks, `  - { id: auto, api_keys: ["sha256:${hashApiKey(AUTO_KEY)}"], auto_tag: true }`),
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS.acme, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await closeMocks(mocks);
});
beforeEach(() => {
  for (const m of Object.values(mocks)) m.behave({});
});

describe('OpenAI SDK through the gateway', () => {
  it('non-streaming chat, with the route in the headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Say hello' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello from direct.');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-route')).toBe('direct');
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-5');
    expect(response.headers.get('x-request-id')).toMatch(/\S+/);
  });

  it('passes every OpenAI parameter through and rewrites only the model', async () => {
    const before = mocks.aggregator.received.length;
    await client.chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' },
      n: 1,
      stop: ['END'],
      temperature: 0.2,
      seed: 7,
    });
    const sent = mocks.direct.received.at(-1)!.body;
    expect(sent).toMatchObject({
      model: 'gpt-5',
      response_format: { type: 'json_object' },
      n: 1,
      stop: ['END'],
      temperature: 0.2,
      seed: 7,
    });
    expect(mocks.aggregator.received.length).toBe(before);
  });

  it('uses the upstream name of the model on the aggregator', async () => {
    mocks.direct.behave({ status: 503 });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('agg');
    expect(mocks.aggregator.received.at(-1)!.body.model).toBe('openai/gpt-5');
  });

  it('streams chat, with the usage chunk when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from direct.');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('embeddings', async () => {
    const r = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(r.data).toHaveLength(2);
    expect(r.data[0]?.embedding).toHaveLength(8);
  });

  it('lists the models the tenant may use', async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m.id);
    expect(models).toEqual(['gpt-5', 'gpt-5-mini', 'llama-3.3-70b', 'text-embedding-3-small']);
  });

  it('round-trips a tool call', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'gpt-5', messages, tools, tool_choice: 'auto' });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '18°C and sunny' });
    const second = await client.chat.completions.create({ model: 'gpt-5', messages, tools });
    expect(second.choices[0]?.message.content).toBe('The tool said: 18°C and sunny');
    expect(mocks.direct.received.at(-1)!.body.tools).toEqual(tools);
  });

  it('adds the upstream key and never forwards the caller key', async () => {
    await client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] });
    const headers = mocks.direct.received.at(-1)!.headers;
    expect(headers.authorization).toBe(`Bearer ${KEYS.direct}`);
    expect(JSON.stringify(headers)).not.toContain(KEYS.acme);
    await client.chat.completions.create(
      { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-switchyard-tags': 'phi' } },
    );
    expect(mocks.onprem.received.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('POST /v1/route/explain returns the decision and calls no upstream', async () => {
    const before = Object.values(mocks).map((m) => m.stats.requests);
    const res = await request(`${gw.url}/v1/route/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}`, 'x-switchyard-tags': 'phi' },
      body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'chart note' }] }),
    });
    const d = (await res.body.json()) as {
      routes: { route: string }[];
      excluded: { route: string; reason: string }[];
      rules_fired: string[];
      model: string;
      expected_cost_usd: string;
    };
    expect(d.routes.map((r) => r.route)).toEqual(['onprem']);
    expect(d.excluded.map((e) => [e.route, e.reason])).toEqual([
      ['agg', 'clearance'],
      ['direct', 'clearance'],
    ]);
    expect(d).toMatchObject({
      model: 'llama-3.3-70b',
      rules_fired: ['restricted-uses-onprem-model'],
      expected_cost_usd: '0.000000',
    });
    expect(Object.values(mocks).map((m) => m.stats.requests)).toEqual(before);
  });

  it('auto-tags the messages of a tenant that opted in, and says which rule fired', async () => {
    const auto = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: AUTO_KEY, maxRetries: 0 });
    const { response } = await auto.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Refund card 4111 1111 1111 1111 please' }] })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('onprem');
    expect(response.headers.get('x-switchyard-rule')).toBe('restricted-uses-onprem-model');
    const { response: plain } = await auto.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Say hello' }] })
      .withResponse();
    expect(plain.headers.get('x-switchyard-route')).toBe('direct');
  });
});
