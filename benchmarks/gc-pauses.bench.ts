/**
 * Where the gateway's time goes to garbage collection under load: 6 s at 64 connections with \`--trace-gc\`, pauses
 * summed by kind (scavenges of the young generation, mark-compacts of the old), beside the requests per second.
 * Node flags given on the command line go to the gateway (e.g. \`--max-semi-space-size=32\`).
 * Run: \`npm run build && npx tsx benchmarks/gc-pauses.bench.ts [node flags]\`
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startProcess } from '../test/helpers/start-process.js';
import { benchConfig, requestBody } from './servers/bench-config.js';
import { throughput } from './servers/load.js';
const root = new URL('../', import.meta.url).pathname;
const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
const config = benchConfig(root, upstream.port);
const child = spawn(
  process.execPath,
  [
    '--trace-gc',
    ...process.argv.slice(2),
    join(root, 'bin/switchyard.js'),
    'serve',
    '--config',
    config,
    '--port',
    '47311',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
child.stdout.on('data', (d) => (out += d));
// Bounded wait for the gateway's listening line.
for (let i = 0; i < 100 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 100));
const r = await throughput('http://127.0.0.1:47311', 64, 6000, requestBody(false));
child.kill();
await once(child, 'exit');
await upstream.stop();
const pauses = [...out.matchAll(/(Scavenge|Mark-Compact|Mark-sweep)[^,]*?, ([\d.]+) \/ [\d.]+ ms/g)].map(
  (m) => [m[1], Number(m[2])] as const,
);
const by = (k: string) =>
  pauses
    .filter((p) => (p[0] as string).startsWith(k))
    .map((p) => p[1])
    .sort((a, b) => a - b);
for (const k of ['Scavenge', 'Mark']) {
  const v = by(k);
  console.log(
    k,
    'n',
    v.length,
    'p50',
    v[Math.floor(v.length / 2)],
    'max',
    v.at(-1),
    'sum',
    v.reduce((s, x) => s + x, 0).toFixed(0),
  );
}
console.log('rps', Math.round(r.rps));
