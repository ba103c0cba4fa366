import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLogReader } from '../src/duckdb/log-reader.js';
import { formatUsd, usdToPico } from '../src/engine/money.js';
import { loadConfig } from '../src/config/load-config.js';
import { buildApp } from '../src/gateway/build-app.js';
import { createDefaultDeps } from '../src/gateway/gateway-deps.js';
import type { SpendLedger } from '../src/gateway/state/spend-ledger.js';
import {
  ADMIN_KEY,
  closeMocks,
  ENV,
  KEYS,
  startMocks,
  writeGatewayConfig,
  type Mocks,
} from './helpers/gateway-fixture.js';
import { ROOT } from './helpers/run-cli.js';
import { startProcess } from './helpers/start-process.js';

/** The promise in the README: a completed request is on disk within this window (write-ahead segment, fsync'd). */
const WINDOW_MS = 200;
const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));

let mocks: Mocks;
beforeAll(async () => {
  mocks = await startMocks();
});
afterAll(async () => closeMocks(mocks));

describe('a gateway killed with SIGKILL under load', () => {
  it('loses no request completed more than the window before the kill: in the log and in the restored budget', async () => {
    const config = writeGatewayConfig(mocks);
    const logDir = join(dirname(config), 'log');
    const serve = await startProcess([BIN, 'serve', '--config', config, '--port', '0'], ENV, ROOT);
    const url = `http://127.0.0.1:${serve.port}`;

    // Eight workers until the kill: it comes once the load has run for a second and 100 requests completed.
    const completed: { id: string; at: number; costPico: bigint }[] = [];
    const agent = new Agent({ connections: 8 });
    const started = Date.now();
    let killedAt: number | undefined;
    const worker = async () => {
      for (let i = 0; i < 5_000 && killedAt === undefined; i++) {
        try {
          const res = await request(`${url}/v1/chat/completions`, {
            dispatcher: agent,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
            body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: `request ${i}` }] }),
          });
          await res.body.text();
          expect(res.statusCode).toBe(200);
          completed.push({
            id: String(res.headers['x-request-id']),
            at: Date.now(),
            costPico: usdToPico(Number(res.headers['x-switchyard-cost-usd'])),
          });
          if (killedAt === undefined && completed.length >= 100 && Date.now() - started >= 1000) {
            killedAt = Date.now();
            serve.child.kill('SIGKILL');
          }
        } catch (err) {
          expect(killedAt).toBeDefined();
          expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']).toContain(
            (err as { code?: string }).code,
          );
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    if (serve.child.exitCode === null && serve.child.signalCode === null) await once(serve.child, 'exit');
    await agent.close();
    expect(killedAt).toBeDefined();

    // Restarted on the same log: the killed process's write-ahead segment becomes a Parquet segment first.
    const again = await startProcess([BIN, 'serve', '--config', config, '--port', '0'], ENV, ROOT);
    try {
      const spend = (await (
        await request(`http://127.0.0.1:${again.port}/admin/spend`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        })
      ).body.json()) as { tenants: { tenant: string; daily: { settled_usd: string } }[] };
      const reader = await openLogReader(logDir);
      const rows = (
        await reader.connection.runAndReadAll(`SELECT request_id, cost_usd::VARCHAR AS cost FROM ${reader.source}`)
      ).getRowObjectsJson() as { request_id: string; cost: string }[];
      reader.close();
      const logged = new Set(rows.map((r) => r.request_id));
      const durable = completed.filter((c) => c.at < (killedAt as number) - WINDOW_MS);
      expect(durable.length).toBeGreaterThanOrEqual(50);
      expect(durable.filter((c) => !logged.has(c.id))).toEqual([]);
      // No row twice (a segment replayed and also rolled would show up here).
      expect(logged.size).toBe(rows.length);
      // The restored budget holds what the log holds, and at least every durable request's cost.
      const loggedPico = rows.reduce((sum, r) => sum + usdToPico(Number(r.cost)), 0n);
      const settled = spend.tenants.find((t) => t.tenant === 'acme')?.daily.settled_usd;
      expect(settled).toBe(formatUsd(loggedPico, 6));
      expect(loggedPico).toBeGreaterThanOrEqual(durable.reduce((sum, c) => sum + c.costPico, 0n));
      // Only the running gateway's own segment is left.
      expect(readdirSync(join(logDir, 'wal')).filter((f) => !f.includes(`_${again.pid}-`))).toEqual([]);
      // DuckDB replayed the segment, summed the budget and reads the live rows in job processes: the gateway's own
      // process never loads it without a dashboard open (its library and buffers were ≈60 MB of the resident set).
      const live = (await (
        await request(`http://127.0.0.1:${again.port}/admin/log/live`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        })
      ).body.json()) as { rows: unknown[] };
      expect(live.rows).toEqual([]);
      const maps = `/proc/${again.pid}/maps`;
      if (existsSync(maps)) expect(readFileSync(maps, 'utf8')).not.toMatch(/duckdb/);
    } finally {
      await again.stop();
    }
  });
});

describe('a gateway closed the moment its callers have their answers', () => {
  it('still writes every row: closing waits for requests still settling and logging', async () => {
    const config = writeGatewayConfig(mocks);
    const loaded = await loadConfig(config, { env: ENV, requireSecrets: true });
    const deps = await createDefaultDeps(loaded);
    // A ledger a network hop away (a shared store): settling takes a while after the caller has its answer.
    const memory = deps.ledger;
    const remote: SpendLedger = Object.assign(Object.create(memory) as SpendLedger, {
      settle: async (...args: Parameters<SpendLedger['settle']>) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await memory.settle(...args);
      },
    });
    const app = buildApp(loaded, { ...deps, ledger: remote }, { logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
          body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] }),
        }).then(async (res) => (await res.body.dump(), res.statusCode)),
      ),
    );
    await app.close();
    expect(answers.every((s) => s === 200)).toBe(true);
    const reader = await openLogReader(join(dirname(config), 'log'));
    try {
      expect(
        (
          await reader.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${reader.source}`)
        ).getRowObjectsJson(),
      ).toEqual([{ n: 20 }]);
    } finally {
      reader.close();
    }
  });
});
