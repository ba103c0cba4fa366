import type { RouteSelector } from './policy-schema.js';
import { evaluatePolicy, type CompiledRule } from './compile-rules.js';
import type { Candidate, Decision, Denial, Exclusion } from './decision.js';
import { violatedInvariant, type InvariantFacts, type RegionRule } from './invariants.js';
import { picoToUsdNumber } from './money.js';
import type { RequestFacts, SpendSnapshot } from './request-facts.js';
import type { RuleFacts } from './rule-facts.js';
import type { Route, RoutingConfig, Tenant } from './routing-config.js';
import { fallbackChain } from './fallbacks.js';
import { UNREADABLE_CONTENT } from './detect-sensitive.js';
import { byRank, orderTies, type Ranked } from './strategy.js';

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
  /** The upstream account's own limit this route has reached for the current minute, if any. */
  readonly rateLimited?: 'rpm' | 'tpm';
  /** Requests in flight on it now (for `least_busy`). */
  readonly inFlight?: number;
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

/**
 * The tags what the detector found means, by the config's table; a kind it does not list means nothing.
 * Unreadable content means the tenant's own level for it, when the tenant names one.
 */
function detectedTags(
  detected: readonly string[] | undefined,
  routing: RoutingConfig,
  tenant: Tenant | undefined,
): readonly string[] {
  if (!detected || detected.length === 0) return [];
  const tags: string[] = [];
  for (const kind of detected) {
    const tag =
      kind === UNREADABLE_CONTENT && tenant?.unreadableLevel !== undefined
        ? tenant.unreadableLevel
        : routing.detectTags.get(kind);
    if (tag !== undefined && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

const NO_REGION_RULES: readonly RegionRule[] = Object.freeze([]);

/** The residency rules a request is under: its tenant's regions, and those of each of its tags. */
function regionRules(tenant: Tenant, tags: readonly string[], routing: RoutingConfig): readonly RegionRule[] {
  if (!tenant.regions && routing.residency.size === 0) return NO_REGION_RULES;
  const rules: RegionRule[] = tenant.regions ? [{ regions: tenant.regions, source: `tenant ${tenant.id}` }] : [];
  for (const tag of tags) {
    const regions = routing.residency.get(tag);
    if (regions) rules.push({ regions, source: `tag ${tag}` });
  }
  return rules;
}

const matches = (route: Route, s: RouteSelector) =>
  (s.kinds?.includes(route.kind) ?? false) || (s.routes?.includes(route.id) ?? false);

/** What is left in one budget's windows (the tighter of day and month); undefined without a limit. */
function leftIn(
  limits: { readonly dailyPico?: bigint; readonly monthlyPico?: bigint },
  spend: SpendSnapshot,
): bigint | undefined {
  let remaining: bigint | undefined;
  if (limits.dailyPico !== undefined) remaining = limits.dailyPico - spend.dailyPico;
  if (limits.monthlyPico !== undefined) {
    const monthly = limits.monthlyPico - spend.monthlyPico;
    remaining = remaining === undefined || monthly < remaining ? monthly : remaining;
  }
  return remaining;
}

/** What a request may still spend, and whose budget says so: its tenant's or its key's, whichever leaves less. */
interface BudgetLeft {
  readonly remaining: bigint;
  readonly holder: string;
}

function budgetLeft(tenant: Tenant, req: RequestFacts): BudgetLeft | undefined {
  const ofTenant = tenant.budget && leftIn(tenant.budget, req.spend);
  const ofKey = req.keyBudget && leftIn(req.keyBudget, req.keyBudget.spend);
  if (ofKey !== undefined && (ofTenant === undefined || ofKey < ofTenant))
    return { remaining: ofKey, holder: `key ${req.keyBudget?.key}` };
  return ofTenant === undefined ? undefined : { remaining: ofTenant, holder: `tenant ${tenant.id}` };
}

function ruleFacts(
  req: RequestFacts,
  tenant: Tenant,
  tags: readonly string[],
  routing: RoutingConfig,
  sloMs: number | null,
): RuleFacts {
  const rank = routing.sensitivity.rankOfTags(tags);
  const b = tenant.budget;
  const daySpent = req.spend.dailyPico;
  const monthSpent = req.spend.monthlyPico;
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

/** Steps 1–4 for one model: invariants, rules, SLO, ranking. */
function selectRoutes(
  model: string,
  invariantFacts: InvariantFacts,
  req: RequestFacts,
  effects: Effects,
  routing: RoutingConfig,
  stats: RouteStats,
  sloMs: number | null,
): Selection {
  const excluded: Exclusion[] = [];
  const scored: Ranked[] = [];
  const choices = req.choices ?? 1;
  const outputExpected =
    req.endpoint === 'embeddings' ? 0 : choices * (req.maxOutputTokens ?? routing.expectedOutputTokens);

  for (const route of routing.routes) {
    // 1. Invariants, in code: no rule can undo these.
    const refused = violatedInvariant(route, invariantFacts);
    if (refused) {
      excluded.push(refused);
      continue;
    }
    const upstreamModel = route.upstreamModel(model);
    const price = upstreamModel === undefined ? undefined : route.priceOf(model);
    if (upstreamModel === undefined || price === undefined) {
      excluded.push({
        route: route.id,
        kind: route.kind,
        reason: 'model',
        detail: upstreamModel === undefined ? `does not serve ${model}` : `no price known for ${model}`,
      });
      continue;
    }
    // 2. Rules.
    const unmet = effects.requires.find((r) => !matches(route, r.selector));
    if (unmet) {
      excluded.push({
        route: route.id,
        kind: route.kind,
        reason: 'policy',
        detail: `rule '${unmet.rule.name}' requires another route`,
      });
      continue;
    }
    const removed = effects.excludes.find((r) => matches(route, r.selector));
    if (removed) {
      excluded.push({
        route: route.id,
        kind: route.kind,
        reason: 'policy',
        detail: `rule '${removed.rule.name}' excludes it`,
      });
      continue;
    }
    // Last of the filters, so `unhealthy` and `rate_limit` mean: allowed, but not usable right now.
    const health = stats.get(route.id);
    if (health?.circuit === 'open') {
      excluded.push({ route: route.id, kind: route.kind, reason: 'unhealthy', detail: 'circuit open' });
      continue;
    }
    if (health?.rateLimited) {
      excluded.push({
        route: route.id,
        kind: route.kind,
        reason: 'rate_limit',
        detail: `at its ${health.rateLimited} limit this minute`,
      });
      continue;
    }
    // The most it can cost: every answer asked for at its output limit.
    const outputLimit =
      req.endpoint === 'embeddings'
        ? 0
        : choices * (req.maxOutputTokens ?? price.maxOutputTokens ?? DEFAULT_OUTPUT_LIMIT);
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
      weight: route.weight,
      inFlight: health?.inFlight ?? 0,
    });
  }

  // 3. Latency SLO: a preference, not a safety rule, so when no route meets it all are kept and noted.
  const notes: string[] = [];
  let eligible = scored;
  if (sloMs !== null) {
    const fast = scored.filter((s) => s.c.latencyMs === undefined || s.c.latencyMs <= sloMs);
    if (fast.length > 0) {
      for (const s of scored)
        if (!fast.includes(s))
          excluded.push({
            route: s.c.route,
            kind: s.c.kind,
            reason: 'slo',
            detail: `p95 ${s.c.latencyMs} ms > SLO ${sloMs} ms`,
          });
      eligible = fast;
    } else if (scored.length > 0) notes.push('slo_unmet');
  }
  // 4. Rank: preferred first, then expected marginal cost, then latency, then the config's order; routes
  // ranked as equals are then ordered by the strategy (weights, latency, load).
  eligible.sort(byRank);
  const ordered = orderTies(eligible, routing.strategy, routing.tiePercent, req.seed ?? req.nowMs);
  return { candidates: ordered.map((s) => s.c), excluded, notes };
}

function deny(base: Omit<Decision, 'candidates' | 'denial'>, denial: Denial, excluded = base.excluded): Decision {
  return { ...base, excluded, candidates: [], denial };
}

const fitsIn = (remaining: bigint) => (c: Candidate) => BigInt(c.maxCostPico) <= remaining;

/** Routes whose most expensive outcome does not fit what is left are dropped, each with its reason. */
function dropOverBudget(s: Selection, remaining: bigint): Selection {
  const fits = fitsIn(remaining);
  return {
    ...s,
    candidates: s.candidates.filter(fits),
    excluded: [
      ...s.excluded,
      ...s.candidates
        .filter((c) => !fits(c))
        .map((c) => ({
          route: c.route,
          kind: c.kind,
          reason: 'budget' as const,
          detail: `reserves ${c.maxCostPico} p$ > remaining ${remaining} p$`,
        })),
    ],
  };
}

/** Step 5: the budget (the tenant's, or its key's when tighter), judged on the route steps 1–4 ranked first. */
function applyBudget(
  selection: Selection,
  model: string,
  { remaining, holder }: BudgetLeft,
  tenant: Tenant,
  planModel: (model: string) => Selection,
): { selection: Selection; model: string } | Denial {
  const fits = fitsIn(remaining);
  const best = selection.candidates[0];
  if (!best || fits(best)) return { selection: dropOverBudget(selection, remaining), model };
  const over: Denial = {
    code: 'budget_exceeded',
    message: `${holder} has ${remaining < 0n ? 0n : remaining} pico-dollars of budget left; this request may cost up to ${best.maxCostPico}`,
  };
  const budget = tenant.budget;
  if (budget?.onExceed === 'downgrade' && budget.downgradeTo && budget.downgradeTo !== model) {
    // Steps 1–4 again for the cheaper model: the same invariants and rules hold for it.
    const downgraded = planModel(budget.downgradeTo);
    const first = downgraded.candidates[0];
    if (!first || !fits(first)) return over;
    const s = dropOverBudget(downgraded, remaining);
    return { selection: { ...s, notes: [...s.notes, 'budget_downgrade'] }, model: budget.downgradeTo };
  }
  if (budget?.onExceed === 'cheapest') {
    const s = dropOverBudget(selection, remaining);
    if (s.candidates.length === 0) return over;
    s.candidates.sort((a, b) => a.expectedCostPico - b.expectedCostPico);
    return { selection: { ...s, notes: [...s.notes, 'budget_cheapest'] }, model };
  }
  return over;
}

/**
 * The policy's verdict with the tags its rules add. Added tags are facts for the other rules too: evaluate
 * again until no new tag appears. Tags only grow, so this ends; the bound is a guard against a policy that
 * keeps inventing tags.
 */
function evaluateWithAddedTags(
  req: RequestFacts,
  tenant: Tenant,
  requestTags: readonly string[],
  routing: RoutingConfig,
  sloMs: number | null,
) {
  let tags = requestTags;
  let fired = evaluatePolicy(routing.policy, ruleFacts(req, tenant, tags, routing, sloMs));
  let effects = collectEffects(fired);
  for (let pass = 0; pass < MAX_TAG_PASSES && effects.addTags.some((t) => !tags.includes(t)); pass++) {
    tags = mergeTags(tags, effects.addTags);
    fired = evaluatePolicy(routing.policy, ruleFacts(req, tenant, tags, routing, sloMs));
    effects = collectEffects(fired);
  }
  return { tags: mergeTags(tags, effects.addTags), fired, effects };
}

/** The model's own routes, then its fallback models' routes (step 6), with why theirs were left out. */
function withFallbacks(
  selection: Selection,
  fallback: readonly { model: string; selection: Selection }[],
  skipped: readonly string[],
): Selection {
  return {
    candidates: [...selection.candidates, ...fallback.flatMap((f) => f.selection.candidates)],
    // Why a fallback model's routes were left out, named by model; "does not serve it" is noise there.
    excluded: [
      ...selection.excluded,
      ...fallback.flatMap((f) =>
        f.selection.excluded
          .filter((e) => e.reason !== 'model')
          .map((e) => ({ ...e, detail: `${f.model}: ${e.detail}` })),
      ),
    ],
    notes: [
      ...selection.notes,
      ...fallback.filter((f) => f.selection.candidates.length > 0).map((f) => `fallback:${f.model}`),
      ...skipped,
    ],
  };
}

/** Why no route is left: all down (retry later), none serves the model (404), or none may carry it. */
function noRouteDenial(excluded: readonly Exclusion[], sensitivity: string, served: string): Denial {
  const why = excluded.map((e) => `${e.route}: ${e.reason}`).join(', ');
  // Routes that may carry it exist but every one is down: a different answer (retry later) from "none may".
  if (excluded.some((e) => e.reason === 'unhealthy' || e.reason === 'rate_limit')) {
    return {
      code: 'routes_unavailable',
      message: `every route that may carry this ${sensitivity} request for ${served} is unavailable right now (${why})`,
    };
  }
  // Every route turned it down for the model alone (none serves it, or none knows its price): the
  // caller named a model this gateway cannot sell, a 404 like any unknown model, not a 5xx to retry.
  if (excluded.every((e) => e.reason === 'model')) {
    const details = excluded.map((e) => `${e.route}: ${e.detail}`).join('; ');
    return { code: 'model_not_found', message: `no route can serve or price the model '${served}' (${details})` };
  }
  return {
    code: 'no_eligible_route',
    message: `no route may carry this ${sensitivity} request for ${served} (${why})`,
  };
}

/**
 * Decides where a request may go and where it should go. Pure: the time, the tenant's spend and the
 * observed route health are arguments, so the same inputs always give the same decision.
 *
 * Order of reasoning. First the request's tags (the caller's, the tenant's, the detector's, then the rules'
 * `add-tags` until no new tag appears) and its model (`set-model`); a `deny` rule, or a model the tenant may
 * not use or no route serves, ends there. Then per model: (1) invariants in code (`invariants.ts`) — a route
 * below the request's sensitivity or outside its regions is never a candidate, only on-prem routes carry the
 * top level — then the model served and its price; (2) the policy's `require` and `exclude`, then the
 * circuit and the route's own rate limit; (3) the latency SLO; (4) rank by preference, expected marginal
 * cost, then latency, routes ranked as equals ordered by the strategy; (5) the tenant's budget (or its key's,
 * when tighter), judged on the route ranked first (a downgrade runs 1–4 again for the cheaper model); (6) the
 * routes of the fallback models, each planned with 1–4 and kept within the budget, after the model's own. Rules
 * can add tags but never remove any, so no rule can lower the sensitivity or send data further out.
 *
 * @example
 * const d = planRoute({ tenant: 'acme', model: 'gpt-5', endpoint: 'chat', tags: ['phi'], inputTokens: 900,
 *   stream: false, nowMs: Date.parse('2026-11-26T10:00:00Z'), spend: NO_SPEND }, routing);
 * d.candidates[0]?.kind // 'onprem', or d.denial?.code === 'no_eligible_route'
 */
export function planRoute(req: RequestFacts, routing: RoutingConfig, stats: RouteStats = NO_STATS): Decision {
  const levels = routing.sensitivity.levels;
  const tenant = routing.tenants.get(req.tenant);
  const requestTags = mergeTags(
    mergeTags(tenant ? tenant.defaultTags : [], req.tags),
    detectedTags(req.detected, routing, tenant),
  );
  if (!tenant) {
    const sensitivity = levels[routing.sensitivity.rankOfTags(requestTags)] as string;
    return {
      candidates: [],
      excluded: [],
      rulesFired: [],
      model: req.model,
      tags: requestTags,
      sensitivity,
      notes: [],
      denial: { code: 'unknown_tenant', message: `unknown tenant '${req.tenant}'` },
    };
  }
  const sloMs = req.sloMs ?? tenant.sloMs ?? null;
  const { tags, fired, effects } = evaluateWithAddedTags(req, tenant, requestTags, routing, sloMs);
  const rank = routing.sensitivity.rankOfTags(tags);
  const sensitivity = levels[rank] as string;
  const model = effects.model ?? req.model;
  const regions = regionRules(tenant, tags, routing);
  const residency = regions.length === 0 ? {} : { residency: regions.map((r) => r.regions.join('|')) };
  const base = {
    excluded: [] as Exclusion[],
    rulesFired: fired.map((r) => r.name),
    model,
    tags,
    sensitivity,
    ...residency,
    notes: [] as string[],
  };

  if (effects.deny && effects.deny.event.type === 'deny') {
    const { code, message } = effects.deny.event.params;
    return deny(base, { code, message, rule: effects.deny.name });
  }
  if ((tenant.models && !tenant.models.has(model)) || !routing.serves(model)) {
    return deny(base, {
      code: 'model_not_found',
      message: `the model '${model}' does not exist or tenant '${tenant.id}' may not use it`,
    });
  }
  const invariantFacts: InvariantFacts = { rank, top: levels.length - 1, level: sensitivity, regions };
  const planModel = (m: string) => selectRoutes(m, invariantFacts, req, effects, routing, stats, sloMs);
  let selection = planModel(model);
  let served = model;
  const left = budgetLeft(tenant, req);
  let overBudget: Denial | undefined;
  if (left !== undefined) {
    const judged = applyBudget(selection, model, left, tenant, planModel);
    if ('code' in judged) overBudget = judged;
    else ({ selection, model: served } = judged);
  }
  // 6. Model fallbacks: their routes after the model's own, each planned with steps 1–4 (every invariant
  // holds for them too) and kept only within the budget.
  const chain = fallbackChain(req, model, tenant, tags, routing);
  const fallback =
    chain.models.length === 0
      ? []
      : chain.models.map((m) => {
          const s = planModel(m);
          return { model: m, selection: left === undefined ? s : dropOverBudget(s, left.remaining) };
        });
  const fallbackCandidates = fallback.length === 0 ? [] : fallback.flatMap((f) => f.selection.candidates);
  if (overBudget) {
    if (fallbackCandidates.length === 0) return deny(base, overBudget, selection.excluded);
    const detail = overBudget.message;
    selection = {
      candidates: [],
      excluded: [
        ...selection.excluded,
        ...selection.candidates.map((c) => ({ route: c.route, kind: c.kind, reason: 'budget' as const, detail })),
      ],
      notes: selection.notes,
    };
  }
  if (fallback.length > 0 || chain.skipped.length > 0) selection = withFallbacks(selection, fallback, chain.skipped);
  if (selection.candidates.length === 0) {
    const denial = noRouteDenial(selection.excluded, sensitivity, served);
    return deny({ ...base, model: served, notes: selection.notes }, denial, selection.excluded);
  }
  return {
    candidates: selection.candidates,
    excluded: selection.excluded,
    rulesFired: base.rulesFired,
    model: served,
    tags,
    sensitivity,
    ...residency,
    notes: selection.notes,
  };
}
