import OpenAI from 'openai';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { freshGatewayPerTest, KEYS, streamedText } from './helpers/gateway-fixture.js';

// Faults: what reaches which upstream when routes fail, and what the caller sees.
const env = freshGatewayPerTest();

const chat = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    model: 'gpt-5',
    messages: [{ role: 'user', content: 'Patient John, DOB 1970-01-01: summarise the chart.' }],
    ...extra,
  });
async function post(body: string, headers: Record<string, string> = {}, path = '/v1/chat/completions') {
  const res = await request(`${env.gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}`, ...headers },
    body,
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as { error: { message: string; type: string; code: string; param: string | null } },
  };
}
const offPremBytes = () => env.mocks.aggregator.stats.bytes + env.mocks.direct.stats.bytes;

describe('phi stays on-prem when on-prem fails', () => {
  it('on-prem down → 502, and not one byte to any other upstream', async () => {
    await env.mocks.onprem.close();
    const r = await post(chat(), { 'x-switchyard-tags': 'phi' });
    expect(r.status).toBe(502);
    expect(r.json().error.code).toBe('upstream_failed');
    expect(r.json().error.message).toContain('onprem connect');
    expect(offPremBytes()).toBe(0);
  });

  it('on-prem slow (no first byte within its timeout) → 502, zero bytes elsewhere', async () => {
    env.mocks.onprem.behave({ delayMs: 1500 });
    const r = await post(chat(), { 'x-switchyard-tags': 'phi' });
    expect(r.status).toBe(502);
    expect(r.json().error.message).toContain('onprem timeout');
    expect(offPremBytes()).toBe(0);
  });

  it('on-prem 500 → 502, zero bytes elsewhere', async () => {
    env.mocks.onprem.behave({ status: 500 });
    const r = await post(chat({ stream: true }), { 'x-switchyard-tags': 'phi' });
    expect(r.status).toBe(502);
    expect(r.json().error.message).toContain('onprem 500');
    expect(offPremBytes()).toBe(0);
  });

  it('on-prem resets mid-stream → the stream ends with an error event, zero bytes elsewhere', async () => {
    // A pause between chunks, so the reset comes after bytes have reached the caller.
    env.mocks.onprem.behave({ resetAfterChunks: 3, chunkDelayMs: 20, reply: 'one two three four five six' });
    const r = await post(chat({ stream: true }), { 'x-switchyard-tags': 'phi' });
    expect(r.status).toBe(200);
    expect(r.headers['x-switchyard-route']).toBe('onprem');
    const events = r.text.trim().split('\n\n');
    expect(events.at(-1)).toContain('"code":"upstream_stream_error"');
    expect(r.text).not.toContain('[DONE]');
    expect(offPremBytes()).toBe(0);
  });

  it('with on-prem circuit open → 503 routes_unavailable (not no_eligible_route) without trying anything', async () => {
    await env.mocks.onprem.close();
    for (let i = 0; i < 5; i++) await post(chat(), { 'x-switchyard-tags': 'phi' });
    const r = await post(chat(), { 'x-switchyard-tags': 'phi' });
    expect(r.status).toBe(503);
    expect(r.json().error.code).toBe('routes_unavailable');
    expect(offPremBytes()).toBe(0);
  });

  it('the clinic tenant is phi by default: same guarantee without any header', async () => {
    env.mocks.onprem.behave({ status: 503 });
    const r = await post(chat(), { authorization: `Bearer ${KEYS.clinic}` });
    expect(r.status).toBe(502);
    expect(offPremBytes()).toBe(0);
  });
});

describe('timeouts and readiness', () => {
  it('a stream that goes quiet longer than the route idle timeout ends with an error event', async () => {
    // The on-prem route's idle_ms is 300; a 600 ms gap between chunks trips it after the stream started.
    env.mocks.onprem.behave({ chunkDelayMs: 600, reply: 'one two three' });
    const r = await post(chat({ stream: true }), { 'x-switchyard-tags': 'phi' });
    expect(r.status).toBe(200);
    expect(r.text).toContain('"code":"upstream_stream_error"');
    expect(offPremBytes()).toBe(0);
  });

  it('/ready turns 503 when every route circuit is open', async () => {
    expect((await request(`${env.gw.url}/ready`)).statusCode).toBe(200);
    await Promise.all(Object.values(env.mocks).map((m) => m.close()));
    for (let i = 0; i < 5; i++) {
      await post(chat({ messages: [{ role: 'user', content: 'hi' }] }));
      await post(chat(), { 'x-switchyard-tags': 'phi' });
    }
    const ready = await request(`${env.gw.url}/ready`);
    expect(ready.statusCode).toBe(503);
    expect(await ready.body.json()).toMatchObject({ status: 'no_healthy_route', routes_healthy: 0, routes_total: 3 });
  });
});

describe('failover within the decision', () => {
  it('direct down → served by the aggregator, and the headers say so', async () => {
    await env.mocks.direct.close();
    const r = await post(chat({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(r.status).toBe(200);
    expect(r.headers['x-switchyard-route']).toBe('agg');
    expect(r.headers['x-switchyard-model']).toBe('openai/gpt-5');
  });

  it('direct 429 and stream → the aggregator streams it', async () => {
    env.mocks.direct.behave({ status: 429 });
    const r = await post(chat({ stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    expect(r.headers['x-switchyard-route']).toBe('agg');
    expect(streamedText(r.text)).toBe('Hello from aggregator.');
    expect(r.text.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('every route failing → 502 naming each attempt', async () => {
    env.mocks.direct.behave({ status: 500 });
    env.mocks.aggregator.behave({ status: 502 });
    const r = await post(chat({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(r.status).toBe(502);
    expect(r.json().error.message).toMatch(/All 2 allowed routes failed: direct 500 \(\d+ ms\); agg 502/);
  });

  it('a route whose key the upstream refuses (401) fails over like a broken one', async () => {
    env.mocks.direct.behave({ status: 401, errorMessage: 'Incorrect API key provided' });
    const r = await post(chat({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(r.status).toBe(200);
    expect(r.headers['x-switchyard-route']).toBe('agg');
  });

  it('an upstream 400 is the caller’s problem: passed back, no failover', async () => {
    env.mocks.direct.behave({ status: 400 });
    const r = await post(chat({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(r.status).toBe(400);
    expect(r.json().error.code).toBe('upstream_rejected');
    expect(env.mocks.aggregator.stats.requests).toBe(0);
  });
});

describe('bad input', () => {
  it.each([
    ['malformed JSON', '{"model": "gpt-5", ', {}, 400, 'invalid_request', null],
    [
      'wrong type',
      JSON.stringify({ model: 5, messages: [{ role: 'user', content: 'hi' }] }),
      {},
      400,
      'invalid_request',
      'model',
    ],
    ['missing messages', JSON.stringify({ model: 'gpt-5' }), {}, 400, 'invalid_request', 'messages'],
    ['empty messages', JSON.stringify({ model: 'gpt-5', messages: [] }), {}, 400, 'invalid_request', 'messages'],
    [
      'unknown model',
      JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
      {},
      404,
      'model_not_found',
      'model',
    ],
    ['bad key', chat(), { authorization: 'Bearer sk-wrong' }, 401, 'invalid_api_key', null],
    ['no key', chat(), { authorization: '' }, 401, 'invalid_api_key', null],
    ['bad SLO header', chat(), { 'x-switchyard-slo-ms': 'soon' }, 400, 'invalid_request', 'x-switchyard-slo-ms'],
    [
      'huge body',
      chat({ messages: [{ role: 'user', content: 'x'.repeat(100_000) }] }),
      {},
      413,
      'request_too_large',
      null,
    ],
    ['policy deny', chat({ max_tokens: 50_000 }), {}, 403, 'max_tokens_too_large', null],
  ])('%s', async (_name, body, headers, status, code, param) => {
    const r = await post(body, headers as Record<string, string>);
    expect(r.status).toBe(status);
    const e = r.json().error;
    expect(e.code).toBe(code);
    expect(e.param).toBe(param);
    expect(e.message).toMatch(/\S/);
    expect(e.message).not.toMatch(/at .*\.(js|ts):\d+/);
    expect(r.headers['x-request-id']).toBeDefined();
  });

  it('unknown endpoint → 404 in OpenAI shape', async () => {
    const r = await post('{}', {}, '/v1/completions-legacy');
    expect(r.status).toBe(404);
    expect(r.json().error.type).toBe('not_found_error');
  });
});

describe('the caller hanging up', () => {
  it('mid-stream cancels the upstream request', async () => {
    env.mocks.direct.behave({ chunkDelayMs: 100, reply: 'a '.repeat(200) });
    const client = new OpenAI({ baseURL: `${env.gw.url}/v1`, apiKey: KEYS.acme, maxRetries: 0 });
    const controller = new AbortController();
    const closed = env.mocks.direct.nextEarlyClose();
    const stream = await client.chat.completions.create(
      { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    let chunks = 0;
    for await (const _ of stream) {
      if (++chunks === 2) {
        controller.abort();
        break;
      }
    }
    await closed;
    expect(chunks).toBe(2);
    expect(env.mocks.direct.stats.closedEarly).toBe(1);
  });
});

describe('secrets', () => {
  it('no key appears in logs, error messages or response headers, and no prompt text in logs', async () => {
    // An upstream that echoes its key back in an error must not leak it to the caller.
    env.mocks.direct.behave({ status: 400, errorMessage: `Invalid request for key ${KEYS.direct}` });
    const r1 = await post(chat());
    expect(r1.json().error.message).toContain('[redacted]');
    const r2 = await post(chat({ stream: true }), { 'x-switchyard-tags': 'phi' });
    const r3 = await post(chat(), { authorization: `Bearer ${KEYS.acme}x` });
    const everything = [
      ...env.gw.logs,
      r1.text,
      r2.text,
      r3.text,
      JSON.stringify(r1.headers),
      JSON.stringify(r2.headers),
    ].join('\n');
    for (const secret of [KEYS.acme, KEYS.clinic, KEYS.aggregator, KEYS.direct])
      expect(everything).not.toContain(secret);
    expect(env.gw.logs.join('\n')).not.toContain('Patient John');
    expect(env.gw.logs.some((l) => l.includes('"msg":"request"'))).toBe(true);
  });
});

describe('the per-request log line', () => {
  it('log.request_lines: false keeps it off stdout (the decision log still has the request)', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { writeGatewayConfig, startGateway } = await import('./helpers/gateway-fixture.js');
    const path = writeGatewayConfig(env.mocks);
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        'log: { dir: log, roll_seconds: 3600 }',
        'log: { dir: log, roll_seconds: 3600, request_lines: false }',
      ),
    );
    const quiet = await startGateway(path);
    try {
      const res = await request(`${quiet.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
        body: chat(),
      });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
      expect(quiet.logs.some((l) => l.includes('"msg":"request"'))).toBe(false);
      const rows = await (quiet.deps.sink as unknown as { liveRows(): Promise<unknown[]> }).liveRows();
      expect(rows).toHaveLength(1);
    } finally {
      await quiet.close();
    }
  });
});

describe('a decision log that falls behind', () => {
  it('shows its backlog in /metrics; past log.max_backlog_rows proxy requests get 503 log_backlog, and pass again when it catches up', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { writeGatewayConfig, ENV } = await import('./helpers/gateway-fixture.js');
    const { loadConfig } = await import('../src/config/load-config.js');
    const { createDefaultDeps } = await import('../src/gateway/gateway-deps.js');
    const { buildApp } = await import('../src/gateway/build-app.js');
    const path = writeGatewayConfig(env.mocks);
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        'log: { dir: log, roll_seconds: 3600 }',
        'log: { dir: log, roll_seconds: 3600, max_backlog_rows: 1000 }',
      ),
    );
    const loaded = await loadConfig(path, { env: ENV, requireSecrets: true });
    const deps = await createDefaultDeps(loaded);
    // The real writer, its backlog as a stalled disk would leave it.
    let behind = 0;
    const sink = deps.sink;
    const app = buildApp(
      loaded,
      {
        ...deps,
        sink: {
          record: (row) => sink.record(row),
          backlog: () => sink.backlog() + behind,
          problem: () => sink.problem(),
          liveRows: () => sink.liveRows(),
          close: () => sink.close(),
        },
      },
      { logger: false },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const ask = async () => {
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
        body: chat(),
      });
      return {
        status: res.statusCode,
        retryAfter: res.headers['retry-after'],
        body: (await res.body.json()) as { error?: { code: string; type: string } },
      };
    };
    const gauge = async () =>
      Number(/^switchyard_log_backlog_rows (\S+)$/m.exec(await (await request(`${url}/metrics`)).body.text())?.[1]);
    try {
      expect((await ask()).status).toBe(200);
      behind = 5000;
      expect(await gauge()).toBeGreaterThanOrEqual(5000);
      expect(await ask()).toMatchObject({
        status: 503,
        retryAfter: '1',
        body: { error: { code: 'log_backlog', type: 'service_unavailable' } },
      });
      behind = 0;
      expect((await ask()).status).toBe(200);
      // The refused request is in the log too: nothing the gateway answered goes unrecorded.
      expect((await sink.liveRows()).map((r) => r.error_code)).toEqual([null, 'log_backlog', null]);
    } finally {
      await app.close();
    }
  });
});
