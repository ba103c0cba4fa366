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
import { echoedRequestId } from './http/caller-request-id.js';
import { registerProxyRoutes } from './http/proxy-routes.js';
import { respondError } from './http/respond.js';
import { GatewayMetrics } from './record/metrics.js';
import { RuntimeHolder } from './runtime.js';
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
  const metrics = new GatewayMetrics(
    () => runtime.current.loaded.routing,
    deps.ledger,
    deps.health,
    deps.sink,
    deps.clock,
  );
  const ctx: AppContext = {
    ...deps,
    runtime,
    metrics,
    inFlight: new InFlight(),
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
  deps.cluster?.onReload(() => reloadHere(ctx));
  app.addHook('onClose', async () => {
    // A caller that has its answer lets the server close, while its request is still settling and logging.
    await ctx.inFlight.drained();
    await runtime.close();
    await deps.sink.close();
    await deps.ledger.close();
    await deps.limiter.close();
    await deps.health.close();
    await deps.cluster?.close();
    await deps.tracer?.close();
    await deps.keys?.close();
    metrics.close();
  });
  return app;
}
