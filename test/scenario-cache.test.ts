import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../src/harness/load-scenario.js';
import { runScenario } from '../src/harness/run-scenario.js';
import { writeReports } from '../src/harness/write-reports.js';
import { tempDir } from './helpers/hermetic.js';
import { ROOT } from './helpers/run-cli.js';

// A managed aggregator (no cache) against direct keys behind a self-hosted proxy with a response cache, at a 30 % hit
// share. 30 % of the traffic is `phi`: at the top level, it is never a hit unless the option's cache allows
// on-prem memory.
const policies = `policies: [${join(ROOT, 'policies/default.rules.json')}]`;
const scenario = (hitShare: number, restricted = '') => `
name: cache
seed: 3
volume: { from: 100000, to: 50000000, points: 7 }
traffic:
  models: { gpt-5: 1 }
  input_tokens: { mean: 1500, sigma: 0.5 }
  output_tokens: { mean: 400, sigma: 0.5 }
  tags: [{ tags: [phi], share: 0.3 }]
  cache_hit_share: ${hitShare}
options:
  - id: managed
    config:
      ${policies}
      routes:
        - { id: agg, kind: aggregator, base_url: "https://openrouter.ai/api/v1", clearance: internal, models: [gpt-5, gpt-5-mini], pricing: { fee_percent: 5.5 } }
        - { id: gpu, kind: onprem, base_url: "http://gpu.internal/v1", clearance: restricted, models: [llama-3.3-70b], pricing: { fixed_per_hour_usd: 2 } }
  - id: self-hosted
    fixed_per_day_usd: { infra: 1, ops: 1 }
    config:
      ${policies}
      cache: { store: memory${restricted} }
      routes:
        - { id: openai, kind: direct, base_url: "https://api.openai.com/v1", clearance: confidential, models: [gpt-5, gpt-5-mini] }
        - { id: gpu, kind: onprem, base_url: "http://gpu.internal/v1", clearance: restricted, models: [llama-3.3-70b], pricing: { fixed_per_hour_usd: 2 } }
`;

async function run(text: string) {
  const path = join(tempDir('switchyard-scenario-cache'), 'cache.scenario.yaml');
  writeFileSync(path, text);
  return runScenario(await loadScenario(path), { dbPath: ':memory:' });
}

describe('a scenario with a response cache', () => {
  it('answers the hit share at $0 in the option that caches, never a phi request, and says how far it moves the crossover', async () => {
    const [cached, none] = await Promise.all([run(scenario(0.3)), run(scenario(0))]);
    const at = (r: typeof cached, option: string, v = 5e7) =>
      r.costs.find((c) => c.option === option && c.tokensPerDay === v)!;
    const hosted = at(cached, 'self-hosted');
    const plain = at(none, 'self-hosted');
    // The very same requests: only the cache's answers differ.
    expect(hosted.requestsPerDay).toBe(plain.requestsPerDay);
    expect(hosted.realizedTokensPerDay).toBe(plain.realizedTokensPerDay);
    // 30 % of the 70 % that is not phi.
    expect(hosted.cached / hosted.requestsPerDay).toBeCloseTo(0.21, 1);
    expect(hosted.tokenPico + hosted.savedPico).toBe(plain.tokenPico);
    // phi is on-prem, its tokens free: the saving is the hits' share of what the direct route costs.
    expect(Number(hosted.tokenPico) / Number(plain.tokenPico)).toBeCloseTo(0.7, 1);
    // The aggregator's option has no cache: every repeat goes upstream.
    expect(at(cached, 'managed').cached).toBe(0);
    expect(at(cached, 'managed').totalPico).toBe(at(none, 'managed').totalPico);

    // The cache moves the crossover down; "without" is what the same scenario gives with no hits.
    expect(none.crossovers).toHaveLength(1);
    expect(cached.crossovers).toHaveLength(1);
    const shift = cached.cache!.shifts[0]!;
    expect(shift.withoutCache).toBe(none.crossovers[0]!.tokensPerDay);
    expect(shift.withCache).toBe(cached.crossovers[0]!.tokensPerDay);
    expect(shift.withCache!).toBeLessThan(shift.withoutCache! * 0.85);
    expect(cached.cache!.caching).toEqual(['self-hosted']);

    const dir = tempDir('switchyard-scenario-cache-report');
    writeReports(cached, dir);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(
      /## Response cache\n\n- 30 % of requests repeat an earlier one; .*self-hosted saves \$[\d,.]+ a day/,
    );
    expect(md).toMatch(/managed and self-hosted cross at ≈[\d.]+M tokens\/day with the cache, ≈[\d.]+M without/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.cache.crossovers[0].without_cache).toBe(shift.withoutCache);
  });

  it('lets phi hit only on-prem, and only with restricted: onprem_memory', async () => {
    const [never, onprem] = await Promise.all([run(scenario(0.5)), run(scenario(0.5, ', restricted: onprem_memory'))]);
    const hosted = (r: typeof never) => r.costs.find((c) => c.option === 'self-hosted' && c.tokensPerDay === 5e7)!;
    expect(hosted(never).cached / hosted(never).requestsPerDay).toBeCloseTo(0.35, 1);
    expect(hosted(onprem).cached / hosted(onprem).requestsPerDay).toBeCloseTo(0.5, 1);
  });

  it('says so when no option caches', async () => {
    const result = await run(scenario(0.3).replace(/ {6}cache: .*\n/, ''));
    expect(result.cache).toEqual({ hitShare: 0.3, caching: [], shifts: [] });
  });
});
