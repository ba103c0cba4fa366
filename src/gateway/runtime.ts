import { dirname, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import { createRelay, type Relay } from './relay/relay.js';
import { UpstreamPools } from './relay/upstream-pools.js';

/** A non-streamed answer larger than this is a broken upstream (32 MiB: far above any real completion). */
export const DEFAULT_MAX_UPSTREAM_BODY = 32 * 1024 * 1024;
import type { Clock } from './state/clock.js';
import type { RateLimiter } from './state/rate-limiter.js';
import type { RouteHealthStore } from './state/route-health-store.js';

/** What one loaded config runs with: the config, its upstream pools and the relay over them. */
export interface Runtime {
  readonly loaded: LoadedConfig;
  readonly pools: UpstreamPools;
  readonly relay: Relay;
}

/** Where the decision log goes: `log.dir` relative to the config file, `switchyard-log` beside it by default. */
export function logDirOf(loaded: LoadedConfig): string {
  return resolve(dirname(loaded.path), loaded.file.log?.dir ?? 'switchyard-log');
}

/**
 * The config the gateway serves, swapped whole on reload: each read of `current` gets one whole runtime. A
 * proxy request reads it at several steps (authentication, `planInput`, `planRequest`, the relay), so a
 * reload between two steps can plan a request on one config and relay it on the next; the old runtime's
 * pools close once their requests are done. Route health outlives reloads (a dependency, not a runtime part).
 */
export class RuntimeHolder {
  private runtime: Runtime;

  constructor(
    loaded: LoadedConfig,
    private readonly health: RouteHealthStore,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly random: () => number,
    /** State that reads the config, told of each one served (`GatewayDeps.configure`). */
    private readonly configure: (loaded: LoadedConfig) => void = () => undefined,
  ) {
    this.runtime = this.create(loaded);
  }

  get current(): Runtime {
    return this.runtime;
  }

  /** Swaps in a new config; the old runtime's pools close once their requests are done. */
  async swap(loaded: LoadedConfig): Promise<void> {
    const old = this.runtime;
    this.runtime = this.create(loaded);
    await old.pools.close();
  }

  async close(): Promise<void> {
    await this.runtime.pools.close();
  }

  private create(loaded: LoadedConfig): Runtime {
    this.configure(loaded);
    const pools = new UpstreamPools(loaded.file.routes);
    return {
      loaded,
      pools,
      relay: createRelay({
        pools,
        health: this.health,
        limiter: this.limiter,
        clock: this.clock,
        random: this.random,
        maxBodyBytes: loaded.file.server?.max_upstream_body_bytes ?? DEFAULT_MAX_UPSTREAM_BODY,
      }),
    };
  }
}
