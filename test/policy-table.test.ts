import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { planRoute, type RouteStats } from '../src/engine/planner.js';
import { NO_SPEND, type RequestFacts } from '../src/engine/request-facts.js';
import type { RoutingConfig } from '../src/engine/routing-config.js';
import { usdToPico } from '../src/engine/money.js';

// Table tests for policies/default.rules.json on switchyard.example.yaml: facts in, route out.
let routing: RoutingConfig;
beforeAll(async () => {
  ({ routing } = await loadConfig(new URL('../switchyard.example.yaml', import.meta.url).pathname));
});

const NOON = Date.parse('2026-11-26T12:00:00Z');
const request = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  tenant: 'acme',
  model: 'gpt-5',
  endpoint: 'chat',
  tags: [],
  inputTokens: 1000,
  maxOutputTokens: 500,
  stream: false,
  nowMs: NOON,
  spend: NO_SPEND,
  ...over,
});
const spent = (usd: number) => ({ dailyPico: usdToPico(usd), monthlyPico: usdToPico(usd) });

describe('default policy on the example config', () => {
  const cases: {
    name: string;
    req: Partial<RequestFacts>;
    stats?: RouteStats;
    routes: string[];
    model?: string;
    rules?: string[];
    denial?: string;
    notes?: string[];
  }[] = [
    { name: 'public gpt-5 goes direct, aggregator as fallback', req: {}, routes: ['openai-direct', 'openrouter'] },
    {
      name: 'confidential stays off the aggregator',
      req: { tags: ['finance'] },
      routes: ['openai-direct'],
      rules: ['confidential-stays-off-aggregators'],
    },
    {
      name: 'phi goes to the on-prem model',
      req: { tags: ['phi'] },
      routes: ['onprem-gpu'],
      model: 'llama-3.3-70b',
      rules: ['restricted-uses-onprem-model'],
    },
    {
      name: "the tenant's default phi tag holds",
      req: { tenant: 'clinic' },
      routes: ['onprem-gpu'],
      model: 'llama-3.3-70b',
      rules: ['restricted-uses-onprem-model'],
    },
    {
      name: 'a tag added by a rule is seen by the other rules',
      req: { tags: ['patient'] },
      routes: ['onprem-gpu'],
      model: 'llama-3.3-70b',
      rules: ['patient-means-phi', 'restricted-uses-onprem-model'],
    },
    {
      name: 'negotiated direct price beats the aggregator fee',
      req: { model: 'claude-sonnet-4-6' },
      routes: ['anthropic-direct', 'openrouter'],
    },
    { name: 'only the aggregator serves gemini', req: { model: 'gemini-2.5-pro' }, routes: ['openrouter'] },
    {
      name: 'huge max_tokens is denied by rule',
      req: { maxOutputTokens: 40000 },
      routes: [],
      denial: 'max_tokens_too_large',
      rules: ['huge-outputs-denied'],
    },
    {
      name: 'long prompts skip the aggregator',
      req: { model: 'gemini-2.5-pro', inputTokens: 150_000 },
      routes: [],
      denial: 'no_eligible_route',
      rules: ['long-prompts-skip-aggregator-fee'],
    },
    {
      name: 'low remaining budget moves gpt-5 to gpt-5-mini',
      req: { spend: spent(48.5) },
      routes: ['openai-direct', 'openrouter'],
      model: 'gpt-5-mini',
      rules: ['low-budget-uses-small-model'],
    },
    {
      name: 'embeddings go to the only route that serves them',
      req: { model: 'text-embedding-3-small', endpoint: 'embeddings', maxOutputTokens: undefined },
      routes: ['openai-direct'],
    },
    { name: 'unknown model', req: { model: 'gpt-9' }, routes: [], denial: 'model_not_found' },
    {
      name: 'tight streaming SLO drops the slow aggregator',
      req: { stream: true, sloMs: 800 },
      routes: ['openai-direct'],
      rules: ['tight-slo-prefers-direct'],
    },
    {
      name: 'an SLO nobody meets is noted, not fatal',
      req: { sloMs: 100 },
      routes: ['openai-direct', 'openrouter'],
      rules: ['tight-slo-prefers-direct'],
      notes: ['slo_unmet'],
    },
    {
      name: 'open circuit on direct fails over to the aggregator',
      req: {},
      stats: new Map([['openai-direct', { circuit: 'open' as const }]]),
      routes: ['openrouter'],
    },
    {
      name: 'phi with on-prem down fails closed',
      req: { tags: ['phi'] },
      stats: new Map([['onprem-gpu', { circuit: 'open' as const }]]),
      routes: [],
      rules: ['restricted-uses-onprem-model'],
      denial: 'routes_unavailable',
    },
    {
      name: 'observed latency outweighs the prior once there are enough samples',
      req: { sloMs: 4500 },
      stats: new Map([
        [
          'openai-direct',
          { circuit: 'closed' as const, latency: new Map([['gpt-5', { samples: 50, p50Ms: 2000, p95Ms: 5000 }]]) },
        ],
      ]),
      routes: ['openrouter'],
    },
    {
      name: 'too few samples: the prior still decides',
      req: { sloMs: 4500 },
      stats: new Map([
        [
          'openai-direct',
          { circuit: 'closed' as const, latency: new Map([['gpt-5', { samples: 5, p50Ms: 2000, p95Ms: 5000 }]]) },
        ],
      ]),
      routes: ['openai-direct', 'openrouter'],
    },
    {
      name: 'over budget with downgrade serves the cheaper model',
      req: { model: 'claude-sonnet-4-6', spend: spent(49.98), maxOutputTokens: 8000 },
      routes: ['openai-direct', 'openrouter'],
      model: 'gpt-5-mini',
      notes: ['budget_downgrade'],
    },
    {
      name: 'over budget with deny when even the downgrade does not fit',
      req: { model: 'claude-sonnet-4-6', spend: spent(49.999), maxOutputTokens: 8000 },
      routes: [],
      denial: 'budget_exceeded',
    },
    {
      name: 'over budget with cheapest and nothing fits is denied',
      req: { tenant: 'research', spend: spent(4.99999) },
      routes: [],
      rules: ['low-budget-uses-small-model'],
      denial: 'budget_exceeded',
    },
    {
      name: 'over budget with cheapest still serves phi on-prem (zero marginal)',
      req: { tenant: 'research', tags: ['phi'], spend: spent(5) },
      routes: ['onprem-gpu'],
      rules: ['restricted-uses-onprem-model', 'low-budget-uses-small-model'],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const d = planRoute(request(c.req), routing, c.stats);
      expect(d.candidates.map((x) => x.route)).toEqual(c.routes);
      if (c.model) expect(d.model).toBe(c.model);
      // Every row says which rules fired and what bent (none, when it says nothing).
      expect(d.rulesFired).toEqual(c.rules ?? []);
      expect(d.denial?.code).toBe(c.denial);
      expect(d.notes).toEqual(c.notes ?? []);
    });
  }

  it('gives every excluded route a reason', () => {
    const d = planRoute(request({ tags: ['phi'] }), routing);
    expect(d.excluded.map((e) => [e.route, e.reason])).toEqual([
      ['openrouter', 'clearance'],
      ['openai-direct', 'clearance'],
      ['anthropic-direct', 'clearance'],
    ]);
  });

  it('prices the aggregator at catalogue + 5.5 % exactly', () => {
    const d = planRoute(request({ inputTokens: 1000, maxOutputTokens: 500 }), routing);
    const direct = d.candidates.find((c) => c.route === 'openai-direct');
    const aggregator = d.candidates.find((c) => c.route === 'openrouter');
    // gpt-5: $1.25 / $10 per M tokens → 1000 × 1.25 µ$ + 500 × 10 µ$ = $0.00625.
    expect(direct?.expectedCostPico).toBe(6_250_000_000);
    expect(aggregator?.expectedCostPico).toBe(Math.round(1_250_000 * 1.055) * 1000 + 10_550_000 * 500);
  });

  it('bills every answer asked for: n choices multiply the expected and the most output', () => {
    const one = planRoute(request({ inputTokens: 1000, maxOutputTokens: 500 }), routing).candidates.find(
      (c) => c.route === 'openai-direct',
    );
    const eight = planRoute(request({ inputTokens: 1000, maxOutputTokens: 500, choices: 8 }), routing).candidates.find(
      (c) => c.route === 'openai-direct',
    );
    // gpt-5: 1000 × 1.25 µ$ in, then 500 (or 8 × 500) × 10 µ$ out.
    expect(one?.maxCostPico).toBe(1_250_000_000 + 5_000_000_000);
    expect(eight?.maxCostPico).toBe(1_250_000_000 + 8 * 5_000_000_000);
    expect(eight?.expectedCostPico).toBe(1_250_000_000 + 8 * 5_000_000_000);
  });

  it('is deterministic: the same inputs give the same decision', () => {
    const a = planRoute(request({ tags: ['finance'], stream: true, sloMs: 900 }), routing);
    const b = planRoute(request({ tags: ['finance'], stream: true, sloMs: 900 }), routing);
    expect(b).toEqual(a);
  });
});
