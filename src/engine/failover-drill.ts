import type { Decision } from './decision.js';
import { planRoute, type RouteHealth } from './planner.js';
import { NO_SPEND, type RequestFacts } from './request-facts.js';
import type { RoutingConfig, Tenant } from './routing-config.js';

/** One kind of traffic: a public model at a sensitivity level, under a residency tag when the config has them. */
export interface TrafficKind {
  readonly model: string;
  readonly level: string;
  readonly residency?: string;
}

/** Where one kind of traffic goes with every route up: the ordered routes, or why it cannot go anywhere. */
export interface Chain extends TrafficKind {
  /** `route/model`, in the order they are tried (fallback models' routes after the model's own). */
  readonly routes: readonly string[];
  readonly denial?: string;
  /** Only one route can serve it: if that fails, it fails. */
  readonly singlePoint: boolean;
}

/** What the traffic that a route serves first does when that route is down. */
export interface RouteDown {
  readonly route: string;
  readonly effects: readonly { readonly traffic: TrafficKind; readonly then: string }[];
}

export interface Drill {
  readonly chains: readonly Chain[];
  readonly routesDown: readonly RouteDown[];
}

/** A tenant with no defaults, limits or budget: the drill is about the routes, not about one tenant. */
const DRILL_TENANT: Tenant = {
  id: '(drill)',
  defaultTags: [],
  autoTag: false,
  acceptHeaderTags: true,
  failOpen: false,
  sameFamilyOnly: false,
};

/**
 * The failover drill `switchyard check` prints, computed by the planner itself (pure: the config in, the drill
 * out): for every public model × sensitivity level (× residency tag), the ordered chain of routes, flagged when a
 * single route carries it; and for every route, where the traffic it serves first goes when it is down.
 */
export function failoverDrill(routing: RoutingConfig, nowMs: number): Drill {
  const drillRouting: RoutingConfig = { ...routing, tenants: new Map([[DRILL_TENANT.id, DRILL_TENANT]]) };
  const models = [...new Set(routing.routes.flatMap((r) => (r.models === '*' ? [] : r.models)))].sort();
  const residencies: (string | undefined)[] = [undefined, ...[...routing.residency.keys()].sort()];
  const kinds: TrafficKind[] = models.flatMap((model) =>
    routing.sensitivity.levels.flatMap((level) =>
      residencies.map((residency) => (residency === undefined ? { model, level } : { model, level, residency })),
    ),
  );
  const plan = (kind: TrafficKind, down?: string): Decision => {
    const facts: RequestFacts = {
      tenant: DRILL_TENANT.id,
      model: kind.model,
      endpoint: 'chat',
      tags: kind.residency ? [kind.level, kind.residency] : [kind.level],
      inputTokens: 1000,
      maxOutputTokens: 500,
      stream: false,
      nowMs,
      spend: NO_SPEND,
    };
    return planRoute(
      facts,
      drillRouting,
      down === undefined ? undefined : new Map<string, RouteHealth>([[down, { circuit: 'open' }]]),
    );
  };
  const describe = (d: Decision) =>
    d.denial
      ? `denied (${d.denial.code})`
      : `${d.candidates[0]!.route}${d.candidates[0]!.model === d.model ? '' : ` (${d.candidates[0]!.model})`}`;
  const chains: Chain[] = kinds.map((kind) => {
    const d = plan(kind);
    const routes = d.candidates.map((c) => `${c.route}/${c.model}`);
    return {
      ...kind,
      routes,
      ...(d.denial ? { denial: `${d.denial.code}: ${d.denial.message}` } : {}),
      singlePoint: new Set(d.candidates.map((c) => c.route)).size === 1,
    };
  });
  const routesDown: RouteDown[] = routing.routes.map((route) => ({
    route: route.id,
    effects: chains
      .filter((c) => c.routes[0]?.startsWith(`${route.id}/`))
      .map((c) => ({
        traffic: { model: c.model, level: c.level, ...(c.residency ? { residency: c.residency } : {}) },
        then: describe(plan(c, route.id)),
      })),
  }));
  return { chains, routesDown };
}
