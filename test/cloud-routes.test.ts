import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { tempDir } from './helpers/hermetic.js';
import { ADMIN_KEY, startGateway } from './helpers/gateway-fixture.js';

// What cloud routes add to the planner's promises: a route's region is residency (an EU tenant never reaches a US
// Bedrock route, whatever fails), and Azure's Entra ID tokens come from the environment's identity.
const TENANT_KEY = 'sk-test-cloud-routes-0123456789';
const ENTRA_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra-token-for-tests';

process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const closing: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closing.reverse()) await close();
});

function writeConfig(name: string, body: string): string {
  const path = join(tempDir(`switchyard-${name}`), 'switchyard.yaml');
  writeFileSync(path, `server: { admin_key: ${ADMIN_KEY} }\nlog: { dir: log, roll_seconds: 3600 }\n${body}`);
  return path;
}

const client = (url: string) => new OpenAI({ apiKey: TENANT_KEY, baseURL: `${url}/v1`, maxRetries: 0 });

describe('region is residency', () => {
  it('an EU tenant with its EU Azure route down gets an error, and the US Bedrock route receives 0 bytes', async () => {
    const azureEu = await startMockUpstream('azure-eu', { status: 503 }, 0, 'azure-openai');
    const bedrockUs = await startMockUpstream('bedrock-us', {}, 0, 'bedrock');
    closing.push(azureEu.close, bedrockUs.close);
    const gw = await startGateway(
      writeConfig(
        'residency',
        `routes:
  - { id: azure-eu, kind: direct, format: azure-openai, base_url: "${azureEu.url.replace(/\/v1$/, '')}", api_key: azure-key, region: eu, clearance: confidential, models: [gpt-5-mini] }
  - { id: bedrock-us, kind: direct, format: bedrock, base_url: "${bedrockUs.url}", region: us-east-1, clearance: confidential, models: { gpt-5-mini: us.anthropic.claude-haiku-4-5-20251001-v1:0 } }
tenants:
  - { id: eu-clinic, api_keys: ["sha256:${hashApiKey(TENANT_KEY)}"], regions: [eu] }
`,
      ),
    );
    closing.push(gw.close);
    const failed = await client(gw.url)
      .chat.completions.create({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((err: unknown) => err as InstanceType<typeof OpenAI.APIError>);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect(azureEu.stats.requests).toBeGreaterThan(0);
    expect(bedrockUs.stats.bytes).toBe(0);

    // The same with the EU route up: served there, still nothing to the US.
    azureEu.behave({});
    const answer = await client(gw.url).chat.completions.create({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBe('Hello from azure-eu.');
    expect(bedrockUs.stats.bytes).toBe(0);
  });
});

/** Azure App Service's managed-identity endpoint on loopback (what `IDENTITY_ENDPOINT` names there). */
async function startIdentityEndpoint(): Promise<{ server: Server; url: string; asked: () => number }> {
  let asked = 0;
  const server = createServer((req, res) => {
    if (req.headers['x-identity-header'] !== 'identity-header-secret') return void res.writeHead(401).end();
    asked++;
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        access_token: ENTRA_TOKEN,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`, asked: () => asked };
}

describe('Azure OpenAI with auth: entra', () => {
  it("sends the managed identity's token as a bearer, no api-key, and asks for it once", async () => {
    const identity = await startIdentityEndpoint();
    closing.push(() => new Promise((resolve) => identity.server.close(resolve)));
    process.env.IDENTITY_ENDPOINT = identity.url;
    process.env.IDENTITY_HEADER = 'identity-header-secret';
    const azure = await startMockUpstream('azure', {}, 0, 'azure-openai');
    closing.push(azure.close);
    const gw = await startGateway(
      writeConfig(
        'entra',
        `routes:
  - { id: azure, kind: direct, format: azure-openai, auth: entra, base_url: "${azure.url.replace(/\/v1$/, '')}", api_version: 2024-10-21, clearance: confidential, models: { gpt-5-mini: mini-prod } }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(TENANT_KEY)}"] }
`,
      ),
    );
    closing.push(gw.close);
    for (let i = 0; i < 2; i++) {
      const answer = await client(gw.url).chat.completions.create({
        model: 'gpt-5-mini',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(answer.choices[0]?.message.content).toBe('Hello from azure.');
    }
    const sent = azure.received.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${ENTRA_TOKEN}`);
    expect(sent.headers['api-key']).toBeUndefined();
    expect(sent.path).toBe('/openai/deployments/mini-prod/chat/completions?api-version=2024-10-21');
    expect(identity.asked()).toBe(1);
  });
});

describe('secrets in what an upstream says back', () => {
  it("AWS temporary key ids, OAuth and Entra tokens, and a signature error's canonical request are withheld", async () => {
    const { redactSecrets } = await import('../src/gateway/relay/redact.js');
    const said =
      'The request signature we calculated does not match. ASIAIOSFODNN7EXAMPLE ya29.a0AfH6SMBx-token ' +
      'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl\n\n' +
      'The Canonical String for this request should have been\nPOST\nx-amz-security-token:IQoJb3JpZ2luX2VjE';
    const out = redactSecrets(said, []);
    expect(out).toContain('The request signature we calculated does not match.');
    for (const secret of ['ASIAIOSFODNN7EXAMPLE', 'ya29.', 'eyJ0eXAi', 'IQoJb3JpZ2luX2VjE'])
      expect(out).not.toContain(secret);
  });

  it("Vertex's global location is the bare endpoint", async () => {
    const { applyProviderPresets } = await import('../src/config/provider-presets.js');
    const raw = applyProviderPresets({ routes: [{ id: 'v', provider: 'vertex', region: 'global' }] }) as {
      routes: { base_url: string }[];
    };
    expect(raw.routes[0]!.base_url).toBe('https://aiplatform.googleapis.com');
  });
});

describe('config checks for cloud routes', () => {
  it.each([
    ['a Bedrock route with no region', 'format: bedrock, region: [eu-west-1, eu-central-1]', /one AWS region/],
    ['a Vertex route with no project', 'format: vertex, region: europe-west4', /needs its Google Cloud project/],
    ['auth aws on an OpenAI route', 'auth: aws, region: us-east-1', /'aws' does not sign openai requests/],
  ])('%s is refused at load, naming the field', async (_name, fields, message) => {
    const upstream: MockUpstream = await startMockUpstream('x');
    closing.push(upstream.close);
    const path = writeConfig(
      'cloud-checks',
      `routes:
  - { id: cloud, kind: direct, ${fields}, base_url: "${upstream.url}", clearance: confidential, models: [m] }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(TENANT_KEY)}"] }
`,
    );
    await expect(startGateway(path)).rejects.toThrow(message);
  });
});
