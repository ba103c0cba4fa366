/**
 * What the gateway adds to every call. Three targets against one mock upstream (a real loopback server,
 * zero added delay), each in its own process: (a) the upstream directly, (b) a bare undici pass-through
 * (the limit for any Node proxy), (c) Switchyard with the default policy, auth, metering, budgets and the
 * DuckDB log on. Measured in interleaved rounds so machine noise shows in every target alike.
 * Run: `npm run build && npx tsx benchmarks/gateway-overhead.bench.ts`
 */
import { join } from 'node:path';
import { Client, request } from 'undici';
import { percentile } from '../dist/gateway/state/latency-window.js';
import { startProcess, type Started } from '../test/helpers/start-process.js';
import { benchConfig, requestBody } from './servers/bench-config.js';
import { sequential, throughput } from './servers/load.js';

const BODY = requestBody(false);
const STREAM_BODY = requestBody(true);

export interface Target {
  readonly name: string;
  readonly origin: string;
  readonly process: Started;
}

export async function startTargets(): Promise<{ targets: Target[]; stop: () => Promise<void> }> {
  const root = new URL('../', import.meta.url).pathname;
  const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
  const bare = await startProcess([
    join(root, 'benchmarks/servers/bare-proxy.js'),
    `http://127.0.0.1:${upstream.port}`,
    '0',
  ]);
  const config = benchConfig(root, upstream.port);
  // BENCH_PROFILE_DIR=dir writes a V8 CPU profile of the gateway there (open it in Chrome DevTools or speedscope).
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const switchyard = await startProcess([
    ...profile,
    join(root, 'bin/switchyard.js'),
    'serve',
    '--config',
    config,
    '--port',
    '0',
  ]);
  const targets = [
    { name: 'upstream direct', origin: `http://127.0.0.1:${upstream.port}`, process: upstream },
    { name: 'bare undici proxy', origin: `http://127.0.0.1:${bare.port}`, process: bare },
    { name: 'switchyard', origin: `http://127.0.0.1:${switchyard.port}`, process: switchyard },
  ];
  return {
    targets,
    stop: async () => void (await Promise.all([switchyard.stop(), bare.stop()]), await upstream.stop()),
  };
}

export interface OverheadRow {
  target: string;
  mode: string;
  connections: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  ttftP50?: number;
  ttftP99?: number;
}

export async function run(options: { rounds?: number; perRound?: number; loadMs?: number } = {}): Promise<{
  rows: OverheadRow[];
  lines: string[];
  loopDelayP99Ms: Record<string, number>;
  bareLoopDelayP99Ms: Record<string, number>;
}> {
  const rounds = options.rounds ?? 5;
  const perRound = options.perRound ?? 400;
  const loadMs = options.loadMs ?? 4000;
  const { targets, stop } = await startTargets();
  const rows: OverheadRow[] = [];
  // Event-loop delay p99 over each load run, the gateway's from its own gauge and the bare proxy's from its
  // endpoint (each scrape resets the window, so the one before the run starts it).
  const loopDelay: Record<string, Record<string, number>> = { 'bare undici proxy': {}, switchyard: {} };
  const scrapeLoopDelay = async (t: Target) => {
    if (t.name === 'bare undici proxy')
      return Number(await (await request(`${t.origin}/loop-delay-p99-ms`)).body.text());
    const text = await (await request(`${t.origin}/metrics`)).body.text();
    return Number(/^switchyard_event_loop_delay_p99_seconds (\S+)$/m.exec(text)?.[1] ?? Number.NaN) * 1000;
  };
  try {
    const clients = targets.map((t) => new Client(t.origin, { pipelining: 1 }));
    for (const stream of [false, true]) {
      // Warm every path (JIT, pools, connections) before measuring.
      await Promise.all(clients.map((c) => sequential(c, 300, stream ? STREAM_BODY : BODY)));
      const samples = targets.map(() => ({ total: [] as number[], ttft: [] as number[] }));
      for (let r = 0; r < rounds; r++) {
        for (const [i, c] of clients.entries()) {
          const s = await sequential(c, perRound, stream ? STREAM_BODY : BODY);
          samples[i]!.total.push(...s.total);
          samples[i]!.ttft.push(...s.ttft);
        }
      }
      targets.forEach((t, i) => {
        const total = samples[i]!.total.sort((a, b) => a - b);
        const ttft = samples[i]!.ttft.sort((a, b) => a - b);
        const seconds = total.reduce((s, x) => s + x, 0) / 1000;
        rows.push({
          target: t.name,
          mode: stream ? 'stream' : 'json',
          connections: 1,
          rps: total.length / seconds,
          p50: percentile(total, 0.5),
          p90: percentile(total, 0.9),
          p99: percentile(total, 0.99),
          ...(stream ? { ttftP50: percentile(ttft, 0.5), ttftP99: percentile(ttft, 0.99) } : {}),
        });
      });
      // Throughput at 64 connections, two interleaved rounds per target.
      const load = targets.map(() => ({ rps: 0, total: [] as number[] }));
      for (let r = 0; r < 2; r++) {
        for (const [i, t] of targets.entries()) {
          const delays = loopDelay[t.name];
          if (delays) await scrapeLoopDelay(t);
          const l = await throughput(t.origin, 64, loadMs / 2, stream ? STREAM_BODY : BODY);
          const mode = stream ? 'stream' : 'json';
          if (delays) delays[mode] = Math.max(delays[mode] ?? 0, await scrapeLoopDelay(t));
          load[i]!.rps += l.rps / 2;
          load[i]!.total.push(...l.total);
        }
      }
      targets.forEach((t, i) => {
        const total = load[i]!.total.sort((a, b) => a - b);
        rows.push({
          target: t.name,
          mode: stream ? 'stream' : 'json',
          connections: 64,
          rps: load[i]!.rps,
          p50: percentile(total, 0.5),
          p90: percentile(total, 0.9),
          p99: percentile(total, 0.99),
        });
      });
    }
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await stop();
  }
  const lines = describe(rows);
  const ms = (target: string, mode: string) => loopDelay[target]?.[mode]?.toFixed(2);
  lines.push(
    '',
    `event-loop delay p99 under load (64 connections): switchyard json ${ms('switchyard', 'json')} ms, stream ${ms('switchyard', 'stream')} ms; bare proxy json ${ms('bare undici proxy', 'json')} ms, stream ${ms('bare undici proxy', 'stream')} ms (target ≤ 2 ms)`,
  );
  return { rows, lines, loopDelayP99Ms: loopDelay.switchyard!, bareLoopDelayP99Ms: loopDelay['bare undici proxy']! };
}

function describe(rows: OverheadRow[]): string[] {
  const find = (target: string, mode: string, connections: number) =>
    rows.find((r) => r.target === target && r.mode === mode && r.connections === connections)!;
  const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));
  const lines = [
    '| target | body | conns | req/s | p50 ms | p90 ms | p99 ms | TTFT p50 | TTFT p99 | added p50 | added p99 | throughput vs bare |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const direct = find('upstream direct', r.mode, r.connections);
    const bare = find('bare undici proxy', r.mode, r.connections);
    lines.push(
      `| ${r.target} | ${r.mode} | ${r.connections} | ${r.rps.toFixed(0)} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.ttftP50)} | ${f(r.ttftP99)} | ${f(r.p50 - direct.p50)} | ${f(r.p99 - direct.p99)} | ${(r.rps / bare.rps).toFixed(2)}x |`,
    );
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines } = await run();
  console.log(lines.join('\n'));
}
