import type { RouteHealth, RouteStats } from '../../engine/planner.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RouteHealthStore } from './route-health-store.js';

/**
 * What the planner reads of the routes at `nowMs`: their health, and the upstream account limits this
 * instance last found them at (local knowledge, so planning asks no store).
 */
export function plannerView(health: RouteHealthStore, limiter: RateLimiter, nowMs: number): RouteStats {
  return {
    get(route: string): RouteHealth | undefined {
      const seen = health.get(route);
      const rateLimited = limiter.routeLimited(route, nowMs);
      return rateLimited ? { circuit: 'closed', ...seen, rateLimited } : seen;
    },
  };
}
