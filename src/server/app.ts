import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { toAnthropicError } from './anthropic/anthropic-to-openai.js';
import { GatewayError, toGatewayError } from './errors.js';
import type { Gateway } from './gateway.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerInfoRoutes } from './routes/info-routes.js';
import { registerProxyRoutes } from './routes/proxy-routes.js';

export interface AppOptions {
  /** pino options (or `false`); tests pass a stream to read the log lines. */
  readonly logger?: FastifyServerOptions['logger'];
  readonly bodyLimit?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
export const DEFAULT_BODY_LIMIT = 20 * 1024 * 1024;

/**
 * The gateway's HTTP app, built and never listening by itself (`switchyard serve` listens; tests use
 * `listen({ port: 0 })` or `inject`). Every error leaves through one handler in OpenAI's shape.
 */
export function buildApp(gateway: Gateway, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? { level: 'info', redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]'], censor: '[redacted]' } },
    // One line per request, written by the handlers with the decision; fastify's own per-request lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? gateway.current.loaded.routing.file.server?.body_limit_bytes ?? DEFAULT_BODY_LIMIT,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Reject wrong types instead of coercing them (`"model": 5` is an error, not "5").
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  app.setErrorHandler((err, request, reply) => {
    const e = toGatewayError(err);
    if (e.code === 'internal_error') request.log.error({ err }, 'unhandled error');
    else request.log.info({ status: e.status, code: e.code }, 'rejected');
    if (reply.raw.headersSent) {
      reply.raw.end();
      return;
    }
    // Anthropic clients get Anthropic's error shape; everyone else OpenAI's.
    void reply.code(e.status).header('x-request-id', request.id).send(request.url.startsWith('/v1/messages') ? toAnthropicError(e) : e.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new GatewayError(404, 'not_found_error', 'not_found', `No endpoint ${request.method} ${request.url.split('?')[0]}.`);
    void reply.code(404).header('x-request-id', request.id).send(e.toJSON());
  });

  registerProxyRoutes(app, gateway);
  registerInfoRoutes(app, gateway);
  registerAdminRoutes(app, gateway);
  app.addHook('onClose', async () => gateway.close());
  return app;
}
