import Anthropic from '@anthropic-ai/sdk';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import type { WireFormatId } from '../src/engine/config-schema.js';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { tempDir } from './helpers/hermetic.js';
import { ADMIN_KEY, startGateway, type RunningGateway } from './helpers/gateway-fixture.js';

// Azure OpenAI, Bedrock (Converse, SigV4, binary event stream), the Gemini API and Vertex AI, each against a
// mock that checks what the real service checks: a SigV4 signature recomputed by an independent implementation
// (aws4), Azure's api-key, Gemini's key header, Vertex's OAuth token (here from a metadata server on loopback, as on
// GCE or GKE). The official OpenAI and Anthropic SDKs call through each.
const TENANT_KEY = 'sk-test-cloud-tenant-0123456789';
const AWS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const GEMINI_KEY = 'gemini-key-SECRET-0123456789';
const VERTEX_TOKEN = 'ya29.vertex-token-from-the-metadata-server';

process.env.AWS_ACCESS_KEY_ID = AWS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = AWS.secretAccessKey;
process.env.AWS_SESSION_TOKEN = 'session-token-0123456789';

/** A GCE metadata server on loopback: what google-auth-library asks for a token when it runs on Google Cloud. */
async function startMetadataServer(): Promise<{ server: Server; host: string; tokens: () => number }> {
  let tokens = 0;
  const server = createServer((req, res) => {
    if (req.headers['metadata-flavor'] !== 'Google') return void res.writeHead(403).end();
    res.setHeader('metadata-flavor', 'Google');
    if (req.url?.startsWith('/computeMetadata/v1/instance/service-accounts/default/token')) {
      tokens++;
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ access_token: VERTEX_TOKEN, expires_in: 3599, token_type: 'Bearer' }));
    }
    if (req.url?.startsWith('/computeMetadata/v1/project/project-id')) return void res.end('acme-prod');
    res.end('');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}`, tokens: () => tokens };
}

interface Case {
  format: WireFormatId;
  upstream: string;
  extra: string;
  /** What the provider's request carried to prove who called. */
  authorised: (headers: Record<string, unknown>) => void;
  path: (stream: boolean) => string;
  /** USD per million input and output tokens the route is priced at, when the provider's own price is known. */
  price?: [number, number];
  /** How the provider's content filter says no: a 400 (Azure) or a 200 whose finish reason says it. */
  filter: 'refusal' | 'answer';
}

const AZURE_KEY = 'azure-key-SECRET-0123456789';

const CASES: Case[] = [
  {
    format: 'azure-openai',
    upstream: 'sonnet-deployment',
    extra: `api_key: ${AZURE_KEY}\n    api_version: 2024-10-21`,
    authorised: (h) => expect(h['api-key']).toBe(AZURE_KEY),
    path: () => '/openai/deployments/sonnet-deployment/chat/completions?api-version=2024-10-21',
    filter: 'refusal',
  },
  {
    format: 'bedrock',
    upstream: 'eu.anthropic.claude-sonnet-4-6',
    extra: 'region: eu-west-1',
    authorised: (h) => {
      expect(String(h.authorization)).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/bedrock\//,
      );
      expect(h['x-amz-security-token']).toBe('session-token-0123456789');
    },
    path: (stream) => `/model/eu.anthropic.claude-sonnet-4-6/${stream ? 'converse-stream' : 'converse'}`,
    // Bedrock's EU inference profile, 10 % above Anthropic's own $3/$15.
    price: [3.3, 16.5],
    filter: 'answer',
  },
  {
    format: 'gemini',
    upstream: 'gemini-2.5-flash',
    extra: `api_key: ${GEMINI_KEY}`,
    authorised: (h) => expect(h['x-goog-api-key']).toBe(GEMINI_KEY),
    path: (stream) => `/v1beta/models/gemini-2.5-flash:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    filter: 'answer',
  },
  {
    format: 'vertex',
    upstream: 'gemini-2.5-flash',
    extra: 'region: europe-west4\n    project: acme-prod',
    authorised: (h) => expect(h.authorization).toBe(`Bearer ${VERTEX_TOKEN}`),
    path: (stream) =>
      `/v1/projects/acme-prod/locations/europe-west4/publishers/google/models/gemini-2.5-flash:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    filter: 'answer',
  },
];

function config(c: Case, cloud: MockUpstream, backup: MockUpstream): string {
  const dir = tempDir(`switchyard-${c.format}`);
  const path = join(dir, 'switchyard.yaml');
  writeFileSync(
    path,
    `server: { admin_key: ${ADMIN_KEY} }
log: { dir: log, roll_seconds: 3600 }
routes:
  - id: cloud
    kind: direct
    format: ${c.format}
    base_url: ${c.format === 'azure-openai' ? cloud.url.replace(/\/v1$/, '') : cloud.url}
    ${c.extra}
    clearance: confidential
    models: { claude-sonnet-4-6: ${c.upstream} }
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000 }
  - id: backup
    kind: aggregator
    base_url: ${backup.url}
    clearance: confidential
    models: [claude-sonnet-4-6]
    pricing: { fee_percent: 20 }
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000 }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(TENANT_KEY)}"] }
`,
  );
  return path;
}

async function liveRows(gw: RunningGateway): Promise<Record<string, unknown>[]> {
  const live = await request(`${gw.url}/admin/log/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return ((await live.body.json()) as { rows: Record<string, unknown>[] }).rows;
}

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe.each(CASES)('$format', (c) => {
  let cloud: MockUpstream;
  let backup: MockUpstream;
  let gw: RunningGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let metadata: Awaited<ReturnType<typeof startMetadataServer>>;
  beforeAll(async () => {
    metadata = await startMetadataServer();
    process.env.GCE_METADATA_HOST = metadata.host;
    cloud = await startMockUpstream('cloud', {}, 0, c.format);
    backup = await startMockUpstream('backup');
    gw = await startGateway(config(c, cloud, backup));
    openai = new OpenAI({ apiKey: TENANT_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: TENANT_KEY, baseURL: gw.url, maxRetries: 0 });
  });
  beforeEach(() => {
    cloud.behave({ bearerToken: VERTEX_TOKEN });
    backup.behave({});
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([cloud.close(), backup.close()]);
    await new Promise((resolve) => metadata.server.close(resolve));
  });

  it("answers an OpenAI SDK call at the provider's path, authorised as the provider requires", async () => {
    const answer = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe('Hello from cloud.');
    const sent = cloud.received.at(-1)!;
    expect(sent.path).toBe(c.path(false));
    c.authorised(sent.headers);
    expect(backup.stats.requests).toBe(0);
  });

  it('streams, with usage exact to the token in the SDK and in the decision log, priced', async () => {
    const stream = await openai.chat.completions.create({
      model: 'claude-sonnet-4-6',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Count to five' }],
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hello from cloud.');
    expect(cloud.received.at(-1)!.path).toBe(c.path(true));
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    const row = (await liveRows(gw)).at(-1)!;
    expect([row.route, row.input_tokens, row.output_tokens]).toEqual([
      'cloud',
      usage?.prompt_tokens,
      usage?.completion_tokens,
    ]);
    expect(Number(row.cost_usd)).toBeGreaterThan(0);
    if (c.price)
      expect(Number(row.cost_usd)).toBeCloseTo(
        (usage!.prompt_tokens * c.price[0] + usage!.completion_tokens * c.price[1]) / 1e6,
        12,
      );
  });

  it('a tool round trip through the OpenAI SDK', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages, tools: [weather] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: '18°C' });
    const second = await openai.chat.completions.create({ model: 'claude-sonnet-4-6', messages, tools: [weather] });
    expect(second.choices[0]?.message.content).toBe('The tool said: 18°C');
  });

  it('answers the Anthropic SDK, as JSON and as a stream', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello from cloud.' });
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    const stream = anthropic.messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Hello from cloud.' });
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('a 429 with retry-after and a 503 each fail over to the next route', async () => {
    for (const behavior of [{ status: 429, retryAfter: '1' }, { status: 503 }]) {
      cloud.behave({ ...behavior, bearerToken: VERTEX_TOKEN });
      const before = backup.stats.requests;
      const answer = await openai.chat.completions.create({
        model: 'claude-sonnet-4-6',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(answer.choices[0]?.message.content).toBe('Hello from backup.');
      expect(backup.stats.requests).toBe(before + 1);
    }
  });

  it("the provider's content filter reaches the caller as one, and is not tried elsewhere", async () => {
    cloud.behave({ contentFilter: true, bearerToken: VERTEX_TOKEN });
    const before = backup.stats.requests;
    const answer = await openai.chat.completions
      .create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'something the filter blocks' }] })
      .catch((err: unknown) => err as InstanceType<typeof OpenAI.APIError>);
    if (c.filter === 'refusal') expect(answer).toBeInstanceOf(OpenAI.BadRequestError);
    else expect((answer as OpenAI.ChatCompletion).choices[0]?.finish_reason).toBe('content_filter');
    expect(backup.stats.requests).toBe(before);
  });
});

describe('credentials', () => {
  it('a Bedrock request signed with the wrong secret is refused (403) as AWS does, and the next route serves', async () => {
    const cloud = await startMockUpstream(
      'cloud',
      { aws: { ...AWS, secretAccessKey: 'another-secret-key' } },
      0,
      'bedrock',
    );
    const backup = await startMockUpstream('backup');
    const gw = await startGateway(config(CASES[0]!, cloud, backup));
    try {
      const answer = await new OpenAI({
        apiKey: TENANT_KEY,
        baseURL: `${gw.url}/v1`,
        maxRetries: 0,
      }).chat.completions.create({
        model: 'claude-sonnet-4-6',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(answer.choices[0]?.message.content).toBe('Hello from backup.');
      expect(cloud.stats.requests).toBe(1);
      const row = (await liveRows(gw)).at(-1)!;
      expect(JSON.stringify(row.attempts)).toContain('403');
      // The secret is never sent, logged or recorded: only its HMAC travels.
      const everything = JSON.stringify([cloud.received, gw.logs, await liveRows(gw)]);
      expect(everything).not.toContain(AWS.secretAccessKey);
    } finally {
      await gw.close();
      await Promise.all([cloud.close(), backup.close()]);
    }
  });
});

describe("Gemini 3's thought signatures", () => {
  it('ride in the tool-call id and go back beside their call, as Gemini 3 requires', async () => {
    const { geminiFormat } = await import('../src/gateway/formats/gemini/gemini-format.js');
    const answer = geminiFormat.readAnswer(
      'chat',
      JSON.stringify({
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnLTE=' }],
            },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 3 },
      }),
    );
    const call = answer.choices[0].message.tool_calls[0];
    const next = geminiFormat.buildCall(
      'chat',
      {
        model: 'gemini-3-pro',
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: '18°C' },
        ],
      },
      'gemini-3-pro',
      'k',
    );
    const contents = (JSON.parse(next.body) as { contents: { parts: Record<string, unknown>[] }[] }).contents;
    expect(contents[1]!.parts[0]).toEqual({
      functionCall: { id: 'call_0', name: 'get_weather', args: { city: 'Paris' } },
      thoughtSignature: 'c2lnLTE=',
    });
    expect(contents[2]!.parts[0]).toMatchObject({ functionResponse: { id: 'call_0', name: 'get_weather' } });
  });
});
