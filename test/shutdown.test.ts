import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLogReader } from '../src/duckdb/log-reader.js';
import { closeMocks, ENV, KEYS, startMocks, writeGatewayConfig, type Mocks } from './helpers/gateway-fixture.js';
import { ROOT } from './helpers/run-cli.js';
import { startProcess } from './helpers/start-process.js';

let mocks: Mocks;
beforeAll(async () => {
  mocks = await startMocks();
});
afterAll(async () => closeMocks(mocks));

describe('graceful shutdown', () => {
  it('SIGTERM in the middle of a load: every request that completed is in the log', async () => {
    const config = writeGatewayConfig(mocks);
    // 1. A real `switchyard serve`, started and awaited on its listening line.
    const serve = await startProcess(
      [fileURLToPath(new URL('../bin/switchyard.js', import.meta.url)), 'serve', '--config', config, '--port', '0'],
      ENV,
      ROOT,
    );
    const child = serve.child;
    const url = `http://127.0.0.1:${serve.port}`;

    // 2. Eight workers send requests until the gateway stops answering; SIGTERM after 60 completions.
    const completed: string[] = [];
    const agent = new Agent({ connections: 8 });
    let signalled = false;
    const worker = async () => {
      for (let i = 0; i < 100; i++) {
        try {
          const res = await request(`${url}/v1/chat/completions`, {
            dispatcher: agent,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
            body: JSON.stringify({
              model: 'gpt-5-mini',
              messages: [{ role: 'user', content: `request ${i}` }],
              stream: i % 2 === 0,
            }),
          });
          await res.body.text();
          if (res.statusCode !== 200) return;
          completed.push(String(res.headers['x-request-id']));
          if (completed.length === 60 && !signalled) {
            signalled = true;
            child.kill('SIGTERM');
          }
        } catch (err) {
          // The gateway has stopped: the connection is refused, reset or closed — and nothing else.
          expect(signalled).toBe(true);
          expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']).toContain(
            (err as { code?: string }).code,
          );
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const [code] = (await once(child, 'exit')) as [number];
    await agent.close();
    expect(signalled).toBe(true);
    expect(code).toBe(0);

    // 3. The log holds every completed request.
    const reader = await openLogReader(join(dirname(config), 'log'));
    const rows = await reader.connection.runAndReadAll(`SELECT request_id FROM ${reader.source}`);
    const logged = new Set(rows.getRowObjectsJson().map((r) => String(r.request_id)));
    reader.close();
    expect(completed.length).toBeGreaterThanOrEqual(60);
    expect(completed.filter((id) => !logged.has(id))).toEqual([]);
  });
});
