import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { picoToUsdNumber } from '../../engine/money.js';
import type { TokenUsage } from '../../engine/prices.js';
import type { RoutingConfig } from '../../engine/routing-config.js';
import type { Clock } from '../state/clock.js';
import type { RouteHealthStore } from '../state/route-health-store.js';
import type { DecisionSink } from './decision-sink.js';
import type { SpendLedger } from '../state/spend-ledger.js';
import { keyIdOf } from '../state/holders.js';

const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
const LOOP_SAMPLE_MS = 10;
type Histogrammed = Histogram.Internal<string>;
type Labels = Record<string, string>;

/**
 * A counter's totals by label set, kept as plain numbers on the request path and handed to prom-client when it is
 * scraped: prom-client's `inc` hashes and checks the labels on every call, a child's too — five calls a request were
 * ≈2 % of the gateway's CPU under load (issue 32).
 */
class Tally {
  private readonly totals = new Map<string, { readonly labels: Labels; value: number }>();

  add(key: string, labels: () => Labels, by: number): void {
    const known = this.totals.get(key);
    if (known) known.value += by;
    else this.totals.set(key, { labels: labels(), value: by });
  }

  /** Sets `counter` to these totals (prom-client calls its `collect` before each scrape). */
  into(counter: Counter): void {
    counter.reset();
    for (const { labels, value } of this.totals.values()) counter.inc(labels, value);
  }
}

/** A counter whose every increment goes through `tally` first. */
function tallied(tally: Tally, config: Omit<ConstructorParameters<typeof Counter>[0], 'collect'>): Counter {
  return new Counter({
    ...config,
    collect() {
      tally.into(this);
    },
  });
}
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The gateway's Prometheus metrics, in their own registry (prom-client writes the text format). */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requestTally = new Tally();
  private readonly tokenTally = new Tally();
  private readonly costTally = new Tally();
  readonly requests = tallied(this.requestTally, {
    name: 'switchyard_requests_total',
    help: 'Requests by serving route, route kind and status',
    labelNames: ['route', 'kind', 'status'],
    registers: [this.registry],
  });
  readonly denied = new Counter({
    name: 'switchyard_denied_total',
    help: 'Requests refused before any upstream, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'switchyard_request_duration_seconds',
    help: 'Total time of served requests',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly ttft = new Histogram({
    name: 'switchyard_time_to_first_token_seconds',
    help: 'Time to the first streamed chunk',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly tokens = tallied(this.tokenTally, {
    name: 'switchyard_tokens_total',
    help: 'Tokens by route and type',
    labelNames: ['route', 'type'],
    registers: [this.registry],
  });
  readonly usageClamped = new Counter({
    name: 'switchyard_usage_clamped_total',
    help: 'Answers whose reported usage was past what the request could produce, billed at that bound instead',
    labelNames: ['route'],
    registers: [this.registry],
  });
  readonly cache = new Counter({
    name: 'switchyard_cache_requests_total',
    help: 'Requests of tenants that use the response cache, by tenant and outcome (hit, miss, bypass)',
    labelNames: ['tenant', 'status'],
    registers: [this.registry],
  });
  readonly cacheSaved = new Counter({
    name: 'switchyard_cache_saved_usd_total',
    help: 'What cache hits would have cost, USD, by tenant',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly cost = tallied(this.costTally, {
    name: 'switchyard_cost_usd_total',
    help: 'Metered cost in USD by tenant and route',
    labelNames: ['tenant', 'route'],
    registers: [this.registry],
  });

  /** Each histogram's child by label set, looked up once: prom-client hashes the labels on every call otherwise. */
  private readonly children = new Map<string, Histogrammed>();

  /** Counts a finished request. */
  countRequest(route: string, kind: string, status: number): void {
    this.requestTally.add(`${route}\0${kind}\0${status}`, () => ({ route, kind, status: String(status) }), 1);
  }

  /** A served request's latency, time to first token (streams), tokens and cost, on its route. */
  countServed(
    route: string,
    tenant: string,
    latencyS: number,
    ttftS: number | undefined,
    usage: TokenUsage | undefined,
    costUsd: number,
  ): void {
    this.child(`l\0${route}`, () => this.latency.labels({ route })).observe(latencyS);
    if (ttftS !== undefined) this.child(`f\0${route}`, () => this.ttft.labels({ route })).observe(ttftS);
    if (usage) {
      this.tokenTally.add(`i\0${route}`, () => ({ route, type: 'input' }), usage.input);
      this.tokenTally.add(`o\0${route}`, () => ({ route, type: 'output' }), usage.output);
      this.tokenTally.add(`c\0${route}`, () => ({ route, type: 'cached' }), usage.cachedInput ?? 0);
    }
    if (costUsd > 0) this.costTally.add(`${tenant}\0${route}`, () => ({ tenant, route }), costUsd);
  }

  private child(key: string, make: () => Histogrammed): Histogrammed {
    const known = this.children.get(key);
    if (known !== undefined) return known;
    const made = make();
    this.children.set(key, made);
    return made;
  }

  /** How late the event loop ran (a stalled loop stalls every request): sampled every 10 ms. */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });

  constructor(
    routing: () => RoutingConfig,
    ledger: SpendLedger,
    health: RouteHealthStore,
    sink: DecisionSink,
    clock: Clock,
    /** The tenant of a virtual key, for the per-key spend's label; absent without a store (no keys to show). */
    keyTenant?: (keyId: string) => string | undefined,
    /** Whether the store answered its last read; absent without a store. */
    storeReady?: () => boolean,
  ) {
    this.loopDelay.enable();
    const loop = this.loopDelay;
    new Gauge({
      name: 'switchyard_event_loop_delay_p99_seconds',
      help: 'p99 of how late the event loop ran since the previous scrape',
      registers: [this.registry],
      collect() {
        // The histogram holds the time between samples, the 10 ms interval included: lateness is what exceeds it.
        this.set(loop.count > 0 ? Math.max(0, loop.percentile(99) / 1e6 - LOOP_SAMPLE_MS) / 1e3 : 0);
        loop.reset();
      },
    });
    new Gauge({
      name: 'switchyard_log_backlog_rows',
      help: 'Decision log rows recorded and not yet safe in the writer (proxy requests are refused past log.max_backlog_rows)',
      registers: [this.registry],
      collect() {
        this.set(sink.backlog());
      },
    });
    new Gauge({
      name: 'switchyard_ledger_corrupt_tenants',
      help: 'Tenants whose budget counters in the shared state were found corrupt and are being rebuilt from the decision logs (their budgets fail closed)',
      registers: [this.registry],
      collect() {
        this.set(ledger.problems().length);
      },
    });
    new Gauge({
      name: 'switchyard_budget_remaining_usd',
      help: 'Budget left in the current UTC window (settled and reserved spend subtracted)',
      labelNames: ['tenant', 'window'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const tenant of routing().tenants.values()) {
          const b = tenant.budget;
          if (!b) continue;
          const spend = await ledger.snapshot(tenant.id, clock.now());
          if (b.dailyPico !== undefined)
            this.set({ tenant: tenant.id, window: 'daily' }, picoToUsdNumber(b.dailyPico - spend.dailyPico));
          if (b.monthlyPico !== undefined)
            this.set({ tenant: tenant.id, window: 'monthly' }, picoToUsdNumber(b.monthlyPico - spend.monthlyPico));
        }
      },
    });
    if (storeReady)
      new Gauge({
        name: 'switchyard_store_up',
        help: 'Whether the store (keys and tenants) answered its last read: 0 while instances serve the last snapshot',
        registers: [this.registry],
        collect() {
          this.set(storeReady() ? 1 : 0);
        },
      });
    new Gauge({
      name: 'switchyard_key_spend_usd',
      help: "Each virtual key's settled spend in the current UTC window (also counted in its tenant's)",
      labelNames: ['key', 'tenant', 'window'],
      registers: [this.registry],
      async collect() {
        this.reset();
        if (!keyTenant) return;
        // A ledger that cannot report now (Redis away, counters being rebuilt) leaves the gauge empty: the
        // scrape still answers with everything else.
        const report = await ledger.report(clock.now()).catch(() => []);
        for (const s of report) {
          const key = keyIdOf(s.tenant);
          if (key === undefined) continue;
          const tenant = keyTenant(key) ?? '';
          this.set({ key, tenant, window: 'daily' }, picoToUsdNumber(s.daySettled));
          this.set({ key, tenant, window: 'monthly' }, picoToUsdNumber(s.monthSettled));
        }
      },
    });
    new Gauge({
      name: 'switchyard_circuit_state',
      help: 'Circuit per route: 0 closed, 1 half-open, 2 open',
      labelNames: ['route'],
      registers: [this.registry],
      collect() {
        for (const route of routing().routes)
          this.set({ route: route.id }, CIRCUIT_VALUE[health.circuitState(route.id)]);
      },
    });
  }

  /** Stops sampling the event loop. */
  close(): void {
    this.loopDelay.disable();
  }
}
