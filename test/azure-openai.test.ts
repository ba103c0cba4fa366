import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { tempDir } from './helpers/hermetic.js';
import { ADMIN_KEY, startGateway, type RunningGateway } from './helpers/gateway-fixture.js';

// Azure OpenAI (`format: azure-openai`) against a mock that refuses what Azure refuses: no api-key, a deployment
// URL without api-version, a prompt its content filter blocks. The OpenAI SDK calls through the gateway.
const TENANT_KEY = 'sk-test-azure-tenant-0123456789';
const AZURE_KEY = 'azure-key-SECRET-0123456789abcdef'; // ENV's DIRECT_KEY is the fixture's; this one is inline

function config(azure: MockUpstream, backup: MockUpstream, apiVersion: string | undefined): string {
  const dir = tempDir('switchyard-azure');
  const path = join(dir, 'switchyard.yaml');
  writeFileSync(
    path,
    `server: { admin_key: ${ADMIN_KEY} }
log: { dir: log, roll_seconds: 3600 }
routes:
  - id: azure-eu
    kind: direct
    format: azure-openai
    base_url: ${azure.url.replace(/\/v1$/, '')}
    api_key: ${AZURE_KEY}
    ${apiVersion ? `api_version: ${apiVersion}` : ''}
    clearance: confidential
    models: { gpt-5-mini: ${apiVersion ? 'my-mini-deployment' : 'gpt-5-mini'} }
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000 }
  - id: backup
    kind: aggregator
    base_url: ${backup.url}
    clearance: confidential
    models: [gpt-5-mini]
    pricing: { fee_percent: 20 }
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000 }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(TENANT_KEY)}"] }
`,
  );
  return path;
}

describe.each([
  { name: 'a deployment URL with api-version', apiVersion: '2024-10-21' },
  { name: 'the v1 endpoint', apiVersion: undefined },
])('Azure OpenAI, $name', ({ apiVersion }) => {
  let azure: MockUpstream;
  let backup: MockUpstream;
  let gw: RunningGateway;
  let client: OpenAI;
  beforeAll(async () => {
    azure = await startMockUpstream('azure', {}, 0, 'azure-openai');
    backup = await startMockUpstream('backup');
    gw = await startGateway(config(azure, backup, apiVersion));
    client = new OpenAI({ apiKey: TENANT_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  beforeEach(() => {
    azure.behave({});
    backup.behave({});
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([azure.close(), backup.close()]);
  });

  it('answers through the OpenAI SDK at Azure path, with its api-key header and no bearer token', async () => {
    const answer = await client.chat.completions.create({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    const sent = azure.received.at(-1)!;
    expect(sent.path).toBe(
      apiVersion
        ? `/openai/deployments/my-mini-deployment/chat/completions?api-version=${apiVersion}`
        : '/openai/v1/chat/completions',
    );
    expect(sent.headers['api-key']).toBe(AZURE_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.model).toBe(apiVersion ? 'my-mini-deployment' : 'gpt-5-mini');
    expect(backup.stats.requests).toBe(0);
  });

  it('streams, with usage exact to the token in the SDK and in the decision log', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-5-mini',
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
    expect(text.length).toBeGreaterThan(0);
    const live = await request(`${gw.url}/admin/log/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const rows = ((await live.body.json()) as { rows: Record<string, unknown>[] }).rows;
    const row = rows.at(-1)!;
    expect([row.route, row.input_tokens, row.output_tokens]).toEqual([
      'azure-eu',
      usage?.prompt_tokens,
      usage?.completion_tokens,
    ]);
    expect(Number(row.cost_usd)).toBeGreaterThan(0);
  });

  it('a content-filter refusal reaches the caller as one, and is never retried on another route', async () => {
    azure.behave({ contentFilter: true });
    const refused = await client.chat.completions
      .create({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'something the filter blocks' }] })
      .catch((err: unknown) => err as InstanceType<typeof OpenAI.APIError>);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).message).toMatch(/content filter refused it/);
    expect(backup.stats.requests).toBe(0);
  });

  it('an outage (503) fails over to the next route', async () => {
    azure.behave({ status: 503 });
    const before = backup.stats.requests;
    const answer = await client.chat.completions.create({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices.length).toBe(1);
    expect(backup.stats.requests).toBe(before + 1);
  });
});
