import type { LoadedConfig } from '../config/load-config.js';
import type { Endpoint, WireFormat } from './formats/wire-format.js';
import type { GatewayDeps } from './gateway-deps.js';
import type { InFlight } from './in-flight.js';
import type { GatewayMetrics } from './record/metrics.js';
import type { BudgetAlerts } from './record/budget-alerts.js';
import type { UiSessions } from './dashboard/ui-sessions.js';
import type { LiveWindow } from './record/live-window.js';
import type { RuntimeHolder } from './runtime.js';

/** What every route handler shares: the swappable config and the state behind its interfaces. */
export interface AppContext extends GatewayDeps {
  readonly runtime: RuntimeHolder;
  readonly metrics: GatewayMetrics;
  /** Reads the config again for `POST /admin/reload`. */
  readonly reload: () => Promise<LoadedConfig>;
  /** Proxy requests not yet recorded: the caller may have its answer while its row is still being written. */
  readonly inFlight: InFlight;
  /** The dashboard's sign-ins. */
  readonly sessions: UiSessions;
  /** The last minute of traffic, for the dashboard's live overview. */
  readonly live: LiveWindow;
  /** Budget alerts, checked after each settlement. */
  readonly alerts: BudgetAlerts;
  /** Whether each request gets its info line on stdout (`log.request_lines`, read per request: a reload changes it). */
  readonly requestLines: () => boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The wire format the endpoint's callers speak: their errors are written in it. */
    callerFormat?: WireFormat;
    /** The proxy endpoint it serves, for the log row of a request refused at the edge. */
    endpoint?: Endpoint;
  }
}
