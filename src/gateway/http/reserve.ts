import type { Decision } from '../../engine/decision.js';
import type { Tenant } from '../../engine/routing-config.js';
import { GatewayError } from '../errors.js';
import { isRefusal, type Admission, type LimitRefusal } from '../state/rate-limiter.js';
import type { Reservation } from '../state/spend-ledger.js';
import type { Hold, Planned } from '../outcome.js';
import type { GatewayDeps } from '../gateway-deps.js';

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

/**
 * Admission and budget, checked at once (two stores, neither waits for the other): what one let in is given
 * back when the other refused or failed. A tenant without limits asks no limiter.
 */
async function admitAndReserve(
  { ledger, limiter }: Stores,
  tenant: Tenant,
  tokens: number,
  amount: bigint,
  nowMs: number,
): Promise<{ held?: Reservation | undefined; admission?: Admission; limited?: LimitRefusal }> {
  if (!tenant.limits) return { held: await ledger.reserve(tenant.id, tenant.budget, amount, nowMs) };
  const [admitted, reserved] = await Promise.allSettled([
    limiter.admit(tenant.id, tenant.limits, tokens, nowMs),
    ledger.reserve(tenant.id, tenant.budget, amount, nowMs),
  ]);
  const admission = admitted.status === 'fulfilled' ? admitted.value : undefined;
  const limited = admission && isRefusal(admission) ? admission : undefined;
  const held = reserved.status === 'fulfilled' ? reserved.value : undefined;
  const failed =
    admitted.status === 'rejected' ? admitted.reason : reserved.status === 'rejected' ? reserved.reason : undefined;
  if (held && (limited || failed)) await ledger.release(held, nowMs);
  if (admission && !isRefusal(admission) && failed) await limiter.finish(admission);
  if (failed) throw failed;
  if (limited) return { held, limited };
  return admission && !isRefusal(admission) ? { held, admission } : { held };
}

/**
 * The reserve step: the tenant's rate limits and budget for a planned request. When the budget refuses a
 * plan made on a view of the spend a moment old, the request is planned again (`replan`) on what the budget
 * reported, and reserved once more.
 */
export async function reserve(
  stores: Stores,
  tenant: Tenant,
  planned: Planned,
  replan: () => Promise<Planned>,
  nowMs: number,
): Promise<Hold> {
  if (planned.decision.denial) return { planned, refusal: GatewayError.fromDenial(planned.decision.denial) };
  const { held, admission, limited } = await admitAndReserve(
    stores,
    tenant,
    worstTokens(planned.facts),
    worstCase(planned.decision),
    nowMs,
  );
  if (limited)
    return {
      planned,
      refusal: new GatewayError(
        'rate_limited',
        `tenant ${tenant.id} is at its ${limited.limit} limit; retry in ${Math.ceil(limited.retryAfterMs / 1000)} s`,
        { retryAfterMs: limited.retryAfterMs },
      ),
    };
  const kept = admission ? { admission } : {};
  if (held) return { planned, reservation: held, ...kept };
  try {
    const again = tenant.budget ? await replan() : planned;
    if (again.decision.denial)
      return { planned: again, refusal: GatewayError.fromDenial(again.decision.denial), ...kept };
    const reservation = tenant.budget
      ? await stores.ledger.reserve(tenant.id, tenant.budget, worstCase(again.decision), nowMs)
      : undefined;
    if (reservation) return { planned: again, reservation, ...kept };
    return {
      planned: again,
      refusal: new GatewayError('budget_exceeded', `tenant ${tenant.id} has no budget left for this request`),
      ...kept,
    };
  } catch (err) {
    if (admission) await stores.limiter.finish(admission);
    throw err;
  }
}
