import type { Exclusion } from './decision.js';
import type { Route } from './routing-config.js';

/** What an invariant needs to know of a request: the rank of its sensitivity among `levels`. */
export interface InvariantFacts {
  readonly rank: number;
  /** The rank of the top level (the one only on-prem routes may carry). */
  readonly top: number;
  /** The name of the request's level. */
  readonly level: string;
}

/**
 * A safety rule in code: given a route and a request, the exclusion that keeps the request off that route,
 * or undefined. No policy rule can undo one. The planner runs every entry for every route and request; the
 * config check runs them against the level each route claims, so a config cannot declare what the planner
 * would refuse. A new invariant is one entry here.
 */
export type Invariant = (route: Route, facts: InvariantFacts) => Exclusion | undefined;

const INVARIANTS: readonly Invariant[] = [
  // A route never carries data above its clearance.
  (route, { rank }) => (route.clearanceRank < rank ? { route: route.id, kind: route.kind, reason: 'clearance', detail: route.clearanceDetails[rank] as string } : undefined),
  // The top level stays in the building: only on-prem routes carry it, whatever their declared clearance.
  (route, { rank, top, level }) =>
    rank === top && top > 0 && route.kind !== 'onprem' ? { route: route.id, kind: route.kind, reason: 'clearance', detail: `only onprem routes may carry ${level} data; this route is ${route.kind}` } : undefined,
];

/** The first invariant that keeps the request off the route, or undefined when none does. */
export function violatedInvariant(route: Route, facts: InvariantFacts): Exclusion | undefined {
  for (const invariant of INVARIANTS) {
    const exclusion = invariant(route, facts);
    if (exclusion) return exclusion;
  }
  return undefined;
}
