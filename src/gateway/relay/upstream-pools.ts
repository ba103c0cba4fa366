import { Pool } from 'undici';
import type { GatewayRoute } from '../../config/config-schema.js';
import { authorizerFor, type Authorize } from './upstream-auth.js';

export interface UpstreamTarget {
  readonly pool: Pool;
  /** The path part of the route's base URL, e.g. `/v1`; endpoint paths are appended to it. */
  readonly basePath: string;
  readonly route: GatewayRoute;
  /** Signs or authorises each attempt (SigV4, an OAuth or Entra token); absent when a key header is all it takes. */
  readonly authorize?: Authorize;
}

/**
 * One keep-alive undici pool per route, with the route's connect timeout. Created for a config and closed
 * with it (reload swaps the whole set).
 */
export class UpstreamPools {
  private readonly targets = new Map<string, UpstreamTarget>();

  constructor(routes: readonly GatewayRoute[]) {
    for (const route of routes) {
      const url = new URL(route.base_url);
      const pool = new Pool(url.origin, {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: route.timeouts.connect_ms },
      });
      const authorize = authorizerFor(route);
      this.targets.set(route.id, {
        pool,
        basePath: url.pathname.replace(/\/$/, ''),
        route,
        ...(authorize ? { authorize } : {}),
      });
    }
  }

  get(routeId: string): UpstreamTarget {
    const target = this.targets.get(routeId);
    if (!target) throw new Error(`no upstream pool for route ${routeId}`);
    return target;
  }

  async close(): Promise<void> {
    await Promise.all([...this.targets.values()].map((t) => t.pool.close()));
  }
}
