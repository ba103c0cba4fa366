import type { RouteKind } from './config-schema.js';

/** Where an answer may be kept: any store the gateway has (Redis when shared), or this instance's memory only. */
export type CacheScope = 'any' | 'instance';

/**
 * Where a planned request's answer may be kept, or undefined for nowhere. An invariant, not a default: an answer to a
 * request at the top level is never kept in a shared store; with `restricted: onprem_memory` one an on-prem route
 * served may stay in this instance's memory. The gateway's cache and the scenario replay both ask this.
 */
export function cacheScope(
  restricted: 'never' | 'onprem_memory' | undefined,
  atTopLevel: boolean,
  servedBy: RouteKind,
): CacheScope | undefined {
  if (!atTopLevel) return 'any';
  return restricted === 'onprem_memory' && servedBy === 'onprem' ? 'instance' : undefined;
}
