/**
 * The dashboard on a big log, and what it costs the request path:
 * 1. A decision log of 10,000,000 rows (Parquet, spread over the last 30 days): the time each page's first
 *    question takes, asked of a gateway process that has just started (no cache warmed).
 * 2. Added p50 on the request path with 5 dashboards open (each holding the live overview's event stream),
 *    against none, alternating the two in one run.
 * Run: `npm run build && npx tsx benchmarks/dashboard.bench.ts [ROWS]`
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client, request } from 'undici';
import { startProcess } from '../test/helpers/start-process.js';
import { BENCH_HEADERS, benchConfig, requestBody } from './servers/bench-config.js';
import { nowMs } from './servers/load.js';

const root = new URL('../', import.meta.url).pathname;
const ROWS = Number(process.argv[2] ?? 10_000_000);
const ADMIN = { authorization: 'Bearer bench-admin-key' };
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

/** `rows` logged requests over the last 30 days, written as Parquet segments the way the gateway names them. */
async function writeLog(dir: string, rows: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const now = Date.now();
  const segments = 10;
  for (let s = 0; s < segments; s++) {
    const per = Math.ceil(rows / segments);
    await c.run(`COPY (
      SELECT to_timestamp((${now} - (i * 2592000000 // ${rows}))::DOUBLE / 1000) AS ts,
             'bench-' || i::VARCHAR AS request_id,
             ['acme','clinic','research','ops'][1 + i % 4] AS tenant, 'chat' AS endpoint,
             ['gpt-5','gpt-5-mini','claude-sonnet-4-6'][1 + i % 3] AS requested_model,
             ['gpt-5','gpt-5-mini','llama-3.3-70b'][1 + i % 3] AS model,
             ['gpt-5','gpt-5-mini','llama-3.3-70b'][1 + i % 3] AS upstream_model,
             ['direct','agg','gpu'][1 + i % 3] AS route, ['direct','aggregator','onprem'][1 + i % 3] AS route_kind,
             CASE WHEN i % 5 = 0 THEN ['phi'] ELSE []::VARCHAR[] END AS tags,
             CASE WHEN i % 5 = 0 THEN 'restricted' ELSE 'public' END AS sensitivity, []::VARCHAR[] AS residency,
             []::VARCHAR[] AS rules, i % 7 = 0 AS stream, CASE WHEN i % 50 = 0 THEN 503 ELSE 200 END AS status,
             CASE WHEN i % 50 = 0 THEN 'routes_unavailable' END AS error_code,
             '[{"route":"direct","status":200,"ms":412}]'::JSON AS attempts, 120.0 AS ttft_ms,
             (200 + i % 900)::DOUBLE AS latency_ms, (100 + i % 3000)::INTEGER AS input_tokens,
             (50 + i % 800)::INTEGER AS output_tokens, 0 AS cached_tokens, 0 AS reasoning_tokens,
             ((i % 1000) / 1e6)::DECIMAL(38, 12) AS cost_usd, false AS estimated, NULL::VARCHAR AS row_problem,
             'bench:1' AS instance, NULL::VARCHAR AS caller_request_id,
             CASE WHEN i % 3 = 0 THEN 'key_bench_' || (i % 100)::VARCHAR END AS key_id,
             '[{"route":"agg","reason":"clearance","detail":"clearance internal < restricted"}]'::JSON AS excluded,
             ((i % 1000) / 1e6)::DOUBLE AS expected_cost_usd
        FROM range(${s * per}, ${Math.min(rows, (s + 1) * per)}) t(i)
      ) TO '${join(dir, `bench-${s}.parquet`)}' (FORMAT parquet)`);
  }
  c.closeSync();
  db.closeSync();
}

async function timed(port: number, path: string): Promise<number> {
  const t0 = nowMs();
  const res = await request(`http://127.0.0.1:${port}${path}`, { headers: ADMIN });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode}`);
  return nowMs() - t0;
}

async function firstViews(upstreamPort: number): Promise<void> {
  const config = benchConfig(root, upstreamPort);
  const dir = join(mkdtempSync(join(tmpdir(), 'switchyard-dash-')), 'log');
  const t0 = nowMs();
  await writeLog(dir, ROWS);
  console.log(`${ROWS.toLocaleString('en-US')} rows written as Parquet in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
  // The bench config's own log directory replaced by the big one.
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^log: .*$/m, `log: { dir: ${dir}, roll_seconds: 60 }`));
  const started = nowMs();
  const gateway = await startProcess([join(root, 'bin/switchyard.js'), 'serve', '--config', config, '--port', '0']);
  console.log(`gateway ready in ${((nowMs() - started) / 1000).toFixed(1)} s (the ledger restored from the log)`);
  try {
    // Signing in starts the query thread and the spend rollup, as the browser's sign-in does.
    const signIn = await request(`http://127.0.0.1:${gateway.port}/ui/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'bench-admin-key' }),
    });
    await signIn.body.dump();
    const pages: [string, string][] = [
      ['Overview', '/ui/api/overview'],
      ['Routes (recent failures)', '/ui/api/routes'],
      ['Decisions (newest 50)', '/ui/api/decisions'],
      ['Decisions filtered (tenant, tag)', '/ui/api/decisions?tenant=clinic&tag=phi'],
      ['Decisions, next page', `/ui/api/decisions?before_ts=${Date.now() - 86_400_000}&before_id=bench-5`],
      ['One decision', `/ui/api/decisions/bench-${Math.floor(ROWS / 2)}`],
      ['Spend by tenant, month', '/ui/api/spend?by=tenant&range=month'],
      ['Spend by tag, week', '/ui/api/spend?by=tag&range=week'],
      ['Spend by key, day', '/ui/api/spend?by=key&range=day'],
    ];
    console.log('asked right after signing in, in this order:');
    console.log('| page | first view | again |');
    console.log('|---|---|---|');
    for (const [name, path] of pages) {
      const first = await timed(gateway.port, path);
      const again = await timed(gateway.port, path);
      console.log(`| ${name} | ${first.toFixed(0)} ms | ${again.toFixed(0)} ms |`);
    }
  } finally {
    await gateway.stop();
  }
}

/** Holds the live overview open, as a browser tab would, until `stop`. */
function openDashboard(port: number): { stop(): void } {
  const controller = new AbortController();
  void request(`http://127.0.0.1:${port}/ui/api/live`, { headers: ADMIN, signal: controller.signal })
    .then(async (res) => {
      for await (const _ of res.body);
    })
    .catch(() => undefined);
  return { stop: () => controller.abort() };
}

async function addedP50(upstreamPort: number): Promise<void> {
  const gateway = await startProcess([
    join(root, 'bin/switchyard.js'),
    'serve',
    '--config',
    benchConfig(root, upstreamPort),
    '--port',
    '0',
  ]);
  const client = new Client(`http://127.0.0.1:${gateway.port}`, { pipelining: 1 });
  const body = requestBody(false);
  const run = async (n: number) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = nowMs();
      const res = await client.request({ method: 'POST', path: '/v1/chat/completions', headers: BENCH_HEADERS, body });
      await res.body.dump();
      xs.push(nowMs() - t0);
    }
    return xs;
  };
  try {
    await run(500);
    const none: number[] = [];
    const five: number[] = [];
    for (let round = 0; round < 4; round++) {
      none.push(...(await run(1000)));
      const tabs = Array.from({ length: 5 }, () => openDashboard(gateway.port));
      five.push(...(await run(1000)));
      for (const t of tabs) t.stop();
    }
    const [a, b] = [pct(none, 0.5), pct(five, 0.5)];
    console.log(`request path, one connection, 4,000 requests each, alternated in rounds of 1,000:`);
    console.log(`  no dashboard open   p50 ${a.toFixed(3)} ms  p99 ${pct(none, 0.99).toFixed(3)} ms`);
    console.log(`  5 dashboards open   p50 ${b.toFixed(3)} ms  p99 ${pct(five, 0.99).toFixed(3)} ms`);
    console.log(`  added p50: ${(b - a).toFixed(3)} ms`);
  } finally {
    await client.close();
    await gateway.stop();
  }
}

const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
try {
  await firstViews(upstream.port);
  await addedP50(upstream.port);
} finally {
  await upstream.stop();
}
