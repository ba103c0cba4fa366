/**
 * What the gateway's memory under load is made of: the same load (60,000 requests at 64 connections) with V8's
 * default heap sizing and with smaller young and old generations, RSS sampled every second, throughput beside it.
 * RSS that falls with a smaller heap, at a cost in requests per second, is heap garbage V8 chose to keep, not a leak.
 * Run: `npm run build && npx tsx benchmarks/heap-limits.bench.ts [node flags]` (none: the default).
 */
import { join } from 'node:path';
import { Pool } from 'undici';
import { startProcess, rssMiB } from '../test/helpers/start-process.js';
import { benchConfig, BENCH_HEADERS as HEADERS, requestBody } from './servers/bench-config.js';
const root = new URL('../', import.meta.url).pathname;
const flags = process.argv.slice(2);
const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
const config = benchConfig(root, upstream.port);
const sy = await startProcess([...flags, join(root, 'bin/switchyard.js'), 'serve', '--config', config, '--port', '0']);
const pool = new Pool(`http://127.0.0.1:${sy.port}`, { connections: 64 });
const BODY = requestBody(false);
let sent = 0;
const total = 60000;
const samples: number[] = [];
const t0 = performance.now();
const timer = setInterval(() => void rssMiB(sy.pid).then((r) => samples.push(Math.round(r))), 1000);
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (sent < total) {
      sent++;
      const r = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: HEADERS, body: BODY });
      await r.body.dump();
    }
  }),
);
const secs = (performance.now() - t0) / 1000;
clearInterval(timer);
console.log(
  flags.join(' ') || '(default)',
  'rss',
  samples.join(' '),
  'max',
  Math.max(...samples),
  'rps',
  Math.round(total / secs),
);
await pool.close();
await sy.stop();
await upstream.stop();
