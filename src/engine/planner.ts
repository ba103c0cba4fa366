import type { RouteSelector } from './policy-schema.js';
import { evaluatePolicy, type CompiledRule } from './compile-rules.js';
import type { Candidate, Decision, Denial, Exclusion } from './decision.js';
import { picoToUsdNumber } from './money.js';
import type { RuleFacts } from './rule-facts.js';
import type { Route, RoutingConfig, Tenant } from './routing-config.js';

/** One request as the planner sees it. The gateway and the scenario harness both build this. */
export interface PlanRequest {
  readonly tenant: string;
  /** The public model name asked for. */
  readonly model: string;
  readonly endpoint: 'chat' | 'embeddings';
  /** Tags from the request (header, detector); the tenant's default tags are added by the planner. */
  readonly tags: readonly string[];
  readonly inputTokens: number;
  readonly maxOutputTokens?: number;
  readonly stream: boolean;
  /** Overrides the tenant's default SLO. */
  readonly sloMs?: number;
  /** The time of the request, epoch ms (the planner reads no clock). */
  readonly nowMs: number;
  /** The tenant's spend (settled + reserved) in the current UTC day and month, pico-dollars. */
  readonly spend?: { readonly dailyPico: bigint; readonly monthlyPico: bigint };
}

export interface LatencySnapshot {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly ttftP50Ms?: number;
  readonly ttftP95Ms?: number;
}

export interface RouteHealth {
  readonly circuit: 'closed' | 'open' | 'half-open';
  /** Rolling latency by public model name. */
  readonly latency?: ReadonlyMap<string, LatencySnapshot>;
}

/** What the gateway has observed of each route, by route id (a `Map` will do). Unknown routes count as healthy. */
export interface RouteStats {
  get(routeId: string): RouteHealth | undefined;
}

export const NO_STATS: RouteStats = new Map();
const DEFAULT_OUTPUT_LIMIT = 4096;
const MAX_TAG_PASSES = 4;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface Effects {
  readonly deny?: CompiledRule;
  readonly requires: readonly { rule: CompiledRule; selector: RouteSelector }[];
  readonly excludes: readonly { rule: CompiledRule; selector: RouteSelector }[];
  readonly prefers: readonly RouteSelector[];
  readonly model?: string;
  readonly addTags: readonly string[];
}

// Exclusion details repeat the same few sentences: each is built once. Model names can come from callers
// (a route serving "*" lets any name through), so that cache is capped rather than trusted to stay small.
const MODEL_DETAILS_CAP = 10_000;
const modelDetails = new Map<string, string>();
const ruleDetails = new WeakMap<CompiledRule, string>();
function notServing(model: string, served: boolean): string {
  const key = served ? `\0${model}` : model;
  let text = modelDetails.get(key);
  if (text === undefined) {
    text = served ? `no price known for ${model}` : `does not serve ${model}`;
    if (modelDetails.size < MODEL_DETAILS_CAP) modelDetails.set(key, text);
  }
  return text;
}
function ruleDetail(rule: CompiledRule, what: string): string {
  let text = ruleDetails.get(rule);
  if (text === undefined) ruleDetails.set(rule, (text = `rule '${rule.name}' ${what}`));
  return text;
}

const NO_EFFECTS: Effects = Object.freeze({ requires: [], excludes: [], prefers: [], addTags: [] });

/** Sorted union of two tag lists, without allocating in the common cases (one side empty, or nothing new). */
function mergeTags(sorted: readonly string[], more: readonly string[]): readonly string[] {
  let merged: string[] | undefined;
  for (const tag of more) {
    if ((merged ?? sorted).includes(tag)) continue;
    (merged ??= [...sorted]).push(tag);
  }
  return merged ? merged.sort() : sorted;
}

function collectEffects(fired: readonly CompiledRule[]): Effects {
  if (fired.length === 0) return NO_EFFECTS;
  let deny: CompiledRule | undefined;
  let model: string | undefined;
  const requires: { rule: CompiledRule; selector: RouteSelector }[] = [];
  const excludes: { rule: CompiledRule; selector: RouteSelector }[] = [];
  const prefers: RouteSelector[] = [];
  const addTags: string[] = [];
  for (const rule of fired) {
    const e = rule.event;
    switch (e.type) {
      case 'deny':
        deny ??= rule;
        break;
      case 'require':
        requires.push({ rule, selector: e.params });
        break;
      case 'exclude':
        excludes.push({ rule, selector: e.params });
        break;
      case 'prefer':
        prefers.push(e.params);
        break;
      case 'set-model':
        // Rules are in priority order: the highest-priority set-model wins.
        model ??= e.params.model;
        break;
      case 'add-tags':
        addTags.push(...e.params.tags);
        break;
    }
  }
  return { ...(deny ? { deny } : {}), ...(model ? { model } : {}), requires, excludes, prefers, addTags };
}

const matches = (route: Route, s: RouteSelector) => (s.kinds?.includes(route.kind) ?? false) || (s.routes?.includes(route.id) ?? false);

function remainingPico(tenant: Tenant, spend: PlanRequest['spend']): bigint | undefined {
  const b = tenant.budget;
  if (!b) return undefined;
  let remaining: bigint | undefined;
  if (b.dailyPico !== undefined) remaining = b.dailyPico - (spend?.dailyPico ?? 0n);
  if (b.monthlyPico !== undefined) {
    const monthly = b.monthlyPico - (spend?.monthlyPico ?? 0n);
    remaining = remaining === undefined || monthly < remaining ? monthly : remaining;
  }
  return remaining;
}

function buildFacts(req: PlanRequest, tenant: Tenant, tags: readonly string[], routing: RoutingConfig, sloMs: number | null): RuleFacts {
  const rank = routing.sensitivity.rankOfTags(tags);
  const b = tenant.budget;
  const daySpent = req.spend?.dailyPico ?? 0n;
  const monthSpent = req.spend?.monthlyPico ?? 0n;
  return {
    tenant: tenant.id,
    model: req.model,
    endpoint: req.endpoint,
    tags,
    sensitivity: routing.sensitivity.levels[rank] as string,
    sensitivityRank: rank,
    inputTokens: req.inputTokens,
    maxOutputTokens: req.maxOutputTokens ?? null,
    stream: req.stream,
    sloMs,
    budgetDailySpentUsd: b?.dailyPico === undefined ? null : picoToUsdNumber(daySpent),
    budgetDailyRemainingUsd: b?.dailyPico === undefined ? null : picoToUsdNumber(b.dailyPico - daySpent),
    budgetMonthlySpentUsd: b?.monthlyPico === undefined ? null : picoToUsdNumber(monthSpent),
    budgetMonthlyRemainingUsd: b?.monthlyPico === undefined ? null : picoToUsdNumber(b.monthlyPico - monthSpent),
    hourUtc: Math.floor(req.nowMs / HOUR_MS) % 24,
    // 1970-01-01 was a Thursday.
    dayOfWeek: (Math.floor(req.nowMs / DAY_MS) + 4) % 7,
  };
}

interface Selection {
  candidates: Candidate[];
  excluded: Exclusion[];
  notes: string[];
}

/** Steps 1, 2, 4 and 5 for one model: invariants, rules, SLO, ranking. */
function selectRoutes(model: string, rank: number, req: PlanRequest, effects: Effects, routing: RoutingConfig, stats: RouteStats, sloMs: number | null): Selection {
  const top = routing.sensitivity.levels.length - 1;
  const excluded: Exclusion[] = [];
  const scored: { c: Candidate; preferred: number; p50: number; order: number }[] = [];
  const outputExpected = req.endpoint === 'embeddings' ? 0 : (req.maxOutputTokens ?? routing.expectedOutputTokens);

  for (const route of routing.routes) {
    // 1. Invariants, in code: no rule can undo these.
    if (route.clearanceRank < rank || (rank === top && route.kind !== 'onprem')) {
      excluded.push({ route: route.id, kind: route.kind, reason: 'clearance', detail: route.clearanceDetails[rank] as string });
      continue;
    }
    const upstreamModel = route.upstreamModel(model);
    const price = upstreamModel === undefined ? undefined : route.priceOf(model);
    if (upstreamModel === undefined || price === undefined) {
      const served = upstreamModel !== undefined;
      excluded.push({ route: route.id, kind: route.kind, reason: 'model', detail: notServing(model, served) });
      continue;
    }
    const health = stats.get(route.id);
    if (health?.circuit === 'open') {
      excluded.push({ route: route.id, kind: route.kind, reason: 'unhealthy', detail: 'circuit open' });
      continue;
    }
    // 2. Rules.
    const unmet = effects.requires.find((r) => !matches(route, r.selector));
    if (unmet) {
      excluded.push({ route: route.id, kind: route.kind, reason: 'policy', detail: ruleDetail(unmet.rule, 'requires another route') });
      continue;
    }
    const removed = effects.excludes.find((r) => matches(route, r.selector));
    if (removed) {
      excluded.push({ route: route.id, kind: route.kind, reason: 'policy', detail: ruleDetail(removed.rule, 'excludes it') });
      continue;
    }
    const outputLimit = req.endpoint === 'embeddings' ? 0 : (req.maxOutputTokens ?? price.maxOutputTokens ?? DEFAULT_OUTPUT_LIMIT);
    const observed = health?.latency?.get(model);
    const trusted = observed !== undefined && observed.samples >= routing.minLatencySamples ? observed : undefined;
    const prior = route.latencyPrior;
    const p95 = req.stream
      ? (trusted?.ttftP95Ms ?? trusted?.p95Ms ?? prior.ttftP95Ms ?? prior.p95Ms)
      : (trusted?.p95Ms ?? prior.p95Ms);
    const c: { -readonly [K in keyof Candidate]: Candidate[K] } = {
      route: route.id,
      kind: route.kind,
      format: route.format,
      model,
      upstreamModel,
      price,
      expectedCostPico: req.inputTokens * price.input + outputExpected * price.output,
      maxCostPico: req.inputTokens * price.input + outputLimit * price.output,
    };
    if (p95 !== undefined) c.latencyMs = p95;
    scored.push({
      c,
      preferred: effects.prefers.reduce((n, s) => n + (matches(route, s) ? 1 : 0), 0),
      p50: trusted?.p50Ms ?? prior.p50Ms ?? p95 ?? Number.POSITIVE_INFINITY,
      order: route.order,
    });
  }

  // 4. Latency SLO: a preference, not a safety rule, so when no route meets it all are kept and noted.
  const notes: string[] = [];
  let eligible = scored;
  if (sloMs !== null) {
    const fast = scored.filter((s) => s.c.latencyMs === undefined || s.c.latencyMs <= sloMs);
    if (fast.length > 0) {
      for (const s of scored) if (!fast.includes(s)) excluded.push({ route: s.c.route, kind: s.c.kind, reason: 'slo', detail: `p95 ${s.c.latencyMs} ms > SLO ${sloMs} ms` });
      eligible = fast;
    } else if (scored.length > 0) notes.push('slo_unmet');
  }
  // 5. Rank: preferred first, then expected marginal cost, then latency, then the config's order.
  eligible.sort((a, b) => b.preferred - a.preferred || a.c.expectedCostPico - b.c.expectedCostPico || a.p50 - b.p50 || a.order - b.order);
  return { candidates: eligible.map((s) => s.c), excluded, notes };
}

function deny(base: Omit<Decision, 'candidates' | 'denial'>, denial: Denial, excluded = base.excluded): Decision {
  return { ...base, excluded, candidates: [], denial };
}

/** Step 3: the budget, judged on the route the planner would otherwise choose. */
function applyBudget(selection: Selection, remaining: bigint, tenant: Tenant, reselect: (model: string) => Selection, model: string): { selection: Selection; model: string } | Denial {
  const fits = (c: Candidate) => BigInt(c.maxCostPico) <= remaining;
  const dropOver = (s: Selection): Selection => ({
    ...s,
    candidates: s.candidates.filter(fits),
    excluded: [...s.excluded, ...s.candidates.filter((c) => !fits(c)).map((c) => ({ route: c.route, kind: c.kind, reason: 'budget' as const, detail: `reserves ${c.maxCostPico} p$ > remaining ${remaining} p$` }))],
  });
  const best = selection.candidates[0];
  if (!best || fits(best)) return { selection: dropOver(selection), model };
  const over: Denial = { code: 'budget_exceeded', message: `tenant ${tenant.id} has ${remaining < 0n ? 0n : remaining} pico-dollars of budget left; this request may cost up to ${best.maxCostPico}` };
  const onExceed = tenant.budget?.onExceed ?? 'deny';
  if (onExceed === 'downgrade' && tenant.budget?.downgradeTo && tenant.budget.downgradeTo !== model) {
    const downgraded = reselect(tenant.budget.downgradeTo);
    const first = downgraded.candidates[0];
    if (!first || !fits(first)) return over;
    const s = dropOver(downgraded);
    return { selection: { ...s, notes: [...s.notes, 'budget_downgrade'] }, model: tenant.budget.downgradeTo };
  }
  if (onExceed === 'cheapest') {
    const s = dropOver(selection);
    if (s.candidates.length === 0) return over;
    s.candidates.sort((a, b) => a.expectedCostPico - b.expectedCostPico);
    return { selection: { ...s, notes: [...s.notes, 'budget_cheapest'] }, model };
  }
  return over;
}

/**
 * Decides where a request may go and where it should go. Pure: the time, the tenant's spend and the
 * observed route health are arguments, so the same inputs always give the same decision.
 *
 * Order of reasoning: (1) invariants in code — a route below the request's sensitivity, not serving the
 * model, or with an open circuit is never a candidate, and only on-prem routes carry the top level;
 * (2) the policy's rules; (3) the tenant's budget; (4) the latency SLO; (5) rank by expected marginal cost,
 * then latency. Rules can add tags (the policy is evaluated again with them) but never remove any, so no
 * rule can lower the sensitivity or send data further out.
 *
 * @example
 * const d = planRoute({ tenant: 'acme', model: 'gpt-5', endpoint: 'chat', tags: ['phi'], inputTokens: 900,
 *   stream: false, nowMs: Date.parse('2026-11-26T10:00:00Z') }, routing);
 * d.candidates[0]?.kind // 'onprem', or d.denial?.code === 'no_eligible_route'
 */
export function planRoute(req: PlanRequest, routing: RoutingConfig, stats: RouteStats = NO_STATS): Decision {
  const tenant = routing.tenants.get(req.tenant);
  const requestTags = mergeTags(tenant ? tenant.defaultTags : [], req.tags);
  const rank0 = routing.sensitivity.rankOfTags(requestTags);
  if (!tenant) {
    return { candidates: [], excluded: [], rulesFired: [], model: req.model, tags: requestTags, sensitivity: routing.sensitivity.levels[rank0] as string, notes: [], denial: { code: 'unknown_tenant', message: `unknown tenant '${req.tenant}'` } };
  }
  const sloMs = req.sloMs ?? tenant.sloMs ?? null;
  // Tags added by rules are facts for the other rules too: evaluate again until no new tag appears. Tags
  // only grow, so this ends; the bound is a guard against a policy that keeps inventing tags.
  let tags: readonly string[] = requestTags;
  let fired = evaluatePolicy(routing.policy, buildFacts(req, tenant, tags, routing, sloMs));
  let effects = collectEffects(fired);
  for (let pass = 0; pass < MAX_TAG_PASSES && effects.addTags.some((t) => !tags.includes(t)); pass++) {
    tags = mergeTags(tags, effects.addTags);
    fired = evaluatePolicy(routing.policy, buildFacts(req, tenant, tags, routing, sloMs));
    effects = collectEffects(fired);
  }
  tags = mergeTags(tags, effects.addTags);
  const rank = routing.sensitivity.rankOfTags(tags);
  const model = effects.model ?? req.model;
  const base = { excluded: [] as Exclusion[], rulesFired: fired.map((r) => r.name), model, tags, sensitivity: routing.sensitivity.levels[rank] as string, notes: [] as string[] };

  if (effects.deny && effects.deny.event.type === 'deny') {
    const { code, message } = effects.deny.event.params;
    return deny(base, { code, message, rule: effects.deny.name });
  }
  if ((tenant.models && !tenant.models.has(model)) || !routing.serves(model)) {
    return deny(base, { code: 'model_not_found', message: `the model '${model}' does not exist or tenant '${tenant.id}' may not use it` });
  }
  let selection = selectRoutes(model, rank, req, effects, routing, stats, sloMs);
  let served = model;
  const remaining = remainingPico(tenant, req.spend);
  if (remaining !== undefined) {
    const reselect = (m: string) => selectRoutes(m, rank, req, effects, routing, stats, sloMs);
    const judged = applyBudget(selection, remaining, tenant, reselect, model);
    if ('code' in judged) return deny(base, judged, selection.excluded);
    ({ selection, model: served } = judged);
  }
  if (selection.candidates.length === 0) {
    const why = selection.excluded.map((e) => `${e.route}: ${e.reason}`).join(', ');
    const denial = { code: 'no_eligible_route', message: `no route may carry this ${base.sensitivity} request for ${served} (${why})` };
    return deny({ ...base, model: served, notes: selection.notes }, denial, selection.excluded);
  }
  return { candidates: selection.candidates, excluded: selection.excluded, rulesFired: base.rulesFired, model: served, tags, sensitivity: base.sensitivity, notes: selection.notes };
}
