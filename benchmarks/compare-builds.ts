/**
 * Two builds of the gateway side by side against one mock upstream, in interleaved rounds at 64
 * connections: did a change cost throughput? Build the other checkout first (`npx tsc -p tsconfig.build.json`).
 * Run: `npm run build && npx tsx benchmarks/compare-builds.ts OTHER_CHECKOUT [stream|json] [rounds]`
 */
import { join, resolve } from 'node:path';
import { startProcess, type Started } from '../test/helpers/start-process.js';
import { benchConfig, requestBody } from './servers/bench-config.js';
import { throughput } from './servers/load.js';

const [other, mode = 'stream', rounds = '6'] = process.argv.slice(2);
if (!other) {
  console.error('usage: compare-builds.ts OTHER_CHECKOUT [stream|json] [rounds]');
  process.exit(2);
}
const root = new URL('../', import.meta.url).pathname;
const body = requestBody(mode === 'stream');
const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
const builds: { name: string; server: Started; rps: number[] }[] = [];
try {
  for (const [name, checkout] of [
    ['other', resolve(other)],
    ['this', root],
  ] as const) {
    const server = await startProcess([
      join(checkout, 'bin/switchyard.js'),
      'serve',
      '--config',
      benchConfig(root, upstream.port),
      '--port',
      '0',
    ]);
    builds.push({ name, server, rps: [] });
  }
  for (const b of builds) await throughput(`http://127.0.0.1:${b.server.port}`, 64, 1500, body);
  for (let r = 0; r < Number(rounds); r++)
    for (const b of builds) b.rps.push((await throughput(`http://127.0.0.1:${b.server.port}`, 64, 2000, body)).rps);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  for (const b of builds)
    console.log(`${b.name} build: ${b.rps.map((x) => x.toFixed(0)).join(', ')} req/s (mean ${mean(b.rps).toFixed(0)})`);
  console.log(
    `this / other: ${(mean(builds[1]!.rps) / mean(builds[0]!.rps)).toFixed(3)} (${mode}, 64 connections, ${rounds} interleaved rounds)`,
  );
} finally {
  await Promise.all(builds.map((b) => b.server.stop()));
  await upstream.stop();
}
