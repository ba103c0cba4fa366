import type { Exclusion } from './decision.js';
import type { RouteKind } from './config-schema.js';

/** One residency rule on a request: where its data may be processed (any of `regions`), and who says so. */
export interface RegionRule {
  readonly regions: readonly string[];
  /** `tenant eu-clinic` or `tag eu-personal`, for the exclusion's detail. */
  readonly source: string;
}

/** What an invariant reads of a route (a `Route` has it all): the config check passes the level a route claims. */
export interface RouteClaims {
  readonly id: string;
  readonly kind: RouteKind;
  readonly clearanceRank: number;
  /** `clearance X < Y` for each level Y above the route's, by rank. */
  readonly clearanceDetails: readonly string[];
  readonly regions: readonly string[];
}

/** What an invariant needs to know of a request: the rank of its sensitivity among `levels`, its residency rules. */
export interface InvariantFacts {
  readonly rank: number;
  /** The rank of the top level (the one only on-prem routes may carry). */
  readonly top: number;
  /** The name of the request's level. */
  readonly level: string;
  /** Every rule must be met; none when the data may go anywhere. */
  readonly regions: readonly RegionRule[];
}

/** `eu` covers `eu` and `eu-west-1`; `eu-west-1` covers only itself. */
const within = (routeRegion: string, allowed: string) =>
  routeRegion === allowed || routeRegion.startsWith(`${allowed}-`);

/**
 * A safety rule in code: given a route and a request, the exclusion that keeps the request off that route,
 * or undefined. No policy rule can undo one. The planner runs every entry for every route and request; the
 * config check runs them against the level each route claims, so a config cannot declare what the planner
 * would refuse. A new invariant is one entry here.
 */
export type Invariant = (route: RouteClaims, facts: InvariantFacts) => Exclusion | undefined;

const INVARIANTS: readonly Invariant[] = [
  // A route never carries data above its clearance.
  (route, { rank }) =>
    route.clearanceRank < rank
      ? { route: route.id, kind: route.kind, reason: 'clearance', detail: route.clearanceDetails[rank] as string }
      : undefined,
  // The top level stays in the building: only on-prem routes carry it, whatever their declared clearance.
  (route, { rank, top, level }) =>
    rank === top && top > 0 && route.kind !== 'onprem'
      ? {
          route: route.id,
          kind: route.kind,
          reason: 'clearance',
          detail: `only onprem routes may carry ${level} data; this route is ${route.kind}`,
        }
      : undefined,
  // Data stays in the regions its tenant or its tags require, whatever its level: a route in none of them,
  // or that declares no region, never carries it.
  (route, { regions }) => {
    const unmet = regions.find(
      (rule) => !route.regions.some((r) => rule.regions.some((allowed) => within(r, allowed))),
    );
    if (!unmet) return undefined;
    const where = route.regions.length > 0 ? `is in ${route.regions.join(', ')}` : 'declares no region';
    return {
      route: route.id,
      kind: route.kind,
      reason: 'residency',
      detail: `${unmet.source} keeps data in ${unmet.regions.join(' or ')}; this route ${where}`,
    };
  },
];

/** The first invariant that keeps the request off the route, or undefined when none does. */
export function violatedInvariant(route: RouteClaims, facts: InvariantFacts): Exclusion | undefined {
  for (const invariant of INVARIANTS) {
    const exclusion = invariant(route, facts);
    if (exclusion) return exclusion;
  }
  return undefined;
}
