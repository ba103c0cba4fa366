import { dirname, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import { ConfigError } from '../engine/errors.js';
import { withAddedTenants, type AddedTenantConfig } from '../engine/routing-config.js';
import { createRelay, type Relay } from './relay/relay.js';
import { UpstreamPools } from './relay/upstream-pools.js';
import type { Clock } from './state/clock.js';
import type { RateLimiter } from './state/rate-limiter.js';
import type { RouteHealthStore } from './state/route-health-store.js';

/** A non-streamed answer larger than this is a broken upstream (32 MiB: far above any real completion). */
export const DEFAULT_MAX_UPSTREAM_BODY = 32 * 1024 * 1024;

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
  /** The config as loaded from its file, before the store's tenants join it. */
  private base: LoadedConfig;
  /** Tenants added through the admin API (the store's): served beside the file's, whatever config is loaded. */
  private added: readonly AddedTenantConfig[] = [];

  constructor(
    loaded: LoadedConfig,
    private readonly health: RouteHealthStore,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly random: () => number,
    /** State that reads the config, told of each one served (`GatewayDeps.configure`). */
    private readonly configure: (loaded: LoadedConfig) => void = () => undefined,
  ) {
    this.base = loaded;
    this.runtime = this.create(loaded);
  }

  get current(): Runtime {
    return this.runtime;
  }

  /**
   * Swaps in a new config, with the store's tenants beside its own; the old runtime's pools close once their
   * requests are done. A config whose file defines a tenant the store holds too is refused (a `ConfigError`).
   */
  async swap(loaded: LoadedConfig): Promise<void> {
    const served = withStoreTenants(loaded, this.added);
    const old = this.runtime;
    this.base = loaded;
    this.runtime = this.create(served);
    await old.pools.close();
  }

  /**
   * Serves these store tenants beside the file's from now on. Only the tenants change, so the pools and the
   * relay stay. An id the file defines too is a `ConfigError` naming it (nothing changes then).
   */
  setStoreTenants(added: readonly AddedTenantConfig[]): void {
    const loaded = withStoreTenants(this.base, added);
    this.added = added;
    this.configure(loaded);
    this.runtime = { ...this.runtime, loaded };
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

/** The config with the store's tenants added; an id both define is an error that names it. */
function withStoreTenants(loaded: LoadedConfig, added: readonly AddedTenantConfig[]): LoadedConfig {
  if (added.length === 0) return loaded;
  const both = added.filter((t) => loaded.routing.tenants.has(t.id)).map((t) => t.id);
  if (both.length > 0)
    throw new ConfigError(loaded.path, [
      {
        path: 'tenants',
        message: `${both.join(', ')} defined both in the config file and in the store: delete one of them`,
      },
    ]);
  return { ...loaded, routing: withAddedTenants(loaded.routing, added) };
}
