import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { tempDir } from './helpers/hermetic.js';
import {
  closeMocks,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';

const T0 = Date.UTC(2026, 10, 30, 12, 0, 15);

describe('rate limits at the gateway', () => {
  const KEY = 'sk-test-limited-0123456789abcdef';
  let mocks: Mocks;
  let gw: RunningGateway;
  beforeAll(async () => {
    mocks = await startMocks();
    gw = await startGateway(
      writeGatewayConfig(
        mocks,
        `  - { id: limited, api_keys: ["sha256:${hashApiKey(KEY)}"], limits: { rpm: 4, concurrent: 2 } }`,
      ),
      undefined,
      { now: () => T0 },
    );
  });
  afterAll(async () => {
    await gw.close();
    await closeMocks(mocks);
  });
  const send = () =>
    request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('a third request in flight is refused with 429 rate_limited and retry-after; the minute allows four', async () => {
    mocks.direct.behave({ delayMs: 300 });
    const [a, b, c] = await Promise.all([send(), send(), send()]);
    const statuses = [a, b, c].map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const refused = [a, b, c].find((r) => r.statusCode === 429)!;
    expect(refused.headers['retry-after']).toBe('1');
    expect(((await refused.body.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    await Promise.all([a, b, c].map((r) => r.body.dump()));
    mocks.direct.behave({});
    // Two admitted so far this minute; two more fit, the fifth does not (45 s to the next minute).
    for (let i = 0; i < 2; i++) {
      const ok = await send();
      await ok.body.dump();
      expect(ok.statusCode).toBe(200);
    }
    const fifth = await send();
    expect(fifth.statusCode).toBe(429);
    expect(fifth.headers['retry-after']).toBe('45');
    await fifth.body.dump();
  });
});

describe("route rate limits at the gateway (the upstream account's own limits)", () => {
  const KEY = 'sk-test-routes-0123456789abcdef';
  let mocks: Mocks;
  let gw: RunningGateway;
  let now = T0;
  beforeAll(async () => {
    mocks = await startMocks();
    const config = join(tempDir('switchyard-route-limits'), 'switchyard.yaml');
    writeFileSync(
      config,
      `
log: { dir: log, roll_seconds: 3600 }
routes:
  - { id: agg, kind: aggregator, base_url: "${mocks.aggregator.url}", api_key: "\${AGG_KEY}", clearance: internal, models: { gpt-5-mini: openai/gpt-5-mini }, pricing: { fee_percent: 5.5 } }
  - { id: direct, kind: direct, base_url: "${mocks.direct.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5-mini], limits: { rpm: 2 } }
tenants:
  - { id: t, api_keys: ["sha256:${hashApiKey(KEY)}"] }
`,
    );
    gw = await startGateway(config, undefined, { now: () => now });
  });
  afterAll(async () => {
    await gw.close();
    await closeMocks(mocks);
  });
  const body = JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
  const servedBy = async () => {
    const res = await request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    return res.headers['x-switchyard-route'];
  };
  const explained = async () =>
    (
      (await (await request(`${gw.url}/v1/route/explain`, { method: 'POST', headers, body })).body.json()) as {
        excluded: { route: string; reason: string; detail: string }[];
      }
    ).excluded;

  it('a route at its rpm limit is skipped (rate_limit) for the next one, then planned around until its minute ends', async () => {
    expect([await servedBy(), await servedBy()]).toEqual(['direct', 'direct']);
    // The third finds direct at its limit as it is about to be sent: the aggregator serves, direct saw nothing.
    expect(await servedBy()).toBe('agg');
    expect(mocks.direct.stats.requests).toBe(2);
    // From now on the planner leaves direct out, and says why.
    expect(await explained()).toContainEqual({
      route: 'direct',
      kind: 'direct',
      reason: 'rate_limit',
      detail: 'at its rpm limit this minute',
    });
    expect(await servedBy()).toBe('agg');
    now = T0 + 45_000;
    expect(await explained()).toEqual([]);
    expect(await servedBy()).toBe('direct');
    expect(mocks.direct.stats.requests).toBe(3);
  });
});
