import type { Decision } from '../../engine/decision.js';
import type { TenantBudget, TenantLimits } from '../../engine/routing-config.js';
import { GatewayError } from '../errors.js';
import { keyHolder } from '../state/holders.js';
import { isRefusal, type Admission, type LimitRefusal } from '../state/rate-limiter.js';
import type { Reservation } from '../state/spend-ledger.js';
import type { Hold, Planned } from '../outcome.js';
import type { GatewayDeps } from '../gateway-deps.js';
import type { Caller } from './auth.js';

/** Where a request's budget and limits are counted (with shared state, the fail-open wrappers). */
type Stores = Pick<GatewayDeps, 'ledger' | 'limiter'>;

/** The tokens a request counts against a per-minute token limit: its prompt and the most it may answer. */
export const worstTokens = (facts: { inputTokens: number; maxOutputTokens?: number; choices?: number }) =>
  facts.inputTokens + (facts.maxOutputTokens ?? 0) * (facts.choices ?? 1);

/** The most any of the decision's routes can cost: what the budget holds while the request is in flight. */
function worstCase(decision: Decision): bigint {
  let max = 0;
  for (const c of decision.candidates) if (c.maxCostPico > max) max = c.maxCostPico;
  return BigInt(max);
}

/** Whose budget and limits a request counts against: its tenant's, and its virtual key's as well. */
interface Holder {
  /** The ledger's and the limiter's name for it. */
  readonly id: string;
  /** How a refusal names it: `tenant acme`, `key key_…`. */
  readonly label: string;
  readonly budget: TenantBudget | undefined;
  readonly limits: TenantLimits | undefined;
}

/** A request's holders, with how to take them: one after another, or all at once. */
interface Holders {
  readonly list: readonly Holder[];
  /**
   * No limits and at most one budget (the common case): a reservation without a budget asks no shared store, so
   * one after another costs no round trip more than the one budget's, and lines no promises up.
   */
  readonly inTurn: boolean;
}

const holdersFrom = (list: Holder[]): Holders => ({
  list,
  inTurn: list.every((h) => !h.limits) && list.filter((h) => h.budget).length <= 1,
});

// Made once per tenant and per key version (a changed key is a new object), not per request.
const tenantHolders = new WeakMap<Caller['tenant'], Holders>();
const keyHolders = new WeakMap<NonNullable<Caller['key']>, Holders>();

function holdersOf({ tenant, key }: Caller): Holders {
  let own = tenantHolders.get(tenant);
  if (!own) {
    own = holdersFrom([{ id: tenant.id, label: `tenant ${tenant.id}`, budget: tenant.budget, limits: tenant.limits }]);
    tenantHolders.set(tenant, own);
  }
  if (!key) return own;
  const ofTenant = own.list[0] as Holder;
  let both = keyHolders.get(key);
  if (!both || both.list[0] !== ofTenant) {
    const ofKey = {
      id: keyHolder(key.id),
      label: `key ${key.id}`,
      budget: key.ledgerBudget,
      limits: key.limits ?? undefined,
    };
    both = holdersFrom([ofTenant, ofKey]);
    keyHolders.set(key, both);
  }
  return both;
}

/** What the holders let in: every reservation and place in flight taken, or the refusals. */
interface Taken {
  readonly reservations: Reservation[];
  readonly admissions: Admission[];
  /** The holder whose budget refused (its reservations are given back). */
  overBudget?: Holder;
  limited?: { holder: Holder; refusal: LimitRefusal };
}

/** Gives back everything taken (a refusal or a failure elsewhere). */
async function giveBack({ ledger, limiter }: Stores, taken: Pick<Taken, 'reservations' | 'admissions'>, nowMs: number) {
  await Promise.allSettled([
    ...taken.reservations.map((r) => ledger.release(r, nowMs)),
    ...taken.admissions.map((a) => limiter.finish(a)),
  ]);
}

/**
 * Admission and budget for every holder, all at once (no store waits for another): when any refuses or fails,
 * what the others let in is given back. A holder without limits asks no limiter.
 */
async function takeAll(stores: Stores, all: Holders, tokens: number, amount: bigint, nowMs: number): Promise<Taken> {
  if (all.inTurn) {
    const reservations: Reservation[] = [];
    for (const h of all.list) {
      let held: Reservation | undefined;
      try {
        held = await stores.ledger.reserve(h.id, h.budget, amount, nowMs);
      } catch (err) {
        await giveBack(stores, { reservations, admissions: [] }, nowMs);
        throw err;
      }
      if (!held) {
        await giveBack(stores, { reservations, admissions: [] }, nowMs);
        return { reservations: [], admissions: [], overBudget: h };
      }
      reservations.push(held);
    }
    return { reservations, admissions: [] };
  }
  const holders = all.list;
  const asks: Promise<unknown>[] = [];
  for (const h of holders) {
    asks.push(stores.ledger.reserve(h.id, h.budget, amount, nowMs));
    if (h.limits) asks.push(stores.limiter.admit(h.id, h.limits, tokens, nowMs));
  }
  const settled = await Promise.allSettled(asks);
  const taken: Taken = { reservations: [], admissions: [] };
  let failed: unknown;
  let i = 0;
  for (const h of holders) {
    const reserved = settled[i++] as PromiseSettledResult<Reservation | undefined>;
    if (reserved.status === 'rejected') failed ??= reserved.reason;
    else if (reserved.value) taken.reservations.push(reserved.value);
    else taken.overBudget ??= h;
    if (!h.limits) continue;
    const admitted = settled[i++] as PromiseSettledResult<Admission | LimitRefusal>;
    if (admitted.status === 'rejected') failed ??= admitted.reason;
    else if (isRefusal(admitted.value)) taken.limited ??= { holder: h, refusal: admitted.value };
    else taken.admissions.push(admitted.value);
  }
  if (failed !== undefined || taken.limited) {
    await giveBack(stores, taken, nowMs);
    if (failed !== undefined) throw failed;
    return { reservations: [], admissions: [], limited: taken.limited };
  }
  return taken;
}

const rateLimited = ({ holder, refusal }: NonNullable<Taken['limited']>) =>
  new GatewayError(
    'rate_limited',
    `${holder.label} is at its ${refusal.limit} limit; retry in ${Math.ceil(refusal.retryAfterMs / 1000)} s`,
    { retryAfterMs: refusal.retryAfterMs },
  );

/** Reserves the budgets again (places in flight are already held), for a request planned again. */
async function reserveBudgets(
  stores: Stores,
  holders: readonly Holder[],
  amount: bigint,
  nowMs: number,
): Promise<{ reservations: Reservation[]; overBudget?: Holder }> {
  const settled = await Promise.allSettled(holders.map((h) => stores.ledger.reserve(h.id, h.budget, amount, nowMs)));
  const reservations = settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  const overBudget = holders.find((_, j) => {
    const s = settled[j] as PromiseSettledResult<Reservation | undefined>;
    return s.status === 'fulfilled' && !s.value;
  });
  if (failed || overBudget) await giveBack(stores, { reservations, admissions: [] }, nowMs);
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return overBudget ? { reservations: [], overBudget } : { reservations };
}

/**
 * The reserve step: the rate limits and budgets of the request's tenant and of its virtual key (each held as
 * well as the other: the tighter one decides). When a budget refuses a plan made on a view of the spend a
 * moment old, the request is planned again (`replan`) on what the budgets report, and reserved once more.
 */
export async function reserve(
  stores: Stores,
  caller: Caller,
  planned: Planned,
  replan: () => Promise<Planned>,
  nowMs: number,
): Promise<Hold> {
  if (planned.decision.denial) return refusedHold(planned, GatewayError.fromDenial(planned.decision.denial));
  const all = holdersOf(caller);
  const taken = await takeAll(stores, all, worstTokens(planned.facts), worstCase(planned.decision), nowMs);
  if (taken.limited) return refusedHold(planned, rateLimited(taken.limited));
  if (!taken.overBudget) return { planned, reservations: taken.reservations, admissions: taken.admissions };
  // Over a budget: the reservations that fitted go back, the places in flight stay for the second try.
  await giveBack(stores, { reservations: taken.reservations, admissions: [] }, nowMs);
  const { admissions } = taken;
  try {
    const again = await replan();
    if (again.decision.denial)
      return { ...refusedHold(again, GatewayError.fromDenial(again.decision.denial)), admissions };
    const second = await reserveBudgets(stores, all.list, worstCase(again.decision), nowMs);
    if (!second.overBudget) return { planned: again, reservations: second.reservations, admissions };
    const why = `${second.overBudget.label} has no budget left for this request`;
    return { ...refusedHold(again, new GatewayError('budget_exceeded', why)), admissions };
  } catch (err) {
    await giveBack(stores, { reservations: [], admissions }, nowMs);
    throw err;
  }
}

const NOTHING: readonly never[] = Object.freeze([]);

function refusedHold(planned: Planned, refusal: GatewayError): Hold {
  return { planned, refusal, reservations: NOTHING, admissions: NOTHING };
}
