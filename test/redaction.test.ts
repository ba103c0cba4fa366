import Anthropic from '@anthropic-ai/sdk';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { tempDir } from './helpers/hermetic.js';
import { ADMIN_KEY, startGateway, type RunningGateway } from './helpers/gateway-fixture.js';

// Redact, then route: a name and an SSN are masked before planning, the rest may go to the aggregator (on-prem is
// down here, so only a relaxed request is served at all), and the caller gets the values back — in a plain answer, in
// a stream whose every placeholder the mock splits across two chunks, in a tool call's arguments, for OpenAI and
// Anthropic callers. And what redaction may never relax, each on its own.
const NAME = 'John Smith';
const SSN = '123-45-6789';
const PROMPT = `Summarise this complaint from ${NAME}, SSN ${SSN}, about a late card.`;

const KEYS = {
  both: 'sk-redact-both-0123456789',
  nameOnly: 'sk-redact-name-0123456789',
  noRestore: 'sk-redact-norestore-0123456789',
  analyzed: 'sk-redact-analyzed-0123456789',
};

let agg: MockUpstream;
let gpu: MockUpstream;
let gw: RunningGateway;
let hanging: Server;

function config(analyzer = false): string {
  const path = join(tempDir('switchyard-redaction'), 'switchyard.yaml');
  const tenant = (id: string, key: string, redaction: string, extra = '') =>
    `  - { id: ${id}, api_keys: ["sha256:${hashApiKey(key)}"], auto_tag: true, redaction: ${redaction}${extra} }`;
  writeFileSync(
    path,
    `server: { admin_key: ${ADMIN_KEY} }
log: { dir: log, roll_seconds: 3600 }
routes:
  - { id: agg, kind: aggregator, base_url: "${agg.url}", clearance: public, models: [gpt-5-mini], pricing: { fee_percent: 5 }, timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000 } }
  - { id: gpu, kind: onprem, base_url: "${gpu.url}", clearance: restricted, models: [gpt-5-mini], pricing: { fixed_per_hour_usd: 2 }, timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000 } }
tenants:
${tenant('both', KEYS.both, '{ kinds: [ssn, person] }')}
${tenant('name-only', KEYS.nameOnly, '{ kinds: [person] }')}
${tenant('no-restore', KEYS.noRestore, '{ kinds: [ssn, person], restore: false }')}
${tenant('analyzed', KEYS.analyzed, '{ kinds: [ssn, person] }')}
${analyzer ? `sensitivity:\n  analyzer: { url: "http://127.0.0.1:${(hanging.address() as AddressInfo).port}", timeout_ms: 200 }` : ''}
`,
  );
  return path;
}

const openai = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const sentToAgg = () => JSON.stringify(agg.received.map((r) => r.body));

beforeAll(async () => {
  // An analyzer that never answers, for the gateway of the last test.
  hanging = createServer(() => undefined);
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  agg = await startMockUpstream('agg');
  gpu = await startMockUpstream('gpu', { status: 503 });
  gw = await startGateway(config());
});
beforeEach(() => {
  agg.received.length = 0;
  agg.behave({ echo: true });
  gpu.behave({ status: 503 });
});
afterAll(async () => {
  await gw.close();
  await Promise.all([agg.close(), gpu.close()]);
  hanging.closeAllConnections();
  hanging.close();
});

describe('redact, then route', () => {
  it('the aggregator gets the text around the values and 0 bytes of them; the caller gets the values back', async () => {
    const { data, response } = await openai(KEYS.both)
      .chat.completions.create({ model: 'gpt-5-mini', messages: [{ role: 'user', content: PROMPT }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(PROMPT);
    expect(response.headers.get('x-switchyard-route')).toBe('agg');
    expect(response.headers.get('x-switchyard-redacted')).toBe('2');
    const sent = sentToAgg();
    expect(sent).not.toContain(NAME);
    expect(sent).not.toContain(SSN);
    expect(sent).toContain('Summarise this complaint from [PERSON_1], SSN [SSN_1], about a late card.');
  });

  it('in a stream whose every placeholder arrives split across two chunks', async () => {
    agg.behave({ echo: true, halves: true });
    const stream = await openai(KEYS.both).chat.completions.create({
      model: 'gpt-5-mini',
      stream: true,
      messages: [{ role: 'user', content: PROMPT }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(PROMPT);
  });

  it("in a tool call's arguments, whole and streamed in halves", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'file_complaint', parameters: { type: 'object' } } },
    ];
    const answer = await openai(KEYS.both).chat.completions.create({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: PROMPT }],
      tools,
    });
    expect(
      JSON.parse(
        (answer.choices[0]?.message.tool_calls?.[0] as { function: { arguments: string } } | undefined)?.function
          .arguments ?? '{}',
      ),
    ).toEqual({
      note: PROMPT,
    });
    agg.behave({ echo: true, halves: true });
    const stream = await openai(KEYS.both).chat.completions.create({
      model: 'gpt-5-mini',
      stream: true,
      messages: [{ role: 'user', content: PROMPT }],
      tools,
    });
    let args = '';
    for await (const chunk of stream) args += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    expect(JSON.parse(args)).toEqual({ note: PROMPT });
    expect(sentToAgg()).not.toContain(SSN);
  });

  it('for an Anthropic caller, as JSON and as a stream', async () => {
    const anthropic = new Anthropic({ apiKey: KEYS.both, baseURL: gw.url, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: 'gpt-5-mini',
      max_tokens: 200,
      messages: [{ role: 'user', content: PROMPT }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text', text: PROMPT });
    agg.behave({ echo: true, halves: true });
    const final = await anthropic.messages
      .stream({ model: 'gpt-5-mini', max_tokens: 200, messages: [{ role: 'user', content: PROMPT }] })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: PROMPT });
    expect(sentToAgg()).not.toContain(NAME);
  });

  it('with restore: false the caller gets the placeholders', async () => {
    const answer = await openai(KEYS.noRestore).chat.completions.create({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: PROMPT }],
    });
    expect(answer.choices[0]?.message.content).toBe(
      'Summarise this complaint from [PERSON_1], SSN [SSN_1], about a late card.',
    );
  });

  it('a placeholder the caller wrote itself is never given out, and comes back as written', async () => {
    const prompt = `Keep [PERSON_1] as it is; the customer is ${NAME}.`;
    const answer = await openai(KEYS.both).chat.completions.create({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: prompt }],
    });
    expect(answer.choices[0]?.message.content).toBe(prompt);
    expect(sentToAgg()).toContain('Keep [PERSON_1] as it is; the customer is [PERSON_2].');
  });

  it('the log has the count and the kinds, never a value', async () => {
    await openai(KEYS.both).chat.completions.create({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: PROMPT }],
    });
    const live = await request(`${gw.url}/admin/log/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const rows = ((await live.body.json()) as { rows: Record<string, unknown>[] }).rows;
    expect(rows.at(-1)).toMatchObject({ redacted_count: 2, redacted_kinds: ['person', 'ssn'] });
    const logged = JSON.stringify([rows, gw.logs]);
    expect(logged).not.toContain(SSN);
    expect(logged).not.toContain(NAME);
  });
});

describe('what redaction may never relax', () => {
  const refused = async (key: string, content: string, headers: Record<string, string> = {}, via = gw) => {
    const err = await new OpenAI({ apiKey: key, baseURL: `${via.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-5-mini', messages: [{ role: 'user', content }] }, { headers })
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(gpu.stats.requests).toBeGreaterThan(0);
    expect(agg.received).toHaveLength(0);
  };

  it('a phi header tag stands: on-prem only, an error while on-prem is down', async () => {
    await refused(KEYS.both, PROMPT, { 'x-switchyard-tags': 'phi' });
  });

  it('a kind the tenant did not list keeps its level', async () => {
    await refused(KEYS.nameOnly, PROMPT);
  });

  it('text still sensitive after masking keeps its level: a clinical detail about a masked name stays phi', async () => {
    await refused(KEYS.both, `${NAME} has been on clozapine since March and his WBC is 3.1`);
  });

  it('an analyzer that times out leaves the request at its unredacted level', async () => {
    const analyzed = await startGateway(config(true));
    try {
      await refused(KEYS.analyzed, PROMPT, {}, analyzed);
    } finally {
      await analyzed.close();
    }
  });
});
