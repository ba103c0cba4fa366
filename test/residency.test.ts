import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import {
  ADMIN_KEY,
  closeMocks,
  KEYS,
  startGateway,
  startMocks,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';
import { tempDir } from './helpers/hermetic.js';
import { ROOT } from './helpers/run-cli.js';

// Data residency end to end: an EU tenant, and EU personal data from any tenant, are served by an EU
// aggregator or an EU on-prem route, or not at all — the US route never receives a byte of it.
const EU_KEY = 'sk-test-eu-clinic-0123456789abcdef';
let mocks: Mocks;
let gw: RunningGateway;
beforeAll(async () => {
  mocks = await startMocks();
  const config = join(tempDir('switchyard-residency'), 'switchyard.yaml');
  writeFileSync(
    config,
    `
server: { admin_key: ${ADMIN_KEY} }
log: { dir: log, roll_seconds: 3600 }
policies: [${join(ROOT, 'policies/default.rules.json')}]
residency: { eu-personal: [eu] }
routes:
  - { id: eu-agg, kind: aggregator, region: eu, base_url: "${mocks.aggregator.url}", api_key: "\${AGG_KEY}", clearance: internal, models: [gpt-5, gpt-5-mini], pricing: { fee_percent: 5.5 } }
  - { id: us-direct, kind: direct, region: us-east-1, base_url: "${mocks.direct.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5, gpt-5-mini] }
  - { id: eu-gpu, kind: onprem, region: eu-west-1, base_url: "${mocks.onprem.url}", clearance: restricted, models: { llama-3.3-70b: llama-3.3-70b-instruct }, pricing: { fixed_per_hour_usd: 2 } }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(KEYS.acme)}"] }
  - { id: eu-clinic, api_keys: ["sha256:${hashApiKey(EU_KEY)}"], regions: [eu] }
`,
  );
  gw = await startGateway(config);
});
afterAll(async () => {
  await gw.close();
  await closeMocks(mocks);
});
let usBytes = 0;
beforeEach(() => {
  mocks.aggregator.behave({});
  usBytes = mocks.direct.stats.bytes;
});

async function send(key: string, tags?: string) {
  const res = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      ...(tags ? { 'x-switchyard-tags': tags } : {}),
    },
    body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'Frau Müller, geboren 1980' }] }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

describe('data residency', () => {
  it('without a residency rule the cheapest route serves (here the US one)', async () => {
    const r = await send(KEYS.acme);
    expect(r.headers['x-switchyard-route']).toBe('us-direct');
    expect(r.headers['x-switchyard-residency']).toBeUndefined();
  });

  it('a tag that keeps data in the EU: the EU aggregator serves, the US route gets nothing', async () => {
    const r = await send(KEYS.acme, 'eu-personal');
    expect(r.status).toBe(200);
    expect(r.headers['x-switchyard-route']).toBe('eu-agg');
    expect(r.headers['x-switchyard-residency']).toBe('eu');
    expect(mocks.direct.stats.bytes).toBe(usBytes);
    const row = (await gw.deps.sink.liveRows()).find((x) => x.request_id === r.headers['x-request-id']);
    expect(row?.residency).toEqual(['eu']);
  });

  it('an EU tenant whose EU route is down gets a 502, never the US route', async () => {
    mocks.aggregator.behave({ status: 500 });
    const r = await send(EU_KEY);
    expect(r.status).toBe(502);
    expect(mocks.direct.stats.bytes).toBe(usBytes);
  });

  it('restricted EU data goes to the EU on-prem route', async () => {
    const r = await send(EU_KEY, 'phi');
    expect(r.headers['x-switchyard-route']).toBe('eu-gpu');
  });

  it('explain names the residency rule that excluded the US route', async () => {
    const res = await request(`${gw.url}/v1/route/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${EU_KEY}` },
      body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const d = (await res.body.json()) as {
      residency: string[];
      excluded: { route: string; reason: string; detail: string }[];
    };
    expect(d.residency).toEqual(['eu']);
    expect(d.excluded).toContainEqual({
      route: 'us-direct',
      kind: 'direct',
      reason: 'residency',
      detail: 'tenant eu-clinic keeps data in eu; this route is in us-east-1',
    });
  });
});
