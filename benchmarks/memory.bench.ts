/**
 * Gateway memory under sustained load: RSS of Switchyard and of the bare undici proxy before, during and
 * after the same number of requests at 64 connections. Flat means no growth trend once warm.
 * Run: `npm run build && npx tsx benchmarks/memory.bench.ts [requests]`; the 1,000,000-request soak is `npm run
 * bench:soak`.
 */
import { Pool } from 'undici';
import { startTargets } from './gateway-overhead.bench.js';
import { BENCH_HEADERS as HEADERS, requestBody } from './servers/bench-config.js';
import { rssMiB } from '../test/helpers/start-process.js';

const BODY = requestBody(false);

/** `total` requests at 64 connections, RSS sampled after every tenth of them. */
async function sustained(origin: string, pid: number, total: number): Promise<number[]> {
  const pool = new Pool(origin, { connections: 64 });
  const samples = [await rssMiB(pid)];
  let sent = 0;
  let nextSample = total / 10;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (sent < total) {
        sent++;
        const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: HEADERS, body: BODY });
        await res.body.dump();
        if (sent >= nextSample) {
          nextSample += total / 10;
          samples.push(await rssMiB(pid));
        }
      }
    }),
  );
  await pool.close();
  return samples;
}

export async function run(total = 200_000): Promise<{ lines: string[]; peakRatio: number; slopePer100k: number }> {
  const { targets, stop } = await startTargets();
  try {
    const lines = [
      `| target | RSS idle MiB | RSS by tenths of ${total.toLocaleString('en-US')} requests (64 connections) | growth, 2nd half | slope, MiB per 100k |`,
      '|---|---:|---|---:|---:|',
    ];
    const under: Record<string, number> = {};
    let slopePer100k = Number.NaN;
    for (const t of targets.slice(1)) {
      const samples = await sustained(t.origin, t.process.pid, total);
      const half = samples.slice(Math.floor(samples.length / 2));
      under[t.name] = Math.max(...samples.slice(1));
      const growth = half[half.length - 1]! - half[0]!;
      if (t.name === 'switchyard') slopePer100k = growth / (total / 2 / 100_000);
      lines.push(
        `| ${t.name} | ${samples[0]!.toFixed(0)} | ${samples
          .slice(1)
          .map((s) => s.toFixed(0))
          .join(' → ')} | ${growth.toFixed(1)} MiB | ${(growth / (total / 2 / 100_000)).toFixed(1)} |`,
      );
    }
    const ratio = (under['switchyard'] ?? NaN) / (under['bare undici proxy'] ?? NaN);
    lines.push(
      '',
      `peak RSS under load: Switchyard ${under['switchyard']?.toFixed(0)} MiB, bare proxy ${under['bare undici proxy']?.toFixed(0)} MiB → ${ratio.toFixed(2)}x (target ≤ 1.3x)`,
    );
    return { lines, peakRatio: ratio, slopePer100k };
  } finally {
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines } = await run(Number(process.argv[2] ?? 200_000));
  console.log(lines.join('\n'));
}
