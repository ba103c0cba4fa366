import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { buildApp } from '../src/gateway/build-app.js';
import { createDefaultDeps } from '../src/gateway/gateway-deps.js';
import { closeMocks, ENV, KEYS, startMocks, writeGatewayConfig, type Mocks } from './helpers/gateway-fixture.js';

// The HTTP edge through fastify's inject(): no socket, the real app. Who may ask, and in which shape the
// answer comes back.
let mocks: Mocks;
let app: FastifyInstance;
beforeAll(async () => {
  mocks = await startMocks();
  const loaded = await loadConfig(writeGatewayConfig(mocks), { env: ENV, requireSecrets: true });
  app = buildApp(loaded, await createDefaultDeps(loaded), { logger: false });
});
afterAll(async () => {
  await app.close();
  await closeMocks(mocks);
});

const chat = (headers: Record<string, string>, payload: unknown) =>
  app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(payload),
  });

describe('the HTTP edge', () => {
  it('authenticates before it reads the body: a wrong key with an invalid body is a 401, not the schema', async () => {
    const res = await chat({ authorization: 'Bearer sk-wrong' }, { messages: 'not a list' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_api_key', type: 'authentication_error' } });
  });

  it('a known key with an invalid body gets a 400 naming the field', async () => {
    const res = await chat({ authorization: `Bearer ${KEYS.acme}` }, { model: 'gpt-5' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_request', param: 'messages' } });
  });

  it('answers Anthropic callers in their shape, errors included', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { 'content-type': 'application/json', 'x-api-key': KEYS.acme },
      payload: JSON.stringify({ model: 'gpt-5', messages: [] }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const anon = await app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('an unknown endpoint is a 404 in OpenAI shape, with the request id it was given', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nothing', headers: { 'x-request-id': 'trace-42' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['x-request-id']).toBe('trace-42');
    expect(res.json()).toMatchObject({ error: { code: 'not_found', type: 'not_found_error' } });
  });

  it('a request id that is not a plain token is replaced, never echoed', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nothing', headers: { 'x-request-id': 'bad id\u0001' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an unknown model is a 404 model_not_found, never a 5xx', async () => {
    const res = await chat(
      { authorization: `Bearer ${KEYS.acme}` },
      { model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] },
    );
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
  });
});
