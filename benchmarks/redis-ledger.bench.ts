/**
 * What sharing the budget through Redis costs a request: the same gateway with the in-memory ledger and with
 * `state.redis_url` (the machine's Redis on 127.0.0.1:6379), side by side against one mock upstream, one
 * connection (latency) and 64 (throughput), interleaved rounds. Goal: the reservation round trips add at most
 * 0.3 ms at p50.
 * Run: `npm run build && npx tsx benchmarks/redis-ledger.bench.ts`
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'undici';
import { percentile } from '../dist/gateway/state/latency-window.js';
import { startProcess, type Started } from '../test/helpers/start-process.js';
import { benchConfig, BENCH_HEADERS, requestBody } from './servers/bench-config.js';

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const BODY = requestBody(false);

async function sequential(port: number, n: number): Promise<number[]> {
  const client = new Client(`http://127.0.0.1:${port}`);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = nowMs();
    const res = await client.request({ method: 'POST', path: '/v1/chat/completions', headers: BENCH_HEADERS, body: BODY });
    await res.body.dump();
    times.push(nowMs() - t0);
  }
  await client.close();
  return times;
}

async function throughput(port: number, ms: number): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
  let done = 0;
  const start = nowMs();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (nowMs() - start < ms) {
        const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: BENCH_HEADERS, body: BODY });
        await res.body.dump();
        done++;
      }
    }),
  );
  await pool.close();
  return done / ((nowMs() - start) / 1000);
}

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
    for (const t of targets) await sequential(t.server.port, 300);
    for (let round = 0; round < 5; round++) {
      for (const t of targets) {
        t.times.push(...(await sequential(t.server.port, 400)));
        t.rps.push(await throughput(t.server.port, 1000));
      }
    }
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
