/**
 * Bytes allocated per request by the gateway process (garbage included), for one or more builds side by side:
 * V8's sampling heap profiler runs inside the gateway (`servers/alloc-sampler.mjs`, preloaded) while a load
 * generator in this process sends a fixed stretch of requests; the sampled bytes over the requests served are
 * the figure. It is a sample (one every 1 KB on average), so read it to about ±5 %. The top allocating
 * functions of each build are printed too.
 * Run: `npm run build && npx tsx benchmarks/alloc-per-request.bench.ts [OTHER_CHECKOUT...]` (each other checkout
 * built: `npm run build` there).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startProcess, type Started } from '../test/helpers/start-process.js';
import { benchConfig, requestBody } from './servers/bench-config.js';
import { throughput } from './servers/load.js';

const root = new URL('../', import.meta.url).pathname;
const sampler = join(root, 'benchmarks/servers/alloc-sampler.mjs');
const checkouts = [root, ...process.argv.slice(2).map((c) => resolve(c))];
const CONNECTIONS = 16;
const MEASURE_MS = 4000;

/** Waits (bounded) until the sampler has written its answer. */
async function answer(out: string, key: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    if (existsSync(out)) {
      const json = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
      if (key in json) return json;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the sampler wrote no '${key}' to ${out}`);
}

async function measure(gateway: Started, out: string, stream: boolean) {
  const origin = `http://127.0.0.1:${gateway.port}`;
  const body = requestBody(stream);
  await throughput(origin, CONNECTIONS, 1500, body);
  rmSync(out, { force: true });
  process.kill(gateway.pid, 'SIGUSR2');
  await answer(out, 'started');
  const { total } = await throughput(origin, CONNECTIONS, MEASURE_MS, body);
  process.kill(gateway.pid, 'SIGUSR2');
  const { bytes, top } = (await answer(out, 'bytes')) as { bytes: number; top: [string, number][] };
  return { perRequest: bytes / total.length, requests: total.length, top };
}

const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
try {
  const rows: string[] = [];
  for (const checkout of checkouts) {
    const out = join(tmpdir(), `switchyard-alloc-${process.pid}.json`);
    const gateway = await startProcess(
      [
        '--import',
        sampler,
        join(checkout, 'bin/switchyard.js'),
        'serve',
        '--config',
        benchConfig(root, upstream.port),
        '--port',
        '0',
      ],
      { ALLOC_OUT: out },
    );
    try {
      for (const stream of [false, true]) {
        const r = await measure(gateway, out, stream);
        const mode = stream ? 'stream' : 'json';
        rows.push(`| ${checkout} | ${mode} | ${(r.perRequest / 1024).toFixed(1)} KB | ${r.requests} |`);
        console.log(`\n${checkout} ${mode}: top allocating functions (share of sampled bytes)`);
        const sum = r.perRequest * r.requests;
        for (const [frame, b] of r.top.slice(0, 12)) console.log(`  ${((100 * b) / sum).toFixed(1)} %  ${frame}`);
      }
    } finally {
      await gateway.stop();
    }
  }
  console.log('\n| build | mode | allocated per request | requests sampled |\n|---|---|---:|---:|');
  for (const row of rows) console.log(row);
} finally {
  await upstream.stop();
}
