import type { RequestFacts } from './request-facts.js';
import type { RoutingConfig, Tenant } from './routing-config.js';

/** At most this many fallback models are planned for one request. */
const MAX_FALLBACKS = 4;

/**
 * A model's family, by the leading word of its name: `gpt-5-mini` → `gpt`, `anthropic/claude-sonnet-4-6` → `claude`.
 */
export function modelFamily(model: string): string {
  const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  return /^[a-z]+/.exec(name)?.[0] ?? name;
}

/** No fallback models and nothing skipped: one frozen value, so the common case allocates nothing. */
const NO_FALLBACKS = Object.freeze({ models: [] as string[], skipped: [] as string[] });

/**
 * The models to fall back to for `model`, in order: the caller's (`models` in the body) or the config's
 * (`fallbacks`). Each one the tenant may use and some route serves; only the same family when the tenant or
 * one of the request's tags says so. What is left out, and why, goes in `skipped` for the decision's notes.
 */
export function fallbackChain(
  req: RequestFacts,
  model: string,
  tenant: Tenant,
  tags: readonly string[],
  routing: RoutingConfig,
): { readonly models: readonly string[]; readonly skipped: readonly string[] } {
  const asked = req.fallbacks ?? routing.fallbacks.get(model);
  if (!asked || asked.length === 0) return NO_FALLBACKS;
  const sameFamily = tenant.sameFamilyOnly || tags.some((t) => routing.sameFamilyOnlyTags.has(t));
  const models: string[] = [];
  const skipped: string[] = [];
  for (const m of asked) {
    if (m === model || models.includes(m) || models.length >= MAX_FALLBACKS) continue;
    if ((tenant.models && !tenant.models.has(m)) || !routing.serves(m)) skipped.push(`fallback_unavailable:${m}`);
    else if (sameFamily && modelFamily(m) !== modelFamily(model)) skipped.push(`fallback_other_family:${m}`);
    else models.push(m);
  }
  return { models, skipped };
}
