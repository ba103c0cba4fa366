/**
 * The response cache's hit path against a miss: the same gateway (a child process, memory cache), the same upstream
 * (`servers/upstream.js`, another process), requests at temperature 0. A miss asks the upstream and keeps the answer
 * (each request's prompt differs); a hit is answered from memory (one prompt, asked again). Per path: p50 and p99 of
 * one connection in sequence, and requests per second on 16 connections for 3 s. Run: `npm run build`, then
 * `npx tsx benchmarks/cache.bench.ts`.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'undici';
import { startProcess } from '../test/helpers/start-process.js';
import { BENCH_HEADERS, benchConfig } from './servers/bench-config.js';
import { nowMs } from './servers/load.js';

const root = new URL('../', import.meta.url).pathname;
const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
const config = benchConfig(root, upstream.port);
appendFileSync(config, 'cache: { store: memory, ttl_seconds: 3600, max_entries: 100000 }\n');
const gateway = await startProcess([join(root, 'bin/switchyard.js'), 'serve', '--config', config, '--port', '0']);
const origin = `http://127.0.0.1:${gateway.port}`;

let n = 0;
const body = (hit: boolean) =>
  JSON.stringify({
    model: 'gpt-5-mini',
    temperature: 0,
    messages: [{ role: 'user', content: hit ? 'Say hello in five words.' : `Say hello in five words, #${n++}.` }],
  });

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] as number;

async function sequence(hit: boolean, count: number) {
  const client = new Client(origin);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = nowMs();
    const res = await client.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: BENCH_HEADERS,
      body: body(hit),
    });
    await res.body.dump();
    const status = String(res.headers['x-switchyard-cache']);
    // The first of a hit sequence may be the miss that keeps the answer.
    if (hit ? i > 0 && status !== 'hit' : status !== 'miss')
      throw new Error(`unexpected cache status ${status} at ${i}`);
    times.push(nowMs() - t0);
  }
  await client.close();
  return times.slice(1);
}

async function load(hit: boolean, connections: number, ms: number) {
  const pool = new Pool(origin, { connections });
  let done = 0;
  const end = nowMs() + ms;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (nowMs() < end) {
        const res = await pool.request({
          method: 'POST',
          path: '/v1/chat/completions',
          headers: BENCH_HEADERS,
          body: body(hit),
        });
        await res.body.dump();
        done++;
      }
    }),
  );
  await pool.close();
  return done / (ms / 1000);
}

try {
  await sequence(true, 50); // warm-up
  await sequence(false, 50);
  const miss = await sequence(false, 500);
  const hit = await sequence(true, 500);
  const missRps = await load(false, 16, 3000);
  const hitRps = await load(true, 16, 3000);
  console.table([
    {
      path: 'miss',
      'p50 ms': pct(miss, 0.5).toFixed(2),
      'p99 ms': pct(miss, 0.99).toFixed(2),
      'req/s (16c)': missRps.toFixed(0),
    },
    {
      path: 'hit',
      'p50 ms': pct(hit, 0.5).toFixed(2),
      'p99 ms': pct(hit, 0.99).toFixed(2),
      'req/s (16c)': hitRps.toFixed(0),
    },
  ]);
  console.log(
    `a hit: ${(pct(miss, 0.5) / pct(hit, 0.5)).toFixed(2)}× faster at p50, ${(hitRps / missRps).toFixed(2)}× the throughput`,
  );
} finally {
  await gateway.stop();
  await upstream.stop();
}
