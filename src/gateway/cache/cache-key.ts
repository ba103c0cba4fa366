import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { Json } from '../formats/wire-format.js';

/** How an answer is delivered, not what it says: left out of the key, so a stream and a JSON request share one. */
const DELIVERY = new Set([
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'service_tier',
  'parallel_tool_calls',
]);

/**
 * The cache key of a request: a hash of its tenant, its endpoint, the request as the gateway reads it (model,
 * messages, tools and every parameter that changes the answer, in canonical JSON: keys sorted) and the route kind and
 * level that would serve it. Two tenants never share a key; nor does a request planned at another level.
 */
export function cacheKey(tenant: string, endpoint: string, body: Json, routeKind: string, level: string): string {
  const request: Json = {};
  for (const [k, v] of Object.entries(body)) if (!DELIVERY.has(k)) request[k] = v;
  return createHash('sha256')
    .update(stringify([tenant, endpoint, routeKind, level, request]) ?? '')
    .digest('hex');
}
