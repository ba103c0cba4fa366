import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPolicy, compilePolicyFile } from '../src/engine/compile-rules.js';
import type { RouteKind, RoutingFile } from '../src/engine/config-schema.js';
import { NO_SPEND } from '../src/engine/request-facts.js';
import { planRoute, type RouteStats } from '../src/engine/planner.js';
import { readLiteLlmCatalogue } from '../src/engine/prices.js';
import { prepareRouting, type RoutingConfig } from '../src/engine/routing-config.js';
import { LEVELS, MODELS, TAGS, TENANTS, rulesArb } from './helpers/rule-arbitraries.js';

// Whatever the rules, the routes and the observed health: a request never reaches a route cleared below
// its sensitivity, and restricted data (phi, pii, …) never reaches anything but an on-prem route.

const KINDS: RouteKind[] = ['aggregator', 'direct', 'onprem'];
const routeArb = fc.record({
  kind: fc.constantFrom(...KINDS),
  clearance: fc.integer({ min: 0, max: 3 }),
  models: fc.subarray(MODELS, { minLength: 1 }),
  inputPrice: fc.integer({ min: 0, max: 20 }),
});

// Shaped so that most requests can be served (a planner that denies everything must fail this test):
// one on-prem route cleared for everything among the random ones, few rules, at most one open circuit,
// untagged traffic more often than tagged, and a clearance tampered with now and then.
const ONPREM_ALL: RandomRoute = { kind: 'onprem', clearance: 3, models: MODELS, inputPrice: 0 };
const scenarioArb = fc.array(routeArb, { minLength: 1, maxLength: 5 }).chain((random) => {
  const routes = [...random, ONPREM_ALL];
  const ids = routes.map((_, i) => `r${i}`);
  return fc.record({
    routes: fc.constant(routes),
    rules: rulesArb(ids, 3),
    tamper: fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined, freq: 4 }), {
      minLength: routes.length,
      maxLength: routes.length,
    }),
    open: fc.subarray(ids, { maxLength: 1 }),
    requests: fc.array(
      fc.record({
        tenant: fc.constantFrom(...TENANTS),
        model: fc.constantFrom(...MODELS),
        tags: fc.oneof(
          { weight: 3, arbitrary: fc.constant([] as string[]) },
          { weight: 2, arbitrary: fc.subarray(TAGS, { maxLength: 2 }) },
        ),
        inputTokens: fc.integer({ min: 1, max: 200_000 }),
        stream: fc.boolean(),
      }),
      { minLength: 1, maxLength: 10 },
    ),
  });
});

interface RandomRoute {
  kind: RouteKind;
  clearance: number;
  models: string[];
  inputPrice: number;
}

function buildRouting(routes: RandomRoute[], rules: object[]): RoutingConfig {
  const allModels = Object.fromEntries(MODELS.map((m) => [m, m]));
  const file: RoutingFile = {
    // Routes that serve every model keep set-model rules valid; the random model lists are applied below.
    routes: [
      ...routes.map((r, i) => ({
        id: `r${i}`,
        kind: r.kind,
        base_url: 'http://127.0.0.1:1',
        // The config check allows the top level only on-prem; tampering below bypasses it on purpose.
        clearance: LEVELS[r.kind === 'onprem' ? r.clearance : Math.min(r.clearance, 2)] as string,
        models: allModels,
        pricing: { models: { '*': { input_per_mtok: r.inputPrice, output_per_mtok: r.inputPrice * 4 } } },
      })),
    ],
    tenants: TENANTS.map((id) => ({ id, api_keys: [`sha256:${'0'.repeat(63)}${TENANTS.indexOf(id)}`] })),
  };
  return prepareRouting(file, readLiteLlmCatalogue({}), buildPolicy(compilePolicyFile({ rules }, 'random')));
}

describe('planner invariants under random rules, configs and health', () => {
  it('never sends a request below its sensitivity, and restricted data only on-prem', () => {
    let planned = 0;
    let served = 0;
    fc.assert(
      fc.property(scenarioArb, ({ routes, rules, tamper, open, requests }) => {
        const prepared = buildRouting(routes, rules);
        // Defence in depth: even a route whose clearance was raised past what the config check allows
        // (an aggregator cleared for restricted) must not receive restricted data.
        const routing: RoutingConfig = {
          ...prepared,
          routes: prepared.routes.map((r, i) => {
            const served = routes[i]?.models ?? [];
            return {
              ...r,
              clearanceRank: tamper[i] ?? r.clearanceRank,
              upstreamModel: (m: string) => (served.includes(m) ? m : undefined),
            };
          }),
        };
        const stats: RouteStats = new Map(open.map((id) => [id, { circuit: 'open' as const }]));
        for (const req of requests) {
          const d = planRoute({ ...req, endpoint: 'chat', nowMs: 0, spend: NO_SPEND }, routing, stats);
          planned++;
          if (d.candidates.length > 0) served++;
          const rank = routing.sensitivity.rankOfTags(d.tags);
          expect(rank).toBeGreaterThanOrEqual(routing.sensitivity.rankOfTags(req.tags));
          for (const c of d.candidates) {
            const route = routing.routes.find((r) => r.id === c.route);
            expect(route!.clearanceRank).toBeGreaterThanOrEqual(rank);
            expect(open).not.toContain(c.route);
            if (req.tags.some((t) => ['phi', 'pii'].includes(t))) expect(c.kind).toBe('onprem');
          }
          if (d.candidates.length === 0) expect(d.denial).toBeDefined();
        }
      }),
      { numRuns: 400, seed: 42 },
    );
    // The property is about the routes chosen: it means something only if routes were chosen.
    console.log(
      `planner property: ${served} of ${planned} random requests served (${((100 * served) / planned).toFixed(1)} %)`,
    );
    expect(served / planned).toBeGreaterThan(0.6);
  });
});

// Residency: whatever the routes' regions, the tenant's and the tags' rules, no decision lists a route
// outside a region every rule allows.
const REGIONS = ['eu', 'eu-west-1', 'eu-central-1', 'us', 'us-east-1', 'ch'];
const regionArb = fc.option(
  fc.oneof(fc.constantFrom(...REGIONS), fc.subarray(REGIONS, { minLength: 1, maxLength: 2 })),
  { nil: undefined, freq: 6 },
);
const rulesOfRegions = fc.option(fc.subarray(['eu', 'us', 'ch', 'eu-west-1'], { minLength: 1, maxLength: 2 }), {
  nil: undefined,
  freq: 2,
});
const residencyArb = fc.record({
  routes: fc.array(fc.record({ kind: fc.constantFrom(...KINDS), region: regionArb }), { minLength: 1, maxLength: 6 }),
  tenantRegions: fc.array(rulesOfRegions, { minLength: TENANTS.length, maxLength: TENANTS.length }),
  piiRegions: rulesOfRegions,
  requests: fc.array(
    fc.record({ tenant: fc.constantFrom(...TENANTS), tags: fc.subarray(['pii', 'finance'], { maxLength: 2 }) }),
    { minLength: 1, maxLength: 10 },
  ),
});
const within = (region: string, allowed: string) => region === allowed || region.startsWith(`${allowed}-`);

describe('residency under random regions', () => {
  it('never lists a route outside the regions the tenant and every tag require', () => {
    let planned = 0;
    let served = 0;
    fc.assert(
      fc.property(residencyArb, ({ routes, tenantRegions, piiRegions, requests }) => {
        const file: RoutingFile = {
          // pii is only confidential here, so residency alone decides between the clouds.
          sensitivity: { levels: LEVELS, tags: { pii: 'confidential' } },
          ...(piiRegions ? { residency: { pii: piiRegions } } : {}),
          routes: [
            ...routes.map((r, i) => ({
              id: `r${i}`,
              kind: r.kind,
              clearance: r.kind === 'onprem' ? 'restricted' : 'confidential',
              models: ['m'],
              pricing: { models: { m: { input_per_mtok: 1, output_per_mtok: 2 } } },
              ...(r.region ? { region: r.region } : {}),
            })),
            {
              id: 'eu-gpu',
              kind: 'onprem' as const,
              clearance: 'restricted',
              models: ['m'],
              region: 'eu-west-1',
              pricing: { fixed_per_hour_usd: 1 },
            },
          ],
          tenants: TENANTS.map((id, i) => ({
            id,
            api_keys: ['x'],
            ...(tenantRegions[i] ? { regions: tenantRegions[i] } : {}),
          })),
        };
        const routing = prepareRouting(file, readLiteLlmCatalogue({}), buildPolicy([]));
        for (const req of requests) {
          const d = planRoute(
            { ...req, model: 'm', endpoint: 'chat', inputTokens: 10, stream: false, nowMs: 0, spend: NO_SPEND },
            routing,
          );
          planned++;
          if (d.candidates.length > 0) served++;
          const rules = [
            tenantRegions[TENANTS.indexOf(req.tenant)],
            req.tags.includes('pii') ? piiRegions : undefined,
          ].filter((r): r is string[] => r !== undefined);
          expect(d.residency ?? []).toEqual(rules.map((r) => r.join('|')));
          for (const c of d.candidates) {
            const regions = [file.routes.find((r) => r.id === c.route)?.region ?? []].flat();
            for (const rule of rules)
              expect(regions.some((region) => rule.some((allowed) => within(region, allowed)))).toBe(true);
          }
          for (const e of d.excluded.filter((x) => x.reason === 'residency'))
            expect(d.candidates.map((c) => c.route)).not.toContain(e.route);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
    console.log(
      `residency property: ${served} of ${planned} random requests served (${((100 * served) / planned).toFixed(1)} %)`,
    );
    expect(served / planned).toBeGreaterThan(0.3);
  });
});
