/**
 * What sharing the budget through Redis costs a request: the gateway with the in-memory ledger and with
 * `state.redis_url` (the machine's Redis on 127.0.0.1:6379), side by side against one mock upstream, as one
 * instance and as three sharing the load; one connection at a time (latency, round robin over the instances)
 * and 64 connections split over them (throughput), rounds interleaved. Goal: the reservation round trip adds
 * at most 0.3 ms at p50.
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
const CONNECTIONS = 64;

interface Target {
  readonly name: string;
  readonly servers: Started[];
  readonly times: number[];
  readonly rps: number[];
}

export async function run(): Promise<{ lines: string[] }> {
  const root = new URL('../', import.meta.url).pathname;
  const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
  const configs = {
    memory: benchConfig(root, upstream.port),
    redis: benchConfig(root, upstream.port),
  };
  appendFileSync(
    configs.redis,
    `state: { redis_url: "redis://127.0.0.1:6379", key_prefix: "switchyard-bench:${process.pid}" }\n`,
  );
  const serve = (config: string) =>
    startProcess([join(root, 'bin/switchyard.js'), 'serve', '--config', config, '--port', '0']);
  const targets: Target[] = [];
  try {
    for (const [name, config, count] of [
      ['in-memory, 1 instance', configs.memory, 1],
      ['Redis, 1 instance', configs.redis, 1],
      ['in-memory, 3 instances', configs.memory, 3],
      ['Redis, 3 instances', configs.redis, 3],
    ] as const) {
      targets.push({
        name,
        servers: await Promise.all(Array.from({ length: count }, () => serve(config))),
        times: [],
        rps: [],
      });
    }
    const clients = targets.map((t) => t.servers.map((s) => new Client(`http://127.0.0.1:${s.port}`)));
    await Promise.all(clients.flat().map((c) => sequential(c, 200, BODY)));
    for (let round = 0; round < 5; round++) {
      for (const [i, t] of targets.entries()) {
        for (const c of clients[i]!)
          t.times.push(...(await sequential(c, Math.ceil(400 / clients[i]!.length), BODY)).total);
        const each = Math.floor(CONNECTIONS / t.servers.length);
        const runs = await Promise.all(
          t.servers.map((s) => throughput(`http://127.0.0.1:${s.port}`, each, 1000, BODY)),
        );
        t.rps.push(runs.reduce((sum, r) => sum + r.rps, 0));
      }
    }
    await Promise.all(clients.flat().map((c) => c.close()));
  } finally {
    await Promise.all(targets.flatMap((t) => t.servers.map((s) => s.stop())));
    await upstream.stop();
  }
  const lines = ['| ledger | p50 ms (1 conn) | p99 ms (1 conn) | req/s (64 conns) |', '|---|---:|---:|---:|'];
  const rows = targets.map((t) => {
    const sorted = t.times.sort((a, b) => a - b);
    return {
      name: t.name,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      rps: t.rps.reduce((s, x) => s + x, 0) / t.rps.length,
    };
  });
  for (const r of rows) lines.push(`| ${r.name} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.rps.toFixed(0)} |`);
  lines.push('');
  for (const [memory, redis] of [rows.slice(0, 2), rows.slice(2, 4)] as [(typeof rows)[0], (typeof rows)[0]][]) {
    lines.push(
      `${redis.name}: Redis adds ${(redis.p50 - memory.p50).toFixed(3)} ms at p50 (goal ≤ 0.3), ${(redis.p99 - memory.p99).toFixed(3)} ms at p99; throughput ${(redis.rps / memory.rps).toFixed(2)}x the in-memory ledger`,
    );
  }
  return { lines };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines } = await run();
  console.log(lines.join('\n'));
}
