import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crossoverFromLog, crossoverView, FRESH_MS, REPLAY_REQUESTS_PER_POINT } from '../src/dashboard/crossover.js';
import type { LogRow } from '../src/duckdb/log-row.js';
import { DuckDbDecisionSink } from '../src/gateway/record/duckdb-decision-sink.js';
import { tempDir } from './helpers/hermetic.js';

// The dashboard's crossover replays a window of the log up to a scenario's largest volume (tens of seconds for a
// week): a view is answered again for a minute, and asks meanwhile share the one being computed.
const t0 = Date.now();
const row = (i: number): LogRow => ({
  ts: t0 - i * 60_000,
  requestId: `r${i}`,
  tenant: 'acme',
  endpoint: 'chat',
  requestedModel: 'gpt-5',
  model: 'gpt-5',
  route: 'direct',
  routeKind: 'direct',
  upstreamModel: 'gpt-5',
  tags: [],
  sensitivity: 'public',
  rules: [],
  stream: false,
  status: 200,
  attempts: [{ route: 'direct', status: 200, ms: 3 }],
  latencyMs: 3,
  inputTokens: 1000 + i,
  outputTokens: 300,
  cachedTokens: 0,
  reasoningTokens: 0,
  costPico: 4_250_000_000n,
  estimated: false,
});
const SCENARIO = `
name: small
volume: { tokens_per_day: [100000, 10000000] }
traffic: { models: { gpt-5: 1 }, input_tokens: { mean: 1000 }, output_tokens: { mean: 300 } }
options:
  - id: managed
    config:
      routes: [{ id: agg, kind: aggregator, base_url: "https://openrouter.ai/api/v1", clearance: internal, models: [gpt-5], pricing: { fee_percent: 5.5 } }]
  - id: self-hosted
    fixed_per_day_usd: { infra: 2 }
    config:
      routes: [{ id: direct, kind: direct, base_url: "https://api.openai.com/v1", clearance: confidential, models: [gpt-5] }]
`;

/** A decision log of `rows` in a new folder, and `scenario` written beside it as `name`. */
async function logAndScenario(name: string, rows: LogRow[], scenario: string) {
  const dir = tempDir(`switchyard-crossover-${name}`);
  const sink = await DuckDbDecisionSink.open({ dir: join(dir, 'log') }, { now: () => t0 });
  for (const r of rows) sink.record(r);
  await sink.close();
  writeFileSync(join(dir, `${name}.scenario.yaml`), scenario);
  return { log: join(dir, 'log'), scenario: join(dir, `${name}.scenario.yaml`) };
}
const LARGE = SCENARIO.replace('[100000, 10000000]', '[100000, 100000000]');

describe("the dashboard's crossover", () => {
  it('is priced once a minute per scenario and window, and asks meanwhile share one replay', async () => {
    const { log, scenario } = await logAndScenario(
      'small',
      Array.from({ length: 40 }, (_, i) => row(i)),
      SCENARIO,
    );
    const ask = (atMs: number, days = 7) => crossoverView(scenario, log, days, atMs);

    const [first, meanwhile] = await Promise.all([ask(t0), ask(t0 + 10)]);
    expect(meanwhile).toBe(first);
    expect(first).toMatchObject({ requests: 40, pricedAtMs: t0 });
    expect(first.crossovers[0]).toMatchObject({ cheaperBelow: 'managed', cheaperAbove: 'self-hosted' });
    expect(await ask(t0 + FRESH_MS - 1)).toBe(first);
    // Another window is another view; past the minute, the log is read and replayed again.
    expect((await ask(t0 + 1, 1)).pricedAtMs).toBe(t0 + 1);
    const later = await ask(t0 + FRESH_MS);
    expect(later).not.toBe(first);
    expect(later).toMatchObject({ requests: 40, pricedAtMs: t0 + FRESH_MS, crossovers: first.crossovers });
  });

  it('sweeps no further than a click should wait: a log of short requests is priced, not refused', async () => {
    // Requests refused before any answer are logged with a few estimated input tokens: at a scenario's largest volume
    // their replay would be tens of millions of requests, past what one volume point may replay at all.
    const { log, scenario } = await logAndScenario(
      'short',
      Array.from({ length: 40 }, (_, i) => ({ ...row(i), inputTokens: 2, outputTokens: 0 })),
      LARGE,
    );

    const view = await crossoverFromLog(scenario, log, 7, t0);
    // Three tokens a request (two in, and the fit's floor of one out): the sweep ends where a point replays the most.
    const largest = view.points.at(-1)!.tokensPerDay;
    expect(largest).toBeLessThanOrEqual(REPLAY_REQUESTS_PER_POINT * 3);
    expect(largest).toBeGreaterThan(REPLAY_REQUESTS_PER_POINT * 3 * 0.99);
    expect(view.points.length).toBeGreaterThanOrEqual(12);
  });

  it('keeps a decade below the cap when the log alone is past it, over the days the scenario replays', async () => {
    // 1,500 requests of three tokens within the hour: 108,000 tokens a day observed, past the 85,714 at which a point
    // of a seven-day scenario replays its 200,000. A tenth of the observed volume would start the sweep at 10,800; it
    // starts a decade below the cap.
    const { log, scenario } = await logAndScenario(
      'week',
      Array.from({ length: 1500 }, (_, i) => ({
        ...row(0),
        ts: t0 - i * 2000,
        requestId: `b${i}`,
        inputTokens: 2,
        outputTokens: 1,
      })),
      `days: 7\n${LARGE}`,
    );

    const { points, observedTokensPerDay } = await crossoverFromLog(scenario, log, 7, t0);
    const cap = (REPLAY_REQUESTS_PER_POINT / 7) * 3;
    expect(observedTokensPerDay).toBeGreaterThan(cap);
    expect(points.at(-1)!.tokensPerDay).toBeLessThanOrEqual(cap);
    expect(points[0]!.tokensPerDay).toBeLessThanOrEqual(points.at(-1)!.tokensPerDay / 10);
  });
});
