import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import {
  closeMocks,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';

// An external analyzer that speaks Presidio's shape, as a real server: its entity types become tags through
// the config, and an analyzer that fails or hangs treats the request as restricted (fail closed) unless the
// config says fail_open.
const KEY = 'sk-test-analyzed-0123456789abcdef';
let presidio: Server;
let presidioUrl: string;
const received: { text: string; language: string }[] = [];
let mocks: Mocks;

beforeAll(async () => {
  presidio = createServer(async (req, res) => {
    let body = '';
    for await (const part of req) body += String(part);
    const { text, language } = JSON.parse(body) as { text: string; language: string };
    received.push({ text, language });
    if (text.includes('hang')) return; // never answers: the gateway's timeout decides
    if (req.url !== '/analyze' || text.includes('crash')) return void res.writeHead(500).end('boom');
    const found = text.includes('Jane Roe')
      ? [
          { entity_type: 'PERSON', start: 0, end: 8, score: 0.85 },
          { entity_type: 'US_SSN', start: 10, end: 21, score: 0.9 },
        ]
      : [];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found));
  });
  presidio.listen(0, '127.0.0.1');
  await once(presidio, 'listening');
  presidioUrl = `http://127.0.0.1:${(presidio.address() as AddressInfo).port}`;
  mocks = await startMocks();
});
afterAll(async () => {
  presidio.closeAllConnections();
  presidio.close();
  await closeMocks(mocks);
});

async function gatewayWith(analyzer: string): Promise<RunningGateway> {
  const config = writeGatewayConfig(
    mocks,
    `  - { id: analyzed, api_keys: ["sha256:${hashApiKey(KEY)}"], auto_tag: true }
sensitivity: { analyzer: ${analyzer} }`,
  );
  return startGateway(config);
}
async function route(gw: RunningGateway, content: string) {
  const res = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content }] }),
  });
  await res.body.dump();
  return res.headers['x-switchyard-route'];
}

describe('an external Presidio-compatible analyzer', () => {
  it('its entity types become tags: an SSN only it finds keeps the request on-prem', async () => {
    const gw = await gatewayWith(`{ url: "${presidioUrl}", timeout_ms: 500 }`);
    try {
      // Nothing here that the built-in detector finds: the analyzer's US_SSN alone decides.
      expect(await route(gw, 'Jane Roe asked about her file')).toBe('onprem');
      // It reads what the detector reads: every key and value of the body as sent (the model is the gateway's).
      expect(received.at(-1)).toEqual({
        text: 'messages:\nrole: user\ncontent: Jane Roe asked about her file',
        language: 'en',
      });
      // Nothing found: served as usual.
      expect(await route(gw, 'summarise the quarterly report')).toBe('direct');
    } finally {
      await gw.close();
    }
  });

  it.each([
    ['answers 500', 'please crash'],
    ['never answers', 'please hang'],
  ])('fails closed when it %s: the request is treated as restricted', async (_how, content) => {
    const gw = await gatewayWith(`{ url: "${presidioUrl}", timeout_ms: 300 }`);
    try {
      expect(await route(gw, content)).toBe('onprem');
    } finally {
      await gw.close();
    }
  });

  it('fails open only when the config says so', async () => {
    const gw = await gatewayWith(`{ url: "http://127.0.0.1:1", timeout_ms: 300, on_error: fail_open }`);
    try {
      expect(await route(gw, 'summarise the quarterly report')).toBe('direct');
    } finally {
      await gw.close();
    }
  });
});
