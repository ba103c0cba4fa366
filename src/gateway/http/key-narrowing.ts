import type { CallerHints, CanonicalRequest } from '../../engine/request-facts.js';
import type { StoredKey } from '../../store/key-store.js';
import { GatewayError } from '../errors.js';

/**
 * What a virtual key does to its tenant's request: it narrows, never widens. A key with its own `models`
 * refuses any other model (403 `model_not_allowed_for_key`; the tenant's own list still applies in the
 * planner), and its `default_tags` are added to the request's, never taking any away.
 */
export function narrowedByKey(key: StoredKey | null, canonical: CanonicalRequest, hints: CallerHints): CallerHints {
  if (!key) return hints;
  const model = canonical.body.model;
  if (key.models !== null && !key.models.includes(model))
    throw new GatewayError(
      'model_not_allowed_for_key',
      `Key ${key.id} may not use the model '${model}'; it may use: ${key.models.join(', ')}.`,
      { param: 'model' },
    );
  if (key.defaultTags.length === 0) return hints;
  return { ...hints, tags: [...new Set([...hints.tags, ...key.defaultTags])].sort() };
}
