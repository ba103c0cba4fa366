import type { LoadedConfig } from '../config/load-config.js';
import { DuckDbDecisionSink } from './record/duckdb-decision-sink.js';
import type { DecisionSink } from './record/decision-sink.js';
import type { RequestTracer } from './record/request-tracer.js';
import { restoreLedgerFromLog } from './record/restore-ledger.js';
import { ensureWritableLogDir } from './record/writable-log-dir.js';
import { VERSION } from '../version.js';
import type { Store } from '../store/store.js';
import type { AlertClaims } from './record/budget-alerts.js';
import type { ResponseCaches } from './cache/cache-step.js';
import { MemoryResponseCache } from './cache/response-cache.js';
import { logDirOf } from './runtime.js';
import type { CircuitOptions } from './state/circuit-breaker.js';
import type { ClusterReload } from './state/cluster-reload.js';
import { systemClock, type Clock } from './state/clock.js';
import { MemoryRouteHealth } from './state/memory-route-health.js';
import { MemoryRateLimiter } from './state/memory-rate-limiter.js';
import { MemorySpendLedger } from './state/memory-spend-ledger.js';
import type { RateLimiter } from './state/rate-limiter.js';
import type { RouteHealthStore } from './state/route-health-store.js';
import type { SpendLedger } from './state/spend-ledger.js';

/** The gateway's state, behind interfaces: `buildApp` takes them, so a test or a shared store swaps them. */
export interface GatewayDeps {
  readonly ledger: SpendLedger;
  readonly limiter: RateLimiter;
  readonly health: RouteHealthStore;
  readonly sink: DecisionSink;
  readonly clock: Clock;
  /** Uniform in [0, 1): the seed of a weighted choice among equal routes, the jitter of a retry's backoff. */
  readonly random: () => number;
  /**
   * Told of each config the gateway serves, at start and on every reload: state that reads the config (with
   * shared state, which tenants fail open while Redis is away).
   */
  readonly configure?: (loaded: LoadedConfig) => void;
  /** With `telemetry`: a span per request to an OTLP collector. */
  readonly tracer?: RequestTracer;
  /** With `store:`: virtual keys and added tenants, read into memory and kept current (`store/store.ts`). */
  readonly store?: Store;
  /**
   * Who sends a budget alert when several instances see the threshold crossed: the store's row, else Redis
   * (`state:`); this process alone when absent.
   */
  readonly alertClaims?: AlertClaims & { close?(): Promise<void> };
  /** Where the decision log is written (the dashboard reads it there); `log.dir` of the config when absent. */
  readonly logDir?: string;
  /** With shared state: the other instances, for a reload that reaches them all. */
  readonly cluster?: ClusterReload;
  /** With `cache:`: where answers are kept (this instance's memory, and Redis with `store: redis`). */
  readonly caches?: ResponseCaches;
}

export interface DefaultDepsOptions {
  readonly clock?: Clock;
  readonly circuit?: CircuitOptions;
  readonly random?: () => number;
  /** Overrides `log.dir` of the config. */
  readonly logDir?: string;
}

/**
 * The embedded default: the ledger and route health in memory, the decision log in DuckDB/Parquet, and
 * the ledger restored from that log (today's and this month's spend) before serving.
 */
export async function createDefaultDeps(loaded: LoadedConfig, options: DefaultDepsOptions = {}): Promise<GatewayDeps> {
  const clock = options.clock ?? systemClock;
  const dir = options.logDir ?? logDirOf(loaded);
  const log = loaded.file.log;
  const logOptions = {
    dir,
    ...(log?.roll_seconds === undefined ? {} : { rollMs: log.roll_seconds * 1000 }),
    ...(log?.duckdb_memory_limit === undefined ? {} : { memoryLimit: log.duckdb_memory_limit }),
    ...(log?.duckdb_threads === undefined ? {} : { threads: log.duckdb_threads }),
  };
  ensureWritableLogDir(dir, loaded.path);
  // Opened first, so a store that cannot be opened stops the start with nothing else to close.
  // Loaded only with a store: Postgres' and PGlite's clients are ≈18 MB of memory a gateway without one never needs.
  const opened = loaded.file.store
    ? await (await import('../store/open-store.js')).openStore(loaded.file.store, loaded.path, clock)
    : undefined;
  const store = opened
    ? {
        store: opened,
        alertClaims: { claim: (h: string, w: string, p: number) => opened.claimAlert(h, w, p) },
      }
    : {};
  const sink = await DuckDbDecisionSink.open(logOptions, clock);
  const local = new MemoryRouteHealth(clock, options.circuit);
  const state = loaded.file.state;
  // Redis' client and OpenTelemetry's exporter are imported only when configured: ≈13 and ≈10 MB of memory.
  const shared = state
    ? await (await import('./shared-state-deps.js')).connectSharedState(loaded, state, dir, clock, local, opened)
    : { ledger: await restoredLedger(dir, clock), limiter: new MemoryRateLimiter(), health: local };
  const telemetry = loaded.file.telemetry;
  const tracing = telemetry
    ? { tracer: (await import('./record/request-tracer.js')).RequestTracer.create(telemetry, VERSION) }
    : {};
  const caches = await cachesFor(loaded, clock);
  return {
    ...shared,
    sink,
    clock,
    random: options.random ?? Math.random,
    logDir: dir,
    ...tracing,
    ...store,
    ...caches,
  };
}

/** The ledger in memory, restored from this instance's log (today's and this month's spend). */
async function restoredLedger(dir: string, clock: Clock): Promise<SpendLedger> {
  const ledger = new MemorySpendLedger();
  await restoreLedgerFromLog(ledger, dir, clock.now());
  return ledger;
}

/** The response cache's stores, with `cache:`: memory always, Redis beside it with `store: redis`. */
async function cachesFor(loaded: LoadedConfig, clock: Clock): Promise<{ caches?: ResponseCaches }> {
  const config = loaded.file.cache;
  if (!config) return {};
  const memory = new MemoryResponseCache(config.max_entries, () => clock.now());
  const state = loaded.file.state;
  if (config.store !== 'redis' || !state) return { caches: { config, memory } };
  const [{ RedisResponseCache }, { keyPrefixOf }] = await Promise.all([
    import('./cache/redis-response-cache.js'),
    import('./shared-state-deps.js'),
  ]);
  const shared = await RedisResponseCache.connect(state.redis_url, keyPrefixOf(state));
  return { caches: { config, memory, shared } };
}
