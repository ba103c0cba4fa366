import type { RouteKind, WireFormat } from './config-schema.js';
import type { ModelPrice } from './prices.js';

/** Why a route is not in a decision's list. */
export type ExclusionReason = 'clearance' | 'model' | 'unhealthy' | 'policy' | 'budget' | 'slo';

export interface Exclusion {
  readonly route: string;
  readonly kind: RouteKind;
  readonly reason: ExclusionReason;
  /** A sentence for people: `clearance internal < restricted`, `rule 'no-aggregator-for-long-prompts'`. */
  readonly detail: string;
}

/** One route to try, with what to send it and what it is expected to cost. */
export interface Candidate {
  readonly route: string;
  readonly kind: RouteKind;
  readonly format: WireFormat;
  /** The public model name this attempt serves. */
  readonly model: string;
  /** The name the upstream knows that model by. */
  readonly upstreamModel: string;
  /** The route's price for the model, fee included (pico-dollars per token). */
  readonly price: ModelPrice;
  /** Input estimate + expected output at `price`, pico-dollars. */
  readonly expectedCostPico: number;
  /** Input estimate + the output limit at `price`: what a budget reserves, pico-dollars. */
  readonly maxCostPico: number;
  /** The p95 latency the SLO check used (observed or the route's prior), when known. */
  readonly latencyMs?: number;
}

export interface Denial {
  /** `no_eligible_route`, `model_not_found`, `budget_exceeded`, or a policy rule's own code. */
  readonly code: string;
  readonly message: string;
  /** The rule that denied, for policy denials. */
  readonly rule?: string;
}

/**
 * What the planner decided. Headers, `/v1/route/explain`, `switchyard explain`, the decision log and the
 * scenario rows are all views of this one value.
 */
export interface Decision {
  /** The ordered routes to try: primary first, then fallbacks. Empty when denied. */
  readonly candidates: readonly Candidate[];
  readonly excluded: readonly Exclusion[];
  readonly rulesFired: readonly string[];
  /** The model the request is served as after `set-model` and budget downgrades. */
  readonly model: string;
  readonly tags: readonly string[];
  readonly sensitivity: string;
  readonly denial?: Denial;
  /** Things that bent: `slo_unmet` (no route met the SLO, so it was ignored), `budget_downgrade`, `budget_cheapest`. */
  readonly notes: readonly string[];
}
