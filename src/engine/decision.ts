import { Type, type Static } from '@sinclair/typebox';
import type { Frozen } from './frozen.js';
import { RouteKind, WireFormatId } from './config-schema.js';

/** What one token of a model costs on a route, integer pico-dollars (see money.ts); mirrors `ModelPrice`. */
const PriceSchema = Type.Object({
  input: Type.Integer({ minimum: 0 }),
  output: Type.Integer({ minimum: 0 }),
  cachedInput: Type.Integer({ minimum: 0 }),
  cacheWrite: Type.Integer({ minimum: 0 }),
  maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** Why a route is not in a decision's list. */
export const ExclusionReason = Type.Union([
  Type.Literal('clearance'),
  Type.Literal('residency'),
  Type.Literal('model'),
  Type.Literal('unhealthy'),
  Type.Literal('rate_limit'),
  Type.Literal('policy'),
  Type.Literal('budget'),
  Type.Literal('slo'),
]);
export type ExclusionReason = Static<typeof ExclusionReason>;

export const ExclusionSchema = Type.Object({
  route: Type.String(),
  kind: RouteKind,
  reason: ExclusionReason,
  /** A sentence for people: `clearance internal < restricted`, `rule 'no-aggregator-for-long-prompts' excludes it`. */
  detail: Type.String(),
});
export type Exclusion = Static<typeof ExclusionSchema>;

/** One route to try, with what to send it and what it is expected to cost. */
export const CandidateSchema = Type.Object({
  route: Type.String(),
  kind: RouteKind,
  format: WireFormatId,
  /** The public model name this attempt serves. */
  model: Type.String(),
  /** The name the upstream knows that model by. */
  upstreamModel: Type.String(),
  /** The route's price for the model, fee included (pico-dollars per token). */
  price: PriceSchema,
  /** Input estimate + expected output at `price`, pico-dollars. */
  expectedCostPico: Type.Integer({ minimum: 0 }),
  /** Input estimate + the output limit at `price`: the most this route can cost, pico-dollars. */
  maxCostPico: Type.Integer({ minimum: 0 }),
  /** The p95 latency the SLO check used (observed or the route's prior), when known. */
  latencyMs: Type.Optional(Type.Number()),
});
export type Candidate = Static<typeof CandidateSchema>;

export const DenialSchema = Type.Object({
  /**
   * `no_eligible_route`, `routes_unavailable`, `model_not_found`, `budget_exceeded`, `unknown_tenant`, or a
   * policy rule's own code.
   */
  code: Type.String(),
  message: Type.String(),
  /** The rule that denied, for policy denials. */
  rule: Type.Optional(Type.String()),
});
export type Denial = Static<typeof DenialSchema>;

/**
 * What the planner decided. Headers, `/v1/route/explain`, `switchyard explain`, the decision log and the
 * scenario rows are all views of this one value.
 */
export const DecisionSchema = Type.Object({
  /** The ordered routes to try: primary first, then fallbacks. Empty when denied. */
  candidates: Type.Array(CandidateSchema),
  excluded: Type.Array(ExclusionSchema),
  rulesFired: Type.Array(Type.String()),
  /** The model the request is served as after `set-model` and budget downgrades. */
  model: Type.String(),
  tags: Type.Array(Type.String()),
  sensitivity: Type.String(),
  /** Where the data must stay, one entry per residency rule (`eu`, or `eu|ch` for either); absent when free. */
  residency: Type.Optional(Type.Array(Type.String())),
  denial: Type.Optional(DenialSchema),
  /**
   * Things that bent: `slo_unmet` (no route met the SLO, so it was ignored), `budget_downgrade`,
   * `budget_cheapest`, `fallback:<model>` (that model's routes follow), `fallback_unavailable:<model>` (the
   * tenant may not use it, or no route serves it), `fallback_other_family:<model>` (left out by
   * `same_family_only`).
   */
  notes: Type.Array(Type.String()),
});
export type Decision = Frozen<Static<typeof DecisionSchema>>;
