import type { Tenant } from '../../engine/routing-config.js';
import type { GatewayDeps } from '../gateway-deps.js';
import type { RateLimiter } from '../state/rate-limiter.js';
import type { SpendLedger } from '../state/spend-ledger.js';

export interface TenantStores {
  readonly ledger: SpendLedger;
  readonly limiter: RateLimiter;
}

/**
 * Where one request's spend and limits are counted. Normally the shared stores; while the shared state (Redis)
 * is away, this instance's own counts for what nothing shared guards — spend of a tenant without a budget —
 * and for every count of a tenant that chose `when_state_unavailable: fail_open`. The rest fails closed.
 */
export function storesFor(deps: GatewayDeps, tenant: Tenant): TenantStores {
  const { local } = deps;
  if (!local || deps.ledger.ready()) return deps;
  return {
    ledger: tenant.failOpen || !tenant.budget ? local.ledger : deps.ledger,
    limiter: tenant.failOpen ? local.limiter : deps.limiter,
  };
}
