import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { startGateway, type RunningGateway } from './helpers/gateway-fixture.js';
import { tempDir } from './helpers/hermetic.js';

// OpenAI's Responses API through the gateway with the official SDK, to a Responses route (sent as is), a
// chat-completions route and an Anthropic route (both translated), under the same planner.
const KEY = 'sk-test-responses-0123456789abcdef';
const CLINIC = 'sk-test-responses-clinic-012345678';
let ups: Record<'resp' | 'chat' | 'anth' | 'gpu', MockUpstream>;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  const [resp, chat, anth, gpu] = await Promise.all([
    startMockUpstream('resp', {}, 0, 'openai-responses'),
    startMockUpstream('chat'),
    startMockUpstream('anth', {}, 0, 'anthropic'),
    startMockUpstream('gpu'),
  ]);
  ups = { resp: resp!, chat: chat!, anth: anth!, gpu: gpu! };
  const config = join(tempDir('switchyard-responses'), 'switchyard.yaml');
  writeFileSync(
    config,
    `
log: { dir: log, roll_seconds: 3600 }
routes:
  - { id: resp, kind: direct, format: openai-responses, base_url: "${resp!.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5] }
  - { id: chat, kind: direct, base_url: "${chat!.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5-mini] }
  - { id: anth, kind: direct, format: anthropic, base_url: "${anth!.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [claude-sonnet-4-6] }
  - { id: gpu, kind: onprem, base_url: "${gpu!.url}", clearance: restricted, models: { gpt-5: llama-3.3-70b }, pricing: { models: { gpt-5: { input_per_mtok: 50, output_per_mtok: 50 } } }, timeouts: { first_byte_ms: 500 } }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(KEY)}"] }
  - { id: clinic, api_keys: ["sha256:${hashApiKey(CLINIC)}"], default_tags: [phi] }
`,
  );
  gw = await startGateway(config);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await Promise.all(Object.values(ups).map((u) => u.close()));
});
beforeEach(() => Object.values(ups).forEach((u) => u.behave({})));

const TARGETS = [
  { model: 'gpt-5', route: 'resp' },
  { model: 'gpt-5-mini', route: 'chat' },
  { model: 'claude-sonnet-4-6', route: 'anth' },
] as const;
const WEATHER = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};
const lastRow = async () =>
  ((await (gw.deps.sink as unknown as { liveRows(): Promise<Record<string, unknown>[]> }).liveRows()).at(-1) ??
    {}) as Record<string, unknown>;

describe.each(TARGETS)('responses to the $route route ($model)', ({ model, route }) => {
  it('answers text, with usage, and meters it exactly', async () => {
    const { data, response } = await client.responses
      .create({ model, instructions: 'Be brief.', input: 'Say hello', max_output_tokens: 100 })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe(route);
    expect(data.object).toBe('response');
    expect(data.status).toBe('completed');
    expect(data.output_text).toBe(`Hello from ${route}.`);
    expect(data.usage?.input_tokens).toBeGreaterThan(0);
    const row = await lastRow();
    expect(row).toMatchObject({
      route,
      input_tokens: data.usage!.input_tokens,
      output_tokens: data.usage!.output_tokens,
      estimated: false,
    });
    expect(Number(row.cost_usd)).toBeGreaterThan(0);
  });

  it('streams the typed events and ends with response.completed and its usage', async () => {
    const stream = client.responses.stream({
      model,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Say hello' }] }],
    });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    const final = await stream.finalResponse();
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.completed');
    expect(text).toBe(`Hello from ${route}.`);
    expect(final.output_text).toBe(text);
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('does a function-call round trip: the call, then the function output, then the answer', async () => {
    const first = await client.responses.create({
      model,
      input: 'Weather in Paris?',
      tools: [WEATHER],
      tool_choice: 'auto',
    });
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    const callId = (call as { call_id: string }).call_id;
    const second = await client.responses.create({
      model,
      tools: [WEATHER],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: callId, name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: callId, output: '18C and sunny' },
      ],
    });
    expect(second.output_text).toBe('The tool said: 18C and sunny');
  });

  it('streams a function call with its argument events', async () => {
    const types: string[] = [];
    const stream = client.responses.stream({ model, input: 'Weather in Paris?', tools: [WEATHER] });
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    expect(types).toContain('response.function_call_arguments.delta');
    expect(types).toContain('response.function_call_arguments.done');
    expect(final.output.find((o) => o.type === 'function_call')).toMatchObject({
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
  });
});

describe('the Responses API under the same guarantees', () => {
  it('a Responses route receives the request as it was sent, the model rewritten', async () => {
    await client.responses.create({
      model: 'gpt-5',
      input: 'Say hello',
      metadata: { ticket: 'T-1' },
      text: { format: { type: 'json_object' } },
    });
    expect(ups.resp.received.at(-1)?.body).toEqual({
      model: 'gpt-5',
      input: 'Say hello',
      metadata: { ticket: 'T-1' },
      text: { format: { type: 'json_object' } },
    });
  });

  it('a chat route gets the translation: instructions as system, text.format as response_format, metadata kept', async () => {
    await client.responses.create({
      model: 'gpt-5-mini',
      instructions: 'Answer in JSON.',
      input: 'Say hello',
      metadata: { ticket: 'T-2' },
      text: { format: { type: 'json_schema', name: 'greeting', schema: { type: 'object' }, strict: true } },
    });
    expect(ups.chat.received.at(-1)?.body).toMatchObject({
      model: 'gpt-5-mini',
      messages: [
        { role: 'system', content: 'Answer in JSON.' },
        { role: 'user', content: 'Say hello' },
      ],
      metadata: { ticket: 'T-2' },
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'greeting', schema: { type: 'object' }, strict: true },
      },
    });
  });

  it("an upstream's refusal of the request comes back as the SDK's APIError with its status", async () => {
    ups.chat.behave({ status: 400, errorMessage: 'bad thing in the request' });
    const err = (await client.responses
      .create({ model: 'gpt-5-mini', input: 'x' })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(400);
    expect(err.message).toContain('bad thing in the request');
  });

  it('a caller that aborts a stream is billed for what was relayed and logged as client_closed', async () => {
    ups.chat.behave({ reply: 'one two three four five six seven eight nine ten', chunkDelayMs: 40 });
    const controller = new AbortController();
    const stream = client.responses.stream({ model: 'gpt-5-mini', input: 'count' }, { signal: controller.signal });
    const seen = await (async () => {
      let deltas = 0;
      try {
        for await (const event of stream)
          if (event.type === 'response.output_text.delta' && ++deltas === 2) controller.abort();
      } catch {
        // the abort
      }
      return deltas;
    })();
    expect(seen).toBe(2);
    let row: Record<string, unknown> = {};
    for (let i = 0; i < 100 && row.error_code !== 'client_closed'; i++) {
      row = await lastRow();
      if (row.error_code !== 'client_closed') await new Promise((r) => setTimeout(r, 20));
    }
    expect(row).toMatchObject({ route: 'chat', error_code: 'client_closed' });
  });

  it('a phi request is served on-prem only, and with on-prem down nothing reaches any other route', async () => {
    const clinic = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLINIC, maxRetries: 0 });
    const { response } = await clinic.responses
      .create({ model: 'gpt-5', input: 'MRN 12345678, blood results' })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('gpu');
    ups.gpu.behave({ status: 503 });
    const before = { resp: ups.resp.stats.bytes, chat: ups.chat.stats.bytes, anth: ups.anth.stats.bytes };
    const err = (await clinic.responses
      .create({ model: 'gpt-5', input: 'MRN 12345678' })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(502);
    expect({ resp: ups.resp.stats.bytes, chat: ups.chat.stats.bytes, anth: ups.anth.stats.bytes }).toEqual(before);
  });

  it.each([
    [{ previous_response_id: 'resp_123' }, 'previous_response_id'],
    [{ store: true }, 'store'],
    [{ tools: [{ type: 'web_search' }] }, 'tools[0]'],
    [{ tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'tools[0]'],
  ])("refuses %j with a 400 in OpenAI's error shape naming %s", async (extra, param) => {
    const res = await request(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'gpt-5-mini', input: 'hi', ...extra }),
    });
    expect(res.statusCode).toBe(400);
    const body = (await res.body.json()) as { error: { type: string; param: string; message: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(body.error.message).toContain(`'${param}' cannot be honoured`);
  });

  it('explain accepts a Responses body and plans it like the request', async () => {
    const res = await request(`${gw.url}/v1/route/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLINIC}` },
      body: JSON.stringify({ model: 'gpt-5', input: [{ role: 'user', content: 'hello' }] }),
    });
    const d = (await res.body.json()) as { sensitivity: string; routes: { route: string }[] };
    expect(d.sensitivity).toBe('restricted');
    expect(d.routes.map((r) => r.route)).toEqual(['gpu']);
  });
});

describe('a Responses route serving chat callers', () => {
  it('answers a chat completion (and a stream) through the translation; a field it cannot carry moves on to the next route', async () => {
    const chat = await client.chat.completions.create({
      model: 'gpt-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
    });
    expect(chat.choices[0]?.message.content).toBe('Hello from resp.');
    expect(ups.resp.received.at(-1)?.body).toMatchObject({
      model: 'gpt-5',
      input: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      store: false,
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage ??= chunk.usage;
    }
    expect(text).toBe('Hello from resp.');
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
    // `stop` has no place in a Responses request: that route cannot carry it, the next one (on-prem) does.
    const { response } = await client.chat.completions
      .create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Say hello' }], stop: ['END'] })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('gpu');
    expect(JSON.parse((await lastRow()).attempts as string)).toEqual([
      { route: 'resp', status: 'unsupported', ms: 0 },
      expect.objectContaining({ route: 'gpu', status: 200 }),
    ]);
  });
});

describe('an openai preset route', () => {
  it("receives a Responses caller's request as sent, at /responses: OpenAI's own API speaks it", async () => {
    const openai = await startMockUpstream('openai', {}, 0, 'openai-responses');
    const config = join(tempDir('switchyard-responses'), 'preset.yaml');
    writeFileSync(
      config,
      `
log: { dir: log, roll_seconds: 3600 }
routes:
  - { id: openai, provider: openai, base_url: "${openai.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5] }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(KEY)}"] }
`,
    );
    const preset = await startGateway(config);
    try {
      const sdk = new OpenAI({ baseURL: `${preset.url}/v1`, apiKey: KEY, maxRetries: 0 });
      const answer = await sdk.responses.create({
        model: 'gpt-5',
        input: 'Say hello',
        text: { format: { type: 'json_object' } },
      });
      expect(answer.output_text).toBe('Hello from openai.');
      expect(openai.received.at(-1)).toMatchObject({
        path: '/v1/responses',
        body: { model: 'gpt-5', input: 'Say hello', text: { format: { type: 'json_object' } } },
      });
    } finally {
      await preset.close();
      await openai.close();
    }
  });
});
