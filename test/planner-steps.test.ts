import { describe, expect, it } from 'vitest';
import { buildPolicy, compilePolicyFile } from '../src/engine/compile-rules.js';
import type { RoutingFile } from '../src/engine/config-schema.js';
import { usdToPico } from '../src/engine/money.js';
import { planRoute, type RouteHealth } from '../src/engine/planner.js';
import { NO_SPEND, type RequestFacts } from '../src/engine/request-facts.js';
import { prepareRouting } from '../src/engine/routing-config.js';

// Each step of the planner on a small hand-made config, so every number below can be worked out by hand:
// per-token prices are whole micro-dollars per token = 1e6 pico-dollars.
const P = (input: number, output: number, more: object = {}) => ({
  input_per_mtok: input,
  output_per_mtok: output,
  ...more,
});
const file: RoutingFile = {
  routes: [
    {
      id: 'agg',
      kind: 'aggregator',
      clearance: 'internal',
      models: '*',
      pricing: { fee_percent: 10, models: { m: P(1, 2), small: P(0.1, 0.2), tie: P(1, 2) } },
      latency: { p50_ms: 300, p95_ms: 900 },
    },
    {
      id: 'direct',
      kind: 'direct',
      clearance: 'confidential',
      models: ['m', 'small', 'capped', 'tie'],
      pricing: {
        models: { m: P(1, 2), small: P(0.1, 0.2), capped: P(1, 2, { max_output_tokens: 100 }), tie: P(1, 2) },
      },
      latency: { p50_ms: 200, p95_ms: 600, ttft_p95_ms: 150 },
    },
    {
      id: 'twin',
      kind: 'direct',
      clearance: 'confidential',
      models: ['tie'],
      pricing: { models: { tie: P(1, 2) } },
      latency: { p50_ms: 200 },
    },
    { id: 'late', kind: 'direct', clearance: 'confidential', models: ['tie'], pricing: { models: { tie: P(1, 2) } } },
    {
      id: 'gpu',
      kind: 'onprem',
      clearance: 'restricted',
      models: { m: 'llama', small: 'llama-small' },
      pricing: { fixed_per_hour_usd: 1 },
      latency: { p95_ms: 5000 },
    },
  ],
  tenants: [
    { id: 'plain', api_keys: ['x'], default_tags: ['zeta'] },
    { id: 'day', api_keys: ['x'], budget: { daily_usd: 1, on_exceed: 'deny' } },
    { id: 'month', api_keys: ['x'], budget: { monthly_usd: 10, on_exceed: 'deny' } },
    { id: 'both', api_keys: ['x'], budget: { daily_usd: 5, monthly_usd: 10, on_exceed: 'deny' } },
    { id: 'down', api_keys: ['x'], budget: { daily_usd: 1, on_exceed: 'downgrade', downgrade_to: 'small' } },
    { id: 'cheap', api_keys: ['x'], budget: { daily_usd: 1, on_exceed: 'cheapest' } },
    { id: 'narrow', api_keys: ['x'], models: ['small'] },
  ],
  planner: { min_latency_samples: 10, expected_output_tokens: 100 },
};
const rule = (name: string, fact: string, operator: string, value: unknown, event: object, priority = 10) => ({
  name,
  priority,
  conditions: { all: [{ fact, operator, value }] },
  event,
});
const addTag = (tag: string) => ({ type: 'add-tags', params: { tags: [tag] } });
const policy = buildPolicy(
  compilePolicyFile(
    {
      rules: [
        rule(
          'blocked',
          'tags',
          'contains',
          'blocked',
          { type: 'deny', params: { code: 'blocked_tag', message: 'not this' } },
          100,
        ),
        rule('a-b', 'tags', 'contains', 'a', addTag('b')),
        rule('b-c', 'tags', 'contains', 'b', addTag('c')),
        rule('c-phi', 'tags', 'contains', 'c', addTag('phi')),
        rule('only-direct', 'tags', 'contains', 'req-direct', { type: 'require', params: { routes: ['direct'] } }),
        rule('no-agg', 'tags', 'contains', 'no-agg', { type: 'exclude', params: { kinds: ['aggregator'] } }),
        rule('prefer-twin', 'tags', 'contains', 'prefer-twin', { type: 'prefer', params: { routes: ['twin'] } }),
        rule('prefer-paid', 'tags', 'contains', 'prefer-paid', {
          type: 'prefer',
          params: { kinds: ['aggregator', 'direct'] },
        }),
        rule('prefer-agg', 'tags', 'contains', 'prefer-paid', { type: 'prefer', params: { kinds: ['aggregator'] } }),
        rule('spent-day', 'budgetDailySpentUsd', 'greaterThan', 0.5, addTag('spent-day')),
        rule('spent-month', 'budgetMonthlySpentUsd', 'greaterThan', 0.5, addTag('spent-month')),
        rule('low-month', 'budgetMonthlyRemainingUsd', 'lessThan', 9.75, addTag('low-month')),
        rule('hour-13', 'hourUtc', 'equal', 13, addTag('hour-13')),
        rule('monday', 'dayOfWeek', 'equal', 1, addTag('monday')),
      ],
    },
    'test',
  ),
);
const routing = prepareRouting(file, new Map(), policy);

// Monday 2026-11-30, 13:20 UTC; Sunday noon, when the time rules do not fire.
const NOW = Date.UTC(2026, 10, 30, 13, 20);
const SUNDAY = Date.UTC(2026, 10, 29, 12);
const req = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  tenant: 'plain',
  model: 'm',
  endpoint: 'chat',
  tags: [],
  inputTokens: 1000,
  maxOutputTokens: 500,
  stream: false,
  nowMs: NOW,
  spend: NO_SPEND,
  ...over,
});
const spend = (dayUsd: number, monthUsd = dayUsd) => ({
  dailyPico: usdToPico(dayUsd),
  monthlyPico: usdToPico(monthUsd),
});
const routes = (d: ReturnType<typeof planRoute>) => d.candidates.map((c) => c.route);
const excluded = (d: ReturnType<typeof planRoute>) =>
  Object.fromEntries(d.excluded.map((e) => [e.route, `${e.reason}: ${e.detail}`]));

describe('tenants, tags and rules', () => {
  it('an unknown tenant is denied, with its tags and their level', () => {
    const d = planRoute(req({ tenant: 'ghost', tags: ['phi'] }), routing);
    expect(d).toEqual({
      candidates: [],
      excluded: [],
      rulesFired: [],
      model: 'm',
      tags: ['phi'],
      sensitivity: 'restricted',
      notes: [],
      denial: { code: 'unknown_tenant', message: "unknown tenant 'ghost'" },
    });
  });

  it("merges the tenant's default tags with the request's, sorted, without duplicates", () => {
    expect(planRoute(req({ tags: ['zeta', 'alpha'], nowMs: SUNDAY }), routing).tags).toEqual(['alpha', 'zeta']);
    expect(planRoute(req({ tags: [], nowMs: SUNDAY }), routing).tags).toEqual(['zeta']);
  });

  it('runs the policy again while rules add tags, so a chain of three reaches phi', () => {
    const d = planRoute(req({ tags: ['a'], nowMs: SUNDAY }), routing);
    expect(d.tags).toEqual(['a', 'b', 'c', 'phi', 'zeta']);
    expect(d.sensitivity).toBe('restricted');
    expect(d.rulesFired).toEqual(['a-b', 'b-c', 'c-phi']);
    expect(routes(d)).toEqual(['gpu']);
  });

  it('a deny rule answers with its code, message and name before anything else', () => {
    const d = planRoute(req({ tags: ['blocked'] }), routing);
    expect(d.denial).toEqual({ code: 'blocked_tag', message: 'not this', rule: 'blocked' });
    expect(d.candidates).toEqual([]);
  });

  it('a model the tenant may not use, or no route serves, is model_not_found naming both', () => {
    expect(planRoute(req({ tenant: 'narrow' }), routing).denial).toEqual({
      code: 'model_not_found',
      message: "the model 'm' does not exist or tenant 'narrow' may not use it",
    });
    expect(routes(planRoute(req({ tenant: 'narrow', model: 'small' }), routing))).toEqual(['gpu', 'direct', 'agg']);
  });

  it('a level name is a tag for that level', () => {
    expect(planRoute(req({ tags: ['restricted'], nowMs: SUNDAY }), routing)).toMatchObject({
      sensitivity: 'restricted',
      candidates: [{ route: 'gpu' }],
    });
    expect(planRoute(req({ tags: ['confidential'], nowMs: SUNDAY }), routing).sensitivity).toBe('confidential');
    expect(
      routing.knownTags.has('restricted') &&
        routing.knownTags.has('a') &&
        routing.knownTags.has('phi') &&
        routing.knownTags.has('zeta'),
    ).toBe(true);
    expect(routing.knownTags.has('nonsense')).toBe(false);
  });

  it("what the detector found becomes tags through the config's table", () => {
    expect(planRoute(req({ detected: ['ssn'], nowMs: SUNDAY }), routing)).toMatchObject({
      tags: ['pii', 'zeta'],
      sensitivity: 'restricted',
    });
    // An analyzer that failed means the top level unless the config fails open; a kind no table lists means nothing.
    expect(planRoute(req({ detected: ['analyzer_failed'], nowMs: SUNDAY }), routing).sensitivity).toBe('restricted');
    expect(planRoute(req({ detected: ['PERSON'], nowMs: SUNDAY }), routing).tags).toEqual(['zeta']);
    const relaxed = prepareRouting(
      {
        ...file,
        sensitivity: { detect: { email: 'internal' }, analyzer: { url: 'http://127.0.0.1:1', on_error: 'fail_open' } },
      },
      new Map(),
      policy,
    );
    expect(planRoute(req({ detected: ['email'], nowMs: SUNDAY }), relaxed)).toMatchObject({
      tags: ['internal', 'zeta'],
      sensitivity: 'internal',
    });
    expect(planRoute(req({ detected: ['analyzer_failed'], nowMs: SUNDAY }), relaxed).sensitivity).toBe('public');
  });

  it('rules see the hour and the weekday in UTC', () => {
    expect(planRoute(req(), routing).tags).toEqual(['hour-13', 'monday', 'zeta']);
    const sundayNoon = Date.UTC(2026, 10, 29, 12);
    expect(planRoute(req({ nowMs: sundayNoon }), routing).tags).toEqual(['zeta']);
  });

  it('rules see spend and what is left only for tenants with that budget', () => {
    expect(planRoute(req({ tenant: 'both', spend: spend(0.6, 0.6) }), routing).tags).toEqual(
      expect.arrayContaining(['spent-day', 'spent-month', 'low-month']),
    );
    expect(planRoute(req({ tenant: 'both', spend: spend(0.1, 0.1) }), routing).tags).toEqual(['hour-13', 'monday']);
    expect(planRoute(req({ tenant: 'day', spend: spend(0.6, 0.6) }), routing).tags).toEqual([
      'hour-13',
      'monday',
      'spent-day',
    ]);
    expect(planRoute(req({ tenant: 'month', spend: spend(0.6, 0.6) }), routing).tags).toEqual([
      'hour-13',
      'low-month',
      'monday',
      'spent-month',
    ]);
    expect(planRoute(req({ spend: spend(0.6, 0.6) }), routing).tags).toEqual(['hour-13', 'monday', 'zeta']);
  });
});

describe('route selection', () => {
  it('says why each route was left out: model not served, no price', () => {
    const d = planRoute(req({ model: 'exotic' }), routing);
    expect(excluded(d)).toEqual({
      agg: 'model: no price known for exotic',
      direct: 'model: does not serve exotic',
      twin: 'model: does not serve exotic',
      late: 'model: does not serve exotic',
      gpu: 'model: does not serve exotic',
    });
    // Only the model stood in the way: a 404 for the caller, naming why each route declined.
    expect(d.denial).toEqual({
      code: 'model_not_found',
      message:
        "no route can serve or price the model 'exotic' (agg: no price known for exotic; direct: does not serve exotic; twin: does not serve exotic; late: does not serve exotic; gpu: does not serve exotic)",
    });
    // With a clearance exclusion among them, no route may carry it.
    expect(planRoute(req({ model: 'exotic', tags: ['phi'] }), routing).denial?.code).toBe('no_eligible_route');
  });

  it('names the rule that required another route or excluded one', () => {
    const d = planRoute(req({ tags: ['req-direct', 'no-agg'] }), routing);
    expect(routes(d)).toEqual(['direct']);
    expect(excluded(d)).toMatchObject({
      agg: "policy: rule 'only-direct' requires another route",
      gpu: "policy: rule 'only-direct' requires another route",
    });
    expect(excluded(planRoute(req({ tags: ['no-agg'] }), routing))).toMatchObject({
      agg: "policy: rule 'no-agg' excludes it",
    });
  });

  it('a route at its upstream rate limit is excluded for rate_limit; all of them at limits is routes_unavailable', () => {
    const limited = new Map<string, RouteHealth>([['direct', { circuit: 'closed', rateLimited: 'tpm' }]]);
    const d = planRoute(req(), routing, limited);
    expect(routes(d)).toEqual(['gpu', 'agg']);
    expect(excluded(d)).toMatchObject({ direct: 'rate_limit: at its tpm limit this minute' });
    const all = new Map<string, RouteHealth>(
      ['agg', 'direct', 'gpu'].map((r) => [r, { circuit: 'closed', rateLimited: 'rpm' }]),
    );
    expect(planRoute(req(), routing, all).denial?.code).toBe('routes_unavailable');
  });

  it('an open circuit is unhealthy; all down is routes_unavailable, not no_eligible_route', () => {
    const open = new Map<string, RouteHealth>([
      ['agg', { circuit: 'open' }],
      ['direct', { circuit: 'open' }],
      ['gpu', { circuit: 'open' }],
    ]);
    const d = planRoute(req(), routing, open);
    expect(excluded(d)).toEqual({
      agg: 'unhealthy: circuit open',
      direct: 'unhealthy: circuit open',
      gpu: 'unhealthy: circuit open',
      twin: 'model: does not serve m',
      late: 'model: does not serve m',
    });
    expect(d.denial).toEqual({
      code: 'routes_unavailable',
      message:
        'every route that may carry this public request for m is unavailable right now (agg: unhealthy, direct: unhealthy, twin: model, late: model, gpu: unhealthy)',
    });
  });

  it('prices expected output at max_tokens × n, or the configured expectation; the most at the limit', () => {
    const [agg, direct] = planRoute(req({ maxOutputTokens: undefined, tags: [] }), routing)
      .candidates.filter((c) => c.route !== 'gpu')
      .sort((a, b) => a.route.localeCompare(b.route));
    // 1000 in + 100 expected out; the most: 4096 out (no limit known).
    expect(direct?.expectedCostPico).toBe(1000 * 1_000_000 + 100 * 2_000_000);
    expect(direct?.maxCostPico).toBe(1000 * 1_000_000 + 4096 * 2_000_000);
    expect(agg?.expectedCostPico).toBe(1000 * 1_100_000 + 100 * 2_200_000);
    const capped = planRoute(req({ model: 'capped', maxOutputTokens: undefined }), routing).candidates[0];
    expect(capped?.maxCostPico).toBe(1000 * 1_000_000 + 100 * 2_000_000);
  });

  it('an embedding has no output to price', () => {
    const c = planRoute(req({ endpoint: 'embeddings', maxOutputTokens: undefined }), routing).candidates.find(
      (x) => x.route === 'direct',
    );
    expect(c?.expectedCostPico).toBe(1000 * 1_000_000);
    expect(c?.maxCostPico).toBe(1000 * 1_000_000);
  });

  it('ranks by cost, then p50 latency, then config order; a preference beats all three', () => {
    // agg costs 10 % more; twin (p50 200) and late (no latency known) tie with direct on price.
    expect(routes(planRoute(req({ model: 'tie' }), routing))).toEqual(['direct', 'twin', 'late', 'agg']);
    expect(routes(planRoute(req({ model: 'tie', tags: ['prefer-twin'] }), routing))).toEqual([
      'twin',
      'direct',
      'late',
      'agg',
    ]);
    // Observed latency, once there are enough samples, replaces the prior.
    const slowDirect = new Map<string, RouteHealth>([
      ['direct', { circuit: 'closed', latency: new Map([['tie', { samples: 10, p50Ms: 250, p95Ms: 700 }]]) }],
    ]);
    expect(routes(planRoute(req({ model: 'tie' }), routing, slowDirect))).toEqual(['twin', 'direct', 'late', 'agg']);
    const fewSamples = new Map<string, RouteHealth>([
      ['direct', { circuit: 'closed', latency: new Map([['tie', { samples: 9, p50Ms: 250, p95Ms: 700 }]]) }],
    ]);
    expect(routes(planRoute(req({ model: 'tie' }), routing, fewSamples))).toEqual(['direct', 'twin', 'late', 'agg']);
  });
});

describe('latency SLO', () => {
  it('drops routes whose p95 is over the SLO and keeps one exactly at it', () => {
    const d = planRoute(req({ sloMs: 900 }), routing);
    expect(routes(d)).toEqual(['direct', 'agg']);
    expect(excluded(d)).toMatchObject({ gpu: 'slo: p95 5000 ms > SLO 900 ms' });
    expect(d.candidates.map((c) => c.latencyMs)).toEqual([600, 900]);
  });

  it('judges a stream by time to first token when known, else by p95', () => {
    const d = planRoute(req({ sloMs: 200, stream: true }), routing);
    expect(routes(d)).toEqual(['direct']);
    expect(d.candidates[0]?.latencyMs).toBe(150);
    const observed = new Map<string, RouteHealth>([
      ['direct', { circuit: 'closed', latency: new Map([['m', { samples: 10, p50Ms: 100, p95Ms: 180 }]]) }],
      [
        'agg',
        { circuit: 'closed', latency: new Map([['m', { samples: 10, p50Ms: 100, p95Ms: 900, ttftP95Ms: 120 }]]) },
      ],
    ]);
    expect(
      planRoute(req({ sloMs: 200, stream: true }), routing, observed).candidates.map((c) => [c.route, c.latencyMs]),
    ).toEqual([
      ['direct', 180],
      ['agg', 120],
    ]);
  });

  it('keeps every route and notes it when none meets the SLO', () => {
    const d = planRoute(req({ sloMs: 10 }), routing);
    expect(routes(d)).toEqual(['gpu', 'direct', 'agg']);
    expect(d.notes).toEqual(['slo_unmet']);
  });
});

describe('budgets', () => {
  // On m: direct reserves 1000 × 1 µ$ + 500 × 2 µ$ = $0.002, the aggregator $0.0022; gpu is free.
  const expensive = { model: 'm', tags: ['no-agg', 'req-direct'] };

  it('judges the smaller of what is left today and this month', () => {
    expect(planRoute(req({ tenant: 'both', spend: spend(4.999, 4.999), ...expensive }), routing).denial?.code).toBe(
      'budget_exceeded',
    );
    expect(planRoute(req({ tenant: 'both', spend: spend(0, 9.999), ...expensive }), routing).denial?.code).toBe(
      'budget_exceeded',
    );
    expect(routes(planRoute(req({ tenant: 'both', spend: spend(4.99, 9.99), ...expensive }), routing))).toEqual([
      'direct',
    ]);
    expect(planRoute(req({ tenant: 'month', spend: spend(0, 9.999), ...expensive }), routing).denial?.code).toBe(
      'budget_exceeded',
    );
    expect(routes(planRoute(req({ tenant: 'month', spend: spend(100, 9.99), ...expensive }), routing))).toEqual([
      'direct',
    ]);
  });

  it('a request that fits exactly is served; one pico-dollar less is refused, with what is left (never below 0)', () => {
    const exact = { dailyPico: usdToPico(1) - 2_000_000_000n, monthlyPico: 0n };
    expect(routes(planRoute(req({ tenant: 'day', spend: exact, ...expensive }), routing))).toEqual(['direct']);
    const d = planRoute(
      req({ tenant: 'day', spend: { dailyPico: exact.dailyPico + 1n, monthlyPico: 0n }, ...expensive }),
      routing,
    );
    expect(d.denial).toEqual({
      code: 'budget_exceeded',
      message: 'tenant day has 1999999999 pico-dollars of budget left; this request may cost up to 2000000000',
    });
    expect(planRoute(req({ tenant: 'day', spend: spend(3), ...expensive }), routing).denial?.message).toBe(
      'tenant day has 0 pico-dollars of budget left; this request may cost up to 2000000000',
    );
  });

  it('drops lower-ranked routes that do not fit, saying by how much', () => {
    // Left: $0.0021 — direct ($0.002) fits, the aggregator ($0.0022) does not.
    const d = planRoute(
      req({ tenant: 'day', spend: { dailyPico: usdToPico(1) - 2_100_000_000n, monthlyPico: 0n }, sloMs: 900 }),
      routing,
    );
    expect(routes(d)).toEqual(['direct']);
    expect(excluded(d)).toMatchObject({ agg: 'budget: reserves 2200000000 p$ > remaining 2100000000 p$' });
  });

  it('downgrade plans the cheaper model again with the same rules, and notes it', () => {
    const d = planRoute(req({ tenant: 'down', spend: spend(0.999), ...expensive }), routing);
    expect(d.model).toBe('small');
    expect(routes(d)).toEqual(['direct']);
    expect(d.notes).toEqual(['budget_downgrade']);
    expect(planRoute(req({ tenant: 'down', spend: spend(0.99999999), ...expensive }), routing).denial?.code).toBe(
      'budget_exceeded',
    );
    // Already on the cheaper model: nothing to downgrade to.
    expect(
      planRoute(req({ tenant: 'down', spend: spend(1), ...expensive, model: 'small' }), routing).denial?.code,
    ).toBe('budget_exceeded');
  });

  it('cheapest keeps what fits, cheapest first, and notes it', () => {
    // Preferences rank the aggregator (two rules) over direct (one) over the free on-prem route; $0.0021 left
    // fits direct ($0.002) but not the aggregator ($0.0022).
    const left = { dailyPico: usdToPico(1) - 2_100_000_000n, monthlyPico: 0n };
    const paid = { tags: ['prefer-paid'], nowMs: SUNDAY, spend: left };
    expect(routes(planRoute(req({ tenant: 'plain', ...paid }), routing))).toEqual(['agg', 'direct', 'gpu']);
    const d = planRoute(req({ tenant: 'cheap', ...paid }), routing);
    expect(routes(d)).toEqual(['gpu', 'direct']);
    expect(d.notes).toEqual(['budget_cheapest']);
    expect(excluded(d)).toMatchObject({ agg: 'budget: reserves 2200000000 p$ > remaining 2100000000 p$' });
    // The same request for a tenant that denies.
    expect(planRoute(req({ tenant: 'day', ...paid }), routing).denial?.code).toBe('budget_exceeded');
    // Nothing fits at all.
    expect(
      planRoute(
        req({ tenant: 'cheap', ...paid, tags: ['prefer-paid', 'no-agg', 'req-direct'], spend: spend(1) }),
        routing,
      ).denial?.code,
    ).toBe('budget_exceeded');
  });
});

describe('residency', () => {
  const regional = (region?: string | string[]) => ({
    kind: 'direct' as const,
    clearance: 'confidential',
    models: ['m'],
    pricing: { models: { m: P(1, 2) } },
    ...(region ? { region } : {}),
  });
  const residencyFile: RoutingFile = {
    residency: { 'eu-personal': ['eu'], 'frankfurt-only': ['eu-central-1'] },
    routes: [
      { id: 'eu', ...regional('eu') },
      { id: 'eu-west', ...regional('eu-west-1') },
      { id: 'europe', ...regional('europe') },
      { id: 'us', ...regional(['us', 'us-east-1']) },
      { id: 'nowhere', ...regional() },
      { id: 'both', ...regional(['us-east-1', 'eu-central-1']) },
    ],
    tenants: [
      { id: 'plain', api_keys: ['x'] },
      { id: 'eu-tenant', api_keys: ['x'], regions: ['eu'] },
    ],
  };
  const r = prepareRouting(residencyFile, new Map(), buildPolicy([]));
  const plan = (over: Partial<RequestFacts>) => planRoute(req({ nowMs: SUNDAY, ...over }), r);

  it("`eu` covers eu and eu-west-1, not 'europe'; a route in several regions qualifies through any", () => {
    expect(routes(plan({ tags: ['eu-personal'] })).sort()).toEqual(['both', 'eu', 'eu-west']);
    expect(routes(plan({ tags: ['frankfurt-only'] }))).toEqual(['both']);
    expect(routes(plan({ tenant: 'eu-tenant' })).sort()).toEqual(['both', 'eu', 'eu-west']);
    expect(routes(plan({})).sort()).toEqual(['both', 'eu', 'eu-west', 'europe', 'nowhere', 'us']);
  });

  it('every rule must hold, and each exclusion says whose rule and where the route is', () => {
    const d = plan({ tenant: 'eu-tenant', tags: ['frankfurt-only'] });
    expect(routes(d)).toEqual(['both']);
    expect(d.residency).toEqual(['eu', 'eu-central-1']);
    expect(excluded(d)).toEqual({
      eu: 'residency: tag frankfurt-only keeps data in eu-central-1; this route is in eu',
      'eu-west': 'residency: tag frankfurt-only keeps data in eu-central-1; this route is in eu-west-1',
      europe: 'residency: tenant eu-tenant keeps data in eu; this route is in europe',
      us: 'residency: tenant eu-tenant keeps data in eu; this route is in us, us-east-1',
      nowhere: 'residency: tenant eu-tenant keeps data in eu; this route declares no region',
    });
    expect(plan({}).residency).toBeUndefined();
  });

  it('the top level still needs an on-prem route, whatever the region', () => {
    const d = plan({ tags: ['restricted', 'eu-personal'] });
    expect(d.denial?.code).toBe('no_eligible_route');
    expect(excluded(d).eu).toBe('clearance: clearance confidential < restricted');
  });
});
