import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeMocks,
  KEYS,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
} from './helpers/gateway-fixture.js';

interface OtlpSpan {
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}

/** A small OTLP/HTTP collector: it keeps the spans (JSON encoding) and the headers each export came with. */
async function startCollector() {
  const spans: OtlpSpan[] = [];
  const resources: Record<string, unknown>[] = [];
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/traces') return void res.writeHead(404).end();
      headers.push(req.headers);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        resources.push(attributesOf(rs.resource.attributes));
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    resources,
    headers,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const attributesOf = (attrs: OtlpSpan['attributes']) =>
  Object.fromEntries(
    attrs.map((a) => [
      a.key,
      a.value.stringValue ??
        (a.value.intValue !== undefined ? Number(a.value.intValue) : undefined) ??
        a.value.doubleValue ??
        a.value.boolValue ??
        (a.value.arrayValue as { values?: { stringValue?: string }[] } | undefined)?.values?.map((v) => v.stringValue),
    ]),
  );

describe('OpenTelemetry: a span per request to an OTLP/HTTP collector', () => {
  let mocks: Mocks;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    mocks = await startMocks();
    collector = await startCollector();
  });
  afterAll(async () => {
    await closeMocks(mocks);
    await collector.close();
  });

  it('follows the GenAI conventions and carries the decision; a refused request is an error span', async () => {
    const gw = await startGateway(
      writeGatewayConfig(
        mocks,
        `telemetry: { otlp_endpoint: "${collector.url}", service_name: gw-test, headers: { x-collector-key: "k-123" } }\n`,
      ),
    );
    mocks.direct.behave({ usage: { prompt_tokens: 8, completion_tokens: 50 } });
    const send = (model: string) =>
      request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      }).then(async (r) => (await r.body.dump(), r.statusCode));
    expect(await send('gpt-5-mini')).toBe(200);
    expect(await send('no-such-model')).toBe(404);
    // Closing sends what is buffered.
    await gw.close();
    expect(collector.spans).toHaveLength(2);
    const [served, refused] = collector.spans as [OtlpSpan, OtlpSpan];
    expect(served.name).toBe('chat gpt-5-mini');
    expect(served.kind).toBe(3); // CLIENT
    expect(attributesOf(served.attributes)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-5-mini',
      'gen_ai.response.model': 'gpt-5-mini',
      'gen_ai.usage.input_tokens': 8,
      'gen_ai.usage.output_tokens': 50,
      'switchyard.tenant': 'acme',
      'switchyard.route': 'direct',
      'switchyard.route_kind': 'direct',
      'switchyard.cost_usd': 0.000102,
      'http.response.status_code': 200,
    });
    expect((attributesOf(served.attributes)['switchyard.attempts'] as string[])[0]).toMatch(/^direct 200 \d+ms$/);
    expect(BigInt(served.endTimeUnixNano)).toBeGreaterThan(BigInt(served.startTimeUnixNano));
    expect(attributesOf(refused.attributes)).toMatchObject({
      'error.type': 'model_not_found',
      'http.response.status_code': 404,
    });
    expect(refused.status?.code).toBe(2); // ERROR
    expect(collector.resources[0]).toMatchObject({ 'service.name': 'gw-test' });
    expect(collector.headers[0]!['x-collector-key']).toBe('k-123');
    // Nothing of the conversation or the keys is in a span.
    const all = JSON.stringify(collector.spans);
    expect(all).not.toContain('"hi"');
    expect(all).not.toContain(KEYS.acme);
  });
});
