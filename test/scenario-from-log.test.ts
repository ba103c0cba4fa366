import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  closeMocks,
  ENV,
  KEYS,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
} from './helpers/gateway-fixture.js';
import { tempDir } from './helpers/hermetic.js';
import { runCli } from './helpers/run-cli.js';

// A real gateway with a response cache records 200 requests (60 % gpt-5, 40 % gpt-5-mini, a quarter tagged
// confidential, some streamed, many asking again what an earlier one asked); the scenario harness reads that log back.
let mocks: Mocks;
let config: string;
let logDir: string;
/** The requests the gateway answered from its cache. */
let hits = 0;
beforeAll(async () => {
  mocks = await startMocks();
  config = writeGatewayConfig(mocks, 'cache: { store: memory }');
  logDir = join(dirname(config), 'log');
  const gw = await startGateway(config);
  for (let i = 0; i < 200; i++) {
    const model = i % 5 < 3 ? 'gpt-5' : 'gpt-5-mini';
    const res = await request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${KEYS.acme}`,
        ...(i % 4 === 0 ? { 'x-switchyard-tags': 'confidential' } : {}),
      },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'word '.repeat(10 + (i % 7) * 20) }],
        max_tokens: 200,
        temperature: 0,
        stream: i % 10 === 0,
      }),
    });
    if (res.headers['x-switchyard-cache'] === 'hit') hits++;
    await res.body.dump();
  }
  await gw.close();
}, 60_000);
afterAll(async () => closeMocks(mocks));

describe('scenarios from recorded traffic', () => {
  it('from-log writes a scenario whose profile has the recorded model mix (within 1 %), tags, stream share and per-model tokens; it runs', async () => {
    const { code, stdout, stderr } = await runCli(['scenario', 'from-log', '--log', logDir, '--config', config], {
      env: ENV,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const scenario = parse(stdout) as {
      traffic: {
        models: Record<string, number>;
        tags: { tags: string[]; share: number }[];
        stream_share: number;
        cache_hit_share: number;
        tokens_by_model: Record<string, { input_tokens: { mean: number } }>;
      };
      options: { id: string }[];
    };
    expect(Math.abs(scenario.traffic.models['gpt-5']! - 0.6)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(scenario.traffic.models['gpt-5-mini']! - 0.4)).toBeLessThanOrEqual(0.01);
    expect(scenario.traffic.tags).toContainEqual({ tags: ['confidential'], share: 0.25 });
    expect(scenario.traffic.stream_share).toBe(0.1);
    // The log's hit rate.
    expect(hits).toBeGreaterThan(20);
    expect(scenario.traffic.cache_hit_share).toBe(hits / 200);
    expect(scenario.traffic.tokens_by_model['gpt-5']!.input_tokens.mean).toBeGreaterThan(10);
    expect(scenario.options.map((o) => o.id)).toEqual(['current', 'managed', 'self-hosted']);
    const file = join(tempDir('switchyard-from-log'), 'recorded.scenario.yaml');
    writeFileSync(file, stdout);
    const run = await runCli(['scenario', 'run', file, '--out', join(dirname(file), 'out')], { env: ENV });
    expect(run.stderr.split('\n').filter((l) => l.startsWith('switchyard:'))).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('traffic.from_log replays the recorded requests themselves, scaled to each volume', async () => {
    const dir = tempDir('switchyard-from-log');
    const file = join(dir, 'replayed.scenario.yaml');
    writeFileSync(
      file,
      `
name: replayed from the log
volume: { tokens_per_day: [20000000] }
traffic: { from_log: ${logDir} }
options:
  - { id: current, config: ${config} }
`,
    );
    const { code } = await runCli(['scenario', 'run', file, '--out', join(dir, 'out')], { env: ENV });
    expect(code).toBe(0);
    const instance = await DuckDBInstance.create(join(dir, 'out', 'scenario.duckdb'), { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    const mix = (
      await connection.runAndReadAll(
        `SELECT model, (count(*) / sum(count(*)) OVER ())::DOUBLE AS share FROM requests_named GROUP BY model ORDER BY model`,
      )
    ).getRowObjectsJson() as { model: string; share: number }[];
    const cached = (
      await connection.runAndReadAll(`SELECT avg(cached::INTEGER)::DOUBLE AS share FROM requests_named`)
    ).getRowObjectsJson() as { share: number }[];
    const tagged = (
      await connection.runAndReadAll(
        `SELECT avg(CASE WHEN list_contains(tags, 'confidential') THEN 1 ELSE 0 END)::DOUBLE AS share FROM requests_named`,
      )
    ).getRowObjectsJson() as { share: number }[];
    connection.closeSync();
    instance.closeSync();
    expect(mix.map((m) => m.model)).toEqual(['gpt-5', 'gpt-5-mini']);
    expect(Math.abs(mix[0]!.share - 0.6)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(tagged[0]!.share - 0.25)).toBeLessThanOrEqual(0.01);
    // The recorded hits are hits again (the config caches), confidential ones included: none is at the top level.
    expect(Math.abs(cached[0]!.share - hits / 200)).toBeLessThanOrEqual(0.015);
    expect(readFileSync(join(dir, 'out', 'report.md'), 'utf8')).toContain('## Response cache');
  });
});
