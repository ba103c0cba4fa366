import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KEYS } from './helpers/gateway-fixture.js';
import { ANTHROPIC_KEY, startTwoFormatGateway, type TwoFormats } from './helpers/two-format-gateway.js';

// Both official SDKs, unchanged, through Switchyard: OpenAI's through an Anthropic route, Anthropic's
// through an OpenAI route (and its own, and on-prem for phi).
let env: TwoFormats;
let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(async () => {
  env = await startTwoFormatGateway();
  openai = new OpenAI({ baseURL: `${env.gw.url}/v1`, apiKey: KEYS.acme, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: env.gw.url, apiKey: KEYS.acme, maxRetries: 0 });
});
afterAll(async () => env.close());
beforeEach(() => {
  for (const m of [env.anthropic, env.openai, env.onprem])
    m.behave({ usage: { prompt_tokens: 40, completion_tokens: 7 } });
});

const weatherTool = {
  name: 'get_weather',
  description: 'Weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

describe('the openai SDK through an Anthropic route', () => {
  it('text and usage', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-switchyard-route')).toBe('claude');
    expect(data.choices[0]?.message.content).toBe('Hello from anthropic.');
    expect(data.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 7 });
    expect(env.anthropic.received.at(-1)!.headers['x-api-key']).toBe(ANTHROPIC_KEY);
  });

  it('streaming', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Hello from anthropic.');
    expect(usage?.completion_tokens).toBe(7);
  });

  it('a tool round trip', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: weatherTool.input_schema } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages,
      tools,
      tool_choice: 'auto',
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(env.anthropic.received.at(-1)!.body).toMatchObject({
      tools: [{ name: 'get_weather', input_schema: weatherTool.input_schema }],
      tool_choice: { type: 'auto' },
    });
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '18°C' });
    const second = await openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages, tools });
    expect(second.choices[0]?.message.content).toBe('The tool said: 18°C');
    // The tool result went to Anthropic as a tool_result block in a user turn.
    expect(env.anthropic.received.at(-1)!.body.messages).toContainEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call!.id, content: '18°C' }],
    });
  });

  it('an answer that is not Anthropic JSON counts as a broken route, not a gateway crash', async () => {
    env.anthropic.behave({ malformed: true });
    await expect(
      openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({
      status: 502,
      code: 'upstream_failed',
      message: expect.stringContaining('claude bad_body'),
    });
  });

  it('an upstream error surfaces as an OpenAI error', async () => {
    env.anthropic.behave({ status: 400, errorMessage: 'max_tokens: too large' });
    await expect(
      openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 400, code: 'upstream_rejected' });
  });
});

describe('the Anthropic SDK through Switchyard', () => {
  it('text and usage through an OpenAI route', async () => {
    const msg = await anthropic.messages.create({
      model: 'gpt-5',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello from openai.' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage).toMatchObject({ input_tokens: 40, output_tokens: 7 });
    expect(env.openai.received.at(-1)!.body).toMatchObject({
      model: 'gpt-5',
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
  });

  it('streaming through an OpenAI route', async () => {
    const stream = anthropic.messages.stream({
      model: 'gpt-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe('Hello from openai.');
    expect(final.usage.output_tokens).toBe(7);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('a tool round trip through an OpenAI route', async () => {
    const first = await anthropic.messages.create({
      model: 'gpt-5',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    const second = await anthropic.messages.create({
      model: 'gpt-5',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: (use as { id: string }).id, content: '18°C' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'The tool said: 18°C' }]);
  });

  it('streams its own format through an Anthropic route too', async () => {
    const final = await anthropic.messages
      .stream({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello from anthropic.' }]);
  });

  it('an upstream error surfaces as an Anthropic error', async () => {
    env.openai.behave({ status: 400, errorMessage: 'bad request upstream' });
    await expect(
      anthropic.messages.create({ model: 'gpt-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 400, error: { type: 'error', error: { type: 'invalid_request_error' } } });
  });

  it('a phi request on /v1/messages reaches only on-prem, and fails closed when on-prem fails', async () => {
    const before = { a: env.anthropic.stats.bytes, o: env.openai.stats.bytes };
    const msg = await anthropic.messages.create(
      { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'chart note' }] },
      { headers: { 'x-switchyard-tags': 'phi' } },
    );
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello from onprem.' }]);
    env.onprem.behave({ status: 500 });
    await expect(
      anthropic.messages.create(
        { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'chart note' }] },
        { headers: { 'x-switchyard-tags': 'phi' } },
      ),
    ).rejects.toMatchObject({ status: 502 });
    expect(env.anthropic.stats.bytes - before.a).toBe(0);
    expect(env.openai.stats.bytes - before.o).toBe(0);
  });
});
