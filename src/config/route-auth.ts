import type { GatewayRoute } from './config-schema.js';

export type RouteAuth = 'api_key' | 'aws' | 'google' | 'entra';

/**
 * How a route authenticates: what it says (`auth:`), else its key when it has one, else its format's own way —
 * SigV4 for Bedrock, a Google OAuth token for Vertex — else none (a local server).
 */
export function authOf(route: Pick<GatewayRoute, 'auth' | 'api_key' | 'format'>): RouteAuth | undefined {
  if (route.auth) return route.auth;
  if (route.api_key) return 'api_key';
  if (route.format === 'bedrock') return 'aws';
  if (route.format === 'vertex') return 'google';
  return undefined;
}
