import type { LoadedConfig } from '../../config/load-config.js';

/**
 * The tenants that keep serving on this instance's own counts while the shared state (Redis) is away
 * (`when_state_unavailable: fail_open`), as the config in use says: told of each config the gateway serves,
 * at start and on every reload (`GatewayDeps.configure`).
 */
export class FailOpenTenants {
  private ids: ReadonlySet<string> = new Set();

  configure(loaded: LoadedConfig): void {
    this.ids = new Set([...loaded.routing.tenants.values()].filter((t) => t.failOpen).map((t) => t.id));
  }

  has(tenant: string): boolean {
    return this.ids.has(tenant);
  }
}
