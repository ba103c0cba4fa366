/**
 * What an upstream that sends far too much costs the gateway: a non-streamed answer of 1 GiB, and one SSE
 * event of 100 MiB with no separator, against a real `switchyard serve` with its default bounds
 * (`server.max_upstream_body_bytes` 32 MiB, 16 MiB per event). Peak RSS of the gateway, sampled every 50 ms,
 * beside its idle RSS; and how long until the caller has its answer.
 * Run: `npm run build && npx tsx benchmarks/hostile-upstream.bench.ts`
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { rssMiB, startProcess } from '../test/helpers/start-process.js';
import { benchConfig, BENCH_HEADERS } from './servers/bench-config.js';

const MiB = 1024 * 1024;

/** An upstream that answers every request with `mib` MiB: a JSON answer, or one endless SSE event. */
async function floodingUpstream(mib: number): Promise<Server> {
  const chunk = Buffer.alloc(MiB, 'x');
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const part of req) body += String(part);
    const stream = (JSON.parse(body) as { stream?: boolean }).stream === true;
    res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
    res.write(stream ? 'data: {"x":"' : '{"choices":[],"padding":"');
    for (let i = 0; i < mib && !res.destroyed; i++)
      if (!res.write(chunk)) await once(res, 'drain').catch(() => undefined);
    res.end('"}\n\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function measure(mib: number, stream: boolean): Promise<string> {
  const upstream = await floodingUpstream(mib);
  const root = new URL('../', import.meta.url).pathname;
  const gateway = await startProcess([
    `${root}bin/switchyard.js`,
    'serve',
    '--config',
    benchConfig(root, (upstream.address() as AddressInfo).port),
    '--port',
    '0',
  ]);
  try {
    const idle = await rssMiB(gateway.pid);
    let peak = idle;
    const sampler = setInterval(() => void rssMiB(gateway.pid).then((r) => (peak = Math.max(peak, r))), 50);
    const t0 = performance.now();
    const res = await request(`http://127.0.0.1:${gateway.port}/v1/chat/completions`, {
      method: 'POST',
      headers: BENCH_HEADERS,
      body: JSON.stringify({ model: 'gpt-5-mini', stream, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.body.text();
    const ms = performance.now() - t0;
    clearInterval(sampler);
    const code =
      res.statusCode === 200
        ? text.includes('"error"')
          ? 'stream ended with an error event'
          : 'answer'
        : (JSON.parse(text) as { error: { code: string; message: string } }).error.message;
    const outcome = `${res.statusCode}: ${code}`;
    return `| ${stream ? `one SSE event of ${mib} MiB` : `JSON answer of ${mib} MiB`} | ${outcome} | ${ms.toFixed(0)} | ${idle.toFixed(0)} | ${peak.toFixed(0)} |`;
  } finally {
    await gateway.stop();
    upstream.closeAllConnections();
    upstream.close();
  }
}

export async function run(): Promise<{ lines: string[] }> {
  const lines = ['| upstream sends | caller gets | ms | gateway RSS idle MiB | peak MiB |', '|---|---|---:|---:|---:|'];
  lines.push(await measure(1024, false));
  lines.push(await measure(100, true));
  return { lines };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines } = await run();
  console.log(lines.join('\n'));
}
