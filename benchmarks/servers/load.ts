/** The two load shapes every gateway benchmark uses: one connection in sequence, and many for a while. */
import { Pool, type Client } from 'undici';
import { BENCH_HEADERS } from './bench-config.js';

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** `n` requests one after another on one keep-alive connection: each one's total time and time to first byte. */
export async function sequential(
  client: Client,
  n: number,
  body: string,
): Promise<{ total: number[]; ttft: number[] }> {
  const total: number[] = [];
  const ttft: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = nowMs();
    const res = await client.request({ method: 'POST', path: '/v1/chat/completions', headers: BENCH_HEADERS, body });
    let first = true;
    for await (const _ of res.body) {
      if (first) {
        ttft.push(nowMs() - t0);
        first = false;
      }
    }
    total.push(nowMs() - t0);
  }
  return { total, ttft };
}

/** `connections` loops for `ms`: requests per second and every request's time. */
export async function throughput(
  origin: string,
  connections: number,
  ms: number,
  body: string,
): Promise<{ rps: number; total: number[] }> {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const total: number[] = [];
  const started = nowMs();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (nowMs() < end) {
        const t0 = nowMs();
        const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: BENCH_HEADERS, body });
        await res.body.dump();
        total.push(nowMs() - t0);
      }
    }),
  );
  const seconds = (nowMs() - started) / 1000;
  await pool.close();
  return { rps: total.length / seconds, total };
}
