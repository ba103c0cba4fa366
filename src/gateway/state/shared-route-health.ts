import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connectRedis } from './redis-client.js';
import type { RouteHealth } from '../../engine/planner.js';
import type { CircuitState } from './circuit-breaker.js';
import type { MemoryRouteHealth } from './memory-route-health.js';
import type { RouteHealthStore } from './route-health-store.js';

/** Each instance sends the latency samples it observed this often. */
const LATENCY_EVERY_MS = 1000;
/** A busy instance sends at most this many samples a message; the windows hold 256 per route and model anyway. */
const MAX_SAMPLES_PER_MESSAGE = 1024;

/**
 * Route health kept in this process (the planner reads it on every request, so reads stay local), with two
 * things shared through Redis: when a route's circuit opens here, every other instance hears of it at once
 * (pub/sub) and opens its own — so a route found broken by one instance is avoided by all, not rediscovered
 * by each; and the latency samples each instance observed, in one message a second per instance, so every
 * instance plans with the latency all of them observed.
 */
export class SharedRouteHealth implements RouteHealthStore {
  private readonly me = randomUUID();
  /** Latency samples observed here since the last message: route, model, total ms, first-token ms. */
  private outbox: [string, string, number, number][] = [];
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly local: MemoryRouteHealth,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channels: { readonly circuit: string; readonly latency: string },
  ) {
    this.timer = setInterval(() => this.sendLatency(), LATENCY_EVERY_MS);
    this.timer.unref();
  }

  static async connect(local: MemoryRouteHealth, url: string, prefix: string): Promise<SharedRouteHealth> {
    // The subscriber waits out Redis outages on its own (it only listens); publishing is best effort.
    const subscriber = new Redis(url, { lazyConnect: true });
    subscriber.on('error', () => undefined);
    const [publisher] = await Promise.all([connectRedis(url), subscriber.connect()]);
    const shared = new SharedRouteHealth(local, publisher, subscriber, {
      circuit: `${prefix}:circuit-open`,
      latency: `${prefix}:latency`,
    });
    await subscriber.subscribe(shared.channels.circuit, shared.channels.latency);
    subscriber.on('message', (channel: string, message: string) => shared.heard(channel, message));
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
    if (this.outbox.length < MAX_SAMPLES_PER_MESSAGE) this.outbox.push([route, model, totalMs, ttftMs]);
  }

  failed(route: string): boolean {
    const opened = this.local.failed(route);
    // Best effort: with Redis away each instance still opens its own circuits.
    if (opened)
      this.publisher.publish(this.channels.circuit, JSON.stringify({ route, from: this.me })).catch(() => undefined);
    return opened;
  }

  released(route: string): void {
    this.local.released(route);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }

  private sendLatency(): void {
    if (this.outbox.length === 0) return;
    const samples = this.outbox;
    this.outbox = [];
    this.publisher.publish(this.channels.latency, JSON.stringify({ from: this.me, samples })).catch(() => undefined);
  }

  private heard(channel: string, message: string): void {
    try {
      const { route, from, samples } = JSON.parse(message) as { route?: unknown; from?: unknown; samples?: unknown };
      if (from === this.me) return;
      if (channel === this.channels.circuit && typeof route === 'string') this.local.openedElsewhere(route);
      if (channel === this.channels.latency && Array.isArray(samples)) {
        for (const s of samples.slice(0, MAX_SAMPLES_PER_MESSAGE) as unknown[]) {
          if (
            Array.isArray(s) &&
            typeof s[0] === 'string' &&
            typeof s[1] === 'string' &&
            Number.isFinite(s[2]) &&
            Number.isFinite(s[3])
          ) {
            this.local.observed(s[0], s[1], s[2] as number, s[3] as number);
          }
        }
      }
    } catch {
      // Not one of ours: ignored.
    }
  }
}
