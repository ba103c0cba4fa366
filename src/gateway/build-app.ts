import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { GatewayError } from './errors.js';
import { WIRE_FORMATS } from './formats/registry.js';
import type { AppContext } from './app-context.js';
import type { GatewayDeps } from './gateway-deps.js';
import { registerAdminRoutes, reloadHere } from './http/admin-routes.js';
import { clientErrorHandler } from './http/client-errors.js';
import { recordRefusedAtEdge } from './http/edge-refusal.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { registerRequestDeadline } from './http/request-deadline.js';
import { toGatewayError } from './http/error-mapping.js';
import { registerInfoRoutes } from './http/info-routes.js';
import { registerKeyRoutes } from './http/key-routes.js';
import { registerTenantRoutes } from './http/tenant-routes.js';
import { echoedRequestId } from './http/caller-request-id.js';
import { registerProxyRoutes } from './http/proxy-routes.js';
import { respondError } from './http/respond.js';
import { GatewayMetrics } from './record/metrics.js';
import { BudgetAlerts, LocalAlertClaims, type AlertTarget } from './record/budget-alerts.js';
import { keyIdOf } from './state/holders.js';
import type { RoutingConfig } from '../engine/routing-config.js';
import type { Store } from '../store/store.js';
import { logDirOf, RuntimeHolder } from './runtime.js';
import { UiSessions } from './dashboard/ui-sessions.js';
import { LiveWindow } from './record/live-window.js';
import { LogQueries } from './dashboard/log-queries.js';
import { registerDashboardRoutes } from './dashboard/dashboard-routes.js';
import { walDirOf } from './record/write-ahead-log.js';
import { InFlight } from './in-flight.js';
import { bufferedStdout } from './stdout-log.js';

export interface AppOptions {
  /** pino options (or `false`); tests pass a stream to read the log lines. */
  readonly logger?: FastifyServerOptions['logger'];
  readonly bodyLimit?: number;
  /** How `POST /admin/reload` reads the config again (default: the same file, the same options). */
  readonly reload?: () => Promise<LoadedConfig>;
}

export const DEFAULT_BODY_LIMIT = 20 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The gateway's HTTP app over a loaded config and its state (`createDefaultDeps` gives the embedded
 * default), built and never listening by itself (`switchyard serve` listens; tests `listen({ port: 0 })`
 * or `inject`). Every error leaves through one handler, in the format of the endpoint's callers.
 */
export function buildApp(loaded: LoadedConfig, deps: GatewayDeps, options: AppOptions = {}): FastifyInstance {
  const runtime = new RuntimeHolder(loaded, deps.health, deps.limiter, deps.clock, deps.random, deps.configure);
  const { store } = deps;
  if (store) {
    // At start an id in both the file and the store stops the gateway; later, the change is refused and logged.
    runtime.setStoreTenants(store.tenants.specs());
    store.tenants.onChange(() => {
      try {
        runtime.setStoreTenants(store.tenants.specs());
      } catch (err) {
        app.log.error({ err }, 'store tenants not served');
      }
    });
  }
  const metrics = new GatewayMetrics(
    () => runtime.current.loaded.routing,
    deps.ledger,
    deps.health,
    deps.sink,
    deps.clock,
    deps.store ? (keyId) => deps.store?.keys.byId(keyId)?.tenant : undefined,
    deps.store ? () => deps.store?.ready() === true : undefined,
  );
  const ctx: AppContext = {
    ...deps,
    runtime,
    metrics,
    inFlight: new InFlight(),
    sessions: new UiSessions(deps.clock),
    live: new LiveWindow(),
    alerts: new BudgetAlerts({
      ledger: deps.ledger,
      claims: deps.alertClaims ?? new LocalAlertClaims(),
      targetOf: (holder) => alertTarget(holder, runtime.current.loaded.routing, deps.store),
      audit: async (action, target, detail) => {
        if (deps.store) await deps.store.record('switchyard', action, target, detail);
        else app.log.info({ action, target, detail }, 'budget alert');
      },
      onError: (err) => app.log.error({ err }, 'budget alert failed'),
    }),
    requestLines: () => runtime.current.loaded.file.log?.request_lines !== false,
    reload: options.reload ?? (() => loadConfig(runtime.current.loaded.path, runtime.current.loaded.options)),
  };
  const app = Fastify({
    logger: options.logger ?? {
      level: 'info',
      stream: bufferedStdout(),
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]'], censor: '[redacted]' },
    },
    // One line per request, written by `record` with the decision; fastify's own per-request lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? loaded.file.server?.body_limit_bytes ?? DEFAULT_BODY_LIMIT,
    requestIdHeader: false,
    // Always the gateway's own: a caller's x-request-id is kept beside it (caller-request-id.ts).
    genReqId: () => randomUUID(),
    clientErrorHandler,
    // Reject wrong types instead of coercing them (`"model": 5` is an error, not "5").
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  app.setErrorHandler((err, request, reply) => {
    const e = toGatewayError(err);
    if (e.code === 'internal_error') request.log.error({ err }, 'unhandled error');
    else request.log.info({ status: e.status, code: e.code }, 'rejected');
    // An authenticated caller's request refused before planning still gets its log row.
    if (!reply.raw.headersSent) recordRefusedAtEdge(ctx, request, e);
    if (reply.raw.headersSent) {
      reply.raw.end();
      return;
    }
    respondError(reply, request.routeOptions.config.callerFormat ?? WIRE_FORMATS.openai, echoedRequestId(request), e);
  });
  app.setNotFoundHandler((request, reply) => {
    respondError(
      reply,
      WIRE_FORMATS.openai,
      echoedRequestId(request),
      new GatewayError('not_found', `No endpoint ${request.method} ${request.url.split('?')[0]}.`),
    );
  });

  registerJsonBodyParser(app);
  // A body sent slowly holds a connection and its memory: the whole request must arrive in this time.
  registerRequestDeadline(app, ctx, loaded.file.server?.request_timeout_ms ?? DEFAULT_REQUEST_TIMEOUT_MS);
  registerProxyRoutes(app, ctx);
  registerInfoRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerKeyRoutes(app, ctx);
  registerTenantRoutes(app, ctx);
  const logDir = deps.logDir ?? logDirOf(loaded);
  const queries = new LogQueries({ dir: logDir, walDir: walDirOf(logDir), memoryLimit: '256MB', threads: 1 });
  registerDashboardRoutes(app, ctx, queries);
  deps.cluster?.onReload(() => reloadHere(ctx));
  app.addHook('onClose', async () => {
    // A caller that has its answer lets the server close, while its request is still settling and logging.
    await ctx.inFlight.drained();
    // The alerts of the last requests read the ledger: before it is closed.
    await ctx.alerts.idle();
    await runtime.close();
    await deps.sink.close();
    await deps.ledger.close();
    await deps.limiter.close();
    await deps.health.close();
    await deps.cluster?.close();
    await deps.caches?.shared?.close();
    await deps.tracer?.close();
    await queries.close();
    await deps.alertClaims?.close?.();
    await deps.store?.close();
    metrics.close();
  });
  return app;
}

/** The budget and alerts of a ledger holder: a virtual key (`key/<id>`) or a tenant; undefined without alerts. */
function alertTarget(holder: string, routing: RoutingConfig, store: Store | undefined): AlertTarget | undefined {
  const keyId = keyIdOf(holder);
  if (keyId !== undefined) {
    const key = store?.keys.byId(keyId);
    if (!key?.alerts || !key.ledgerBudget) return undefined;
    return { kind: 'key', id: key.id, tenant: key.tenant, budget: key.ledgerBudget, alerts: key.alerts };
  }
  const tenant = routing.tenants.get(holder);
  if (!tenant?.alerts || !tenant.budget) return undefined;
  return { kind: 'tenant', id: tenant.id, tenant: tenant.id, budget: tenant.budget, alerts: tenant.alerts };
}
