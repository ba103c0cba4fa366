import { dirname, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import type { Candidate, Decision } from '../engine/decision.js';
import { planRoute, type PlanRequest } from '../engine/planner.js';
import { WIRE_ADAPTERS } from './adapters/registry.js';
import { BudgetLedger } from './budget-ledger.js';
import type { CircuitOptions } from './circuit-breaker.js';
import { DecisionLog } from './decision-log.js';
import { Forwarder } from './forward.js';
import { GatewayMetrics } from './metrics.js';
import { restoreLedgerFromLog } from './restore-ledger.js';
import { RouteHealthBoard } from './route-health.js';
import { UpstreamPools } from './upstream-pools.js';

/** What one loaded config runs with: its routing, its upstream pools and the forwarder over them. */
export interface Runtime {
  readonly loaded: LoadedConfig;
  readonly pools: UpstreamPools;
  readonly forwarder: Forwarder;
}

export interface GatewayOptions {
  readonly now?: () => number;
  readonly circuit?: CircuitOptions;
  /** Overrides `log.dir` of the config. */
  readonly logDir?: string;
}

/** Where the decision log goes: `log.dir` relative to the config file, `switchyard-log` beside it by default. */
export function logDirOf(loaded: LoadedConfig): string {
  return resolve(dirname(loaded.path), loaded.routing.file.log?.dir ?? 'switchyard-log');
}

/**
 * The gateway's state across requests: the current runtime (swapped whole on reload), and what outlives a
 * reload — route health, the budget ledger, the decision log and the metrics. Handlers read `current` once
 * per request, so a request never sees half a reload.
 */
export class Gateway {
  readonly health: RouteHealthBoard;
  readonly ledger = new BudgetLedger();
  readonly metrics: GatewayMetrics;
  readonly now: () => number;
  private runtime: Runtime;

  private constructor(
    loaded: LoadedConfig,
    readonly log: DecisionLog,
    options: GatewayOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.health = new RouteHealthBoard(this.now, options.circuit);
    this.runtime = this.createRuntime(loaded);
    this.metrics = new GatewayMetrics(() => this.runtime.loaded.routing, this.ledger, this.health, this.now);
  }

  /** Opens the decision log and restores today's and this month's spend from it before serving. */
  static async start(loaded: LoadedConfig, options: GatewayOptions = {}): Promise<Gateway> {
    const dir = options.logDir ?? logDirOf(loaded);
    const rollSeconds = loaded.routing.file.log?.roll_seconds;
    const log = await DecisionLog.open({ dir, ...(rollSeconds === undefined ? {} : { rollMs: rollSeconds * 1000 }) });
    const gateway = new Gateway(loaded, log, options);
    await restoreLedgerFromLog(gateway.ledger, dir, gateway.now());
    return gateway;
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

  /** After the server stopped taking requests: closes the pools and writes the last log segment. */
  async close(): Promise<void> {
    await this.runtime.pools.close();
    await this.log.close();
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
