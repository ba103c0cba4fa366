import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connectRedis } from './redis-client.js';
import type { RouteHealth } from '../../engine/planner.js';
import type { CircuitState } from './circuit-breaker.js';
import type { MemoryRouteHealth } from './memory-route-health.js';
import type { RouteHealthStore } from './route-health-store.js';

/**
 * Route health kept in this process (the planner reads it on every request, so reads stay local), with one
 * thing shared: when a route's circuit opens here, every other instance sharing the Redis hears of it at
 * once (pub/sub) and opens its own — so a route found broken by one instance is avoided by all, not
 * rediscovered by each. Latency statistics stay per instance.
 */
export class SharedRouteHealth implements RouteHealthStore {
  private readonly me = randomUUID();

  private constructor(
    private readonly local: MemoryRouteHealth,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channel: string,
  ) {}

  static async connect(local: MemoryRouteHealth, url: string, prefix: string): Promise<SharedRouteHealth> {
    // The subscriber waits out Redis outages on its own (it only listens); publishing is best effort.
    const subscriber = new Redis(url, { lazyConnect: true });
    subscriber.on('error', () => undefined);
    const [publisher] = await Promise.all([connectRedis(url), subscriber.connect()]);
    const shared = new SharedRouteHealth(local, publisher, subscriber, `${prefix}:circuit-open`);
    await subscriber.subscribe(shared.channel);
    subscriber.on('message', (_channel: string, message: string) => shared.heard(message));
    return shared;
  }

  get(route: string): RouteHealth | undefined {
    return this.local.get(route);
  }

  circuitState(route: string): CircuitState {
    return this.local.circuitState(route);
  }

  tryAcquire(route: string): boolean {
    return this.local.tryAcquire(route);
  }

  succeeded(route: string, model: string, totalMs: number, ttftMs: number): void {
    this.local.succeeded(route, model, totalMs, ttftMs);
  }

  failed(route: string): boolean {
    const opened = this.local.failed(route);
    // Best effort: with Redis away each instance still opens its own circuits.
    if (opened) this.publisher.publish(this.channel, JSON.stringify({ route, from: this.me })).catch(() => undefined);
    return opened;
  }

  released(route: string): void {
    this.local.released(route);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }

  private heard(message: string): void {
    try {
      const { route, from } = JSON.parse(message) as { route?: unknown; from?: unknown };
      if (typeof route === 'string' && from !== this.me) this.local.openedElsewhere(route);
    } catch {
      // Not one of ours: ignored.
    }
  }
}
