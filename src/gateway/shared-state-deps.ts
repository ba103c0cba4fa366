import { setTimeout as delay } from 'node:timers/promises';
import type { LoadedConfig } from '../config/load-config.js';
import type { Store } from '../store/store.js';
import { restoreLedgerFromLog } from './record/restore-ledger.js';
import type { AlertClaims } from './record/budget-alerts.js';
import type { Clock } from './state/clock.js';
import { ClusterReload } from './state/cluster-reload.js';
import { FailOpenLedger } from './state/fail-open-ledger.js';
import { FailOpenLimiter } from './state/fail-open-limiter.js';
import { FailOpenTenants } from './state/fail-open-tenants.js';
import { keyIdOf } from './state/holders.js';
import type { MemoryRouteHealth } from './state/memory-route-health.js';
import { MemoryRateLimiter } from './state/memory-rate-limiter.js';
import { MemorySpendLedger } from './state/memory-spend-ledger.js';
import { RedisAlertClaims } from './state/redis-alert-claims.js';
import { RedisRateLimiter } from './state/redis-rate-limiter.js';
import { RedisSpendLedger } from './state/redis-spend-ledger.js';
import type { RateLimiter } from './state/rate-limiter.js';
import type { RouteHealthStore } from './state/route-health-store.js';
import { SharedRouteHealth } from './state/shared-route-health.js';
import type { SpendLedger } from './state/spend-ledger.js';

type StateSettings = NonNullable<LoadedConfig['file']['state']>;

const DEFAULT_KEY_PREFIX = 'switchyard';
/** Where this deployment's keys live in Redis. */
export const keyPrefixOf = (state: StateSettings): string => state.key_prefix ?? DEFAULT_KEY_PREFIX;
/** Longer than the decision log's write-ahead sync window (200 ms) plus a write. */
const LOG_ON_DISK_MS = 500;
/**
 * A reservation (or a place in flight) outlives the slowest route's whole attempt by this much before Redis gives it
 * back.
 */
const RESERVATION_MARGIN_MS = 60_000;
const reservationTtl = (loaded: LoadedConfig, state: StateSettings) =>
  Math.max(...loaded.file.routes.map((r) => r.timeouts.total_ms)) +
  (state.reservation_margin_ms ?? RESERVATION_MARGIN_MS);

/** What `connectSharedState` gives the gateway's deps (`GatewayDeps` says what each is). */
export interface SharedState {
  readonly ledger: SpendLedger;
  readonly limiter: RateLimiter;
  readonly health: RouteHealthStore;
  readonly configure: (loaded: LoadedConfig) => void;
  readonly cluster: ClusterReload;
  readonly alertClaims?: AlertClaims & { close?(): Promise<void> };
}

/**
 * The state several instances share in Redis (`state:`): the ledger, the limiter, route health, reload and alert
 * claims, each failing open to this process's own for the tenants that say so. Its own module, imported only when
 * `state:` is set: Redis' client is ≈13 MB of memory that a gateway without it never needs.
 */
export async function connectSharedState(
  loaded: LoadedConfig,
  state: StateSettings,
  dir: string,
  clock: Clock,
  local: MemoryRouteHealth,
  store: Store | undefined,
): Promise<SharedState> {
  const prefix = keyPrefixOf(state);
  const ttl = reservationTtl(loaded, state);
  // Every instance's rows are on disk within its write-ahead log's sync window: wait one out before reading.
  const restore = async (ledger: Pick<MemorySpendLedger, 'restore'>, nowMs: number) => {
    await delay(LOG_ON_DISK_MS);
    await restoreLedgerFromLog(ledger, dir, nowMs);
  };
  const ledger = await RedisSpendLedger.connect(state.redis_url, prefix, ttl, restore, () => clock.now());
  await ledger.ensureRestored(clock.now());
  const health = await SharedRouteHealth.connect(local, state.redis_url, prefix);
  const limiter = await RedisRateLimiter.connect(state.redis_url, prefix, ttl);
  // The local fallback starts from what the log holds, so a fail-open tenant's budget is not forgotten.
  const localLedger = new MemorySpendLedger();
  await restoreLedgerFromLog(localLedger, dir, clock.now());
  const cluster = await ClusterReload.connect(state.redis_url, prefix);
  // With a store, alerts are claimed there (`store.alertClaims`); Redis claims them only without one.
  const alertClaims = store ? undefined : await RedisAlertClaims.connect(state.redis_url, prefix);
  const failOpen = new FailOpenTenants();
  // A virtual key's counts fail open or closed as its tenant's do.
  const failsOpen = (holder: string) => {
    const keyId = keyIdOf(holder);
    return failOpen.has(keyId === undefined ? holder : (store?.keys.byId(keyId)?.tenant ?? ''));
  };
  return {
    ledger: new FailOpenLedger(ledger, localLedger, failsOpen),
    limiter: new FailOpenLimiter(limiter, new MemoryRateLimiter(), () => ledger.ready(), failsOpen),
    health,
    configure: (served) => failOpen.configure(served),
    cluster,
    ...(alertClaims ? { alertClaims } : {}),
  };
}
