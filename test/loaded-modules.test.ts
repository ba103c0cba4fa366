import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMocks, ENV, KEYS, startMocks, writeGatewayConfig, type Mocks } from './helpers/gateway-fixture.js';
import { tempDir } from './helpers/hermetic.js';
import { ROOT } from './helpers/run-cli.js';
import { startProcess } from './helpers/start-process.js';

const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));
const RECORDER = fileURLToPath(new URL('./helpers/record-imports.mjs', import.meta.url));

let mocks: Mocks;
/** An OTLP collector that takes every batch. */
let collector: Server;
beforeAll(async () => {
  mocks = await startMocks();
  collector = createServer((req, res) => req.resume().on('end', () => res.end('{}')));
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  collector.close();
  await closeMocks(mocks);
});

/** The packages (`node_modules/<name>`) a `serve` process loaded by the time it answered a request. */
async function packagesLoadedBy(extraConfig: string): Promise<Set<string>> {
  const list = join(tempDir('switchyard-imports'), 'imports.txt');
  const serve = await startProcess(
    ['--import', RECORDER, BIN, 'serve', '--config', writeGatewayConfig(mocks, extraConfig), '--port', '0'],
    { ...ENV, RECORD_IMPORTS_TO: list },
    ROOT,
  );
  try {
    const res = await request(`http://127.0.0.1:${serve.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.acme}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  } finally {
    await serve.stop();
  }
  const names = readFileSync(list, 'utf8')
    .split('\n')
    .map((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1])
    .filter((name): name is string => name !== undefined);
  return new Set(names);
}

describe('a gateway loads only what its config uses', () => {
  it('without state, telemetry or a store: no Redis client, no OpenTelemetry exporter, no DuckDB, no Postgres', async () => {
    const loaded = await packagesLoadedBy('');
    // The recorder works: the request path's own packages are in the list.
    expect(loaded).toContain('fastify');
    expect(loaded).toContain('undici');
    for (const absent of [
      'ioredis',
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/sdk-trace',
      '@duckdb/node-api',
      'pg',
      '@electric-sql/pglite',
    ])
      expect(loaded, absent).not.toContain(absent);
  });

  it('with telemetry configured: its exporter is loaded', async () => {
    const loaded = await packagesLoadedBy(
      `telemetry: { otlp_endpoint: "http://127.0.0.1:${(collector.address() as { port: number }).port}" }`,
    );
    expect(loaded).toContain('@opentelemetry/exporter-trace-otlp-http');
  });
});
