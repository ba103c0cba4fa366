import type { GatewayMetrics } from '../record/metrics.js';

/** One tenant's use of the response cache since this instance started. */
export interface TenantCacheReport {
  readonly tenant: string;
  readonly hits: number;
  readonly misses: number;
  readonly bypasses: number;
  readonly saved_usd: number;
  /** Hits among the requests the cache could answer (hits and misses); null before the first. */
  readonly hit_rate: number | null;
}

/**
 * Hits, misses, bypasses, the hit rate and the savings per tenant, read from the counters `/metrics` exports: what
 * `/admin/spend` and the dashboard's overview show, so the three never disagree.
 */
export async function cacheReport(metrics: GatewayMetrics): Promise<TenantCacheReport[]> {
  const byTenant = new Map<string, { hits: number; misses: number; bypasses: number; saved_usd: number }>();
  const row = (tenant: string) => {
    let r = byTenant.get(tenant);
    if (!r) byTenant.set(tenant, (r = { hits: 0, misses: 0, bypasses: 0, saved_usd: 0 }));
    return r;
  };
  for (const v of (await metrics.cache.get()).values) {
    const r = row(String(v.labels.tenant));
    if (v.labels.status === 'hit') r.hits += v.value;
    else if (v.labels.status === 'miss') r.misses += v.value;
    else r.bypasses += v.value;
  }
  for (const v of (await metrics.cacheSaved.get()).values) row(String(v.labels.tenant)).saved_usd += v.value;
  return [...byTenant].map(([tenant, r]) => ({
    tenant,
    ...r,
    hit_rate: r.hits + r.misses === 0 ? null : r.hits / (r.hits + r.misses),
  }));
}
