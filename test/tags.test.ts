import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

// Tags a caller sends are checked against the config: a tag it does not define is refused, a level name is
// that level, and whatever the spelling, nothing marked sensitive reaches an off-prem route.
const STRICT_KEY = 'sk-test-strict-0123456789abcdef';
let mocks: Mocks;
let gw: RunningGateway;
beforeAll(async () => {
  mocks = await startMocks();
  gw = await startGateway(
    writeGatewayConfig(
      mocks,
      `  - { id: strict, api_keys: ["sha256:${hashApiKey(STRICT_KEY)}"], accept_header_tags: false }`,
    ),
  );
});
afterAll(async () => {
  await gw.close();
  await closeMocks(mocks);
});
let offPremBytes = 0;
beforeEach(() => {
  offPremBytes = mocks.aggregator.stats.bytes + mocks.direct.stats.bytes;
});
const offPremSince = () => mocks.aggregator.stats.bytes + mocks.direct.stats.bytes - offPremBytes;

async function send(tags: string, key: string = KEYS.acme) {
  const res = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    // The header's bytes are the tags' UTF-8, as a client writes them (undici takes header values as latin1).
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      'x-switchyard-tags': Buffer.from(tags, 'utf8').toString('latin1'),
    },
    body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'patient Jane Doe, DOB 1980-02-03' }] }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    route: res.headers['x-switchyard-route'],
    json:
      res.statusCode === 200
        ? undefined
        : (JSON.parse(text) as { error: { code: string; param: string; message: string } }),
  };
}

describe('header tags', () => {
  it.each([
    ['a level name', 'restricted', 'onprem'],
    ['full-width letters', 'ｐｈｉ', 'onprem'],
    ['a zero-width space after the tag', 'phi\u200b', 'onprem'],
    ['upper case', 'PHI', 'onprem'],
    ['tags separated by spaces', 'phi pii', 'onprem'],
    ['a level name below restricted', 'confidential', 'direct'],
  ])('%s (%j) is understood: served by %s', async (_name, tags, route) => {
    const r = await send(tags);
    expect(r.status).toBe(200);
    expect(r.route).toBe(route);
    if (route === 'onprem') expect(offPremSince()).toBe(0);
  });

  it.each([
    ['a semicolon-joined pair', 'phi;pii'],
    ['a spelled-out tag', 'p h i'],
    ['a typo', 'pih'],
  ])('%s (%j) is refused with unknown_tag, listing the known tags, and nothing goes upstream', async (_name, tags) => {
    const r = await send(tags);
    expect(r.status).toBe(400);
    expect(r.json?.error).toMatchObject({ code: 'unknown_tag', param: 'x-switchyard-tags' });
    expect(r.json?.error.message).toContain('phi');
    expect(offPremSince()).toBe(0);
  });

  it('a tenant that refuses header tags gets a 400 for any, and is served on its own terms without', async () => {
    expect((await send('phi', STRICT_KEY)).json?.error.code).toBe('header_tags_refused');
    const res = await request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${STRICT_KEY}` },
      body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
  });

  it('tags a rule gives meaning to are known too (patient, from the default policy)', async () => {
    const r = await send('patient');
    expect(r.status).toBe(200);
    expect(r.route).toBe('onprem');
  });
});
