import type { LoadedConfig } from '../config/load-config.js';
import type { Candidate, Decision } from '../engine/decision.js';
import { planRoute, type PlanRequest } from '../engine/planner.js';
import { WIRE_ADAPTERS } from './adapters/registry.js';
import { Forwarder } from './forward.js';
import { RouteHealthBoard } from './route-health.js';
import { UpstreamPools } from './upstream-pools.js';
import type { CircuitOptions } from './circuit-breaker.js';

/** What one loaded config runs with: its routing, its upstream pools and the forwarder over them. */
export interface Runtime {
  readonly loaded: LoadedConfig;
  readonly pools: UpstreamPools;
  readonly forwarder: Forwarder;
}

export interface GatewayOptions {
  readonly now?: () => number;
  readonly circuit?: CircuitOptions;
}

/**
 * The gateway's state across requests: the current runtime (swapped whole on reload) and the route health
 * that outlives reloads. Handlers read `current` once per request, so a request never sees half a reload.
 */
export class Gateway {
  readonly health: RouteHealthBoard;
  readonly now: () => number;
  private runtime: Runtime;

  constructor(loaded: LoadedConfig, options: GatewayOptions = {}) {
    this.now = options.now ?? Date.now;
    this.health = new RouteHealthBoard(this.now, options.circuit);
    this.runtime = this.createRuntime(loaded);
  }

  get current(): Runtime {
    return this.runtime;
  }

  plan(request: PlanRequest, runtime: Runtime = this.runtime): Decision {
    return planRoute(request, runtime.loaded.routing, this.health);
  }

  /** Swaps in a new config; the old runtime's pools close once their requests are done. */
  async swap(loaded: LoadedConfig): Promise<void> {
    const old = this.runtime;
    this.runtime = this.createRuntime(loaded);
    await old.pools.close();
  }

  async close(): Promise<void> {
    await this.runtime.pools.close();
  }

  private createRuntime(loaded: LoadedConfig): Runtime {
    const pools = new UpstreamPools(loaded.routing.routes);
    return { loaded, pools, forwarder: new Forwarder({ pools, health: this.health, adapters: WIRE_ADAPTERS, now: this.now }) };
  }
}

/** The response headers that say how a request was served. */
export function servedHeaders(requestId: string, decision: Decision, served: Candidate): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': requestId,
    'x-switchyard-route': served.route,
    'x-switchyard-model': served.upstreamModel,
  };
  if (decision.rulesFired.length > 0) headers['x-switchyard-rule'] = decision.rulesFired.join(',');
  return headers;
}
