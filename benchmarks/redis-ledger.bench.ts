/**
 * What sharing the budget through Redis costs a request: the same gateway with the in-memory ledger and with
 * `state.redis_url` (the machine's Redis on 127.0.0.1:6379), side by side against one mock upstream, one
 * connection (latency) and 64 (throughput), interleaved rounds. Goal: the reservation round trips add at most
 * 0.3 ms at p50.
 * Run: `npm run build && npx tsx benchmarks/redis-ledger.bench.ts`
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'undici';
import { percentile } from '../dist/gateway/state/latency-window.js';
import { startProcess, type Started } from '../test/helpers/start-process.js';
import { benchConfig, requestBody } from './servers/bench-config.js';
import { sequential, throughput } from './servers/load.js';

const BODY = requestBody(false);

export async function run(): Promise<{ lines: string[] }> {
  const root = new URL('../', import.meta.url).pathname;
  const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
  const redisConfig = benchConfig(root, upstream.port);
  appendFileSync(redisConfig, `state: { redis_url: "redis://127.0.0.1:6379", key_prefix: "switchyard-bench:${process.pid}" }\n`);
  const targets: { name: string; server: Started; times: number[]; rps: number[] }[] = [];
  try {
    for (const [name, config] of [['in-memory ledger', benchConfig(root, upstream.port)], ['Redis ledger', redisConfig]] as const) {
      targets.push({ name, server: await startProcess([join(root, 'bin/switchyard.js'), 'serve', '--config', config, '--port', '0']), times: [], rps: [] });
    }
    const clients = targets.map((t) => new Client(`http://127.0.0.1:${t.server.port}`));
    await Promise.all(clients.map((c) => sequential(c, 300, BODY)));
    for (let round = 0; round < 5; round++) {
      for (const [i, t] of targets.entries()) {
        t.times.push(...(await sequential(clients[i]!, 400, BODY)).total);
        t.rps.push((await throughput(`http://127.0.0.1:${t.server.port}`, 64, 1000, BODY)).rps);
      }
    }
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await Promise.all(targets.map((t) => t.server.stop()));
    await upstream.stop();
  }
  const lines = ['| ledger | p50 ms (1 conn) | p99 ms (1 conn) | req/s (64 conns) |', '|---|---:|---:|---:|'];
  const rows = targets.map((t) => {
    const sorted = t.times.sort((a, b) => a - b);
    return { name: t.name, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), rps: t.rps.reduce((s, x) => s + x, 0) / t.rps.length };
  });
  for (const r of rows) lines.push(`| ${r.name} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.rps.toFixed(0)} |`);
  const [memory, redis] = rows as [(typeof rows)[0], (typeof rows)[0]];
  lines.push('', `Redis adds ${(redis.p50 - memory.p50).toFixed(3)} ms at p50 (goal ≤ 0.3), ${(redis.p99 - memory.p99).toFixed(3)} ms at p99; throughput ${(redis.rps / memory.rps).toFixed(2)}x the in-memory ledger`);
  return { lines };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines } = await run();
  console.log(lines.join('\n'));
}
