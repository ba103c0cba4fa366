import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { hashApiKey } from '../../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../../src/mock-upstream/mock-upstream.js';
import { buildApp } from '../../src/gateway/build-app.js';
import { createDefaultDeps, type GatewayDeps } from '../../src/gateway/gateway-deps.js';
import type { CircuitOptions } from '../../src/gateway/state/circuit-breaker.js';
import type { Clock } from '../../src/gateway/state/clock.js';
import { ROOT } from './run-cli.js';
import { tempDir } from './hermetic.js';

export const KEYS = {
  acme: 'sk-test-acme-0123456789abcdef',
  clinic: 'sk-test-clinic-0123456789abcdef',
  aggregator: 'sk-or-upstream-SECRET-aggregator-key',
  direct: 'sk-proj-upstream-SECRET-direct-key-000',
} as const;

export const ADMIN_KEY = 'admin-key-for-tests-0123456789';

export interface Mocks {
  aggregator: MockUpstream;
  direct: MockUpstream;
  onprem: MockUpstream;
}

/** Three real upstreams on loopback, one per route kind. */
export async function startMocks(): Promise<Mocks> {
  const [aggregator, direct, onprem] = await Promise.all([
    startMockUpstream('aggregator'),
    startMockUpstream('direct'),
    startMockUpstream('onprem'),
  ]);
  return { aggregator, direct, onprem };
}

export async function closeMocks(mocks: Mocks): Promise<void> {
  await Promise.all(Object.values(mocks).map((m) => m.close()));
}

/** The config the gateway tests run: the default policy, one route per mock. */
export function writeGatewayConfig(mocks: Mocks, extra = ''): string {
  const dir = tempDir('switchyard-gw');
  const path = join(dir, 'switchyard.yaml');
  writeFileSync(
    path,
    `
server: { body_limit_bytes: 65536, admin_key: ${ADMIN_KEY} }
log: { dir: log, roll_seconds: 3600 }
policies: [${join(ROOT, 'policies/default.rules.json')}]
routes:
  - id: agg
    kind: aggregator
    base_url: ${mocks.aggregator.url}
    api_key: \${AGG_KEY}
    clearance: internal
    models: { gpt-5: openai/gpt-5, gpt-5-mini: openai/gpt-5-mini, text-embedding-3-small: openai/text-embedding-3-small }
    pricing: { fee_percent: 5.5 }
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000 }
  - id: direct
    kind: direct
    base_url: ${mocks.direct.url}
    api_key: \${DIRECT_KEY}
    clearance: confidential
    models: [gpt-5, gpt-5-mini, text-embedding-3-small]
    timeouts: { connect_ms: 1000, first_byte_ms: 2000, idle_ms: 2000 }
  - id: onprem
    kind: onprem
    base_url: ${mocks.onprem.url}
    clearance: restricted
    models: { llama-3.3-70b: llama-3.3-70b-instruct }
    pricing: { fixed_per_hour_usd: 2 }
    timeouts: { connect_ms: 1000, first_byte_ms: 300, idle_ms: 300 }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(KEYS.acme)}"] }
  - { id: clinic, api_keys: ["sha256:${hashApiKey(KEYS.clinic)}"], default_tags: [phi] }
${extra}`,
  );
  return path;
}

export interface RunningGateway {
  url: string;
  app: FastifyInstance;
  /** The gateway's state: its ledger, route health, decision sink and clock. */
  deps: GatewayDeps;
  /** Every log line the gateway wrote. */
  logs: string[];
  close(): Promise<void>;
}

export const ENV = { AGG_KEY: KEYS.aggregator, DIRECT_KEY: KEYS.direct };

/** A gateway on 127.0.0.1 over the mocks, with its log captured. */
export async function startGateway(
  configPath: string,
  circuit?: CircuitOptions,
  clock?: Clock,
  /** The draws of weighted choices: a seeded one makes a share test exact instead of likely. */
  random?: () => number,
): Promise<RunningGateway> {
  const loaded = await loadConfig(configPath, { env: ENV, requireSecrets: true });
  const deps = await createDefaultDeps(loaded, {
    ...(circuit ? { circuit } : {}),
    ...(clock ? { clock } : {}),
    ...(random ? { random } : {}),
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = buildApp(loaded, deps, { logger: { level: 'info', stream: sink } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, app, deps, logs, close: () => app.close() };
}

/** The text of an OpenAI chunk stream, its `delta.content` pieces joined. */
export function streamedText(sse: string): string {
  return sse
    .split('\n\n')
    .filter((e) => e.startsWith('data: {'))
    .map(
      (e) =>
        (JSON.parse(e.slice(6)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '',
    )
    .join('');
}

/** New mocks and a new gateway for every test of the calling suite; read them from the returned object. */
export function freshGatewayPerTest(): { mocks: Mocks; gw: RunningGateway } {
  const env = {} as { mocks: Mocks; gw: RunningGateway };
  beforeEach(async () => {
    env.mocks = await startMocks();
    env.gw = await startGateway(writeGatewayConfig(env.mocks));
  });
  afterEach(async () => {
    await env.gw.close();
    await closeMocks(env.mocks);
  });
  return env;
}
