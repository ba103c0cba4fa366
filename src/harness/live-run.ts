import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { hashApiKey } from '../config/tenant-keys.js';
import { withMockUpstreams } from '../mock-upstream/mock-routes.js';
import type { MockUpstream } from '../mock-upstream/mock-upstream.js';
import { buildApp } from '../gateway/build-app.js';
import { createDefaultDeps } from '../gateway/gateway-deps.js';
import { percentile } from '../gateway/state/latency-window.js';
import { generateTraffic, type TrafficBatch, type TrafficShape } from './generate-traffic.js';
import type { PreparedOption } from './prepared-option.js';
import type { LiveConfig } from './scenario-schema.js';
import type { ScenarioDb } from './scenario-db.js';

export interface LiveResult {
  readonly option: string;
  readonly requests: number;
  readonly ok: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly ttftP95Ms?: number;
  readonly sloMs?: number;
  /** Share of requests answered within the SLO (time to first token for streams). */
  readonly sloMet?: number;
  readonly byKind: Readonly<Record<string, number>>;
  /** Tokens per second each route delivered within the SLO over the run (at the run's concurrency). */
  readonly tokensPerSecondByRoute: Readonly<Record<string, number>>;
}

const keyOf = (tenant: string) => `sk-live-${tenant}-0123456789abcdef`;
const MAX_PROMPT_CHARS = 32_000;

/** The scenario's request `i` as the gateway gets it: its tenant's key, tags and SLO, a prompt of its size. */
function liveRequest(shape: TrafficShape, batch: TrafficBatch, i: number) {
  const tenant = shape.tenants[batch.tenant[i] as number] as string;
  const input = batch.input[i] as number;
  const output = batch.output[i] as number;
  return {
    method: 'POST' as const,
    path: '/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${keyOf(tenant)}`,
      'x-switchyard-tags': (shape.tagsets[batch.tagset[i] as number] as readonly string[]).join(','),
      ...(shape.sloMs === undefined ? {} : { 'x-switchyard-slo-ms': String(shape.sloMs) }),
    },
    body: JSON.stringify({
      model: shape.models[batch.model[i] as number],
      stream: batch.stream[i] === 1,
      max_tokens: output,
      messages: [{ role: 'user', content: 'x'.repeat(Math.min(MAX_PROMPT_CHARS, input * 4)) }],
      mock: { usage: { prompt_tokens: input, completion_tokens: output } },
    }),
  };
}

/**
 * Runs one option for real: a mock upstream per route with its kind's latency profile, a Switchyard gateway
 * over them with the option's routes and policies, and the scenario's requests sent through it (as fast as
 * `concurrency` allows: time-compressed). Each mock speaks its route's wire format.
 */
async function runOption(
  option: PreparedOption,
  index: number,
  shape: TrafficShape,
  live: LiveConfig,
  seed: number,
  db: ScenarioDb,
): Promise<LiveResult> {
  let mocks = new Map<string, MockUpstream>();
  const file = option.file;
  // The live gateway's own decision log is scratch: the scenario keeps its rows in `live_requests`.
  const logDir = mkdtempSync(join(tmpdir(), 'switchyard-live-'));
  try {
    const started = await withMockUpstreams(
      file,
      option.configPath,
      (kind) => {
        const range = live.latency[kind];
        return range ? { latencyMs: { min: range.min_ms, max: range.max_ms } } : {};
      },
      {
        log: { dir: logDir },
        tenants: file.tenants.map((t) => ({ ...t, api_keys: [`sha256:${hashApiKey(keyOf(t.id))}`] })),
      },
    );
    mocks = started.mocks;
    const app = buildApp(started.loaded, await createDefaultDeps(started.loaded), { logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: live.concurrency ?? 16 });
    const n = live.requests ?? 400;
    const batch = generateTraffic(shape, n * (shape.input.mean + shape.output.mean), 1, seed);
    const rows: (string | number | boolean | null)[][] = [];
    const latencies: number[] = [];
    const ttfts: number[] = [];
    const byKind: Record<string, number> = {};
    let next = 0;
    let ok = 0;
    let met = 0;
    const tokensInSlo: Record<string, number> = {};
    const runStarted = performance.now();
    const worker = async () => {
      while (next < Math.min(n, batch.count)) {
        const i = next++;
        const input = batch.input[i] as number;
        const output = batch.output[i] as number;
        const stream = batch.stream[i] === 1;
        const t0 = performance.now();
        const res = await pool.request(liveRequest(shape, batch, i));
        let ttft: number | undefined;
        for await (const _ of res.body) ttft ??= performance.now() - t0;
        const total = performance.now() - t0;
        const kind = String(
          res.headers['x-switchyard-route']
            ? (option.routing.routes.find((r) => r.id === res.headers['x-switchyard-route'])?.kind ?? '?')
            : 'refused',
        );
        byKind[kind] = (byKind[kind] ?? 0) + 1;
        const judged = stream ? (ttft ?? total) : total;
        const inSlo = shape.sloMs === undefined || judged <= shape.sloMs;
        if (res.statusCode === 200) {
          ok++;
          latencies.push(total);
          if (stream && ttft !== undefined) ttfts.push(ttft);
          if (inSlo) {
            met++;
            const route = String(res.headers['x-switchyard-route']);
            tokensInSlo[route] = (tokensInSlo[route] ?? 0) + input + output;
          }
        }
        rows.push([
          index,
          i,
          String(res.headers['x-switchyard-route'] ?? ''),
          kind,
          res.statusCode,
          stream,
          Math.round(total * 1000) / 1000,
          ttft === undefined ? null : Math.round(ttft * 1000) / 1000,
          res.statusCode === 200 && inSlo,
        ]);
      }
    };
    await Promise.all(Array.from({ length: live.concurrency ?? 16 }, worker));
    const wallSeconds = (performance.now() - runStarted) / 1000;
    await pool.close();
    await app.close();
    await db.insert('live_requests', rows);
    latencies.sort((a, b) => a - b);
    ttfts.sort((a, b) => a - b);
    return {
      option: option.id,
      requests: rows.length,
      ok,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      ...(ttfts.length ? { ttftP95Ms: percentile(ttfts, 0.95) } : {}),
      ...(shape.sloMs === undefined ? {} : { sloMs: shape.sloMs, sloMet: ok === 0 ? 0 : met / rows.length }),
      byKind,
      tokensPerSecondByRoute: Object.fromEntries(
        Object.entries(tokensInSlo).map(([route, tokens]) => [route, Math.round(tokens / wallSeconds)]),
      ),
    };
  } finally {
    await Promise.all([...mocks.values()].map((m) => m.close()));
    rmSync(logDir, { recursive: true, force: true });
  }
}

/** Every option of the scenario, live, one after the other; rows go to `live_requests` in the scenario DB. */
export async function runLive(
  options: readonly PreparedOption[],
  shape: TrafficShape,
  live: LiveConfig,
  seed: number,
  db: ScenarioDb,
): Promise<LiveResult[]> {
  await db.connection.run(
    `CREATE TABLE IF NOT EXISTS live_requests (option_id UTINYINT, request INTEGER, route VARCHAR, kind VARCHAR, status INTEGER, stream BOOLEAN, latency_ms DOUBLE, ttft_ms DOUBLE, met_slo BOOLEAN)`,
  );
  const results: LiveResult[] = [];
  for (const [i, option] of options.entries()) results.push(await runOption(option, i, shape, live, seed, db));
  return results;
}
