import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
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

// What an attacker or a broken upstream sends, against a real gateway on loopback: every bad input is a
// 4xx in the caller's shape (with a log row once the caller is known), every broken upstream a failed
// route, and no caller can open another tenant's circuit.
const OTHER_KEY = 'sk-test-other-0123456789abcdef';
const METRICS_KEY = 'metrics-key-for-tests-0123456789';
let mocks: Mocks;
let gw: RunningGateway;

beforeAll(async () => {
  mocks = await startMocks();
  const dir = tempDir('switchyard-hostile');
  const config = join(dir, 'switchyard.yaml');
  writeFileSync(
    config,
    `
server: { admin_key: ${ADMIN_KEY}, metrics_key: ${METRICS_KEY}, request_timeout_ms: 1000, max_upstream_body_bytes: 65536, body_limit_bytes: 2000000 }
log: { dir: log, roll_seconds: 3600 }
routes:
  - id: open
    kind: aggregator
    base_url: ${mocks.aggregator.url}
    clearance: internal
    models: "*"
    pricing: { models: { "*": { input_per_mtok: 1, output_per_mtok: 2 } } }
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000, total_ms: 1500 }
  - id: claude
    kind: direct
    format: anthropic
    base_url: ${mocks.direct.url}
    clearance: confidential
    models: [claude-sonnet-4-6]
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(KEYS.acme)}"] }
  - { id: other, api_keys: ["sha256:${hashApiKey(OTHER_KEY)}"] }
`,
  );
  // A circuit that opens after 5 consecutive failures: five bad requests from a caller must not open it.
  gw = await startGateway(config, {
    consecutiveFailures: 5,
    errorRate: 1.1,
    window: 20,
    minAttempts: 100,
    cooldownMs: 60_000,
  });
});
afterAll(async () => {
  await gw.close();
  await closeMocks(mocks);
});
beforeEach(() => {
  mocks.aggregator.behave({});
  mocks.direct.behave({});
});

const post = (
  body: unknown,
  key: string = KEYS.acme,
  path = '/v1/chat/completions',
  headers: Record<string, string> = {},
) =>
  request(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const hi = [{ role: 'user', content: 'hi' }];
async function errorOf(res: Awaited<ReturnType<typeof post>>) {
  const text = await res.body.text();
  return {
    status: res.statusCode,
    text,
    body: JSON.parse(text) as { error: { code?: string; param?: string | null; message: string; type: string } },
  };
}
async function loggedStatus(requestId: string): Promise<unknown> {
  const rows = await gw.deps.sink.liveRows();
  return rows.find((r) => r.request_id === requestId)?.status;
}

describe('model names and other echoed strings', () => {
  it('a control character in a model name is 400 every time, and the shared route stays up for another tenant', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await post({ model: 'evil\u0001model', messages: hi });
      const { status, body } = await errorOf(res);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_request', param: 'model' });
    }
    const res = await post({ model: 'gpt-5-mini', messages: hi }, OTHER_KEY);
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-switchyard-route']).toBe('open');
  });

  it('a model name past 256 characters is 400, and is not echoed back', async () => {
    const res = await post({ model: 'm'.repeat(1_000_000), messages: hi });
    const { status, text, body } = await errorOf(res);
    expect(status).toBe(400);
    expect(body.error.param).toBe('model');
    expect(text.length).toBeLessThan(1000);
    expect(await loggedStatus(String(res.headers['x-request-id']))).toBe(400);
  });

  it('tags must be short words', async () => {
    const { status, body } = await errorOf(
      await post({ model: 'gpt-5-mini', messages: hi }, KEYS.acme, '/v1/chat/completions', {
        'x-switchyard-tags': `ok,${'t'.repeat(100)}`,
      }),
    );
    expect(status).toBe(400);
    expect(body.error.param).toBe('x-switchyard-tags');
  });
});

describe('bodies the translators would choke on', () => {
  it('JSON nested 10,000 deep is a 400 with a log row, not a 500', async () => {
    const res = await post(`{"model":"gpt-5-mini","messages":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    const { status, body } = await errorOf(res);
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/deeper than 64 levels/);
    expect(await loggedStatus(String(res.headers['x-request-id']))).toBe(400);
  });

  it.each([
    ['tools that are not a list', { tools: 'abc' }, 'tools'],
    [
      'a tool call without id or function',
      { messages: [{ role: 'assistant', content: null, tool_calls: [{}] }, ...hi] },
      'messages[0].tool_calls[0].id',
    ],
    [
      'an image part without its URL',
      { messages: [{ role: 'user', content: [{ type: 'image_url' }] }] },
      'messages[0].content[0].image_url',
    ],
  ])('%s, to an Anthropic route, is a 400 naming the field', async (_name, over, param) => {
    const res = await post({ model: 'claude-sonnet-4-6', messages: hi, ...over });
    const { status, body } = await errorOf(res);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_request', param });
    expect(await loggedStatus(String(res.headers['x-request-id']))).toBe(400);
    expect(mocks.direct.stats.requests).toBe(0);
  });

  it('an Anthropic image block without its source is a 400 in Anthropic shape', async () => {
    const res = await request(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEYS.acme },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'image' }] }],
      }),
    });
    const body = (await res.body.json()) as { type: string; error: { type: string; message: string } };
    expect(res.statusCode).toBe(400);
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(body.error.message).toContain('messages[0].content[0].source');
  });
});

/** Writes raw bytes to the gateway and reads what comes back until it closes the connection. */
function raw(bytes: string, holdOpen = false): Promise<string> {
  const port = Number(new URL(gw.url).port);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => (holdOpen ? socket.write(bytes) : socket.end(bytes)));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('HTTP the parser refuses, in OpenAI shape', () => {
  it.each([
    [
      'Content-Length with Transfer-Encoding',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'malformed_http',
    ],
    [
      'two Content-Lengths',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      400,
      'malformed_http',
    ],
    [
      'a 64 KB header',
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(65_536)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
  ])('%s → %i', async (_name, bytes, status, code) => {
    const answer = await raw(bytes);
    expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: { code, type: 'invalid_request_error' },
    });
  });

  it('a body sent too slowly is cut at server.request_timeout_ms with a 408', async () => {
    const answer = await raw(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${KEYS.acme}\r\nContent-Length: 100\r\n\r\n{"model":`,
      true,
    );
    expect(answer.startsWith('HTTP/1.1 408 ')).toBe(true);
    expect(answer).toContain('"code":"request_timeout"');
  });
});

describe('upstreams that misbehave', () => {
  it.each([false, true])(
    'a non-streamed answer past server.max_upstream_body_bytes fails the route (502), unbuffered (Content-Length sent: %s)',
    async (declareLength) => {
      mocks.aggregator.behave({ padBytes: 1_000_000, declareLength });
      const { status, body } = await errorOf(await post({ model: 'gpt-5-mini', messages: hi }));
      expect(status).toBe(502);
      expect(body.error.message).toContain('open too_large');
    },
  );

  it('an answer slower than the route total deadline fails the route (502)', async () => {
    mocks.aggregator.behave({ delayMs: 1800 });
    const { status, body } = await errorOf(await post({ model: 'gpt-5-mini', messages: hi }));
    expect(status).toBe(502);
    expect(body.error.message).toContain('open deadline');
  });

  it('a stream that trickles past the total deadline ends with an error event, billed for what was relayed', async () => {
    mocks.aggregator.behave({ chunkDelayMs: 100, reply: 'word '.repeat(40) });
    const res = await post({ model: 'gpt-5-mini', messages: hi, stream: true });
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(text).toContain('"code":"upstream_stream_error"');
    const rows = await gw.deps.sink.liveRows();
    const row = rows.find((r) => r.request_id === res.headers['x-request-id']);
    expect(row).toMatchObject({ error_code: 'upstream_stream_error', estimated: true });
    expect(Number(row?.output_tokens)).toBeGreaterThan(0);
  });

  it('a caller that reads part of a stream and hangs up is billed for what was relayed (499, estimated)', async () => {
    mocks.aggregator.behave({ chunkDelayMs: 10, reply: 'word '.repeat(40) });
    const closed = mocks.aggregator.nextEarlyClose();
    const controller = new AbortController();
    const res = await request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OTHER_KEY}` },
      body: JSON.stringify({ model: 'gpt-5-mini', messages: hi, stream: true }),
    });
    const id = String(res.headers['x-request-id']);
    let events = 0;
    try {
      for await (const chunk of res.body) {
        events += String(chunk).split('\n\n').length - 1;
        if (events >= 20) controller.abort();
      }
    } catch (err) {
      expect((err as Error).name).toBe('AbortError');
    }
    await closed;
    // The row is written once the gateway has seen the hang-up: a bounded wait for it.
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 200 && !row; i++) {
      row = (await gw.deps.sink.liveRows()).find((r) => r.request_id === id);
      if (!row) await new Promise((r) => setTimeout(r, 10));
    }
    expect(row).toMatchObject({ status: 499, error_code: 'client_closed', estimated: true });
    expect(Number(row?.output_tokens)).toBeGreaterThanOrEqual(18);
    expect(Number(row?.output_tokens)).toBeLessThan(40);
    expect(Number(row?.cost_usd)).toBeGreaterThan(0);
    const spent = await gw.deps.ledger.snapshot('other', Date.now());
    expect(spent.dailyPico).toBeGreaterThan(0n);
  });

  it('a caller that hangs up while a non-streamed answer is coming: the upstream call is cut, 499, nothing billed', async () => {
    mocks.aggregator.behave({ delayMs: 1000 });
    const closed = mocks.aggregator.nextEarlyClose();
    const start = mocks.aggregator.stats.requests;
    const controller = new AbortController();
    const sent = request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OTHER_KEY}`, 'x-request-id': 'gone' },
      body: JSON.stringify({ model: 'gpt-5-mini', messages: hi }),
    });
    // Hung up once the upstream has the call.
    for (let i = 0; i < 200 && mocks.aggregator.stats.requests === start; i++)
      await new Promise((r) => setTimeout(r, 5));
    const before = mocks.aggregator.stats.requests;
    controller.abort();
    await expect(sent).rejects.toThrow();
    // The upstream sees its call closed before it answered: the gateway did not wait out the second.
    await closed;
    expect(mocks.aggregator.stats.requests).toBe(before);
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 200 && !row; i++) {
      row = (await gw.deps.sink.liveRows()).find((r) => r.caller_request_id === 'gone');
      if (!row) await new Promise((r) => setTimeout(r, 10));
    }
    expect(row).toMatchObject({ status: 499, error_code: 'client_closed' });
    expect(Number(row?.cost_usd)).toBe(0);
  });

  it('usage of 1e15 tokens is not believed: the answer is served and metered by estimate, flagged', async () => {
    mocks.aggregator.behave({ usage: { prompt_tokens: 1e15, completion_tokens: 1e15 } });
    for (const stream of [false, true]) {
      const res = await post({ model: 'gpt-5-mini', messages: hi, stream });
      await res.body.text();
      expect(res.statusCode).toBe(200);
      const row = (await gw.deps.sink.liveRows()).find((r) => r.request_id === res.headers['x-request-id']);
      expect(row).toMatchObject({ status: 200, estimated: true });
      expect(Number(row?.input_tokens)).toBeLessThan(100);
    }
  });
});

describe('the admin surface', () => {
  it('/metrics needs the metrics key (or the admin key) when one is set', async () => {
    const anon = await request(`${gw.url}/metrics`);
    expect(anon.statusCode).toBe(401);
    expect(((await anon.body.json()) as { error: { code: string } }).error.code).toBe('invalid_metrics_key');
    for (const key of [METRICS_KEY, ADMIN_KEY]) {
      const res = await request(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toContain('switchyard_requests_total');
    }
  });
});
