import type { FastifyRequest } from 'fastify';
import { planRoute } from '../../engine/planner.js';
import { detectInBody } from '../../engine/detect-sensitive.js';
import { buildFacts, NO_SPEND, type CallerHints, type CanonicalRequest } from '../../engine/request-facts.js';
import type { Tenant } from '../../engine/routing-config.js';
import type { AppContext } from '../app-context.js';
import { plannerView } from '../state/planner-view.js';
import { externalFindings } from './analyzer.js';
import type { Caller } from './auth.js';
import type { RequestRedaction } from './redact-request.js';
import { hintsFromHeaders } from './caller-hints.js';
import { narrowedByKey } from './key-narrowing.js';
import type { Planned } from '../outcome.js';
import { keyHolder } from '../state/holders.js';
import type { StoredKey } from '../../store/key-store.js';
import type { KeyBudgetFacts } from '../../engine/request-facts.js';
import type { TenantBudget } from '../../engine/routing-config.js';

/** A key's budget as the planner judges it: its limits and its spend in the same windows as its tenant's. */
async function keyBudgetFacts(
  ctx: AppContext,
  key: StoredKey,
  budget: TenantBudget,
  nowMs: number,
): Promise<KeyBudgetFacts> {
  return {
    key: key.id,
    ...(budget.dailyPico === undefined ? {} : { dailyPico: budget.dailyPico }),
    ...(budget.monthlyPico === undefined ? {} : { monthlyPico: budget.monthlyPico }),
    spend: await ctx.ledger.snapshot(keyHolder(key.id), nowMs),
  };
}

/** What a request is planned from, read once: a re-plan on fresher spend reads none of it again. */
export interface PlanInput {
  readonly tenant: Tenant;
  /** The virtual key the request came with (its budget is judged beside the tenant's); null for a tenant key. */
  readonly key: StoredKey | null;
  readonly canonical: CanonicalRequest;
  readonly hints: CallerHints;
  /** What an external analyzer found (none asked when none is configured). */
  readonly findings: readonly string[];
  /** What the detector found in the body as sent, for a tenant that auto-tags. */
  readonly scanned?: readonly string[];
  /** What redaction masked, for a tenant that redacts. */
  readonly redaction?: RequestRedaction;
  /** Where a weighted choice among equal routes draws from: one per request, so a re-plan draws the same. */
  readonly seed: number;
}

const NO_FINDINGS: readonly string[] = Object.freeze([]);
/** The detector's clock for its time limit: monotonic, unlike the gateway's (which a test may set). */
const monotonicMs = () => performance.now();

/**
 * Reads a request's hints (narrowed by its virtual key, if any), asks the analyzer (when one is configured)
 * and draws its seed.
 */
export async function planInput(
  ctx: AppContext,
  request: FastifyRequest,
  { tenant, key }: Caller,
  canonical: CanonicalRequest,
  redaction?: RequestRedaction,
): Promise<PlanInput> {
  const { loaded } = ctx.runtime.current;
  const hints = narrowedByKey(key, canonical, hintsFromHeaders(request.headers, loaded.routing, tenant));
  const findings =
    loaded.file.sensitivity?.analyzer && tenant.autoTag
      ? await externalFindings(loaded, tenant, canonical)
      : NO_FINDINGS;
  const seed = Math.floor(ctx.random() * 2 ** 31);
  if (!tenant.autoTag) return { tenant, key, canonical, hints, findings, seed };
  // Redaction scanned the body before and after masking; else it is read once here (a re-plan does not scan again).
  if (redaction) return { tenant, key, canonical, hints, findings, scanned: redaction.scanned, redaction, seed };
  const scanned = await detectInBody(canonical.sent, tenant.scanLimits, monotonicMs);
  return { tenant, key, canonical, hints, findings, scanned, seed };
}

/**
 * The facts and the decision for a request at `nowMs`: the one planning step of the proxy and of
 * `/v1/route/explain`, so explain and the request always agree. A tenant without a budget has no spend to
 * compare with, so no store is asked.
 */
export async function planRequest(ctx: AppContext, input: PlanInput, nowMs: number): Promise<Planned> {
  const { tenant, key } = input;
  const spend = tenant.budget ? await ctx.ledger.snapshot(tenant.id, nowMs) : NO_SPEND;
  const facts = buildFacts(input.canonical, tenant, input.hints, spend, nowMs, {
    external: input.findings,
    ...(input.scanned ? { scanned: input.scanned } : {}),
    seed: input.seed,
    ...(key?.ledgerBudget ? { keyBudget: await keyBudgetFacts(ctx, key, key.ledgerBudget, nowMs) } : {}),
  });
  return {
    facts,
    decision: planRoute(facts, ctx.runtime.current.loaded.routing, plannerView(ctx.health, ctx.limiter, nowMs)),
  };
}
